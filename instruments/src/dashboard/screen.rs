//! The screen's layout: which piece goes where, and what gives way on a small terminal.
//!
//! ```text
//! title · subtitle                                   FROZEN / time   ─┐ header, 2 rows
//! Load: connections · pacing · mode                                  ─┘
//! [htop] panel   Tab switches       (only when the two take turns)      1 row
//! htop view  │ part panel           (side by side, stacked, or Tab)     the rest
//! ▶ the scenario's stage: what to watch now (while a scenario plays)    1–2 rows
//! Status: ● the diagnosis                                               1–2 rows
//! messages                                                              1–2 rows
//! key hints                                                             1 row
//! ```
//!
//! The title line reads `title · description · settings · address`, the subtitle's facts as
//! the demo writes them (`1 event-loop thread · io_ms=50 cpu_us=0 · 127.0.0.1:40123`). What
//! does not fit gives way whole, never cut mid-word: the address first, then the description,
//! so that the settings — which say what every number below means — are the last to go.
//!
//! The fixed rows are cut first and the body gets what remains, so shrinking the terminal
//! shrinks the body (fewer thread rows, a shorter chart) before anything else. A part with a
//! panel gets it beside the htop view on a wide terminal, below it on a tall one, and
//! otherwise the two take turns on `Tab`.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::dashboard::area::{share, take_bottom, take_right, take_top};
use crate::dashboard::state::{DashboardState, View, pacing_text};
use crate::dashboard::status::{Level, diagnose};
use crate::dashboard::theme::{
    self, DIM, HIGHLIGHT as FROZEN, KEY, SELECTED as SELECTED_TAB, TITLE,
};
use crate::dashboard::{Controls, DemoInfo, PartView, format, help, htop};
use crate::load::ConnectionMode;
use crate::sample::Sample;
use crate::series::Series;

const HEADER_ROWS: u16 = 2;
/// The htop view is laid out for 80 columns: beside a panel it keeps at least that many...
const HTOP_WIDTH: u16 = 80;
/// ...or this share of the width (percent) when wider...
const SIDE_HTOP_PERCENT: u16 = 55;
/// ...and the panel sits beside it when it gets at least this many columns.
const SIDE_PANEL_MIN_WIDTH: u16 = 40;
/// Otherwise, from this body height on, the panel sits below the htop view...
const STACKED_MIN_BODY_ROWS: u16 = 30;
/// ...and takes this share of the height (percent).
const STACKED_PANEL_PERCENT: u16 = 45;
/// From this terminal height on, the status and the message bar get two rows each.
const ROOMY_HEIGHT: u16 = 30;
/// Below this terminal height, the status gets a single row.
const CRAMPED_HEIGHT: u16 = 20;

/// Draws the whole dashboard for `state` into `frame`.
pub fn render<X: PartView>(state: &DashboardState<X>, frame: &mut Frame) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    let history = state.shown_history();

    let mut body = area;
    let header = take_top(&mut body, HEADER_ROWS);
    let footer = take_bottom(&mut body, 1);
    let roomy = area.height >= ROOMY_HEIGHT;
    let messages = take_bottom(&mut body, if roomy { 2 } else { 1 });
    let status = take_bottom(&mut body, if area.height >= CRAMPED_HEIGHT { 2 } else { 1 });
    // The stage is the scenario's narration: while one plays, it gets rows of its own.
    if let Some(stage) = history.latest().and_then(|s| s.stage.as_deref()) {
        let stage_area = take_bottom(&mut body, if roomy { 2 } else { 1 });
        Paragraph::new(Line::from(vec![Span::styled("▶ ", KEY), Span::raw(stage)]))
            .wrap(Wrap { trim: true })
            .render(stage_area, buf);
    }

    render_header(state, header, buf);
    let taking_turns = render_body(state, history, body, buf);
    render_status(history, state.info.controls, status, buf);
    let newest = state
        .messages
        .iter()
        .rev()
        .take(usize::from(messages.height));
    let lines: Vec<Line> = newest.rev().map(|m| Line::raw(m.as_str())).collect();
    Paragraph::new(lines).render(messages, buf);
    render_footer(state, taking_turns, footer, buf);

    if state.help {
        let max_scroll = help::render::<X>(&state.info, state.help_scroll, area, buf);
        state.help_max_scroll.set(max_scroll);
    }
    state.info.theme.apply(buf);
}

fn render_header<X: PartView>(state: &DashboardState<X>, area: Rect, buf: &mut Buffer) {
    let mut rows = area;
    let mut first = take_top(&mut rows, 1);
    let second = take_top(&mut rows, 1);
    let shown = state.shown_history().latest();

    let clock = match (&state.frozen, shown, state.history.latest()) {
        (Some(_), Some(then), Some(now)) => Span::styled(
            format!(
                " FROZEN at {} (now {}) · space resumes ",
                format::seconds(then.t),
                format::seconds(now.t)
            ),
            FROZEN,
        ),
        (Some(_), _, _) => Span::styled(" FROZEN · space resumes ", FROZEN),
        (None, Some(now), _) => Span::raw(format!("t {}", format::seconds(now.t))),
        (None, None, _) => Span::styled("waiting for data", DIM),
    };
    let clock_area = take_right(&mut first, clock.width() as u16);
    Line::from(clock).render(clock_area, buf);
    take_right(&mut first, 1);
    title_line(&state.info, usize::from(first.width)).render(first, buf);

    let load = match shown.and_then(|s| s.load.as_ref()) {
        Some(load) => Span::raw(format!(
            "{} connections · {} · {}",
            format::count(load.connections_target),
            pacing_text(load.pacing),
            match load.mode {
                ConnectionMode::KeepAlive => "keep-alive",
                ConnectionMode::Churn => "churn",
            }
        )),
        None => Span::styled("no load generator", DIM),
    };
    Line::from(vec![Span::styled("Load ", KEY), load]).render(second, buf);
}

/// Separates the facts of the title line.
const FACT_SEPARATOR: &str = " · ";

/// The title and as many of the subtitle's facts as fit in `width` (see the module docs for
/// which give way first). A title too long on its own is left to the terminal to cut.
fn title_line(info: &DemoInfo, width: usize) -> Line<'_> {
    let mut facts: VecDeque<&str> = info
        .subtitle
        .split(FACT_SEPARATOR)
        .filter(|fact| !fact.is_empty())
        .collect();
    let line_width = |facts: &VecDeque<&str>| {
        facts
            .iter()
            .map(|fact| Span::raw(FACT_SEPARATOR).width() + Span::raw(*fact).width())
            .sum::<usize>()
            + Span::raw(info.title.as_str()).width()
    };
    let mut address_dropped = false;
    while !facts.is_empty() && line_width(&facts) > width {
        if !address_dropped && facts.len() > 1 {
            facts.pop_back();
            address_dropped = true;
        } else {
            facts.pop_front();
        }
    }
    let mut spans = vec![Span::styled(info.title.as_str(), TITLE)];
    for fact in facts {
        spans.push(Span::styled(FACT_SEPARATOR, DIM));
        spans.push(Span::raw(fact));
    }
    Line::from(spans)
}

/// Draws the htop view and the part panel, and says whether they take turns (so that the
/// footer mentions `Tab`).
fn render_body<X: PartView>(
    state: &DashboardState<X>,
    history: &Series<Sample<X>>,
    mut body: Rect,
    buf: &mut Buffer,
) -> bool {
    let Some(title) = X::PANEL else {
        htop::render(history, body, buf);
        return false;
    };
    let htop_width = HTOP_WIDTH.max(share(body.width, SIDE_HTOP_PERCENT));
    if body.width >= htop_width.saturating_add(SIDE_PANEL_MIN_WIDTH) {
        let panel_width = body.width - htop_width;
        let panel = take_right(&mut body, panel_width);
        htop::render(history, body, buf);
        render_panel::<X>(title, history, state.info.controls, panel, buf);
        false
    } else if body.height >= STACKED_MIN_BODY_ROWS {
        let panel_height = share(body.height, STACKED_PANEL_PERCENT);
        let panel = take_bottom(&mut body, panel_height);
        htop::render(history, body, buf);
        render_panel::<X>(title, history, state.info.controls, panel, buf);
        false
    } else {
        let tabs = take_top(&mut body, 1);
        let tab = |name: String, selected: bool| {
            if selected {
                Span::styled(format!("[{name}]"), SELECTED_TAB)
            } else {
                Span::raw(format!(" {name} "))
            }
        };
        Line::from(vec![
            tab("htop view".to_string(), state.view == View::Htop),
            Span::raw(" "),
            tab(format!("{title} panel"), state.view == View::Panel),
            Span::styled("  Tab switches", DIM),
        ])
        .render(tabs, buf);
        match state.view {
            View::Htop => htop::render(history, body, buf),
            View::Panel => render_panel::<X>(title, history, state.info.controls, body, buf),
        }
        true
    }
}

fn render_panel<X: PartView>(
    title: &str,
    history: &Series<Sample<X>>,
    controls: Controls,
    area: Rect,
    buf: &mut Buffer,
) {
    let block = Block::bordered().title(format!(" {title} "));
    let inner = block.inner(area);
    block.render(area, buf);
    X::render_panel(history, controls, inner, buf);
}

fn render_status<X: PartView>(
    history: &Series<Sample<X>>,
    controls: Controls,
    area: Rect,
    buf: &mut Buffer,
) {
    let status = diagnose(history, controls);
    let style = theme::level(status.level);
    Paragraph::new(Line::from(vec![
        Span::styled("Status ", KEY),
        Span::styled(format!("{} ", level_symbol(status.level)), style),
        Span::styled(status.text, style),
    ]))
    .wrap(Wrap { trim: true })
    .render(area, buf);
}

/// The status's level as a symbol, so that it reads without its colour: nothing going on,
/// fine, look closer, something is wrong.
pub fn level_symbol(level: Level) -> &'static str {
    match level {
        Level::Idle => "○",
        Level::Ok => "✓",
        Level::Warn => "!",
        Level::Bad => "✗",
    }
}

fn render_footer<X>(state: &DashboardState<X>, taking_turns: bool, area: Rect, buf: &mut Buffer) {
    let freeze = if state.frozen.is_some() {
        "resume"
    } else {
        "freeze"
    };
    let mut hints = vec![("space", freeze), ("?", "help"), ("q", "quit")];
    if state.info.controls == Controls::Live {
        let load = [
            ("+/-", "conns"),
            ("←/→", "rate"),
            ("c", "churn"),
            ("s", "scenario"),
        ];
        hints.splice(0..0, load);
    }
    if taking_turns {
        hints.insert(0, ("Tab", "view"));
    }
    let spans: Vec<Span> = hints
        .into_iter()
        .enumerate()
        .flat_map(|(i, (key, what))| {
            [
                Span::raw(if i == 0 { "" } else { "  " }),
                Span::styled(key, KEY),
                Span::raw(" "),
                Span::raw(what),
            ]
        })
        .collect();
    Line::from(spans).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::Theme;

    fn title_at(width: usize) -> String {
        let info = DemoInfo {
            title: "Part 2 · a reactor: one thread, many connections".to_string(),
            subtitle: "1 event-loop thread · io_ms=50 cpu_us=0 · 127.0.0.1:40123".to_string(),
            notes: Vec::new(),
            reading: Vec::new(),
            theme: Theme::Default,
            controls: Controls::Live,
        };
        title_line(&info, width).to_string()
    }

    #[test]
    fn the_title_line_drops_whole_facts_and_keeps_the_settings_longest() {
        let title = "Part 2 · a reactor: one thread, many connections";
        assert_eq!(
            title_at(120),
            format!("{title} · 1 event-loop thread · io_ms=50 cpu_us=0 · 127.0.0.1:40123")
        );
        assert_eq!(
            title_at(95),
            format!("{title} · 1 event-loop thread · io_ms=50 cpu_us=0")
        );
        assert_eq!(title_at(74), format!("{title} · io_ms=50 cpu_us=0"));
        assert_eq!(title_at(60), title);
        assert_eq!(title_at(10), title, "a title alone is never dropped");
    }
}
