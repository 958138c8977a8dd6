//! Text that fits: lines for a panel of any width that never cut a word in half.
//!
//! Shared by the parts' panels.
//!
//! A terminal cuts a line that is too long wherever the edge falls — `(waitin` — and leaves
//! the reader to guess the rest. The panel never hands it such a line. Three moves keep every
//! word whole, from the cheapest to the most generous:
//! - [`richest`]: say it in fewer words (`in poll (waiting in epoll_wait)` → `in poll (waiting)`);
//! - [`flow`]: pack short facts (`1 001 sources`, `0 wakes/s`) into as few lines as they
//!   need, ` · ` between them, starting a new line rather than splitting a fact — in the
//!   richest wording and clearest grouping that take no more lines than any other
//!   ([`flow_richest`]);
//! - [`wrap`]: break a sentence of clauses (`read 78 B, 1 request, wait 50 ms`) after a comma,
//!   and between words only when one clause alone is too long for a line.
//!
//! Widths are terminal columns (`●` and the no-break space inside `1 001` take one each), as
//! ratatui measures them.

use ratatui::text::{Line, Span};

use super::theme::DIM;

/// Goes between two facts on one line.
const FACT_SEPARATOR: &str = " · ";

/// One fact: a few styled pieces that must stay together on a line.
pub type Fact = Vec<Span<'static>>;

/// How many columns `text` takes in a terminal.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// The first of `variants` (richest first) that fits in `room` columns, if any does.
pub fn richest<'a>(variants: &[&'a str], room: usize) -> Option<&'a str> {
    variants.iter().copied().find(|text| width(text) <= room)
}

/// Packs `facts` into lines no wider than `room`, in order, ` · ` between two facts on a line.
///
/// A fact never spans two lines; one wider than `room` on its own gets a line to itself (and
/// is cut by the terminal: only on a panel too small to read anyway).
pub fn flow(facts: Vec<Fact>, room: usize) -> Vec<Line<'static>> {
    let separator = width(FACT_SEPARATOR);
    let mut lines = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for fact in facts {
        let fact_width: usize = fact.iter().map(Span::width).sum();
        if !line.is_empty() && used + separator + fact_width > room {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        if !line.is_empty() {
            line.push(Span::styled(FACT_SEPARATOR, DIM));
            used += separator;
        }
        line.extend(fact);
        used += fact_width;
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

/// Facts that [`flow`] packs together; the next group starts on a new line.
pub type Group = Vec<Fact>;

/// The lines of the first of `layouts` (the same facts worded or grouped differently,
/// preferred first) that takes no more lines than any other.
pub fn flow_richest(layouts: Vec<Vec<Group>>, room: usize) -> Vec<Line<'static>> {
    let flows: Vec<Vec<Line<'static>>> = layouts
        .into_iter()
        .map(|groups| {
            groups
                .into_iter()
                .flat_map(|facts| flow(facts, room))
                .collect()
        })
        .collect();
    let fewest = flows.iter().map(Vec::len).min().unwrap_or(0);
    flows
        .into_iter()
        .find(|lines| lines.len() == fewest)
        .unwrap_or_default()
}

/// Breaks `text` into lines no wider than `room`: after a `, ` where it can, between words
/// inside a clause too long for a line of its own. Only a single word wider than `room` is
/// left too long.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    // The pieces that may not be split: whole clauses where they fit, else their words. (Only
    // plain spaces separate words: the no-break space inside `1 001` does not.)
    let mut pieces: Vec<&str> = Vec::new();
    for clause in text.split_inclusive(", ") {
        let clause = clause.trim_end_matches(' ');
        if width(clause) <= room {
            pieces.push(clause);
        } else {
            pieces.extend(clause.split(' ').filter(|word| !word.is_empty()));
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if !line.is_empty() && width(&line) + 1 + width(piece) > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(piece);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans
            .iter()
            .map(|span| span.content.as_ref())
            .collect()
    }

    fn fact(text: &'static str) -> Fact {
        vec![Span::raw(text)]
    }

    #[test]
    fn the_richest_wording_that_fits_wins() {
        let variants = [
            "in poll (waiting in epoll_wait)",
            "in poll (waiting)",
            "in poll",
        ];
        assert_eq!(richest(&variants, 80), Some(variants[0]));
        assert_eq!(richest(&variants, 20), Some(variants[1]));
        assert_eq!(richest(&variants, 7), Some(variants[2]));
        assert_eq!(richest(&variants, 6), None);
    }

    #[test]
    fn facts_flow_onto_new_lines_whole() {
        let facts = || {
            vec![
                fact("6 258 polls/s"),
                fact("2.61 events/poll"),
                fact("0 wakes/s"),
            ]
        };
        let one: Vec<String> = flow(facts(), 80).iter().map(text).collect();
        assert_eq!(one, ["6 258 polls/s · 2.61 events/poll · 0 wakes/s"]);
        let narrow: Vec<String> = flow(facts(), 32).iter().map(text).collect();
        assert_eq!(narrow, ["6 258 polls/s · 2.61 events/poll", "0 wakes/s"]);
        let tiny: Vec<String> = flow(facts(), 5).iter().map(text).collect();
        assert_eq!(tiny, ["6 258 polls/s", "2.61 events/poll", "0 wakes/s"]);
        assert!(flow(Vec::new(), 10).is_empty());
    }

    #[test]
    fn the_preferred_layout_is_kept_while_it_costs_no_line() {
        let state = |rich: bool| {
            vec![
                fact("● running"),
                fact(if rich {
                    "p pauses, n runs one poll cycle"
                } else {
                    "p pause, n step"
                }),
            ]
        };
        let rates = || vec![fact("1 204 polls/s"), fact("0 wakes/s")];
        let layouts = || {
            vec![
                vec![state(true), rates()],
                vec![state(false), rates()],
                vec![[state(false), rates()].concat()],
            ]
        };
        let lines =
            |room| -> Vec<String> { flow_richest(layouts(), room).iter().map(text).collect() };
        assert_eq!(
            lines(50),
            [
                "● running · p pauses, n runs one poll cycle",
                "1 204 polls/s · 0 wakes/s"
            ]
        );
        assert_eq!(
            lines(60),
            ["● running · p pause, n step · 1 204 polls/s · 0 wakes/s"]
        );
        assert_eq!(
            lines(30),
            ["● running · p pause, n step", "1 204 polls/s · 0 wakes/s"]
        );
    }

    #[test]
    fn clauses_wrap_after_commas_and_words_only_when_they_must() {
        let did = "read 78 B, 1 request, wait 50 ms";
        assert_eq!(wrap(did, 40), [did]);
        assert_eq!(wrap(did, 22), ["read 78 B, 1 request,", "wait 50 ms"]);
        assert_eq!(wrap(did, 12), ["read 78 B,", "1 request,", "wait 50 ms"]);
        assert_eq!(
            wrap("stale event (slot freed or reused): dropped", 20),
            ["stale event (slot", "freed or reused):", "dropped"]
        );
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("WouldBlock", 4), ["WouldBlock"]);
    }
}
