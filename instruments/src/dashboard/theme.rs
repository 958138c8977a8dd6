//! The dashboard's colours, all in one place, and the high-contrast theme for projectors.
//!
//! Every widget, the parts' panels included, draws with the role styles below: [`LABEL`] for
//! a row's name, [`DIM`] for what can be skipped, [`ALERT`] for what went wrong... Colour only
//! ever *repeats* what a word or a symbol already says — the status line's word and its
//! ✓ / ! / ✗, each chart line's letter, a warning's ⚠ — so a monochrome screen, a washed-out
//! projector or a colour-blind learner loses nothing.
//!
//! [`Theme::HighContrast`] (`--theme high-contrast`) keeps only the terminal's own foreground
//! and background, which every projector shows, and turns each role's colour into a
//! modifier: bold for labels, keys and warnings, reverse video for alerts and for what sits on
//! a coloured background (the frozen clock, the thread table's header). It is applied to the
//! finished frame, cell by cell ([`Theme::apply`]), so no widget needs to know which theme is on.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

use crate::dashboard::status::Level;

/// Bold text: the dashboard's title.
pub const TITLE: Style = Style::new().add_modifier(Modifier::BOLD);
/// The name of a row or a unit, read before the number beside it.
pub const LABEL: Style = Style::new().fg(Color::Cyan);
/// A key to press, in the footer and the help.
pub const KEY: Style = LABEL.add_modifier(Modifier::BOLD);
/// What can be skipped: separators, explanations, empty parts of bars.
pub const DIM: Style = Style::new().fg(Color::DarkGray);
/// The filled part of a bar or meter.
pub const BAR: Style = Style::new().fg(Color::Green);
/// A second kind of bar beside [`BAR`] (part 4's injector beside the workers' queues).
pub const OTHER_BAR: Style = Style::new().fg(Color::Yellow);
/// All is as it should be (a running loop, a quiet warning).
pub const GOOD: Style = Style::new().fg(Color::Green);
/// Look here: a state chosen on purpose that changes what the numbers mean (a paused loop,
/// blocking mode), a warning that fires, a heading in the help.
pub const ATTENTION: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
/// Something went wrong (errors every second, a runtime that failed to start).
pub const ALERT: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
/// Text on a bright background, to be seen from afar (the frozen clock).
pub const HIGHLIGHT: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
/// A table's header row.
pub const HEADER: Style = Style::new().fg(Color::Black).bg(Color::Green);
/// The selected tab.
pub const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED.union(Modifier::BOLD));

/// Colours that tell lines or kinds apart, always beside a name or a glyph that also does.
const CATEGORY_COLOURS: [Color; 6] = [
    Color::Green,
    Color::Magenta,
    Color::Yellow,
    Color::Cyan,
    Color::Red,
    Color::Blue,
];

/// The colour of the `index`th line or kind of a set (chart lines, event kinds, runtimes).
pub const fn category_colour(index: usize) -> Color {
    CATEGORY_COLOURS[index % CATEGORY_COLOURS.len()]
}

/// [`category_colour`] as a style.
pub const fn category(index: usize) -> Style {
    Style::new().fg(category_colour(index))
}

/// The status line's colour for `level` (its symbol and word say the same, see `screen.rs`).
pub const fn level(level: Level) -> Style {
    match level {
        Level::Idle => DIM,
        Level::Ok => GOOD,
        Level::Warn => ATTENTION,
        Level::Bad => ALERT,
    }
}

/// How the dashboard is coloured (`--theme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Theme {
    /// The role styles' colours, on the terminal's background.
    #[default]
    Default,
    /// The terminal's own two colours only, with bold and reverse video: for projectors.
    HighContrast,
}

impl Theme {
    /// The only colours a frame drawn in the high-contrast theme contains: the terminal's own.
    pub const HIGH_CONTRAST_PALETTE: [Color; 1] = [Color::Reset];

    /// Re-colours a finished frame for this theme (nothing to do for the default one).
    pub fn apply(self, buf: &mut Buffer) {
        if self == Theme::Default {
            return;
        }
        for cell in &mut buf.content {
            cell.modifier = high_contrast(cell.style());
            cell.fg = Color::Reset;
            cell.bg = Color::Reset;
        }
    }
}

/// A cell's modifiers in the high-contrast theme: its colour's role kept as bold or reverse
/// video.
fn high_contrast(style: Style) -> Modifier {
    let mut modifiers = style.add_modifier;
    if matches!(style.fg, Some(Color::Cyan | Color::Yellow)) {
        modifiers |= Modifier::BOLD;
    }
    if style.fg == Some(Color::Red) {
        modifiers |= Modifier::BOLD | Modifier::REVERSED;
    }
    if style.bg.is_some_and(|bg| bg != Color::Reset) {
        modifiers |= Modifier::REVERSED;
    }
    // Dim text on a projector is no text at all.
    modifiers.remove(Modifier::DIM);
    modifiers
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    /// What a cell drawn in `style` becomes in the high-contrast theme: its colours and
    /// modifiers.
    fn restyled(style: Style) -> (Color, Color, Modifier) {
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        buf.set_style(buf.area, style);
        Theme::HighContrast.apply(&mut buf);
        let cell = &buf.content[0];
        (cell.fg, cell.bg, cell.modifier)
    }

    #[test]
    fn high_contrast_keeps_each_role_apart_without_colour() {
        let plain = |modifier| (Color::Reset, Color::Reset, modifier);
        assert_eq!(restyled(DIM), plain(Modifier::empty()));
        assert_eq!(restyled(BAR), plain(Modifier::empty()));
        assert_eq!(restyled(LABEL), plain(Modifier::BOLD));
        assert_eq!(restyled(ATTENTION), plain(Modifier::BOLD));
        let reversed = Modifier::BOLD | Modifier::REVERSED;
        assert_eq!(restyled(ALERT), plain(reversed));
        assert_eq!(restyled(HIGHLIGHT), plain(reversed));
        assert_eq!(restyled(HEADER), plain(Modifier::REVERSED));
    }

    #[test]
    fn the_default_theme_changes_nothing() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        buf.set_style(buf.area, ALERT);
        let before = buf.clone();
        Theme::Default.apply(&mut buf);
        assert_eq!(buf, before);
    }
}
