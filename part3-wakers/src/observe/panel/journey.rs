//! The journey as a small timeline: one step a row, its time offset first.
//!
//! ```text
//! Journey of one request          µs
//!      +0 readable → wake
//!      +6 polled (6 µs in the queue)
//!     +19 read 78 B
//!     +19 Pending on its timer
//! +50 122 timer fired → wake
//! ```
//!
//! Where rows are short, the steps flow instead, `+offset step` each, ` · ` between.

use ratatui::text::{Line, Span};

use instruments::dashboard::theme::{DIM, LABEL as HEADING};
use instruments::dashboard::{fit, format};

use crate::observe::journey::{Journey, JourneyStep, Step};
use crate::observe::progress::Wait;
use crate::observe::stats::WakeCause;

/// The heading, richest first.
const TITLES: [&str; 3] = [
    "Journey of one request (µs since its first step)",
    "Journey of one request (µs)",
    "Journey (µs)",
];

/// Waits shorter than this are shown in µs, like the offsets.
const MICROS_UP_TO: u64 = 1_000;

/// A poll this long is pointed out: this server's polls take microseconds.
const LONG_POLL_US: u64 = 1_000;

/// What a step says, and notes on it (richest first) for when there is room.
fn describe(step: &JourneyStep, previous: Option<&JourneyStep>) -> (String, Vec<String>) {
    let text = match &step.step {
        Step::Woken(cause) => match cause {
            WakeCause::ReadReady => "readable → wake",
            WakeCause::WriteReady => "writable → wake",
            WakeCause::Timer => "timer fired → wake",
            WakeCause::SelfWake => "woke itself",
            WakeCause::OtherThread => "woken by another thread",
            WakeCause::OtherTask => "woken by another task",
        }
        .to_string(),
        Step::Polled => "polled".to_string(),
        Step::Read(0) => "read: the client closed".to_string(),
        Step::Read(bytes) => format!("read {}", format::bytes(*bytes)),
        Step::Wrote(bytes) => format!("wrote {}", format::bytes(*bytes)),
        Step::Pending(wait) => match wait {
            Some(Wait::Timer) => "Pending on its timer",
            Some(Wait::Read) => "Pending on a read",
            Some(Wait::Write) => "Pending on a write",
            None => "Pending",
        }
        .to_string(),
        Step::Finished => "finished".to_string(),
        Step::Dropped => "dropped".to_string(),
        Step::GaveUp => "no longer followed".to_string(),
    };
    let notes = match (&step.step, previous) {
        (Step::Polled, Some(woken)) if matches!(woken.step, Step::Woken(_)) => {
            let queued = micros(step.at_us.saturating_sub(woken.at_us));
            vec![
                format!("({queued} in the run queue)"),
                format!("(queued {queued})"),
            ]
        }
        // The first step a poll reports is stamped with the poll's end: say so when the poll
        // was long, or its work would seem to have happened late.
        (_, Some(polled))
            if polled.step == Step::Polled
                && step.at_us.saturating_sub(polled.at_us) >= LONG_POLL_US =>
        {
            let ran = micros(step.at_us.saturating_sub(polled.at_us));
            vec![
                format!("(at the end of a {ran} poll)"),
                format!("(a {ran} poll)"),
            ]
        }
        (Step::Pending(Some(Wait::Timer)), _) => vec!["(the thread serves others)".to_string()],
        _ => Vec::new(),
    };
    (text, notes)
}

/// A wait, in µs while short (`6 µs`), else in the unit that keeps it short (`1.96 s`).
fn micros(us: u64) -> String {
    if us < MICROS_UP_TO {
        format!("{us} µs")
    } else {
        format::latency(us)
    }
}

/// The offset of a step, e.g. `+50 122`.
fn offset(step: &JourneyStep) -> String {
    format!("+{}", format::count(step.at_us))
}

/// The journey as one row a step (with notes where they fit), in `room` columns.
pub fn timeline(journey: Option<&Journey>, room: usize) -> Vec<Line<'static>> {
    let Some(journey) = journey.filter(|j| !j.steps.is_empty()) else {
        return vec![Line::styled(
            fit::richest(
                &[
                    "Journey: waiting for a request to follow…",
                    "Journey: none yet",
                ],
                room,
            )
            .unwrap_or_default(),
            HEADING,
        )];
    };
    let offsets: Vec<String> = journey.steps.iter().map(offset).collect();
    let offset_width = offsets.iter().map(|o| fit::width(o)).max().unwrap_or(0);
    let mut lines = vec![Line::styled(
        fit::richest(&TITLES, room).unwrap_or_default(),
        HEADING,
    )];
    let mut previous = None;
    for (step, offset) in journey.steps.iter().zip(offsets) {
        let (text, notes) = describe(step, previous);
        let used = offset_width + 1 + fit::width(&text);
        let mut spans = vec![
            Span::styled(format!("{offset:>offset_width$} "), DIM),
            Span::raw(text),
        ];
        if let Some(note) = notes
            .iter()
            .find(|note| used + 1 + fit::width(note) <= room)
        {
            spans.push(Span::styled(format!(" {note}"), DIM));
        }
        lines.push(Line::from(spans));
        previous = Some(step);
    }
    lines
}

/// The journey in as few rows as a flow of `+offset step` facts takes.
pub fn compact(journey: Option<&Journey>, room: usize) -> Vec<Line<'static>> {
    let Some(journey) = journey.filter(|j| !j.steps.is_empty()) else {
        return timeline(None, room);
    };
    let mut facts = vec![vec![Span::styled("journey µs", HEADING)]];
    let mut previous = None;
    for step in &journey.steps {
        let (text, _) = describe(step, previous);
        facts.push(vec![
            Span::styled(offset(step), DIM),
            Span::raw(" "),
            Span::raw(text),
        ]);
        previous = Some(step);
    }
    fit::flow(facts, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                text.replace(format::DIGIT_SEPARATOR, " ")
            })
            .collect()
    }

    fn journey() -> Journey {
        let step = |at_us, step| JourneyStep { at_us, step };
        Journey {
            steps: vec![
                step(0, Step::Woken(WakeCause::ReadReady)),
                step(6, Step::Polled),
                step(19, Step::Read(78)),
                step(19, Step::Pending(Some(Wait::Timer))),
                step(50_122, Step::Woken(WakeCause::Timer)),
                step(50_130, Step::Polled),
                step(50_141, Step::Wrote(83)),
            ],
        }
    }

    #[test]
    fn each_step_is_a_row_with_its_offset() {
        assert_eq!(
            text(&timeline(Some(&journey()), 38)),
            [
                "Journey of one request (µs)",
                "     +0 readable → wake",
                "     +6 polled (6 µs in the run queue)",
                "    +19 read 78 B",
                "    +19 Pending on its timer",
                "+50 122 timer fired → wake",
                "+50 130 polled (8 µs in the run queue)",
                "+50 141 wrote 83 B",
            ]
        );
    }

    #[test]
    fn notes_go_before_the_steps_are_cut() {
        let narrow = text(&timeline(Some(&journey()), 30));
        assert_eq!(narrow[2], "     +6 polled (queued 6 µs)");
        assert_eq!(narrow[4], "    +19 Pending on its timer");
    }

    #[test]
    fn a_long_wait_in_the_queue_reads_in_seconds() {
        let stalled = Journey {
            steps: vec![
                JourneyStep {
                    at_us: 0,
                    step: Step::Woken(WakeCause::ReadReady),
                },
                JourneyStep {
                    at_us: 1_960_123,
                    step: Step::Polled,
                },
            ],
        };
        assert_eq!(
            text(&timeline(Some(&stalled), 38))[2],
            "+1 960 123 polled (queued 1.96 s)"
        );
    }

    #[test]
    fn the_end_of_a_long_poll_says_how_long_it_ran() {
        let blocked = Journey {
            steps: vec![
                JourneyStep {
                    at_us: 0,
                    step: Step::Polled,
                },
                JourneyStep {
                    at_us: 20_173,
                    step: Step::Read(41),
                },
                JourneyStep {
                    at_us: 20_173,
                    step: Step::Pending(Some(Wait::Timer)),
                },
            ],
        };
        assert_eq!(
            text(&timeline(Some(&blocked), 38))[2..],
            [
                "+20 173 read 41 B (a 20.2 ms poll)",
                "+20 173 Pending on its timer"
            ]
        );
    }

    #[test]
    fn compact_flows_the_steps() {
        let lines = text(&compact(Some(&journey()), 78));
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("journey µs · +0 readable → wake · +6 polled"));
        assert_eq!(
            text(&compact(None, 78)),
            ["Journey: waiting for a request to follow…"]
        );
    }
}
