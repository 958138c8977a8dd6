//! The event log as columns: which poll cycle, which source, what happened, what the handler
//! did.
//!
//! ```text
//!    poll source event    what the handler did (newest last)
//!  18 342 #7.0   readable read 78 B, 1 request, wait 50 ms
//!  18 343 #107.2 io timer wrote 83 B, 1 WouldBlock read
//! ```
//!
//! Each column is as wide as its widest entry on screen. When the panel is narrow, whole
//! columns give way so that the last one keeps room to be read: the poll number first — a
//! divider row above each cycle's first entry says it instead, so a step (`n`) still shows
//! which lines its one cycle wrote — then the source. What the handler did is never cut: it
//! wraps after a comma onto lines of its own, under its column.
//!
//! ```text
//! source event    what the handler did
//! ── poll 18 343 ──────────────────────
//! #107.2 io timer wrote 83 B,
//!                 1 WouldBlock read
//! ```

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use instruments::dashboard::format;
use instruments::dashboard::theme::{DIM, LABEL as HEADING, category};

use crate::observe::event_log::LogLine;
use instruments::dashboard::fit;

/// The `did` column keeps the poll column beside it only while it has this much room: the
/// most common line, `read 78 B, 1 request, wait 50 ms`, then takes one row.
const DID_WIDTH_WITH_POLL: usize = 32;
/// ...and the source column while it has this much: two short clauses a row.
const DID_WIDTH_WITH_SOURCE: usize = 16;

const POLL_HEADING: &str = "poll";
const SOURCE_HEADING: &str = "source";
const EVENT_HEADING: &str = "event";
/// The heading of the last column, richest first.
const DID_HEADINGS: [&str; 5] = [
    "what the handler did (newest last; source = #slot.generation)",
    "what the handler did (newest last)",
    "what the handler did",
    "handler did",
    "did",
];

/// The columns shown, and how wide each is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    poll: Option<usize>,
    source: Option<usize>,
    event: usize,
    did: usize,
}

impl Columns {
    /// The widest columns `entries` need, less those that would leave `did` too little of
    /// `room`.
    fn fit(entries: &[LogLine], room: usize) -> Columns {
        let widest = |heading: &str, cell: &dyn Fn(&LogLine) -> usize| {
            entries
                .iter()
                .map(cell)
                .fold(fit::width(heading), usize::max)
        };
        let mut columns = Columns {
            poll: Some(widest(POLL_HEADING, &|line| {
                fit::width(&format::count(line.poll))
            })),
            source: Some(widest(SOURCE_HEADING, &|line| fit::width(&line.source))),
            event: widest(EVENT_HEADING, &|line| fit::width(&line.event)),
            did: 0,
        };
        if room.saturating_sub(columns.before_did()) < DID_WIDTH_WITH_POLL {
            columns.poll = None;
        }
        if room.saturating_sub(columns.before_did()) < DID_WIDTH_WITH_SOURCE {
            columns.source = None;
        }
        columns.did = room.saturating_sub(columns.before_did());
        columns
    }

    /// Columns left of `did`, each with the space after it.
    fn before_did(&self) -> usize {
        [self.poll, self.source, Some(self.event)]
            .into_iter()
            .flatten()
            .map(|width| width + 1)
            .sum()
    }

    /// One row: the cells left of `did` (blank on a continuation row), then a piece of `did`.
    fn row(&self, cells: Option<[Span<'static>; 3]>, did: Span<'static>) -> Line<'static> {
        let mut spans = Vec::with_capacity(4);
        match cells {
            Some([poll, source, event]) => {
                let pad = |span: Span<'static>, width: usize, right: bool| {
                    let text = if right {
                        format!("{:>width$} ", span.content)
                    } else {
                        format!("{:<width$} ", span.content)
                    };
                    Span::styled(text, span.style)
                };
                if let Some(width) = self.poll {
                    spans.push(pad(poll, width, true));
                }
                if let Some(width) = self.source {
                    spans.push(pad(source, width, false));
                }
                spans.push(pad(event, self.event, false));
            }
            None => spans.push(Span::raw(" ".repeat(self.before_did()))),
        }
        spans.push(did);
        Line::from(spans)
    }
}

/// The log's heading and its newest entries, in at most `rows` lines of at most `room`
/// columns, oldest first.
pub fn lines(log: &[LogLine], room: usize, rows: usize) -> Vec<Line<'static>> {
    let Some(entry_rows) = rows.checked_sub(1) else {
        return Vec::new();
    };
    // Every entry takes at least one row: no more than this many can be shown.
    let candidates = &log[log.len().saturating_sub(entry_rows)..];
    let columns = Columns::fit(candidates, room);

    // Newest first, as long as they fit: each entry's rows, and, without a poll column, one
    // divider row above each poll cycle's first entry.
    let dividers = columns.poll.is_none();
    let mut shown: Vec<(&LogLine, Vec<Line<'static>>)> = Vec::new();
    let mut used = 0;
    for line in candidates.iter().rev() {
        let rows = entry(line, &columns);
        let new_cycle = shown
            .last()
            .is_none_or(|(newer, _)| newer.poll != line.poll);
        let needed = rows.len() + usize::from(dividers && new_cycle);
        if used + needed > entry_rows {
            break;
        }
        used += needed;
        shown.push((line, rows));
    }

    let heading = columns.row(
        Some([
            Span::styled(POLL_HEADING, HEADING),
            Span::styled(SOURCE_HEADING, HEADING),
            Span::styled(EVENT_HEADING, HEADING),
        ]),
        Span::styled(
            fit::richest(&DID_HEADINGS, columns.did).unwrap_or_default(),
            HEADING,
        ),
    );
    let mut lines = vec![heading];
    if log.is_empty() && entry_rows > 0 {
        lines.push(Line::styled("no event yet", DIM));
    }
    let mut cycle = None;
    for (line, rows) in shown.into_iter().rev() {
        if dividers && cycle != Some(line.poll) {
            lines.push(divider(line.poll, room));
        }
        cycle = Some(line.poll);
        lines.extend(rows);
    }
    lines
}

/// `── poll 18 342 ───`: where a poll cycle's entries begin, when no column says it.
fn divider(poll: u64, room: usize) -> Line<'static> {
    let label = format!("── {POLL_HEADING} {} ", format::count(poll));
    let rule = "─".repeat(room.saturating_sub(fit::width(&label)));
    Line::styled(label + &rule, DIM)
}

/// The rows of one entry: its cells and the first piece of what the handler did, then the
/// rest of that under its column.
fn entry(line: &LogLine, columns: &Columns) -> Vec<Line<'static>> {
    let mut did = fit::wrap(&line.did, columns.did).into_iter();
    let first = columns.row(
        Some([
            Span::styled(format::count(line.poll), DIM),
            Span::raw(line.source.clone()),
            Span::styled(line.event.clone(), event_style(&line.event)),
        ]),
        Span::raw(did.next().unwrap_or_default()),
    );
    std::iter::once(first)
        .chain(did.map(|rest| columns.row(None, Span::raw(rest))))
        .collect()
}

/// One colour for readiness, one for timers, one for a wake: the three ways a loop wakes up
/// (the event's name says it too).
fn event_style(event: &str) -> Style {
    match event {
        "readable" | "writable" | "read+write" => category(0),
        "io timer" | "idle timer" | "retry" => category(2),
        "wake" => category(1),
        _ => category(5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(poll: u64, source: &str, event: &str, did: &str) -> LogLine {
        LogLine {
            poll,
            source: source.into(),
            event: event.into(),
            did: did.into(),
        }
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                text.trim_end()
                    .replace(format::DIGIT_SEPARATOR, " ")
                    .to_string()
            })
            .collect()
    }

    fn log() -> Vec<LogLine> {
        vec![
            line(
                18_342,
                "#7.0",
                "readable",
                "read 78 B, 1 request, wait 50 ms",
            ),
            line(
                18_343,
                "#107.2",
                "io timer",
                "wrote 83 B, 1 WouldBlock read",
            ),
        ]
    }

    #[test]
    fn wide_shows_every_column_on_one_row() {
        assert_eq!(
            text(&lines(&log(), 78, 10)),
            [
                "  poll source event    what the handler did (newest last)",
                "18 342 #7.0   readable read 78 B, 1 request, wait 50 ms",
                "18 343 #107.2 io timer wrote 83 B, 1 WouldBlock read",
            ]
        );
    }

    #[test]
    fn narrow_drops_the_poll_column_for_dividers_and_wraps_what_the_handler_did() {
        let mut log = log();
        log.push(line(18_343, "#0.0", "readable", "accepted 2"));
        assert_eq!(
            text(&lines(&log, 38, 10)),
            [
                "source event    what the handler did",
                "── poll 18 342 ───────────────────────",
                "#7.0   readable read 78 B, 1 request,",
                "                wait 50 ms",
                "── poll 18 343 ───────────────────────",
                "#107.2 io timer wrote 83 B,",
                "                1 WouldBlock read",
                "#0.0   readable accepted 2",
            ]
        );
    }

    #[test]
    fn only_whole_entries_are_shown_the_newest_first_to_go_in() {
        let shown = text(&lines(&log(), 38, 4));
        assert_eq!(
            shown,
            [
                "source event    what the handler did",
                "── poll 18 343 ───────────────────────",
                "#107.2 io timer wrote 83 B,",
                "                1 WouldBlock read",
            ]
        );
        assert!(lines(&log(), 38, 0).is_empty());
        assert_eq!(text(&lines(&[], 38, 4))[1], "no event yet");
    }
}
