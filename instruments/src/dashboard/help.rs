//! The help overlay (`?`): every key, the part's own keys, how to read the trickier numbers,
//! and the demo's notes (limits worth knowing before the run hits them).
//!
//! The text is wrapped here rather than by the paragraph widget, so that the number of lines
//! is known and the overlay can scroll (`↑`/`↓`) when the terminal is too short for it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::dashboard::area::centered;
use crate::dashboard::keys::{LOAD_KEY_HELP, VIEW_KEY_HELP};
use crate::dashboard::theme::{ATTENTION as HEADING, KEY};
use crate::dashboard::{Controls, DemoInfo, PartView};

/// The overlay's widest size; it shrinks with the terminal.
const MAX_WIDTH: u16 = 78;
/// Width of the key column.
const KEY_WIDTH: usize = 16;

/// What the numbers that surprise learners mean.
const READING: &[(&str, &str)] = &[
    (
        "Mem (RSS)",
        "resident set size: the server's pages that really sit in RAM, against the machine's RAM.",
    ),
    (
        "Virtual",
        "every byte the server has mapped. Each thread reserves its whole stack here (2 MiB by \
         default in Rust) but only the pages it touches become resident, so virtual size \
         soars with threads while RSS barely moves.",
    ),
    (
        "Kernel stacks",
        "the kernel keeps its own stack for every thread on the machine (16 KiB each on x86-64 \
         Linux). That memory is real but belongs to no process: it is not in RSS.",
    ),
    (
        "Ctx switches",
        "times a thread of the server left the CPU, per second and per answered request: about \
         one or two per request when each request blocks a thread; with one thread serving \
         everyone, one per request while requests come one at a time (each wakes it), a few \
         hundredths under load (many requests per wake-up).",
    ),
    (
        "Queue",
        "requests due at the clients but not answered yet: each one waits longer than the last \
         when this grows.",
    ),
    (
        "Errors",
        "kinds the server counted (thread_limit, accept_failed...), then kinds the load \
         generator saw (refused, reset, timeout, error_status, other). A server out of threads \
         counts a thread_limit and answers 503: the client's error_status.",
    ),
    (
        "Chart",
        "each line is divided by its own maximum in the window (the ↑ number): compare shapes, \
         read values in the legend. The letter on a line is its measure's in the legend (C CPU, \
         M Mem...).",
    ),
    (
        "Status",
        "○ nothing going on · ✓ fine · ! look closer · ✗ something is wrong; the words after it \
         say what.",
    ),
];

/// What a replay's help says instead of the keys that change the load and the server, for a
/// part with keys of its own (`panel_keys`) or without.
fn replay_keys(panel_keys: bool) -> String {
    let panel = if panel_keys {
        ", and the panel's own"
    } else {
        ""
    };
    format!(
        "This is a replay: the load and the server are as they were recorded, so the keys \
         that change them (+ - → ← c s{panel}) work only in a live run."
    )
}

/// The help text wrapped to `width` columns.
pub fn lines<X: PartView>(info: &DemoInfo, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut out = vec![Line::styled("Keys", HEADING)];
    let entry = |out: &mut Vec<Line<'static>>, key: &str, what: &str| {
        let wrapped = wrap(what, width.saturating_sub(KEY_WIDTH));
        for (i, text) in wrapped.into_iter().enumerate() {
            let key = if i == 0 { key } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{key:<KEY_WIDTH$}"), KEY),
                Span::raw(text),
            ]));
        }
    };
    if info.controls == Controls::Replay {
        for (key, what) in VIEW_KEY_HELP {
            entry(&mut out, key, what);
        }
        out.push(Line::raw(""));
        for text in wrap(&replay_keys(!X::keys().is_empty()), width) {
            out.push(Line::raw(text));
        }
    } else {
        for (key, what) in LOAD_KEY_HELP.iter().chain(VIEW_KEY_HELP) {
            entry(&mut out, key, what);
        }
    }
    if info.controls == Controls::Live && !X::keys().is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("Keys of the {} panel", X::PANEL.unwrap_or("part's")),
            HEADING,
        ));
        for (key, what) in X::keys() {
            entry(&mut out, &key.to_string(), what);
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Reading the numbers", HEADING));
    for (what, meaning) in READING.iter().chain(&info.reading) {
        entry(&mut out, what, meaning);
    }
    if !X::panel_reading().is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("Reading the {} panel", X::PANEL.unwrap_or("part's")),
            HEADING,
        ));
        for (what, meaning) in X::panel_reading() {
            entry(&mut out, what, meaning);
        }
    }
    if !info.notes.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Notes on this run", HEADING));
        for note in &info.notes {
            for (i, text) in wrap(note, width.saturating_sub(2)).into_iter().enumerate() {
                let bullet = if i == 0 { "• " } else { "  " };
                out.push(Line::raw(format!("{bullet}{text}")));
            }
        }
    }
    out
}

/// Draws the overlay over `area`, scrolled down by `scroll` lines (at most to the end), and
/// returns how far it can scroll at this size.
pub fn render<X: PartView>(info: &DemoInfo, scroll: u16, area: Rect, buf: &mut Buffer) -> u16 {
    let popup = centered(
        area,
        MAX_WIDTH.min(area.width.saturating_sub(2)),
        area.height,
    );
    let block = Block::bordered()
        .title(" Help ")
        .title_bottom(Line::from(" ↑/↓ scroll · ? or Esc closes ").right_aligned());
    let inner = block.inner(popup);
    let text = lines::<X>(info, inner.width);
    let max_scroll = u16::try_from(text.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner.height);
    Clear.render(popup, buf);
    Paragraph::new(text)
        .block(block)
        .scroll((scroll.min(max_scroll), 0))
        .render(popup, buf);
    max_scroll
}

/// Greedy word wrap to `width` columns (at least one word per line: a word longer than the
/// line overflows and the widget clips it).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = columns(&line) + usize::from(!line.is_empty()) + columns(word);
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How many terminal columns `text` takes (some characters take two).
fn columns(text: &str) -> usize {
    Span::raw(text).width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("one two three", 100), vec!["one two three"]);
        assert_eq!(wrap("unbreakable", 3), vec!["unbreakable"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("a b", 0), vec!["a", "b"]);
    }

    fn text<X: PartView>(info: &DemoInfo) -> String {
        lines::<X>(info, 76)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    #[test]
    fn a_parts_own_reading_is_shown_and_only_its_own() {
        let shared = text::<()>(&DemoInfo::default());
        assert!(
            !shared.contains("wait for a thread"),
            "waiting for a thread is part 1's; the shared help must not say it:\n{shared}"
        );
        let info = DemoInfo {
            reading: vec![("Queue (conns)", "connections that wait for a thread")],
            ..DemoInfo::default()
        };
        let part1 = text::<()>(&info);
        assert!(
            part1.contains("Queue (conns)") && part1.contains("wait for a thread"),
            "the part's reading is listed:\n{part1}"
        );
        assert!(
            shared.contains("error_status"),
            "the client's error kinds are explained:\n{shared}"
        );
    }

    #[test]
    fn help_lists_every_key_and_the_notes() {
        let info = DemoInfo {
            notes: vec!["fd limit raised to 1 048 576".to_string()],
            ..DemoInfo::default()
        };
        let text: String = lines::<()>(&info, 76)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        for (key, _) in LOAD_KEY_HELP.iter().chain(VIEW_KEY_HELP) {
            assert!(text.contains(key), "{key} missing from\n{text}");
        }
        assert!(text.contains("fd limit raised"), "{text}");
        assert!(
            !text.contains("Keys of the"),
            "() has no keys of its own:\n{text}"
        );
    }

    /// A part with a key of its own, to see it leave a replay's help.
    #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Switchable;

    impl PartView for Switchable {
        const PANEL: Option<&'static str> = Some("Switch");
        fn keys() -> &'static [(char, &'static str)] {
            &[('r', "switch the runtime")]
        }
    }

    #[test]
    fn a_replays_help_offers_only_the_keys_that_work() {
        let live = text::<Switchable>(&DemoInfo::default());
        assert!(live.contains("switch the runtime"), "{live}");
        let replay = text::<Switchable>(&DemoInfo {
            controls: Controls::Replay,
            ..DemoInfo::default()
        });
        // The first words of what a key does: the rest may wrap onto the next line.
        let start = |what: &str| {
            what.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (key, what) in LOAD_KEY_HELP {
            let what = start(what);
            assert!(
                !replay.contains(&what),
                "{key} cannot work in a replay:\n{replay}"
            );
        }
        for (key, what) in VIEW_KEY_HELP {
            let what = start(what);
            assert!(
                replay.contains(key) && replay.contains(&what),
                "{key}:\n{replay}"
            );
        }
        assert!(
            !replay.contains("switch the runtime") && replay.contains("and the panel's own"),
            "the panel's keys leave too, and the help says why:\n{replay}"
        );
        let no_panel = text::<()>(&DemoInfo {
            controls: Controls::Replay,
            ..DemoInfo::default()
        });
        assert!(
            no_panel.contains("This is a replay") && !no_panel.contains("panel's own"),
            "a part without keys of its own does not mention them:\n{no_panel}"
        );
    }
}
