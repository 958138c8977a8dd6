//! The reactor panel of the dashboard: the event loop, seen from inside.
//!
//! ```text
//!  ● running · 1 204 polls/s · 16.6 events/poll · 0 wakes/s
//!  in poll   ██████████░░░░░░░░░░  52%  (waiting)
//!  handlers  ███████░░░░░░░░░░░░░  35%  (working)
//!  sources 1 001 · timers 1 000 · stale 0 · blocked writes/s 0
//!  Events per poll (polls this tick; 0: only a timer was due)
//!      0 █                       12
//!      1 ███                     40
//!    ...
//!  Recent events (newest last; source = #slot.generation)
//!   18342 #7.0   readable   read 78 B, 1 request, wait 50 ms
//! ```
//!
//! What to look for: with few connections the loop sleeps in `poll` and wakes for one event
//! at a time; with thousands, each poll returns dozens of events and the time in handlers
//! grows — one system call now serves many connections. When handlers near 100%, the one
//! thread is the bottleneck (try `cpu_us`). Pausing (`p`) and stepping (`n`) freeze the loop
//! between polls: requests pile up in the kernel, and each step's log lines show one cycle.
//!
//! The panel fits whatever area the dashboard gives it: on a short one the histogram
//! shrinks to a single line and the log to what is left; nothing panics, however small.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use instruments::dashboard::PartView;
use instruments::sample::Sample;
use instruments::series::Series;

use crate::event_log::LogLine;
use crate::sample::ReactorSample;
use crate::stats::{EVENT_BUCKET_LABELS, EVENT_BUCKETS};

/// Pauses or resumes the event loop.
pub const PAUSE_KEY: char = 'p';
/// Runs one poll cycle of a paused loop (and pauses a running one).
pub const STEP_KEY: char = 'n';

/// Rows the header always wants: status, two time bars, counts.
const HEADER_ROWS: u16 = 4;
/// The full histogram: a title and one row per bucket.
const HISTOGRAM_ROWS: u16 = 1 + EVENT_BUCKETS as u16;
/// The log must keep at least a title and this many lines for the full histogram to be drawn.
const MIN_LOG_LINES: u16 = 3;
/// The widest a time bar is drawn.
const MAX_TIME_BAR: usize = 30;
/// Below this width the log drops its `poll` column.
const LOG_POLL_COLUMN_MIN_WIDTH: u16 = 60;

const LABEL: Style = Style::new().fg(Color::Cyan);
const DIM: Style = Style::new().fg(Color::DarkGray);
const BAR: Style = Style::new().fg(Color::Green);

impl PartView for ReactorSample {
    const PANEL: Option<&'static str> = Some("Reactor");

    fn render_panel(history: &Series<Sample<Self>>, area: Rect, buf: &mut Buffer) {
        let Some(latest) = history.latest() else {
            Paragraph::new(Span::styled("waiting for the first sample…", DIM)).render(area, buf);
            return;
        };
        render(&latest.part, area, buf);
    }

    fn keys() -> &'static [(char, &'static str)] {
        &[
            (PAUSE_KEY, "pause / resume the event loop (step mode)"),
            (STEP_KEY, "step: run one poll cycle of the paused loop"),
        ]
    }
}

/// Draws one sample into `area`, giving rows to the parts in order of importance.
fn render(sample: &ReactorSample, area: Rect, buf: &mut Buffer) {
    let mut lines = header(sample, area.width);
    let spare = area.height.saturating_sub(HEADER_ROWS);
    if spare >= HISTOGRAM_ROWS + 1 + MIN_LOG_LINES {
        lines.extend(histogram(sample, area.width));
    } else if spare >= 1 {
        lines.push(compact_histogram(sample));
    }
    let log_rows = usize::from(area.height).saturating_sub(lines.len() + 1);
    if log_rows > 0 {
        lines.push(Line::from(vec![
            Span::styled("Recent events", LABEL),
            Span::styled(" (newest last; source = #slot.generation)", DIM),
        ]));
        let show_poll = area.width >= LOG_POLL_COLUMN_MIN_WIDTH;
        let skip = sample.log.len().saturating_sub(log_rows);
        lines.extend(
            sample.log[skip..]
                .iter()
                .map(|line| log_line(line, show_poll)),
        );
    }
    lines.truncate(usize::from(area.height));
    Paragraph::new(lines).render(area, buf);
}

fn header(sample: &ReactorSample, width: u16) -> Vec<Line<'static>> {
    let status = if sample.step.paused {
        let state = if sample.step.parked {
            "paused"
        } else {
            "pausing…"
        };
        Line::from(vec![
            Span::styled(
                format!("❚❚ {state}"),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(" · {} steps · ", count(sample.step.steps))),
            Span::styled(format!("{PAUSE_KEY}"), LABEL),
            Span::raw(" resumes, "),
            Span::styled(format!("{STEP_KEY}"), LABEL),
            Span::raw(" steps"),
        ])
    } else {
        Line::from(vec![
            Span::styled("● running", Style::new().fg(Color::Green)),
            Span::raw(format!(
                " · {} polls/s · {:.1} events/poll · {} wakes/s",
                rate(sample.polls_per_s),
                sample.mean_events_per_poll(),
                rate(sample.wakes_per_s)
            )),
        ])
    };
    let bar_width = usize::from(width).saturating_sub(24).min(MAX_TIME_BAR);
    vec![
        status,
        time_bar("in poll ", sample.poll_percent, bar_width, "waiting"),
        time_bar("handlers", sample.handler_percent, bar_width, "working"),
        Line::from(vec![
            Span::styled("sources ", LABEL),
            Span::raw(count(sample.sources)),
            Span::styled(" · timers ", LABEL),
            Span::raw(count(sample.timers)),
            Span::styled(" · stale ", LABEL),
            Span::raw(count(sample.stale_events)),
            Span::styled(" · blocked writes/s ", LABEL),
            Span::raw(rate(sample.blocked_writes_per_s)),
        ]),
    ]
}

fn time_bar(label: &str, percent: f64, width: usize, meaning: &str) -> Line<'static> {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((percent / 100.0) * width as f64).round() as usize;
    Line::from(vec![
        Span::styled(format!("{label}  "), LABEL),
        Span::styled("█".repeat(filled), BAR),
        Span::styled("░".repeat(width - filled.min(width)), DIM),
        Span::raw(format!(" {percent:>3.0}%  ")),
        Span::styled(format!("({meaning})"), DIM),
    ])
}

fn histogram(sample: &ReactorSample, width: u16) -> Vec<Line<'static>> {
    // "  2-3 " + bar + " 12 345"
    let bar_width = usize::from(width).saturating_sub(16).min(40);
    let most = sample.events_per_poll.iter().copied().max().unwrap_or(0);
    let mut lines = vec![Line::from(vec![
        Span::styled("Events per poll", LABEL),
        Span::styled(" (polls this tick; 0: only a timer was due)", DIM),
    ])];
    for (label, &polls) in EVENT_BUCKET_LABELS.iter().zip(&sample.events_per_poll) {
        let length = if most == 0 || polls == 0 {
            0
        } else {
            // At least one block for any non-zero count, so that rare buckets show.
            ((polls as f64 / most as f64) * bar_width as f64)
                .round()
                .max(1.0) as usize
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:>5} "), LABEL),
            Span::styled(format!("{:<bar_width$}", "█".repeat(length)), BAR),
            Span::raw(format!(" {:>7}", count(polls))),
        ]));
    }
    lines
}

fn compact_histogram(sample: &ReactorSample) -> Line<'static> {
    let mut spans = vec![Span::styled("events/poll", LABEL)];
    for (label, &polls) in EVENT_BUCKET_LABELS.iter().zip(&sample.events_per_poll) {
        spans.push(Span::styled(format!(" {label}:"), DIM));
        spans.push(Span::raw(count(polls)));
    }
    Line::from(spans)
}

fn log_line(line: &LogLine, show_poll: bool) -> Line<'static> {
    let event_style = match line.event.as_str() {
        "readable" | "writable" | "read+write" => Style::new().fg(Color::Green),
        "io timer" | "idle timer" | "retry" => Style::new().fg(Color::Yellow),
        "wake" => Style::new().fg(Color::Magenta),
        _ => Style::new().fg(Color::Blue),
    };
    let mut spans = Vec::with_capacity(4);
    if show_poll {
        spans.push(Span::styled(format!("{:>6} ", line.poll), DIM));
    }
    spans.push(Span::raw(format!("{:<6} ", line.source)));
    spans.push(Span::styled(format!("{:<10} ", line.event), event_style));
    spans.push(Span::raw(line.did.clone()));
    Line::from(spans)
}

/// Separates groups of three digits with a no-break space, as the rest of the dashboard does.
const DIGIT_SEPARATOR: char = '\u{a0}';

/// A whole number with its thousands separated, e.g. `10 000`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(DIGIT_SEPARATOR);
        }
        out.push(digit);
    }
    out
}

/// A rate per second, rounded; `–` when it is not a number.
fn rate(per_s: f64) -> String {
    if per_s.is_finite() && per_s >= 0.0 {
        count(per_s.round() as u64)
    } else {
        "–".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_three() {
        let plain = |n| count(n).replace(DIGIT_SEPARATOR, " ");
        assert_eq!(plain(0), "0");
        assert_eq!(plain(999), "999");
        assert_eq!(plain(1_000), "1 000");
        assert_eq!(plain(1_234_567), "1 234 567");
        assert_eq!(rate(f64::NAN), "–");
        assert_eq!(rate(12.6).replace(DIGIT_SEPARATOR, " "), "13");
    }

    #[test]
    fn the_part_declares_its_keys() {
        let keys: Vec<char> = ReactorSample::keys().iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, vec![PAUSE_KEY, STEP_KEY]);
    }
}
