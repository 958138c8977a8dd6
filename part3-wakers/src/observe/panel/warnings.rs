//! The warnings block, after tokio-console's lints: each warning's sign, count and name, and
//! what it means — in words, never in colour alone.
//!
//! ```text
//! Warnings (since start; +new this tick)
//! ✓ 0 self-waking tasks
//! ✓ 0 lost wakers
//! ⚠ 31 blocking polls > 10 ms (+31)
//!   held the thread, every task waited
//! ```
//!
//! A warning's meaning follows its name on the same line where it fits; otherwise it gets
//! lines of its own, but only while the warning fires.

use ratatui::text::{Line, Span};

use instruments::dashboard::theme::{ATTENTION as FIRING, DIM, GOOD as QUIET, LABEL as HEADING};
use instruments::dashboard::{fit, format};

use crate::observe::sample::{Warning, Warnings};
use crate::observe::stats::BLOCKING_POLL;

/// A firing warning's meaning, on lines of its own, is indented this much.
const MEANING_INDENT: usize = 2;

/// One warning: its count, its name (singular, plural), what it means.
struct Lint {
    count: Warning,
    one: String,
    many: String,
    meaning: &'static str,
}

fn lints(warnings: &Warnings) -> [Lint; 3] {
    let blocking = format!("> {} ms", BLOCKING_POLL.as_millis());
    [
        Lint {
            count: warnings.self_waking_tasks,
            one: "self-waking task".into(),
            many: "self-waking tasks".into(),
            meaning: "most polls ended in a self-wake",
        },
        Lint {
            count: warnings.lost_wakers,
            one: "lost waker".into(),
            many: "lost wakers".into(),
            meaning: "Pending, and nothing can wake it",
        },
        Lint {
            count: warnings.blocking_polls,
            one: format!("blocking poll {blocking}"),
            many: format!("blocking polls {blocking}"),
            meaning: "held the thread, every task waited",
        },
    ]
}

impl Lint {
    fn fires(&self) -> bool {
        self.count.total > 0
    }

    /// `⚠ 31 blocking polls > 10 ms`, or `✓ 0 lost wakers`; then, if asked and any are,
    /// `(+31)`, new this tick: on the same fact if that fits `room`.
    fn facts(&self, with_new: bool, room: usize) -> Vec<Vec<Span<'static>>> {
        let (sign, style) = if self.fires() {
            ("⚠", FIRING)
        } else {
            ("✓", QUIET)
        };
        let name = if self.count.total == 1 {
            &self.one
        } else {
            &self.many
        };
        let mut facts = vec![vec![
            Span::styled(sign, style),
            Span::raw(format!(" {} {name}", format::count(self.count.total))),
        ]];
        if with_new && self.count.new > 0 {
            let new = Span::styled(format!("(+{})", format::count(self.count.new)), style);
            let width: usize = facts[0].iter().map(Span::width).sum();
            if width + 1 + new.width() <= room {
                facts[0].extend([Span::raw(" "), new]);
            } else {
                facts.push(vec![new]);
            }
        }
        facts
    }
}

/// The block: a heading, then a line per warning (and its meaning), in `room` columns.
pub fn block(warnings: &Warnings, room: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        fit::richest(
            &[
                "Warnings (counts since the start; +new this tick)",
                "Warnings (since start; +new this tick)",
                "Warnings (since start)",
                "Warnings",
            ],
            room,
        )
        .unwrap_or_default(),
        HEADING,
    )];
    for lint in lints(warnings) {
        let mut said = fit::flow(lint.facts(true, room), room);
        let meaning = format!(": {}", lint.meaning);
        if let [line] = said.as_mut_slice()
            && line.width() + fit::width(&meaning) <= room
        {
            line.push_span(Span::styled(meaning, DIM));
            lines.append(&mut said);
        } else {
            lines.append(&mut said);
            if lint.fires() {
                let indent = " ".repeat(MEANING_INDENT);
                lines.extend(
                    fit::wrap(lint.meaning, room.saturating_sub(MEANING_INDENT))
                        .into_iter()
                        .map(|text| Line::styled(format!("{indent}{text}"), DIM)),
                );
            }
        }
    }
    lines
}

/// The warnings as a flow of facts, for a short panel: signs, counts and names only.
pub fn compact(warnings: &Warnings, room: usize) -> Vec<Line<'static>> {
    let mut facts = vec![vec![Span::styled("warnings", HEADING)]];
    facts.extend(
        lints(warnings)
            .iter()
            .flat_map(|lint| lint.facts(false, room)),
    );
    fit::flow(facts, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    fn blocking() -> Warnings {
        Warnings {
            blocking_polls: Warning { total: 31, new: 31 },
            lost_wakers: Warning { total: 1, new: 0 },
            ..Warnings::default()
        }
    }

    #[test]
    fn a_firing_warning_says_what_it_means_even_when_narrow() {
        assert_eq!(
            text(&block(&blocking(), 38)),
            [
                "Warnings (since start; +new this tick)",
                "✓ 0 self-waking tasks",
                "⚠ 1 lost waker",
                "  Pending, and nothing can wake it",
                "⚠ 31 blocking polls > 10 ms (+31)",
                "  held the thread, every task waited",
            ]
        );
    }

    #[test]
    fn wide_every_meaning_shares_its_line() {
        let lines = text(&block(&Warnings::default(), 78));
        assert_eq!(
            lines[1],
            "✓ 0 self-waking tasks: most polls ended in a self-wake"
        );
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn compact_keeps_signs_counts_and_names() {
        assert_eq!(
            text(&compact(&blocking(), 78)),
            [
                "warnings · ✓ 0 self-waking tasks · ⚠ 1 lost waker",
                "⚠ 31 blocking polls > 10 ms"
            ]
        );
    }
}
