//! The dashboard: the server's life, drawn htop-style in the terminal, live.
//!
//! It only draws and listens. Every number comes in a [`Sample`] (the probe, the server's
//! counters, the load generator), so a live run, a recorded one and a test draw through the
//! same code; and every key that would change the experiment becomes an [`Action`] that the
//! demo carries out (a replay refuses it: [`Controls`]). The dashboard measures nothing itself.
//!
//! One idea per file:
//! - `state.rs`: what is remembered between redraws, and what keys do to it
//!   ([`DashboardState`]); [`keys`]: key → command, and the steps of the load keys.
//! - `screen.rs`: the layout, and how it gives way on small terminals; `area.rs`: cutting it.
//! - `htop.rs`: meters, counters and the busiest threads; `chart.rs`: the performance chart.
//! - [`status`]: the one-sentence diagnosis ([`diagnose`]); `errors.rs`: errors by kind and
//!   what they mean; `readings.rs`: the numbers derived from a sample.
//! - `help.rs`: the `?` overlay; [`format`](mod@format): numbers as people read them;
//!   [`fit`]: text for a part's panel that fits any width without cutting a word; [`bars`]:
//!   the panel's bars (shares of the tick, amounts by category).
//! - [`theme`]: every colour, and the high-contrast theme for projectors (colour never says
//!   anything a word or a symbol does not).
//! - `terminal.rs`: owning the terminal, and the event loop ([`run`]); [`require_terminal`]
//!   says what to do when there is none.
//!
//! A part adds its own data to each sample and may draw a panel of its own ([`PartView`]);
//! part 1 adds nothing and uses `()`.

mod area;
pub mod bars;
mod chart;
mod errors;
pub mod fit;
pub mod format;
mod help;
mod htop;
pub mod keys;
pub(crate) mod readings;
mod screen;
mod state;
pub mod status;
mod terminal;
pub mod theme;

pub use state::{DashboardState, View};
pub use status::{Level, Status, diagnose};
pub use terminal::{require_terminal, run};
pub use theme::Theme;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::export::PartChart;
use crate::load::{ConnectionMode, Pacing};
use crate::sample::Sample;
use crate::series::Series;

/// What a part adds to the dashboard: its own data in each [`Sample`] and a panel that draws it.
///
/// Part 1 has nothing to add and uses `()`. Part 2 adds the reactor's counters and event log.
pub trait PartView: Clone + Default + Serialize + DeserializeOwned + Send + 'static {
    /// The part panel's title, or `None` when the part has no panel.
    const PANEL: Option<&'static str> = None;

    /// Draws the part's panel from the history (latest sample last); a panel that shows its
    /// keys leaves them out when `controls` is [`Controls::Replay`].
    fn render_panel(
        _history: &Series<Sample<Self>>,
        _controls: Controls,
        _area: Rect,
        _buf: &mut Buffer,
    ) {
    }

    /// Keys the part handles itself, with what they do (listed in the help screen). A press
    /// reaches the part as [`Action::PartKey`].
    fn keys() -> &'static [(char, &'static str)] {
        &[]
    }

    /// How to read the panel's rows, `(row, meaning)`, for the help screen.
    fn panel_reading() -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// What the status line should say instead of the diagnosis, when the part knows better
    /// than the numbers (e.g. its server is paused on purpose, so nothing is answered); the
    /// part's keys are named only when `controls` is [`Controls::Live`].
    fn status(_history: &Series<Sample<Self>>, _controls: Controls) -> Option<String> {
        None
    }

    /// The panel's series worth a slide, for `export`: charts over a recorded run's samples,
    /// beside the shared ones (requests, latency, threads, memory, context switches).
    fn charts(_samples: &[Sample<Self>]) -> Vec<PartChart> {
        Vec::new()
    }
}

impl PartView for () {}

/// What a key press asks the demo to do. The dashboard only draws; the demo acts.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Use this many client connections.
    Connections(u64),
    /// Pace the load this way.
    Pacing(Pacing),
    /// Use connections this way.
    Mode(ConnectionMode),
    /// Start the scenario, or stop it and keep the load as it is.
    ToggleScenario,
    /// A key the part declared in [`PartView::keys`].
    PartKey(char),
    /// Leave the demo.
    Quit,
}

/// Facts about the run that do not change from tick to tick, shown in the header and help.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemoInfo {
    /// e.g. "Part 1 · thread per connection".
    pub title: String,
    /// e.g. "io_ms=50 cpu_us=0 · 127.0.0.1:40123".
    pub subtitle: String,
    /// Limits and warnings worth reading once (fd limit, expected thread wall...).
    pub notes: Vec<String>,
    /// How to read the numbers where this part's server gives them a meaning of its own,
    /// `(row, meaning)`, shown in the help after the shared ones ([`crate::part::Part::READING`]).
    pub reading: Vec<(&'static str, &'static str)>,
    /// How the screen is coloured (`--theme`).
    pub theme: Theme,
    /// Whether the keys drive a server, or only the view of a recording.
    pub controls: Controls,
}

/// Whether the keys drive a server, or a recording plays and only the view can change: the
/// footer, the help, the status line and a part's panel then offer only what works.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Controls {
    /// A server runs under a load that the keys change.
    #[default]
    Live,
    /// A recording plays (`replay`): the load and the server are as they were recorded.
    Replay,
}

/// Everything that makes the dashboard redraw: new data, or input.
#[derive(Debug)]
pub enum UiEvent<X> {
    Sample(Box<Sample<X>>),
    /// A line for the message bar (scenario stage changes, errors from the demo).
    Message(String),
    Input(ratatui::crossterm::event::Event),
}
