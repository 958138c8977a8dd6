//! The executor panel of the dashboard: the workers, seen from inside.
//!
//! Beside the htop view of a 120×40 terminal, in 38 columns:
//!
//! ```text
//! ● tokio · 2 workers · r: ours
//! 101 tasks alive
//!   w queue       polls steal  park busy
//!   0 █████    37 18.3k     0    45  98%
//!   1 █░░░░     3 17.9k  1204   312  71%
//! inj █░░░░     6
//! busy, newest right
//!   0 ▃▃▃▃▃▃▃▃▄▄▅▅▅▆▆▆▇▇▇█
//!   1 ▃▃▃▃▃▃▃▃▃▃▄▄▄▄▅▅▅▅▆▆
//! per second: polls, tasks stolen, parks
//! ...
//! ```
//!
//! Wider, the same table with full headings, longer bars and, for our runtime, the tasks run
//! from each worker's LIFO slot; the busy history in each runtime's colour, under a timeline
//! of their names once both are in view, so that both stretches of a switch (`r`) stand side
//! by side; below, what each column means, as far as
//! rows allow.
//!
//! What to look for: the queue bars are where tasks wait. A burst of new connections lands
//! on the worker that accepted them, and the others steal part of it at a time when they run
//! dry — so fast that a sample a second rarely catches the long bar. A spawn storm (`t`) fills one queue:
//! Tokio's holds 256 tasks, and the rest overflows into the injector (`inj`), which every
//! worker drains; ours grows, and the storm waits there until the others steal it. A blocked
//! worker (`b`) runs nothing else while its task blocks, and — a lesson of its own — reports
//! nothing either: workers publish their counts when they park and every few dozen polls
//! (Tokio: `tokio/src/runtime/metrics/batch.rs`, submitted from
//! `tokio/src/runtime/scheduler/multi_thread/worker.rs`), so a worker stuck inside one poll
//! reads as idle, its polls at zero, while the others serve on.
//!
//! The panel fits whatever area the dashboard gives it, from 38 columns beside the htop view
//! to the whole screen; short on rows, it keeps the table and drops the explanations, then
//! the last workers (saying how many). Nothing panics, however small.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use instruments::dashboard::theme::{
    ALERT as WARNING, BAR, DIM, GOOD, LABEL, OTHER_BAR as INJECTOR_BAR, category,
};
use instruments::dashboard::{Controls, PartView, format};
use instruments::export::PartChart;
use instruments::sample::Sample;
use instruments::series::Series;

use super::sample::{ExecutorSample, RuntimeKind, WorkerRow};

/// Stops the server and serves the same listener with the other runtime.
pub const SWITCH_KEY: char = 'r';
/// Spawns a task that blocks the worker running it.
pub const BLOCK_KEY: char = 'b';
/// Spawns a storm of small tasks from one task.
pub const STORM_KEY: char = 't';

/// From this width on, the table has full headings and room for explanations.
const WIDE: usize = 60;
/// The shortest queue bar (as wide as its heading, `queue`) and the longest.
const MIN_BAR: usize = 5;
const MAX_BAR: usize = 24;
/// The bars' scale never goes below this many tasks, so that two or three queued tasks do
/// not look like a full queue.
const MIN_BAR_SCALE: u64 = 16;
/// A number column is this wide: [`short`] writes every count in at most 5 characters.
const NARROW_NUMBER: usize = 5;
/// A number column of the wide table: as wide as its heading `steals/s`.
const WIDE_NUMBER: usize = 8;
/// `100%`.
const BUSY_WIDTH: usize = 4;
/// The first column: `inj`, or a worker's index.
const NARROW_LABEL: usize = 3;
const WIDE_LABEL: usize = 8;

impl PartView for ExecutorSample {
    const PANEL: Option<&'static str> = Some("Executor");

    fn render_panel(
        history: &Series<Sample<Self>>,
        controls: Controls,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let Some(latest) = history.latest() else {
            Paragraph::new(Span::styled("waiting for the first sample…", DIM)).render(area, buf);
            return;
        };
        let lines = lines(
            &latest.part,
            history,
            controls,
            usize::from(area.width),
            usize::from(area.height),
        );
        Paragraph::new(lines).render(area, buf);
    }

    fn keys() -> &'static [(char, &'static str)] {
        &[
            (
                SWITCH_KEY,
                "switch the server between our runtime and Tokio's",
            ),
            (BLOCK_KEY, "block one worker for a few seconds"),
            (STORM_KEY, "spawn a storm of small tasks from one task"),
        ]
    }

    fn charts(samples: &[Sample<Self>]) -> Vec<PartChart> {
        crate::observe::charts::charts(samples)
    }
}

/// The panel for the latest sample (and the history behind it) in at most `rows` lines of at
/// most `room` columns: the header and the table first, then the busy history, then what the
/// columns mean.
fn lines(
    sample: &ExecutorSample,
    history: &Series<Sample<ExecutorSample>>,
    controls: Controls,
    room: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let wide = room >= WIDE;
    let mut lines = header(sample, controls, wide);
    let table = Table::new(sample, room);
    let explanations = explanations(sample, wide, table.lifo);
    // The table's heading and the injector row always; the workers as rows allow.
    let fixed = lines.len() + 2;
    let worker_rows = rows.saturating_sub(fixed).min(sample.workers.len());
    let hidden = sample.workers.len() - worker_rows;
    let worker_rows = if hidden > 0 {
        // One row says how many are not shown.
        worker_rows.saturating_sub(1)
    } else {
        worker_rows
    };
    lines.push(table.heading());
    for (index, worker) in sample.workers.iter().enumerate().take(worker_rows) {
        lines.push(table.worker(index, worker));
    }
    if sample.workers.len() > worker_rows {
        let more = sample.workers.len() - worker_rows;
        lines.push(Line::styled(format!("… {more} more workers"), DIM));
    }
    lines.push(table.injector(sample.injector_depth));
    let busy = busy_history(history, sample.workers.len(), table.label, room);
    if rows.saturating_sub(lines.len()) >= busy.len() {
        lines.extend(busy);
    }
    let spare = rows.saturating_sub(lines.len());
    lines.extend(explanations.into_iter().take(spare));
    lines.truncate(rows);
    lines
}

/// Which runtime serves, its workers and (live) the switch key; then the tasks alive.
fn header(sample: &ExecutorSample, controls: Controls, wide: bool) -> Vec<Line<'static>> {
    let workers = sample.workers.len();
    let unit = if workers == 1 { "worker" } else { "workers" };
    let (name, other) = match (sample.runtime, wide) {
        (RuntimeKind::Ours, true) => ("our runtime", "Tokio's"),
        (RuntimeKind::Tokio, true) => ("Tokio's runtime", "ours"),
        (kind, false) => (kind.name(), kind.other().name()),
    };
    let mut runtime = vec![
        Span::styled(format!("● {name}"), GOOD),
        Span::styled(" · ", DIM),
        Span::raw(format!("{workers} {unit}")),
    ];
    if controls == Controls::Live {
        let switch = if wide { " switches to " } else { ": " };
        runtime.extend([
            Span::styled(" · ", DIM),
            Span::styled(SWITCH_KEY.to_string(), LABEL),
            Span::raw(format!("{switch}{other}")),
        ]);
    }
    let mut lines = vec![
        Line::from(runtime),
        Line::from(vec![
            Span::raw(format::count(sample.tasks_alive)),
            Span::styled(" tasks alive", LABEL),
        ]),
    ];
    if let Some(failed) = sample.switch_failed {
        lines.insert(
            1,
            Line::styled(
                format!(
                    "✗ could not start {}; still on {}",
                    failed.name(),
                    sample.runtime.name()
                ),
                WARNING,
            ),
        );
    }
    lines
}

/// Each worker's busy share, a column per sample (newest right), coloured by the runtime that
/// served then. When both runtimes are in view (after a switch), the heading row gives way to
/// a timeline of who served — `tokio───ours────`, each stretch under its runtime's name (or
/// initial, when shorter than the name) — so that the two stretches differ without their
/// colours, in no more rows.
fn busy_history(
    history: &Series<Sample<ExecutorSample>>,
    workers: usize,
    label: usize,
    room: usize,
) -> Vec<Line<'static>> {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let width = room.saturating_sub(label + 1);
    let skip = history.len().saturating_sub(width);
    let samples: Vec<&ExecutorSample> = history.iter().skip(skip).map(|s| &s.part).collect();
    let stretches = samples.chunk_by(|a, b| a.runtime == b.runtime);
    let heading = if stretches.clone().count() > 1 {
        let mut spans = vec![Span::raw(" ".repeat(label + 1))];
        spans.extend(stretches.map(|stretch| {
            let runtime = stretch[0].runtime;
            let name = if stretch.len() >= runtime.name().len() {
                runtime.name()
            } else {
                &runtime.name()[..1]
            };
            let rule = "─".repeat(stretch.len() - name.len());
            Span::styled(format!("{name}{rule}"), runtime.style())
        }));
        Line::from(spans)
    } else {
        Line::styled("busy, newest right", LABEL)
    };
    let mut lines = vec![heading];
    for worker in 0..workers {
        let mut spans = vec![Span::styled(format!("{worker:>label$} "), LABEL)];
        spans.extend(samples.iter().map(|sample| {
            match sample.workers.get(worker) {
                Some(row) if row.busy_percent.is_finite() => {
                    let level = (row.busy_percent.clamp(0.0, 100.0) / 100.0 * 7.0).round();
                    Span::styled(LEVELS[level as usize].to_string(), sample.runtime.style())
                }
                // This worker did not exist then (the other runtime had fewer).
                _ => Span::raw(" "),
            }
        }));
        lines.push(Line::from(spans));
    }
    lines
}

impl RuntimeKind {
    /// The colour of this runtime's stretches in the history.
    fn style(self) -> Style {
        match self {
            RuntimeKind::Ours => category(0),
            RuntimeKind::Tokio => category(1),
        }
    }
}

/// What the columns mean, one line each, most useful first.
fn explanations(sample: &ExecutorSample, wide: bool, lifo: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let unknown = sample
        .workers
        .iter()
        .any(|worker| worker.polls_per_s.is_none());
    if unknown {
        lines.push(if wide {
            "–: Tokio counts it only under --cfg tokio_unstable"
        } else {
            "– needs --cfg tokio_unstable"
        });
    }
    if wide {
        lines.extend([
            "queue: tasks waiting in the worker's own queue",
            "injector: the queue every worker shares",
            "steals/s: tasks taken from another worker's queue",
            "parks/s: times it went to sleep, out of work",
            "busy: share of the tick spent running tasks",
        ]);
        if lifo {
            lines.push("LIFO/s: tasks run next because the task before woke them");
        }
    } else {
        lines.extend([
            "per second: polls, tasks stolen, parks",
            "queue: tasks waiting in its own queue",
            "inj: the queue all workers share",
            "steal: taken from another's queue",
            "park: went to sleep, out of work",
            "busy: share of the tick at work",
        ]);
    }
    lines
        .into_iter()
        .map(|text| Line::styled(text, DIM))
        .collect()
}

/// The table's geometry for one width, and how it writes each row.
struct Table {
    wide: bool,
    label: usize,
    number: usize,
    bar: usize,
    /// Tasks that fill a bar.
    scale: u64,
    /// Whether the runtime counts LIFO-slot hits (ours) and there is room to show them.
    lifo: bool,
}

impl Table {
    fn new(sample: &ExecutorSample, room: usize) -> Table {
        let wide = room >= WIDE;
        let (label, number) = if wide {
            (WIDE_LABEL, WIDE_NUMBER)
        } else {
            (NARROW_LABEL, NARROW_NUMBER)
        };
        let counts_lifo = sample
            .workers
            .iter()
            .any(|worker| worker.lifo_hits_per_s.is_some());
        // label, bar, depth, polls, steals, parks, [lifo], busy; a space before each but the
        // first.
        let fixed = |columns: usize| label + 1 + 1 + columns * (number + 1) + BUSY_WIDTH;
        let lifo = wide && counts_lifo && room >= fixed(5) + MIN_BAR;
        let columns = if lifo { 5 } else { 4 };
        let bar = room.saturating_sub(fixed(columns)).clamp(MIN_BAR, MAX_BAR);
        let deepest = sample
            .workers
            .iter()
            .filter_map(|worker| worker.queue_depth)
            .chain([sample.injector_depth])
            .max()
            .unwrap_or(0);
        Table {
            wide,
            label,
            number,
            bar,
            scale: deepest.max(MIN_BAR_SCALE),
            lifo,
        }
    }

    fn heading(&self) -> Line<'static> {
        let (first, polls, steals, parks) = if self.wide {
            ("worker", "polls/s", "steals/s", "parks/s")
        } else {
            ("w", "polls", "steal", "park")
        };
        let n = self.number;
        let mut text = format!(
            "{first:>label$} {queue:<bar$} {depth:>n$} {polls:>n$} {steals:>n$} {parks:>n$}",
            label = self.label,
            queue = "queue",
            bar = self.bar,
            depth = "",
        );
        if self.lifo {
            text.push_str(&format!(" {:>n$}", "LIFO/s"));
        }
        text.push_str(&format!(" {:>BUSY_WIDTH$}", "busy"));
        Line::styled(text, LABEL)
    }

    fn worker(&self, index: usize, worker: &WorkerRow) -> Line<'static> {
        let mut spans = vec![Span::styled(
            format!("{index:>label$} ", label = self.label),
            LABEL,
        )];
        spans.extend(self.queue(worker.queue_depth, BAR));
        let rate = |value: Option<f64>| value.map_or(format::NOT_AVAILABLE.to_string(), per_s);
        let mut numbers = vec![
            rate(worker.polls_per_s),
            rate(worker.steals_per_s),
            per_s(worker.parks_per_s),
        ];
        if self.lifo {
            numbers.push(rate(worker.lifo_hits_per_s));
        }
        for number in numbers {
            spans.push(Span::raw(format!(" {number:>n$}", n = self.number)));
        }
        spans.push(Span::raw(format!(
            " {:>BUSY_WIDTH$}",
            busy(worker.busy_percent)
        )));
        Line::from(spans)
    }

    fn injector(&self, depth: u64) -> Line<'static> {
        let label = if self.wide { "injector" } else { "inj" };
        let mut spans = vec![Span::styled(
            format!("{label:>width$} ", width = self.label),
            LABEL,
        )];
        spans.extend(self.queue(Some(depth), INJECTOR_BAR));
        Line::from(spans)
    }

    /// A queue's bar and its depth.
    fn queue(&self, depth: Option<u64>, style: Style) -> Vec<Span<'static>> {
        let filled = depth.map_or(0, |depth| {
            let share = depth.min(self.scale) as f64 / self.scale as f64;
            // At least one block for a queue that holds anything.
            let blocks = (share * self.bar as f64).round() as usize;
            if depth > 0 { blocks.max(1) } else { 0 }
        });
        let depth = depth.map_or(format::NOT_AVAILABLE.to_string(), short);
        vec![
            Span::styled("█".repeat(filled), style),
            Span::styled("░".repeat(self.bar - filled), DIM),
            Span::raw(format!(" {depth:>n$}", n = self.number)),
        ]
    }
}

/// A rate in at most five characters (see [`short`]).
fn per_s(value: f64) -> String {
    if value.is_finite() && value >= 0.0 {
        short(value.round() as u64)
    } else {
        format::NOT_AVAILABLE.to_string()
    }
}

/// A count in at most five characters: `9999`, `18.3k`, `123k`, `4.5M`, `678M`, `9.1G`, and
/// at most `9999G`.
fn short(n: u64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "G"), (1e6, "M"), (1e3, "k")];
    const MOST: f64 = 9_999.0;
    if n < 10_000 {
        return n.to_string();
    }
    let n = n as f64;
    let (value, unit) = UNITS
        .iter()
        .map(|&(size, unit)| (n / size, unit))
        .find(|&(value, _)| value >= 1.0)
        .unwrap_or((n, ""));
    if value < 100.0 {
        format!("{:.1}{unit}", (value * 10.0).floor() / 10.0)
    } else {
        format!("{}{unit}", value.floor().min(MOST))
    }
}

/// A share in whole percent, `78%`.
fn busy(percent: f64) -> String {
    if percent.is_finite() {
        format!("{:.0}%", percent.clamp(0.0, 100.0))
    } else {
        format::NOT_AVAILABLE.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_shrink_to_five_characters() {
        let cases = [
            (0, "0"),
            (9_999, "9999"),
            (18_345, "18.3k"),
            (99_999, "99.9k"),
            (123_456, "123k"),
            (999_999, "999k"),
            (4_567_890, "4.5M"),
            (678_000_000, "678M"),
            (9_100_000_000, "9.1G"),
            (u64::MAX, "9999G"),
        ];
        for (n, text) in cases {
            assert_eq!(short(n), text, "{n}");
        }
    }

    #[test]
    fn the_part_declares_its_keys() {
        let keys: Vec<char> = ExecutorSample::keys().iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, vec![SWITCH_KEY, BLOCK_KEY, STORM_KEY]);
    }

    /// A long run: more samples than the widest panel tested, the runtime switched halfway.
    fn history(latest: &ExecutorSample) -> Series<Sample<ExecutorSample>> {
        let mut history = Series::default();
        for tick in 0..210 {
            let mut part = latest.clone();
            if tick < 100 {
                part.runtime = latest.runtime.other();
                part.workers.truncate(2);
            }
            history.push(Sample {
                part,
                ..Sample::default()
            });
        }
        history
    }

    /// Every number as large as a long run makes it, on many workers.
    fn crowded(runtime: RuntimeKind, known: bool) -> ExecutorSample {
        let unknown_unless = |value: f64| known.then_some(value);
        ExecutorSample {
            runtime,
            workers: (0..20)
                .map(|_| WorkerRow {
                    queue_depth: known.then_some(123_456_789),
                    polls_per_s: unknown_unless(9_876_543_210.0),
                    steals_per_s: unknown_unless(1e12),
                    steal_operations_per_s: unknown_unless(1e9),
                    parks_per_s: 123_456.0,
                    busy_percent: 100.0,
                    lifo_hits_per_s: (runtime == RuntimeKind::Ours).then_some(1e9),
                })
                .collect(),
            injector_depth: u64::MAX,
            tasks_alive: u64::MAX,
            switch_failed: Some(runtime.other()),
        }
    }

    #[test]
    fn no_line_is_wider_than_the_panel_from_38_columns_on() {
        for sample in [
            crowded(RuntimeKind::Ours, true),
            crowded(RuntimeKind::Tokio, true),
            crowded(RuntimeKind::Tokio, false),
        ] {
            let history = history(&sample);
            for room in (38..=100).chain([120, 160, 200]) {
                for rows in [0, 1, 3, 5, 14, 29, 80] {
                    let lines = lines(&sample, &history, Controls::Live, room, rows);
                    assert!(lines.len() <= rows);
                    for line in lines {
                        assert!(
                            line.width() <= room,
                            "{line:?} is wider than {room} columns (rows: {rows})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn workers_that_do_not_fit_are_counted_not_cut() {
        let sample = crowded(RuntimeKind::Tokio, true);
        let text: Vec<String> = lines(&sample, &history(&sample), Controls::Live, 38, 10)
            .iter()
            .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text.len(), 10);
        assert_eq!(text[8], "… 16 more workers", "{text:#?}");
        assert!(text[9].starts_with("inj"), "the injector stays: {text:#?}");
    }
}
