//! The tasks & wakers panel of the dashboard: the runtime, seen from inside.
//!
//! Beside the htop view of a 120×40 terminal, in 38 columns:
//!
//! ```text
//! ○ blocking off · b blocks
//! 1 001 tasks alive · 3 402 spawned
//! 2 401 done · run queue 3
//! 16 540 polls/s · 1.03 polls/wake
//! 85 spurious/s (0.5%)
//! longest poll 0.21 ms
//! 32 080 waker clones/s · 32 080 drops/s
//! in driver ██████░░░░░░  52.4% (waiting)
//! in tasks  ████░░░░░░░░  35.2% (working)
//! Wakes/s by cause
//!   read ready ████████████        8 040
//!   ...
//! Warnings (since start)
//! ✓ 0 self-waking tasks
//! ...
//! Journey of one request (µs)
//!      +0 readable → wake
//!      +6 polled (6 µs in the run queue)
//!   ...
//! ```
//!
//! After `Tab` on an 80×24 terminal, the same in 78 columns and 14 rows: the wakes, the
//! warnings and the journey as flows of facts (see `tests/snapshots/`).
//!
//! What to look for: under load, polls per wake stays near 1 (a poll for each wake) and
//! clones balance drops; the wakes split between read ready (requests arriving) and timer
//! (`io_ms` ending), and the journey shows a request's 50 ms spent asleep on its timer while
//! the thread served others. Press `b`: every request now blocks the thread for 20 ms, the
//! blocking-poll warning counts them, time in tasks nears 100%, and the load's latency jumps
//! for every connection — one thread, one blocked task, everyone waits.
//!
//! The panel fits whatever area the dashboard gives it, from 38 columns beside the htop view
//! to the whole screen, without cutting a word: each block has a full form and a compact one,
//! and the first combination that fits the rows wins (the journey gives way first, then the
//! warnings, then the wakes). Nothing panics, however small.

mod journey;
mod warnings;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use instruments::dashboard::fit::{self, Fact};
use instruments::dashboard::theme::{ATTENTION as BLOCKING, DIM, LABEL};
use instruments::dashboard::{Controls, PartView, bars, format};
use instruments::export::PartChart;
use instruments::sample::Sample;
use instruments::series::Series;

use super::blocking::BLOCKING_WORK;
use super::sample::WakersSample;
use super::stats::WakeCause;

/// Turns blocking mode on or off.
pub const BLOCKING_KEY: char = 'b';

/// The widest a wake bar is drawn.
const MAX_WAKE_BAR: usize = 30;

impl PartView for WakersSample {
    const PANEL: Option<&'static str> = Some("Tasks & wakers");

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
            controls,
            usize::from(area.width),
            usize::from(area.height),
        );
        Paragraph::new(lines).render(area, buf);
    }

    fn keys() -> &'static [(char, &'static str)] {
        &[(
            BLOCKING_KEY,
            "blocking mode: every request blocks the runtime's thread (thread::sleep)",
        )]
    }

    fn panel_reading() -> &'static [(&'static str, &'static str)] {
        PANEL_READING
    }

    fn charts(samples: &[Sample<Self>]) -> Vec<PartChart> {
        crate::observe::charts::charts(samples)
    }
}

/// How to read the panel's rows, for the help screen.
const PANEL_READING: &[(&str, &str)] = &[
    (
        "tasks alive, spawned, done",
        "tasks running now (one per connection, plus the accept loop), and since the start.",
    ),
    (
        "run queue",
        "tasks woken and waiting for their poll at the end of the tick: near 0 unless the \
         thread falls behind.",
    ),
    (
        "polls/s, polls/wake",
        "polls per second, and per wake: about 1 when each wake leads to one useful poll; \
         above 1, tasks polled without a wake (a new task's first poll); below 1, several \
         wakes merged into one poll.",
    ),
    (
        "spurious/s",
        "polls that were woken but ended Pending with no progress (nothing read, written or \
         fired): a wake that cost a poll for nothing.",
    ),
    (
        "longest poll",
        "the tick's longest poll: how long every other task waited at worst.",
    ),
    (
        "in driver / in tasks",
        "shares of the tick the one thread slept in epoll_wait (waiting) and polled tasks \
         (working); the rest is the executor between the two. Together at most 100%.",
    ),
    (
        "Wakes/s by cause",
        "who made a task runnable: read ready or write ready (a socket), timer (a sleep's \
         deadline), self / yield, other thread, other task.",
    ),
    (
        "waker clones/s, drops/s",
        "every future that stores a waker clones it, and each one woken or replaced is \
         dropped: over a run the two balance.",
    ),
    (
        "Warnings",
        "counts since the start (+new this tick), after tokio-console's lints: tasks that woke \
         themselves in most polls, lost wakers (Pending, and nothing can wake the task again), \
         polls that blocked the thread over 10 ms.",
    ),
    (
        "Journey",
        "the latest request followed step by step (readable, polled, timer fired, written...), \
         with the microseconds since its first step.",
    ),
];

/// The panel for one sample in at most `rows` lines of at most `room` columns.
fn lines(
    sample: &WakersSample,
    controls: Controls,
    room: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let mut lines = header(sample, controls, room);
    let spare = rows.saturating_sub(lines.len());
    let journey = sample.journey.as_ref();
    // Full forms first; the journey gives way first, then the warnings, then the wakes.
    let layouts = [
        [
            wakes(sample, room),
            warnings::block(&sample.warnings, room),
            journey::timeline(journey, room),
        ],
        [
            compact_wakes(sample, room),
            warnings::block(&sample.warnings, room),
            journey::timeline(journey, room),
        ],
        [
            compact_wakes(sample, room),
            warnings::compact(&sample.warnings, room),
            journey::timeline(journey, room),
        ],
        [
            compact_wakes(sample, room),
            warnings::compact(&sample.warnings, room),
            journey::compact(journey, room),
        ],
    ];
    let fitting = layouts
        .iter()
        .position(|blocks| blocks.iter().map(Vec::len).sum::<usize>() <= spare);
    let [wakes, warnings, journey] = match fitting {
        Some(i) => layouts.into_iter().nth(i),
        None => layouts.into_iter().last(),
    }
    .unwrap_or_default();
    lines.extend(wakes);
    lines.extend(warnings);
    lines.extend(journey);
    lines.truncate(rows);
    lines
}

/// Blocking mode and (live) its key, the tasks, the polls and wakers, and where the time went.
fn header(sample: &WakersSample, controls: Controls, room: usize) -> Vec<Line<'static>> {
    // Blocking mode, and what `b` does now: explained where that costs no line.
    let state = |rich: bool| -> Vec<Fact> {
        let key = Span::styled(BLOCKING_KEY.to_string(), LABEL);
        let (badge, style, does) = match (sample.blocking, rich) {
            (true, true) => (
                format!(
                    "⚠ blocking: each request sleeps {} ms",
                    BLOCKING_WORK.as_millis()
                ),
                BLOCKING,
                " stops it",
            ),
            (true, false) => ("⚠ blocking on".to_string(), BLOCKING, " turns it off"),
            (false, true) => (
                "○ blocking off".to_string(),
                Style::new(),
                " makes each request block the thread",
            ),
            (false, false) => ("○ blocking off".to_string(), Style::new(), " turns it on"),
        };
        let mut facts = vec![vec![Span::styled(badge, style)]];
        if controls == Controls::Live {
            facts.push(vec![key, Span::raw(does)]);
        }
        facts
    };
    let tasks = vec![
        counted(format::count(sample.tasks_alive), "tasks alive"),
        counted(format::count(sample.tasks_spawned), "spawned"),
        counted(format::count(sample.tasks_done), "done"),
        labelled("run queue", format::count(sample.run_queue)),
    ];
    let mut spurious = counted(format::rate(sample.spurious_per_s), "spurious/s");
    if let Some(percent) = sample.spurious_percent() {
        spurious.push(Span::raw(format!(" ({})", format::percent(percent as f32))));
    }
    let polls = vec![
        counted(format::rate(sample.polls_per_s), "polls/s"),
        counted(format::ratio(sample.polls_per_wake()), "polls/wake"),
        spurious,
        labelled("longest poll", format::latency(sample.longest_poll_us)),
    ];
    let wakers = vec![
        counted(format::rate(sample.waker_clones_per_s), "waker clones/s"),
        counted(format::rate(sample.waker_drops_per_s), "drops/s"),
    ];
    let mut lines = fit::flow_richest(
        vec![
            vec![state(true), tasks.clone()],
            vec![state(false), tasks.clone()],
            vec![[state(false), tasks].concat()],
        ],
        room,
    );
    lines.extend(fit::flow(polls, room));
    lines.extend(fit::flow(wakers, room));
    lines.extend(bars::shares(
        [
            ("in driver", sample.driver_percent),
            ("in tasks", sample.tasks_percent),
        ],
        &[
            ["(asleep in epoll_wait)", "(polling tasks)"],
            ["(waiting)", "(working)"],
        ],
        room,
    ));
    lines
}

/// A number and what it counts, e.g. `1 001 tasks alive`.
fn counted(value: String, unit: &'static str) -> Fact {
    vec![Span::raw(value), Span::raw(" "), Span::styled(unit, LABEL)]
}

/// A name and its value, e.g. `run queue 3`.
fn labelled(label: &'static str, value: String) -> Fact {
    vec![Span::styled(label, LABEL), Span::raw(" "), Span::raw(value)]
}

/// What each wake cause is called on the panel.
pub(crate) fn cause_label(cause: WakeCause) -> &'static str {
    match cause {
        WakeCause::ReadReady => "read ready",
        WakeCause::WriteReady => "write ready",
        WakeCause::Timer => "timer",
        WakeCause::SelfWake => "self / yield",
        WakeCause::OtherThread => "other thread",
        WakeCause::OtherTask => "other task",
    }
}

/// Wakes per second by cause: a heading, then a bar per cause.
fn wakes(sample: &WakersSample, room: usize) -> Vec<Line<'static>> {
    let total = format::rate(sample.wakes_total_per_s());
    let titles = [
        format!("Wakes/s by cause ({total} in all; who made a task runnable)"),
        format!("Wakes/s by cause ({total} in all)"),
        "Wakes/s by cause".to_string(),
        "Wakes/s".to_string(),
    ];
    let title = titles
        .iter()
        .find(|title| fit::width(title) <= room)
        .cloned()
        .unwrap_or_default();
    let rows: Vec<(&str, f64, String)> = WakeCause::ALL
        .into_iter()
        .map(|cause| {
            let per_s = sample.wakes_for(cause);
            (cause_label(cause), per_s, format::rate(per_s))
        })
        .collect();
    let mut lines = vec![Line::styled(title, LABEL)];
    lines.extend(bars::amounts(&rows, room, MAX_WAKE_BAR));
    lines
}

/// The wakes as a flow of `cause rate` facts, for a short panel.
fn compact_wakes(sample: &WakersSample, room: usize) -> Vec<Line<'static>> {
    let mut facts = vec![vec![Span::styled("wakes/s", LABEL)]];
    facts.extend(WakeCause::ALL.into_iter().map(|cause| {
        vec![
            Span::styled(cause_label(cause), LABEL),
            Span::raw(" "),
            Span::raw(format::rate(sample.wakes_for(cause))),
        ]
    }));
    fit::flow(facts, room)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::journey::{Journey, JourneyStep, MAX_JOURNEY, MAX_STEPS, Step};
    use crate::observe::progress::Wait;
    use crate::observe::sample::{Warning, Warnings};

    #[test]
    fn the_part_declares_its_key() {
        let keys: Vec<char> = WakersSample::keys().iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, vec![BLOCKING_KEY]);
    }

    /// Every number as large as a long run makes it, and the longest journey there is.
    fn crowded(blocking: bool) -> WakersSample {
        let many = Warning {
            total: 12_345_678,
            new: 1_234_567,
        };
        let step = |at_us, step| JourneyStep { at_us, step };
        let mut steps = vec![step(0, Step::Woken(WakeCause::OtherThread))];
        for i in 1..MAX_STEPS as u64 {
            steps.push(step(i * 123_456, Step::Pending(Some(Wait::Write))));
        }
        steps.push(step(MAX_JOURNEY.as_micros() as u64, Step::GaveUp));
        WakersSample {
            tasks_alive: 123_456_789,
            tasks_spawned: 123_456_789_012,
            tasks_done: 123_456_789_012,
            polls_per_s: 12_345_678.0,
            wakes_per_s: [9_876_543.0; 6],
            spurious_per_s: 1_234_567.0,
            waker_clones_per_s: 12_345_678.0,
            waker_drops_per_s: 12_345_678.0,
            run_queue: 123_456,
            driver_percent: 100.0,
            tasks_percent: 99.9,
            longest_poll_us: 123_456_789,
            warnings: Warnings {
                self_waking_tasks: many,
                lost_wakers: many,
                blocking_polls: many,
            },
            journey: Some(Journey { steps }),
            blocking,
        }
    }

    #[test]
    fn no_line_is_wider_than_the_panel_from_38_columns_on() {
        for blocking in [false, true] {
            let sample = crowded(blocking);
            for room in 38..=200 {
                for rows in [0, 1, 5, 10, 14, 16, 20, 29, 31, 60] {
                    for line in lines(&sample, Controls::Live, room, rows) {
                        assert!(
                            line.width() <= room,
                            "{line:?} is wider than {room} columns (rows: {rows})"
                        );
                    }
                }
            }
        }
    }
}
