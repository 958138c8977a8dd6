//! The reactor panel of the dashboard: the event loop, seen from inside.
//!
//! Beside the htop view of a 120×40 terminal, in 38 columns:
//!
//! ```text
//! ● running · p pause, n step
//! 1 204 polls/s · 16.64 events/poll
//! 0 wakes/s
//! 1 001 sources · 1 998 timers
//! 2 stale events · 0 blocked writes/s
//! per request 1.90 reads · 0.90 WouldBlock
//! 1.00 writes · 0.07 polls
//! in poll  ██████░░░░░░  52.4% (waiting)
//! handlers ████░░░░░░░░  35.2% (working)
//! Events per poll (polls this tick)
//!     0 █                              3
//!     1 ██                            40
//!   ...
//! source event    what the handler did
//! ── poll 18 345 ───────────────────────
//! #17.0  readable read 78 B, 1 request,
//!                 wait 50 ms
//! #117.2 io timer wrote 83 B,
//!                 1 WouldBlock read
//! ```
//!
//! After `Tab` on an 80×24 terminal, the same in 78 columns and 14 rows: fewer lines, the
//! histogram as a table, the poll cycle as a column (see `tests/snapshots/`).
//!
//! What to look for: with few connections the loop sleeps in `poll` and wakes for one event
//! at a time; with thousands, each poll returns dozens of events and the time in handlers
//! grows — one system call now serves many connections. When handlers near 100%, the one
//! thread is the bottleneck (try `cpu_us`). Pausing (`p`) and stepping (`n`) freeze the loop
//! between polls: requests pile up in the kernel, and each step's log lines show one cycle.
//!
//! The panel fits whatever area the dashboard gives it, from 38 columns beside the htop view
//! to the whole screen, without ever cutting a word (see `instruments::dashboard::fit`): narrow, it uses fewer words and
//! more lines; wide, it explains more. On a short area the histogram shrinks to a table or a
//! line and the log gets what is left. Nothing panics, however small.

mod log;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use instruments::dashboard::theme::{ATTENTION as PAUSED, BAR, DIM, GOOD, LABEL};
use instruments::dashboard::{Controls, PartView, format};
use instruments::export::PartChart;
use instruments::sample::{Sample, ServerRates};
use instruments::series::Series;

use super::sample::ReactorSample;
use super::stats::{EVENT_BUCKET_LABELS, EVENT_BUCKETS};
use crate::wake::StepState;
use instruments::dashboard::fit::{self, Fact};

/// Pauses or resumes the event loop.
pub const PAUSE_KEY: char = 'p';
/// Runs one poll cycle of a paused loop (and pauses a running one).
pub const STEP_KEY: char = 'n';

/// The full histogram is drawn only if the log keeps at least this many rows: its heading and
/// five entries. Otherwise the histogram shrinks to a table.
const MIN_LOG_ROWS: usize = 6;
/// The widest a time bar is drawn, and the least it is given before its explanation goes.
const MAX_TIME_BAR: usize = 30;
const MIN_TIME_BAR: usize = 10;
/// The widest a histogram bar is drawn.
const MAX_HISTOGRAM_BAR: usize = 40;
/// A time bar's label column: as wide as the longer label, `handlers`.
const TIME_LABEL_WIDTH: usize = 8;
/// A percentage as [`format::percent`] writes it, up to `100.0%`.
const PERCENT_WIDTH: usize = 6;
/// A histogram row's label column, as wide as the widest label, `16-31`.
const BUCKET_LABEL_WIDTH: usize = 5;
/// The count column is at least this wide, `12 345`, so that the bars keep their scale while
/// the counts grow through the thousands.
const MIN_BUCKET_COUNT_WIDTH: usize = 6;

impl PartView for ReactorSample {
    const PANEL: Option<&'static str> = Some("Reactor");

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
            &SyscallsPerRequest::of(&latest.server.per_s),
            controls,
            usize::from(area.width),
            usize::from(area.height),
        );
        Paragraph::new(lines).render(area, buf);
    }

    fn keys() -> &'static [(char, &'static str)] {
        &[
            (PAUSE_KEY, "pause / resume the event loop (step mode)"),
            (STEP_KEY, "step: run one poll cycle of the paused loop"),
        ]
    }

    fn panel_reading() -> &'static [(&'static str, &'static str)] {
        PANEL_READING
    }

    /// A paused loop answers nothing on purpose: say so, rather than "saturated" (and, live,
    /// which keys resume and step it).
    fn status(history: &Series<Sample<Self>>, controls: Controls) -> Option<String> {
        let step = history.latest()?.part.step;
        let steps = format::count(step.steps);
        step.paused.then(|| match controls {
            Controls::Live => format!(
                "paused: the event loop answers nothing until {PAUSE_KEY} resumes it; \
                 {STEP_KEY} runs one poll cycle ({steps} stepped so far)."
            ),
            Controls::Replay => {
                format!("paused: the event loop answered nothing ({steps} stepped so far).")
            }
        })
    }

    fn charts(samples: &[Sample<Self>]) -> Vec<PartChart> {
        crate::observe::charts::charts(samples)
    }
}

/// How to read the panel's rows (the help screen; the lesson's table says the same at length).
const PANEL_READING: &[(&str, &str)] = &[
    (
        "polls/s",
        "how often the loop asked the kernel for ready sockets, and how many events each poll \
         returned on average.",
    ),
    (
        "wakes/s",
        "times another thread woke the loop (pause, step, shutdown): 0 in a normal run.",
    ),
    (
        "sources, timers",
        "sockets registered; timers pending (one per waiting request, one idle timer per \
         connection).",
    ),
    (
        "stale events",
        "events for a connection closed (its slot freed or reused) earlier in the same poll: \
         dropped, as the token's generation says.",
    ),
    (
        "blocked writes/s",
        "writes that returned WouldBlock: a client reads its answers slower than the server \
         writes them.",
    ),
    (
        "per request",
        "system calls per answer. Polls per request: above 1 at low load (a poll for the \
         request, another that wakes for its timer), far below 1 under load (one poll, many \
         events).",
    ),
    (
        "in poll / handlers",
        "the thread's time blocked in epoll_wait (waiting) against running handlers (working).",
    ),
    (
        "Events per poll",
        "how many polls returned 0, 1, 2–3... events. 0 events: the poll's timeout ended it, to \
         fire a due timer (a request's io_ms), common at low load.",
    ),
];

/// The panel for one sample in at most `rows` lines of at most `room` columns, its parts
/// given rows in order of importance: the header, the histogram, then the log.
fn lines(
    sample: &ReactorSample,
    syscalls: &SyscallsPerRequest,
    controls: Controls,
    room: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let mut lines = header(sample, controls, room);
    lines.extend(syscalls.lines(room));
    let spare = rows.saturating_sub(lines.len());
    let full = histogram(sample, room);
    if spare >= full.len() + MIN_LOG_ROWS {
        lines.extend(full);
    } else {
        let compact = compact_histogram(sample, room);
        if spare >= compact.len() {
            lines.extend(compact);
        }
    }
    let log_rows = rows.saturating_sub(lines.len());
    lines.extend(log::lines(&sample.log, room, log_rows));
    lines.truncate(rows);
    lines
}

/// The loop's state and (live) keys, its rates and counts, and where its time went.
fn header(sample: &ReactorSample, controls: Controls, room: usize) -> Vec<Line<'static>> {
    let rates = || {
        vec![
            counted(format::rate(sample.polls_per_s), "polls/s"),
            counted(
                format::ratio(Some(sample.mean_events_per_poll())),
                "events/poll",
            ),
            counted(format::rate(sample.wakes_per_s), "wakes/s"),
        ]
    };
    // The state on a line of its own and the rates on the next, in as many words as fit;
    // the two share one line only where that saves one.
    let mut lines = fit::flow_richest(
        vec![
            vec![state(sample.step, controls, Wording::Rich), rates()],
            vec![state(sample.step, controls, Wording::Terse), rates()],
            vec![[state(sample.step, controls, Wording::Terse), rates()].concat()],
        ],
        room,
    );
    lines.extend(fit::flow(
        vec![
            counted(format::count(sample.sources), "sources"),
            counted(format::count(sample.timers), "timers"),
            counted(format::count(sample.stale_events), "stale events"),
            counted(
                format::rate(sample.blocked_writes_per_s),
                "blocked writes/s",
            ),
        ],
        room,
    ));
    lines.extend(time_bars(sample, room));
    lines
}

/// The system calls the server made per response over the last tick: with edge-triggered
/// readiness, about one read that finds the request and one that finds nothing
/// (`WouldBlock`), one write, and a fraction of a poll.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct SyscallsPerRequest {
    reads: Option<f64>,
    would_block: Option<f64>,
    writes: Option<f64>,
    polls: Option<f64>,
}

impl SyscallsPerRequest {
    /// From the server's rates; every figure is `None` while nothing is served.
    fn of(rates: &ServerRates) -> Self {
        let per_request = |n: f64| (rates.served > 0.0).then(|| n / rates.served);
        SyscallsPerRequest {
            reads: per_request(rates.reads),
            would_block: per_request(rates.would_block_reads),
            writes: per_request(rates.writes),
            polls: per_request(rates.polls),
        }
    }

    fn lines(&self, room: usize) -> Vec<Line<'static>> {
        let per = |value: Option<f64>, unit: &'static str| counted(format::ratio(value), unit);
        let mut reads = vec![Span::styled("per request ", LABEL)];
        reads.extend(per(self.reads, "reads"));
        fit::flow(
            vec![
                reads,
                per(self.would_block, "WouldBlock"),
                per(self.writes, "writes"),
                per(self.polls, "polls"),
            ],
            room,
        )
    }
}

/// How much a fact explains, when there is room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    Rich,
    Terse,
}

/// The loop's state, and (live) what the step keys do in it.
fn state(step: StepState, controls: Controls, wording: Wording) -> Vec<Fact> {
    let rich = wording == Wording::Rich;
    let key = |key: char| Span::styled(key.to_string(), LABEL);
    let keys = |pause: &'static str| {
        let step = if rich {
            " runs one poll cycle"
        } else {
            " step"
        };
        vec![
            key(PAUSE_KEY),
            Span::raw(pause),
            key(STEP_KEY),
            Span::raw(step),
        ]
    };
    let live = controls == Controls::Live;
    if !step.paused {
        let mut facts = vec![vec![Span::styled("● running", GOOD)]];
        if live {
            facts.push(keys(if rich { " pauses, " } else { " pause, " }));
        }
        return facts;
    }
    let badge = match (step.parked, rich) {
        (true, true) => "❚❚ paused before its next poll",
        (true, false) => "❚❚ paused",
        (false, true) => "❚❚ pausing: ending this poll…",
        (false, false) => "❚❚ pausing…",
    };
    let mut facts = vec![vec![Span::styled(badge, PAUSED)]];
    if step.steps > 0 {
        let unit = if step.steps == 1 { "step" } else { "steps" };
        facts.push(vec![Span::raw(format!(
            "{} {unit}",
            format::count(step.steps)
        ))]);
    }
    if live {
        facts.push(keys(if rich { " resumes, " } else { " resume, " }));
    }
    facts
}

/// A number and what it counts, e.g. `1 001 sources`.
fn counted(value: String, unit: &'static str) -> Fact {
    vec![Span::raw(value), Span::raw(" "), Span::styled(unit, LABEL)]
}

/// Two bars of the same length: the share of the tick spent blocked in `poll`, and in
/// handlers. Each says what it means if there is room for that and a bar worth reading.
fn time_bars(sample: &ReactorSample, room: usize) -> [Line<'static>; 2] {
    const MEANINGS: [(&str, &str); 3] = [
        ("(asleep in epoll_wait)", "(handling what is ready)"),
        ("(waiting)", "(working)"),
        ("", ""),
    ];
    let fixed = TIME_LABEL_WIDTH + 1 + 1 + PERCENT_WIDTH;
    let (bar, (waiting, working)) = MEANINGS
        .iter()
        .map(|&(waiting, working)| {
            let meaning = fit::width(waiting).max(fit::width(working));
            let gap = usize::from(meaning > 0);
            (
                room.saturating_sub(fixed + gap + meaning),
                (waiting, working),
            )
        })
        .find(|&(bar, _)| bar >= MIN_TIME_BAR)
        .unwrap_or((room.saturating_sub(fixed), ("", "")));
    let bar = bar.min(MAX_TIME_BAR);
    [
        time_bar("in poll", sample.poll_percent, bar, waiting),
        time_bar("handlers", sample.handler_percent, bar, working),
    ]
}

fn time_bar(label: &str, percent: f64, width: usize, meaning: &'static str) -> Line<'static> {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = (((percent / 100.0) * width as f64).round() as usize).min(width);
    let mut spans = vec![
        Span::styled(format!("{label:<TIME_LABEL_WIDTH$} "), LABEL),
        Span::styled("█".repeat(filled), BAR),
        Span::styled("░".repeat(width - filled), DIM),
        Span::raw(format!(
            " {:>PERCENT_WIDTH$}",
            format::percent(percent as f32)
        )),
    ];
    if !meaning.is_empty() {
        spans.push(Span::styled(format!(" {meaning}"), DIM));
    }
    Line::from(spans)
}

/// The histogram of events per poll: a title, then a bar per bucket.
fn histogram(sample: &ReactorSample, room: usize) -> Vec<Line<'static>> {
    const TITLES: [&str; 3] = [
        "Events per poll (polls this tick; 0: only a timer was due)",
        "Events per poll (polls this tick)",
        "Events per poll",
    ];
    let counts = sample.events_per_poll.map(format::count);
    let count_width = counts
        .iter()
        .map(|count| fit::width(count))
        .fold(MIN_BUCKET_COUNT_WIDTH, usize::max);
    let bar_width = room
        .saturating_sub(BUCKET_LABEL_WIDTH + 1 + 1 + count_width)
        .min(MAX_HISTOGRAM_BAR);
    let most = sample.events_per_poll.iter().copied().max().unwrap_or(0);
    let mut lines = vec![Line::styled(
        fit::richest(&TITLES, room).unwrap_or_default(),
        LABEL,
    )];
    for ((label, &polls), count) in EVENT_BUCKET_LABELS
        .iter()
        .zip(&sample.events_per_poll)
        .zip(counts)
    {
        let length = if most == 0 || polls == 0 {
            0
        } else {
            // At least one block for any non-zero count, so that rare buckets show.
            ((polls as f64 / most as f64) * bar_width as f64)
                .round()
                .max(1.0) as usize
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:>BUCKET_LABEL_WIDTH$} "), LABEL),
            Span::styled(format!("{:<bar_width$}", "█".repeat(length)), BAR),
            Span::raw(format!(" {count:>count_width$}")),
        ]));
    }
    lines
}

/// The histogram for a short area: a two-row table where it fits, else a flow of
/// `bucket: polls` facts.
fn compact_histogram(sample: &ReactorSample, room: usize) -> Vec<Line<'static>> {
    const EVENTS: &str = "events/poll";
    const POLLS: &str = "polls";
    let counts = sample.events_per_poll.map(format::count);
    let cells: [usize; EVENT_BUCKETS] =
        std::array::from_fn(|i| fit::width(EVENT_BUCKET_LABELS[i]).max(fit::width(&counts[i])) + 1);
    let heading = fit::width(EVENTS);
    if heading + cells.iter().sum::<usize>() <= room {
        let mut buckets = vec![Span::styled(EVENTS, LABEL)];
        let mut polls = vec![Span::styled(format!("{POLLS:<heading$}"), LABEL)];
        for ((label, count), width) in EVENT_BUCKET_LABELS.iter().zip(&counts).zip(cells) {
            buckets.push(Span::styled(format!("{label:>width$}"), LABEL));
            polls.push(Span::raw(format!("{count:>width$}")));
        }
        return vec![Line::from(buckets), Line::from(polls)];
    }
    let mut facts = vec![vec![Span::styled(EVENTS, LABEL)]];
    facts.extend(
        EVENT_BUCKET_LABELS
            .iter()
            .zip(counts)
            .map(|(label, count)| vec![Span::styled(format!("{label}:"), LABEL), Span::raw(count)]),
    );
    fit::flow(facts, room)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::event_log::LogLine;

    #[test]
    fn the_part_declares_its_keys() {
        let keys: Vec<char> = ReactorSample::keys().iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, vec![PAUSE_KEY, STEP_KEY]);
    }

    /// Every number as large as a long run makes it, and the longest log lines there are.
    fn crowded(step: StepState) -> ReactorSample {
        let line = |source: &str, event: &str, did: &str| LogLine {
            poll: 123_456_789,
            source: source.into(),
            event: event.into(),
            did: did.into(),
        };
        ReactorSample {
            polls_per_s: 123_456.0,
            events_per_s: 9_876_543.0,
            events_per_poll: [1_234_567; EVENT_BUCKETS],
            poll_percent: 100.0,
            handler_percent: 99.9,
            sources: 20_001,
            timers: 40_002,
            wakes_per_s: 12_345.0,
            stale_events: 1_234_567,
            blocked_writes_per_s: 12_345.0,
            step,
            log: vec![
                line(
                    "#0.0",
                    "readable",
                    "accept failed: no file descriptor left; retry on a timer",
                ),
                line(
                    "#19999.65535",
                    "idle timer",
                    "stale event (slot freed or reused): dropped",
                ),
                line(
                    "#7.3",
                    "read+write",
                    "read 8.0 KiB, 12 requests, wait 50 ms, wrote 1 020 B, write blocked, \
                     1 WouldBlock read, budget spent, resume next cycle, closed: EOF mid-request",
                ),
            ],
        }
    }

    #[test]
    fn no_line_is_wider_than_the_panel_from_38_columns_on() {
        let states = [
            StepState::default(),
            StepState {
                paused: true,
                parked: false,
                steps: 0,
            },
            StepState {
                paused: true,
                parked: true,
                steps: 1_234,
            },
        ];
        for step in states {
            let sample = crowded(step);
            for room in 38..=200 {
                for rows in [0, 1, 5, 10, 14, 20, 29, 31, 60] {
                    let syscalls = SyscallsPerRequest {
                        reads: Some(1.95),
                        would_block: Some(0.95),
                        writes: Some(1.0),
                        polls: Some(0.07),
                    };
                    for line in lines(&sample, &syscalls, Controls::Live, room, rows) {
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
