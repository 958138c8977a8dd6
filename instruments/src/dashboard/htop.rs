//! The htop view every part shows: meters and counters on top, the busiest threads below, the
//! performance chart at the bottom.
//!
//! ```text
//!   0[|||||||||||||           46.0%] Threads      1 006 OS · 1 001 server
//!   1[|||||||||||||||         52.5%] Connections  1 000 open (target 1 000)
//! Avg[||||||||||||||          49.2%] Req/s        19 230 done of 19 260 offered
//! Server CPU 61.0% (100%=1 core)     Queue        1 000 waiting
//! Mem[        RSS 22.6 MiB/24.0 GiB] Ctx switches 37 154/s · 1.93 per request
//! Virtual 3.0 GiB: stacks reserved   Latency      p50 51.3 ms · p99 58.4 ms
//! Kernel stacks 25.1 MiB, not in RSS Errors       none
//!     TID USER      PR  NI  CPU%  MEM% CMD
//!    4100 learner   20   0   1.1   0.1 part1-threads
//! … and 1 004 more threads
//! ```
//!
//! The memory lines are the first lesson of part 1, so they are labelled for it: a thread's
//! stack is *reserved* in full (virtual size: 2 MiB each by default) but only the pages it
//! touches are *resident* (RSS), and the kernel keeps a stack of its own per thread that no
//! process's RSS includes.
//!
//! Texts come in a long and a short wording; the short one is used when the column is too
//! narrow for the long, so that 80 columns stay readable and wider terminals say more.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget, Wrap};

use crate::dashboard::area::{share, take_left, take_top};
use crate::dashboard::errors::error_rates;
use crate::dashboard::readings::{completed_per_s, offered_per_s, switches_per_request, threads};
use crate::dashboard::theme::{ALERT, BAR, DIM, HEADER, KEY as LABEL};
use crate::dashboard::{chart, format};
use crate::sample::{ProcessSample, Sample};
use crate::series::Series;

/// Rows of the left meter column besides the per-core bars: average, server CPU, memory bar,
/// virtual size, kernel stacks.
const FIXED_LEFT_ROWS: u16 = 5;
/// Rows of the counter column: threads, connections, req/s, queue, context switches, latency,
/// errors.
const COUNTER_ROWS: u16 = 7;
/// The meters may take at most this share (1/N) of the view's height, so that the table and
/// the chart keep room; never less than the counters need.
const METERS_HEIGHT_DIVISOR: u16 = 3;
/// A per-core bar narrower than this (`15[|| 42.0%]`) no longer shows its percentage.
const MIN_CORE_BAR_WIDTH: u16 = 14;
/// Label width of meter bars, wide enough for `Avg`, `Mem` and core numbers up to 999.
const METER_LABEL_WIDTH: usize = 3;
/// Width of the labels of the counter column (`Ctx switches`).
const COUNTER_LABEL_WIDTH: usize = 13;
/// The meter column's share of the width, in percent, and its bounds.
const METER_COLUMN_PERCENT: u16 = 42;
const METER_COLUMN_MIN: u16 = 34;
const METER_COLUMN_MAX: u16 = 60;
/// Below this many rows the chart says too little to be worth drawing.
const CHART_MIN_ROWS: u16 = 5;
/// The table's share of the rows left for the table and the chart, in percent.
const TABLE_PERCENT: u16 = 40;
/// Levels of the one-character core gauges used when there are too many cores for bars.
const GAUGE_LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws the htop view of the latest sample in `history`, with the chart over the history.
pub fn render<X>(history: &Series<Sample<X>>, area: Rect, buf: &mut Buffer) {
    let Some(latest) = history.latest() else {
        Paragraph::new("waiting for the first sample…")
            .style(DIM)
            .render(area, buf);
        return;
    };
    let mut rest = area;

    let left_width =
        share(area.width, METER_COLUMN_PERCENT).clamp(METER_COLUMN_MIN, METER_COLUMN_MAX);
    let max_meter_rows = (area.height / METERS_HEIGHT_DIVISOR).max(COUNTER_ROWS);
    let cores = CoreLayout::new(
        latest.process.cpu_cores.len(),
        left_width,
        max_meter_rows.saturating_sub(FIXED_LEFT_ROWS),
    );
    let meter_rows = (cores.rows() + FIXED_LEFT_ROWS).max(COUNTER_ROWS);
    let mut meters = take_top(&mut rest, meter_rows);
    let left = take_left(&mut meters, left_width);
    take_left(&mut meters, 1);
    render_cpu_and_memory(&latest.process, cores, left, buf);
    render_counters(history, latest, meters, buf);

    let listed = u16::try_from(latest.process.top_threads.len()).unwrap_or(u16::MAX);
    let wanted_table_rows = listed.saturating_add(2);
    let table_rows = if rest.height < CHART_MIN_ROWS * 2 {
        rest.height
    } else {
        share(rest.height, TABLE_PERCENT).min(wanted_table_rows)
    };
    let table = take_top(&mut rest, table_rows);
    render_threads(latest, table, buf);
    chart::render(history, rest, buf);
}

/// How the per-core CPU meters are arranged: htop-style bars in columns while they fit, else
/// one character per core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CoreLayout {
    Bars { columns: u16, rows: u16 },
    Gauges { per_row: u16, rows: u16 },
}

impl CoreLayout {
    fn new(cores: usize, width: u16, max_rows: u16) -> Self {
        let cores = u16::try_from(cores).unwrap_or(u16::MAX);
        let max_columns = (width / MIN_CORE_BAR_WIDTH).max(1);
        let columns = cores.div_ceil(max_rows.max(1)).max(1);
        if columns <= max_columns {
            CoreLayout::Bars {
                columns,
                rows: cores.div_ceil(columns),
            }
        } else {
            let per_row = width.saturating_sub(METER_LABEL_WIDTH as u16 + 2).max(1);
            CoreLayout::Gauges {
                per_row,
                rows: cores.div_ceil(per_row),
            }
        }
    }

    fn rows(self) -> u16 {
        match self {
            CoreLayout::Bars { rows, .. } | CoreLayout::Gauges { rows, .. } => rows,
        }
    }
}

fn render_cpu_and_memory(p: &ProcessSample, cores: CoreLayout, area: Rect, buf: &mut Buffer) {
    let mut rest = area;
    let core_area = take_top(&mut rest, cores.rows());
    match cores {
        CoreLayout::Bars { columns, rows } => {
            let column_width = core_area.width / columns.max(1);
            for (i, busy) in p.cpu_cores.iter().enumerate() {
                let (column, row) = (i as u16 / rows.max(1), i as u16 % rows.max(1));
                let cell = Rect {
                    x: core_area.x + column * column_width,
                    y: core_area.y + row,
                    // A one-column gap between columns of bars.
                    width: column_width.saturating_sub(u16::from(columns > 1)),
                    height: 1,
                }
                .intersection(core_area);
                let line = meter(
                    &i.to_string(),
                    *busy as f64 / 100.0,
                    &format::percent(*busy),
                    cell.width,
                );
                line.render(cell, buf);
            }
        }
        CoreLayout::Gauges { per_row, .. } => {
            let lines = p
                .cpu_cores
                .chunks(usize::from(per_row))
                .enumerate()
                .map(|(i, chunk)| {
                    let label = if i == 0 { "CPU" } else { "" };
                    let gauges: String = chunk.iter().map(|&busy| gauge(busy)).collect();
                    Line::from(vec![
                        Span::styled(format!("{label:>METER_LABEL_WIDTH$}["), LABEL),
                        Span::styled(gauges, BAR),
                        Span::raw("]"),
                    ])
                });
            Paragraph::new(lines.collect::<Vec<_>>()).render(core_area, buf);
        }
    }

    let width = usize::from(area.width);
    let rss = p.rss as f64 / p.mem_total.max(1) as f64;
    let mut lines = vec![
        meter(
            "Avg",
            f64::from(p.cpu_avg) / 100.0,
            &format::percent(p.cpu_avg),
            area.width,
        ),
        fit(
            width,
            format!(
                "Server process CPU {} (100% = one core)",
                format::percent(p.process_cpu)
            ),
            format!(
                "Server CPU {} (100%=1 core)",
                format::percent(p.process_cpu)
            ),
        ),
        meter(
            "Mem",
            rss,
            &format!(
                "RSS {}/{}",
                format::bytes(p.rss),
                format::bytes(p.mem_total)
            ),
            area.width,
        ),
        fit(
            width,
            format!(
                "Virtual {}: stacks reserved, few pages used",
                format::bytes(p.virtual_size)
            ),
            format!("Virtual {}: stacks reserved", format::bytes(p.virtual_size)),
        ),
    ];
    if let Some(kernel_stack) = p.kernel_stack {
        lines.push(fit(
            width,
            format!(
                "Kernel stacks {} (all threads), not in RSS",
                format::bytes(kernel_stack)
            ),
            format!("Kernel stacks {}, not in RSS", format::bytes(kernel_stack)),
        ));
    }
    Paragraph::new(lines).render(rest, buf);
}

/// An htop meter: `label[||||||     text]`, the bar filled to `fraction` of its width and the
/// text written over its right end.
fn meter(label: &str, fraction: f64, text: &str, width: u16) -> Line<'static> {
    let inner = usize::from(width).saturating_sub(METER_LABEL_WIDTH + 2);
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (fraction * inner as f64).round() as usize;
    let text_len = text.chars().count();
    let text = if text_len <= inner { text } else { "" };
    let bar_len = inner - text.chars().count();
    let bars = "|".repeat(filled.min(bar_len));
    let gap = " ".repeat(bar_len - bars.len());
    Line::from(vec![
        Span::styled(format!("{label:>METER_LABEL_WIDTH$}"), LABEL),
        Span::raw("["),
        Span::styled(bars, BAR),
        Span::raw(gap),
        Span::raw(text.to_string()),
        Span::raw("]"),
    ])
}

/// One core as a single character, from blank (idle) to a full block (busy).
fn gauge(busy: f32) -> char {
    let top = GAUGE_LEVELS.len() - 1;
    let level = (f64::from(busy.clamp(0.0, 100.0)) / 100.0 * top as f64).round() as usize;
    GAUGE_LEVELS[level.min(top)]
}

/// The long wording when it fits in `width` columns, else the short one.
fn fit(width: usize, long: String, short: String) -> Line<'static> {
    Line::from(if long.chars().count() <= width {
        long
    } else {
        short
    })
}

/// The counter column: one row per counter, cut at the column's edge, except the errors,
/// which wrap into whatever rows the meters leave below them.
fn render_counters<X>(history: &Series<Sample<X>>, s: &Sample<X>, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width).saturating_sub(COUNTER_LABEL_WIDTH);
    let server = &s.server.totals;
    let os_threads = threads(s);
    let waiting = s.load.as_ref().map_or(0, |l| l.outstanding);

    let rows = [
        (
            "Threads",
            fit(
                width,
                format!(
                    "{} in the OS · {} counted by the server",
                    format::count(os_threads),
                    format::count(server.threads)
                ),
                format!(
                    "{} OS · {} server",
                    format::count(os_threads),
                    format::count(server.threads)
                ),
            ),
        ),
        ("Connections", connections_line(s, width)),
        (
            "Req/s",
            Line::raw(format!(
                "{} done of {} offered",
                format::rate(completed_per_s(s)),
                format::rate(offered_per_s(s))
            )),
        ),
        ("Queue", queue_line(waiting, server.queued, width)),
        (
            "Ctx switches",
            Line::raw(format!(
                "{}/s · {} per request",
                format::rate(s.process.ctx_switches_per_s()),
                format::ratio(switches_per_request(s))
            )),
        ),
        ("Latency", latency_line(s, width)),
    ];
    let mut rest = area;
    for (label, value) in rows {
        labelled(label, value).render(take_top(&mut rest, 1), buf);
    }
    Paragraph::new(labelled("Errors", errors_line(history)))
        .wrap(Wrap { trim: false })
        .render(rest, buf);
}

/// `label` in the counter column's label style, then `value`.
fn labelled(label: &str, value: Line<'static>) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("{label:<COUNTER_LABEL_WIDTH$}"),
        LABEL,
    )];
    spans.extend(value.spans);
    Line::from(spans)
}

fn connections_line<X>(s: &Sample<X>, width: usize) -> Line<'static> {
    let open = format::count(s.server.totals.active_connections);
    match &s.load {
        Some(load) => fit(
            width,
            format!(
                "{open} open at the server · clients {} of {}",
                format::count(load.connections_open),
                format::count(load.connections_target)
            ),
            format!(
                "{open} open (target {})",
                format::count(load.connections_target)
            ),
        ),
        None => Line::raw(format!("{open} open")),
    }
}

fn latency_line<X>(s: &Sample<X>, width: usize) -> Line<'static> {
    match &s.load {
        Some(load) if load.completed_per_s > 0.0 => {
            let p = &load.latency_us;
            fit(
                width,
                format!(
                    "p50 {} · p90 {} · p99 {}",
                    format::latency(p.p50),
                    format::latency(p.p90),
                    format::latency(p.p99)
                ),
                format!(
                    "p50 {} · p99 {}",
                    format::latency(p.p50),
                    format::latency(p.p99)
                ),
            )
        }
        Some(_) => Line::styled("no responses", DIM),
        None => Line::styled("no load generator", DIM),
    }
}

/// Requests waiting at the clients, and connections waiting at the server for a thread. Only a
/// server that queues connections (part 1's pool) has the second number; for the others it
/// would be a zero that means nothing, so it shows only when there is one.
fn queue_line(waiting: u64, queued: u64, width: usize) -> Line<'static> {
    let (waiting, queued_count) = (format::count(waiting), format::count(queued));
    if queued == 0 {
        return Line::raw(format!("{waiting} requests waiting"));
    }
    fit(
        width,
        format!("{waiting} requests waiting · {queued_count} connections wait for a thread"),
        format!("{waiting} waiting · {queued_count} conns queued"),
    )
}

/// Every kind of error seen so far: its rate when it is happening now, else its total.
fn errors_line<X>(history: &Series<Sample<X>>) -> Line<'static> {
    let errors = error_rates(history.iter());
    if errors.is_empty() {
        return Line::raw("none");
    }
    let text = errors
        .iter()
        .map(|e| {
            if e.per_s > 0.0 {
                format!("{} {}/s", e.kind, format::rate(e.per_s))
            } else {
                format!("{} {} total", e.kind, format::count(e.total))
            }
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let failing = errors.iter().any(|e| e.per_s > 0.0);
    Line::styled(text, if failing { ALERT } else { Style::new() })
}

fn render_threads<X>(s: &Sample<X>, area: Rect, buf: &mut Buffer) {
    if area.height < 2 {
        return;
    }
    let rows_available = usize::from(area.height - 1);
    let listed = &s.process.top_threads;
    let total = threads(s).max(listed.len() as u64);
    let shown = if listed.len() as u64 == total && listed.len() <= rows_available {
        listed.len()
    } else {
        listed.len().min(rows_available - 1)
    };
    let right = |text: String| Cell::from(Text::from(text).alignment(Alignment::Right));
    let header = Row::new(vec![
        right("TID".to_string()),
        Cell::from("USER"),
        right("PR".to_string()),
        right("NI".to_string()),
        right("CPU%".to_string()),
        right("MEM%".to_string()),
        Cell::from("CMD"),
    ])
    .style(HEADER);
    let rows = listed[..shown].iter().map(|t| {
        Row::new(vec![
            right(t.tid.to_string()),
            Cell::from(t.user.clone()),
            right(t.priority.to_string()),
            right(t.nice.to_string()),
            right(format!("{:.1}", t.cpu)),
            right(format!("{:.1}", t.mem)),
            Cell::from(t.cmd.clone()),
        ])
    });
    let widths = [
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    let mut rest = area;
    let table_area = take_top(&mut rest, u16::try_from(shown + 1).unwrap_or(u16::MAX));
    Widget::render(Table::new(rows, widths).header(header), table_area, buf);

    let more = total - shown as u64;
    if more > 0 {
        let noun = if more == 1 { "thread" } else { "threads" };
        Line::styled(format!("… and {} more {noun}", format::count(more)), DIM).render(rest, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn meters_fill_in_proportion_and_keep_their_text() {
        assert_eq!(text(&meter("0", 0.5, "50.0%", 20)), "  0[||||||||  50.0%]");
        assert_eq!(text(&meter("Avg", 0.0, "0.0%", 12)), "Avg[   0.0%]");
        assert_eq!(text(&meter("Avg", 1.0, "100.0%", 12)), "Avg[|100.0%]");
        assert_eq!(text(&meter("Avg", f64::NAN, "", 8)), "Avg[   ]");
        assert_eq!(
            text(&meter("Avg", 2.0, "too long to fit", 10)),
            "Avg[|||||]"
        );
        assert_eq!(text(&meter("Avg", 1.0, "x", 0)), "Avg[]");
    }

    #[test]
    fn queued_connections_show_only_when_a_server_queues_them() {
        assert_eq!(
            text(&queue_line(1_000, 0, 60)),
            "1\u{a0}000 requests waiting",
            "no connection waits for a thread: nothing to say about threads"
        );
        assert_eq!(
            text(&queue_line(1_000, 12, 60)),
            "1\u{a0}000 requests waiting · 12 connections wait for a thread"
        );
        assert_eq!(
            text(&queue_line(1_000, 12, 30)),
            "1\u{a0}000 waiting · 12 conns queued"
        );
    }

    #[test]
    fn gauges_span_idle_to_busy() {
        assert_eq!(gauge(0.0), ' ');
        assert_eq!(gauge(50.0), '▄');
        assert_eq!(gauge(100.0), '█');
        assert_eq!(gauge(250.0), '█');
    }

    #[test]
    fn cores_become_gauges_when_bars_do_not_fit() {
        assert_eq!(
            CoreLayout::new(2, 36, 2),
            CoreLayout::Bars {
                columns: 1,
                rows: 2
            }
        );
        assert_eq!(
            CoreLayout::new(4, 36, 2),
            CoreLayout::Bars {
                columns: 2,
                rows: 2
            }
        );
        assert_eq!(
            CoreLayout::new(16, 36, 2),
            CoreLayout::Gauges {
                per_row: 31,
                rows: 1
            }
        );
        assert_eq!(
            CoreLayout::new(0, 36, 2),
            CoreLayout::Bars {
                columns: 1,
                rows: 0
            }
        );
        assert_eq!(CoreLayout::new(8, 0, 0).rows(), 8);
    }
}
