//! What the dashboard remembers between two redraws, and what keys do to it.
//!
//! [`DashboardState`] is plain data: samples go in with [`push`](DashboardState::push), keys
//! with [`handle_key`](DashboardState::handle_key), and [`render`](DashboardState::render)
//! draws it all into any ratatui frame — a real terminal, or a `TestBackend` in the tests. No
//! terminal, thread or clock is involved, so every screen can be built and checked by hand.
//!
//! Load keys step from the load the latest sample reports — or from what was asked for since,
//! until a sample shows it: pressing `+` three times within one tick goes three steps.
//!
//! Freezing keeps a copy of the history as it was, and the screen draws the copy while new
//! samples still arrive and are kept: unfreezing shows the present at once, with no gap. Load
//! keys always start from the live latest sample, never from the frozen one, because they
//! change what runs now.

use std::cell::Cell;
use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;

use crate::dashboard::keys::{self, Command, RATE_STEPS};
use crate::dashboard::readings::completed_per_s;
use crate::dashboard::{Action, Controls, DemoInfo, PartView, format, screen};
use crate::load::{ConnectionMode, Pacing};
use crate::sample::Sample;
use crate::series::Series;

/// Messages kept for the message bar (it shows one or two, newest last).
const MESSAGES_KEPT: usize = 2;

/// What a key that would change the load or the server says in a replay.
const REPLAY_REFUSES: &str = "This is a replay: the load and the server cannot be changed.";

/// How many samples a load change asked for may take to show up in the samples before the
/// keys step from the reported value again (the demo may have refused it, or a scenario may
/// have overridden it). Two ticks: the load generator applies a command within one.
const ASKED_PATIENCE: u32 = 2;

/// A load setting asked for and not yet seen in a sample.
#[derive(Debug)]
struct Asked<T> {
    value: Option<T>,
    samples_since: u32,
}

impl<T: Copy + PartialEq> Asked<T> {
    fn new() -> Self {
        Asked {
            value: None,
            samples_since: 0,
        }
    }

    /// What the keys should step from: what was asked for, else what is reported.
    fn or(&self, reported: T) -> T {
        self.value.unwrap_or(reported)
    }

    fn set(&mut self, value: T) {
        self.value = Some(value);
        self.samples_since = 0;
    }

    /// A sample arrived reporting `reported`: forget the request once it shows, or once the
    /// patience is over.
    fn saw(&mut self, reported: Option<T>) {
        if let Some(value) = self.value {
            self.samples_since += 1;
            if reported == Some(value) || self.samples_since >= ASKED_PATIENCE {
                self.value = None;
            }
        }
    }
}

/// Which view fills the body when the htop view and the part panel do not fit side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Htop,
    Panel,
}

/// Everything the dashboard draws from: the run's facts, the history, and the view's state.
pub struct DashboardState<X> {
    pub(super) info: DemoInfo,
    pub(super) history: Series<Sample<X>>,
    /// The history as it was when the view was frozen; `None` when live.
    pub(super) frozen: Option<Series<Sample<X>>>,
    pub(super) help: bool,
    pub(super) help_scroll: u16,
    /// How far the help could scroll when it was last drawn (it depends on the terminal's
    /// size, which only drawing knows).
    pub(super) help_max_scroll: Cell<u16>,
    pub(super) view: View,
    pub(super) messages: VecDeque<String>,
    asked_connections: Asked<u64>,
    asked_pacing: Asked<Pacing>,
    asked_mode: Asked<ConnectionMode>,
}

impl<X: PartView> DashboardState<X> {
    pub fn new(info: DemoInfo) -> Self {
        DashboardState {
            info,
            history: Series::default(),
            frozen: None,
            help: false,
            help_scroll: 0,
            help_max_scroll: Cell::new(0),
            view: View::default(),
            messages: VecDeque::with_capacity(MESSAGES_KEPT),
            asked_connections: Asked::new(),
            asked_pacing: Asked::new(),
            asked_mode: Asked::new(),
        }
    }

    /// Adds the newest sample. It is kept even while the view is frozen.
    pub fn push(&mut self, sample: Sample<X>) {
        let load = sample.load.as_ref();
        self.asked_connections
            .saw(load.map(|l| l.connections_target));
        self.asked_pacing.saw(load.map(|l| l.pacing));
        self.asked_mode.saw(load.map(|l| l.mode));
        self.history.push(sample);
    }

    /// Adds a line to the message bar, stamped with the time of the latest sample.
    pub fn message(&mut self, text: impl Into<String>) {
        if self.messages.len() == MESSAGES_KEPT {
            self.messages.pop_front();
        }
        let stamp = self
            .history
            .latest()
            .map_or_else(String::new, |s| format!("{:>5}  ", format::seconds(s.t)));
        self.messages.push_back(format!("{stamp}{}", text.into()));
    }

    /// The history the screen shows: the frozen copy, or the live one.
    pub fn shown_history(&self) -> &Series<Sample<X>> {
        self.frozen.as_ref().unwrap_or(&self.history)
    }

    /// Every sample received, frozen or not.
    pub fn history(&self) -> &Series<Sample<X>> {
        &self.history
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    pub fn is_help_shown(&self) -> bool {
        self.help
    }

    pub fn view(&self) -> View {
        self.view
    }

    /// Applies a key press to the view, and returns what the demo should do about it, if
    /// anything. Load keys that cannot go further say why in the message bar.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Action> {
        let command = keys::command::<X>(key)?;
        if self.info.controls == Controls::Replay && !command.changes_only_the_view() {
            self.message(REPLAY_REFUSES);
            return None;
        }
        match command {
            Command::Help => {
                self.help = !self.help;
                self.help_scroll = 0;
                None
            }
            Command::Back if self.help => {
                self.help = false;
                None
            }
            Command::Back | Command::Quit => Some(Action::Quit),
            Command::ScrollUp => {
                self.help_scroll = self.help_scroll.saturating_sub(1);
                None
            }
            Command::ScrollDown => {
                self.help_scroll = (self.help_scroll + 1).min(self.help_max_scroll.get());
                None
            }
            Command::Freeze => {
                self.frozen = match self.frozen {
                    Some(_) => None,
                    None => Some(self.history.clone()),
                };
                None
            }
            Command::SwitchView => {
                if X::PANEL.is_some() {
                    self.view = match self.view {
                        View::Htop => View::Panel,
                        View::Panel => View::Htop,
                    };
                }
                None
            }
            Command::ToggleScenario => {
                let playing = self.history.latest().is_some_and(|s| s.stage.is_some());
                self.message(if playing {
                    "asked to stop the scenario (the load stays as it is)"
                } else {
                    "asked to start the scenario"
                });
                Some(Action::ToggleScenario)
            }
            Command::PartKey(c) => Some(Action::PartKey(c)),
            load_command @ (Command::MoreConnections
            | Command::FewerConnections
            | Command::Faster
            | Command::Slower
            | Command::ToggleMode) => {
                let latest = self.history.latest();
                let load = latest.and_then(|s| s.load.as_ref());
                let action = keys::load_action(
                    load_command,
                    self.asked_connections
                        .or(load.map_or(0, |l| l.connections_target)),
                    self.asked_pacing
                        .or(load.map_or(Pacing::Closed, |l| l.pacing)),
                    self.asked_mode
                        .or(load.map_or(ConnectionMode::KeepAlive, |l| l.mode)),
                    latest.map_or(0.0, completed_per_s),
                );
                match &action {
                    Some(Action::Connections(n)) => self.asked_connections.set(*n),
                    Some(Action::Pacing(p)) => self.asked_pacing.set(*p),
                    Some(Action::Mode(m)) => self.asked_mode.set(*m),
                    _ => {}
                }
                self.message(match &action {
                    Some(action) => describe(action),
                    None => at_the_limit(load_command),
                });
                action
            }
        }
    }

    /// Draws the whole screen into `frame`.
    pub fn render(&self, frame: &mut Frame) {
        screen::render(self, frame);
    }
}

/// How a pacing reads in the header and the message bar.
pub fn pacing_text(pacing: Pacing) -> String {
    match pacing {
        Pacing::Closed => "closed loop".to_string(),
        Pacing::Rate(rate) => format!("open loop {} req/s", format::rate(rate)),
    }
}

/// How a mode reads in the header and the message bar.
pub fn mode_text(mode: ConnectionMode) -> &'static str {
    match mode {
        ConnectionMode::KeepAlive => "keep-alive",
        ConnectionMode::Churn => "churn (a new connection per request)",
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::Connections(n) => format!("asked for {} connections", format::count(*n)),
        Action::Pacing(Pacing::Closed) => {
            "asked for closed loop: each connection sends again as soon as it is answered"
                .to_string()
        }
        Action::Pacing(pacing) => format!("asked for {}", pacing_text(*pacing)),
        Action::Mode(mode) => format!("asked for {}", mode_text(*mode)),
        Action::ToggleScenario => "asked to start or stop the scenario".to_string(),
        Action::PartKey(key) => format!("key {key} for the part"),
        Action::Quit => "quitting".to_string(),
    }
}

fn at_the_limit(command: Command) -> String {
    match command {
        Command::MoreConnections => format!(
            "{} connections is the last step",
            format::count(keys::CONNECTION_STEPS[keys::CONNECTION_STEPS.len() - 1])
        ),
        Command::FewerConnections => "no connections left to close".to_string(),
        Command::Faster => {
            "closed loop is already the most these connections can send; + adds connections"
                .to_string()
        }
        _ => format!(
            "{} req/s is the lowest rate; - closes connections",
            format::rate(RATE_STEPS[0])
        ),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::load::LoadReport;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn with_load(connections: u64, pacing: Pacing) -> DashboardState<()> {
        let mut state = DashboardState::new(DemoInfo::default());
        state.push(Sample {
            t: 7.0,
            load: Some(LoadReport {
                connections_target: connections,
                pacing,
                completed_per_s: 4_200.0,
                ..LoadReport::default()
            }),
            ..Sample::default()
        });
        state
    }

    #[test]
    fn load_keys_step_from_the_latest_sample() {
        let mut state = with_load(50, Pacing::Rate(1_000.0));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('+'))),
            Some(Action::Connections(100))
        );
        assert_eq!(
            state.handle_key(press(KeyCode::Char('-'))),
            Some(Action::Connections(50)),
            "back down from the 100 just asked for"
        );
        assert_eq!(
            state.handle_key(press(KeyCode::Right)),
            Some(Action::Pacing(Pacing::Rate(2_000.0)))
        );
        assert_eq!(
            state.handle_key(press(KeyCode::Char('c'))),
            Some(Action::Mode(ConnectionMode::Churn))
        );
        assert_eq!(
            state.messages.back().map(String::as_str),
            Some("   7s  asked for churn (a new connection per request)")
        );
    }

    #[test]
    fn a_replay_keeps_the_view_keys_and_refuses_the_rest() {
        let mut state = with_load(50, Pacing::Rate(1_000.0));
        state.info.controls = Controls::Replay;
        for key in [KeyCode::Char('+'), KeyCode::Right, KeyCode::Char('s')] {
            assert_eq!(state.handle_key(press(key)), None, "{key:?}");
            assert_eq!(
                state.messages.back().map(String::as_str),
                Some(format!("   7s  {REPLAY_REFUSES}").as_str()),
                "{key:?} says why it does nothing, and asks for nothing"
            );
        }
        state.handle_key(press(KeyCode::Char(' ')));
        assert!(state.frozen.is_some(), "space still freezes the view");
        assert_eq!(
            state.handle_key(press(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
    }

    #[test]
    fn load_keys_at_their_limits_only_explain() {
        let mut state = with_load(0, Pacing::Closed);
        assert_eq!(state.handle_key(press(KeyCode::Char('-'))), None);
        assert!(
            state
                .messages
                .back()
                .is_some_and(|m| m.contains("no connections left"))
        );
        assert_eq!(state.handle_key(press(KeyCode::Right)), None);
        assert_eq!(
            state.handle_key(press(KeyCode::Left)),
            Some(Action::Pacing(Pacing::Rate(2_000.0))),
            "from closed loop, ← goes below the 4 200 req/s it achieves"
        );

        let mut state = with_load(20_000, Pacing::Rate(100.0));
        assert_eq!(state.handle_key(press(KeyCode::Char('+'))), None);
        assert_eq!(state.handle_key(press(KeyCode::Left)), None);
        assert!(
            state
                .messages
                .back()
                .is_some_and(|m| m.contains("lowest rate"))
        );
        assert_eq!(state.messages.len(), MESSAGES_KEPT);
    }

    #[test]
    fn quick_presses_step_from_what_was_asked() {
        let mut state = with_load(0, Pacing::Closed);
        let mut plus = || state.handle_key(press(KeyCode::Char('+')));
        assert_eq!(plus(), Some(Action::Connections(10)));
        assert_eq!(plus(), Some(Action::Connections(20)));
        assert_eq!(plus(), Some(Action::Connections(50)));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('c'))),
            Some(Action::Mode(ConnectionMode::Churn))
        );
        assert_eq!(
            state.handle_key(press(KeyCode::Char('c'))),
            Some(Action::Mode(ConnectionMode::KeepAlive))
        );

        // A sample that does not show the request yet keeps it...
        let report = |connections| Sample {
            load: Some(LoadReport {
                connections_target: connections,
                ..LoadReport::default()
            }),
            ..Sample::default()
        };
        state.push(report(10));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('-'))),
            Some(Action::Connections(20))
        );
        // ...one that shows it ends it...
        state.push(report(20));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('+'))),
            Some(Action::Connections(50))
        );
        // ...and so does patience running out (the demo did not apply it).
        state.push(report(20));
        state.push(report(20));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('+'))),
            Some(Action::Connections(50))
        );
    }

    #[test]
    fn without_any_sample_plus_opens_ten_connections() {
        let mut state = DashboardState::<()>::new(DemoInfo::default());
        assert_eq!(
            state.handle_key(press(KeyCode::Char('+'))),
            Some(Action::Connections(10))
        );
    }

    #[test]
    fn freezing_keeps_the_moment_while_samples_arrive() {
        let mut state = with_load(10, Pacing::Closed);
        state.handle_key(press(KeyCode::Char(' ')));
        assert!(state.is_frozen());
        state.push(Sample {
            t: 8.0,
            ..Sample::default()
        });
        assert_eq!(state.shown_history().latest().map(|s| s.t), Some(7.0));
        assert_eq!(state.history().latest().map(|s| s.t), Some(8.0));
        state.handle_key(press(KeyCode::Char(' ')));
        assert_eq!(state.shown_history().latest().map(|s| s.t), Some(8.0));
    }

    #[test]
    fn esc_closes_the_help_before_it_quits() {
        let mut state = DashboardState::<()>::new(DemoInfo::default());
        assert_eq!(state.handle_key(press(KeyCode::Char('?'))), None);
        assert!(state.is_help_shown());
        assert_eq!(state.handle_key(press(KeyCode::Esc)), None);
        assert!(!state.is_help_shown());
        assert_eq!(state.handle_key(press(KeyCode::Esc)), Some(Action::Quit));
        assert_eq!(
            state.handle_key(press(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            state.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
    }

    #[test]
    fn tab_does_nothing_without_a_panel() {
        let mut state = DashboardState::<()>::new(DemoInfo::default());
        state.handle_key(press(KeyCode::Tab));
        assert_eq!(state.view(), View::Htop);
    }

    #[test]
    fn the_scenario_key_says_which_way_it_goes() {
        let mut state = with_load(10, Pacing::Closed);
        assert_eq!(
            state.handle_key(press(KeyCode::Char('s'))),
            Some(Action::ToggleScenario)
        );
        assert!(
            state
                .messages
                .back()
                .is_some_and(|m| m.contains("start the scenario"))
        );
    }
}
