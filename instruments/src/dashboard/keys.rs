//! Keys, and the load steps they walk through.
//!
//! The dashboard never changes the load itself: a key becomes an [`Action`] that the demo
//! carries out. Load keys move between fixed steps, so that a class sees the same round numbers
//! every time (10, 20, 50, 100... connections), and start from what the latest sample says is
//! running now — a scenario or a command line may have set a value between two steps, and the
//! next press then goes to the nearest step in that direction.
//!
//! Rates: `→` asks for more load, `←` for less. Closed loop (each connection sends its next
//! request as soon as the answer arrives) is the most load a set of connections can offer, so
//! it sits above the highest rate: `→` from [`RATE_STEPS`]' top goes to closed loop, and `←`
//! from closed loop goes to the highest step *below the throughput of that moment*, so the
//! offered load really drops. `←` at the lowest rate stays there: the way to offer nothing is
//! fewer connections (`-` down to 0).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::dashboard::{Action, PartView};
use crate::load::{ConnectionMode, Pacing};

/// Client connections that `+` and `-` step through.
pub const CONNECTION_STEPS: [u64; 12] = [
    10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 20_000,
];

/// Open-loop rates (req/s) that `←` and `→` step through; closed loop sits above the last.
pub const RATE_STEPS: [f64; 10] = [
    100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0, 100_000.0,
];

/// The next connection step above `current`, or `None` at the top.
pub fn more_connections(current: u64) -> Option<u64> {
    CONNECTION_STEPS.into_iter().find(|&step| step > current)
}

/// The next connection step below `current`; 0 below the lowest step; `None` at 0.
pub fn fewer_connections(current: u64) -> Option<u64> {
    let below = CONNECTION_STEPS
        .into_iter()
        .rev()
        .find(|&step| step < current);
    below.or((current > 0).then_some(0))
}

/// More load: the next rate step up, then closed loop; `None` in closed loop.
pub fn faster(pacing: Pacing) -> Option<Pacing> {
    match pacing {
        Pacing::Closed => None,
        Pacing::Rate(rate) => Some(
            RATE_STEPS
                .into_iter()
                .find(|&step| step > rate)
                .map_or(Pacing::Closed, Pacing::Rate),
        ),
    }
}

/// Less load: the next rate step down; from closed loop, the highest step below
/// `throughput_per_s` (the lowest step if none is); `None` at the lowest step.
pub fn slower(pacing: Pacing, throughput_per_s: f64) -> Option<Pacing> {
    let below = |limit: f64| RATE_STEPS.into_iter().rev().find(|&step| step < limit);
    match pacing {
        Pacing::Closed => Some(Pacing::Rate(
            below(throughput_per_s).unwrap_or(RATE_STEPS[0]),
        )),
        Pacing::Rate(rate) => below(rate).map(Pacing::Rate),
    }
}

/// The other way of using connections.
pub fn toggled(mode: ConnectionMode) -> ConnectionMode {
    match mode {
        ConnectionMode::KeepAlive => ConnectionMode::Churn,
        ConnectionMode::Churn => ConnectionMode::KeepAlive,
    }
}

/// What a key press means. The dashboard handles the keys that change its view; the demo
/// handles the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    MoreConnections,
    FewerConnections,
    Faster,
    Slower,
    ToggleMode,
    ToggleScenario,
    Freeze,
    Help,
    /// `Tab`: between the htop view and the part panel, when they do not fit side by side.
    SwitchView,
    /// `↑`/`↓`: scroll the help.
    ScrollUp,
    ScrollDown,
    /// `Esc`: close the help, or quit when it is not open.
    Back,
    Quit,
    PartKey(char),
}

impl Command {
    /// Whether the command changes only what is shown (and so works in a replay too), not the
    /// load, the scenario or the server.
    pub fn changes_only_the_view(self) -> bool {
        match self {
            Command::Freeze
            | Command::Help
            | Command::SwitchView
            | Command::ScrollUp
            | Command::ScrollDown
            | Command::Back
            | Command::Quit => true,
            Command::MoreConnections
            | Command::FewerConnections
            | Command::Faster
            | Command::Slower
            | Command::ToggleMode
            | Command::ToggleScenario
            | Command::PartKey(_) => false,
        }
    }
}

/// The keys that change the load, as the help screen lists them (live only).
pub const LOAD_KEY_HELP: &[(&str, &str)] = &[
    (
        "+ / -",
        "more / fewer client connections (10 … 20 000, or 0)",
    ),
    (
        "→ / ←",
        "faster / slower requests (100 … 100 000 req/s, closed loop above)",
    ),
    (
        "c",
        "keep-alive ⇄ churn (a new connection per request: in part 1, a new thread)",
    ),
    ("s", "start / stop the scenario (the load stays as it is)"),
];

/// The keys that change only the view, as the help screen lists them (live and in replay).
pub const VIEW_KEY_HELP: &[(&str, &str)] = &[
    (
        "space",
        "freeze the view (data keeps coming; space again shows now)",
    ),
    (
        "Tab",
        "htop view ⇄ part panel, when the terminal is too small for both",
    ),
    ("?", "this help (Esc or ? closes it)"),
    ("q, Esc, Ctrl-C", "quit"),
];

/// Which command a key press is, if any. Releases are ignored (only some terminals send them).
pub fn command<X: PartView>(key: KeyEvent) -> Option<Command> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return (key.code == KeyCode::Char('c')).then_some(Command::Quit);
    }
    let command = match key.code {
        KeyCode::Char('+') => Command::MoreConnections,
        KeyCode::Char('-') => Command::FewerConnections,
        KeyCode::Right => Command::Faster,
        KeyCode::Left => Command::Slower,
        KeyCode::Char('c') => Command::ToggleMode,
        KeyCode::Char('s') => Command::ToggleScenario,
        KeyCode::Char(' ') => Command::Freeze,
        KeyCode::Char('?') => Command::Help,
        KeyCode::Tab => Command::SwitchView,
        KeyCode::Up => Command::ScrollUp,
        KeyCode::Down => Command::ScrollDown,
        KeyCode::Esc => Command::Back,
        KeyCode::Char('q') => Command::Quit,
        KeyCode::Char(c) if X::keys().iter().any(|&(k, _)| k == c) => Command::PartKey(c),
        _ => return None,
    };
    Some(command)
}

/// What `+`, `-`, `←`, `→` and `c` ask for, given the load running now; `None` when there is
/// no step further that way (the caller says so in the message bar).
pub fn load_action(
    command: Command,
    connections: u64,
    pacing: Pacing,
    mode: ConnectionMode,
    throughput_per_s: f64,
) -> Option<Action> {
    match command {
        Command::MoreConnections => more_connections(connections).map(Action::Connections),
        Command::FewerConnections => fewer_connections(connections).map(Action::Connections),
        Command::Faster => faster(pacing).map(Action::Pacing),
        Command::Slower => slower(pacing, throughput_per_s).map(Action::Pacing),
        Command::ToggleMode => Some(Action::Mode(toggled(mode))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_step_up_and_down() {
        assert_eq!(more_connections(0), Some(10));
        assert_eq!(more_connections(10), Some(20));
        assert_eq!(more_connections(1_500), Some(2_000));
        assert_eq!(more_connections(15_000), Some(20_000));
        assert_eq!(more_connections(20_000), None);
        assert_eq!(more_connections(30_000), None);

        assert_eq!(fewer_connections(20_000), Some(15_000));
        assert_eq!(fewer_connections(30_000), Some(20_000));
        assert_eq!(fewer_connections(1_500), Some(1_000));
        assert_eq!(fewer_connections(20), Some(10));
        assert_eq!(fewer_connections(10), Some(0));
        assert_eq!(fewer_connections(3), Some(0));
        assert_eq!(fewer_connections(0), None);
    }

    #[test]
    fn rates_step_up_to_closed_loop_and_back_below_the_throughput() {
        assert_eq!(faster(Pacing::Rate(100.0)), Some(Pacing::Rate(200.0)));
        assert_eq!(faster(Pacing::Rate(1_500.0)), Some(Pacing::Rate(2_000.0)));
        assert_eq!(faster(Pacing::Rate(100_000.0)), Some(Pacing::Closed));
        assert_eq!(faster(Pacing::Closed), None);

        assert_eq!(slower(Pacing::Rate(200.0), 0.0), Some(Pacing::Rate(100.0)));
        assert_eq!(
            slower(Pacing::Rate(1_500.0), 0.0),
            Some(Pacing::Rate(1_000.0))
        );
        assert_eq!(slower(Pacing::Rate(100.0), 0.0), None);
        assert_eq!(slower(Pacing::Rate(50.0), 0.0), None);
        assert_eq!(
            slower(Pacing::Closed, 17_512.0),
            Some(Pacing::Rate(10_000.0))
        );
        assert_eq!(
            slower(Pacing::Closed, 20_000.0),
            Some(Pacing::Rate(10_000.0))
        );
        assert_eq!(slower(Pacing::Closed, 40.0), Some(Pacing::Rate(100.0)));
    }

    #[test]
    fn mode_toggles() {
        assert_eq!(toggled(ConnectionMode::KeepAlive), ConnectionMode::Churn);
        assert_eq!(toggled(ConnectionMode::Churn), ConnectionMode::KeepAlive);
    }

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
    struct WithKeys;

    impl PartView for WithKeys {
        fn keys() -> &'static [(char, &'static str)] {
            &[
                ('p', "pause the reactor"),
                ('c', "shadowed by the dashboard's own c"),
            ]
        }
    }

    #[test]
    fn keys_map_to_commands() {
        assert_eq!(
            command::<()>(press(KeyCode::Char('+'))),
            Some(Command::MoreConnections)
        );
        assert_eq!(command::<()>(press(KeyCode::Left)), Some(Command::Slower));
        assert_eq!(
            command::<()>(press(KeyCode::Char('c'))),
            Some(Command::ToggleMode)
        );
        assert_eq!(command::<()>(press(KeyCode::Esc)), Some(Command::Back));
        assert_eq!(
            command::<()>(press(KeyCode::Char('q'))),
            Some(Command::Quit)
        );
        assert_eq!(
            command::<()>(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit),
            "raw mode turns Ctrl-C into a key, which must still quit"
        );
        assert_eq!(
            command::<()>(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(command::<()>(press(KeyCode::Char('p'))), None);
        assert_eq!(
            command::<WithKeys>(press(KeyCode::Char('p'))),
            Some(Command::PartKey('p'))
        );
        assert_eq!(
            command::<WithKeys>(press(KeyCode::Char('c'))),
            Some(Command::ToggleMode)
        );

        let mut release = press(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(command::<()>(release), None);
    }

    #[test]
    fn load_actions_start_from_the_running_load() {
        let act = |c| {
            load_action(
                c,
                1_000,
                Pacing::Rate(500.0),
                ConnectionMode::KeepAlive,
                480.0,
            )
        };
        assert_eq!(
            act(Command::MoreConnections),
            Some(Action::Connections(2_000))
        );
        assert_eq!(
            act(Command::FewerConnections),
            Some(Action::Connections(500))
        );
        assert_eq!(
            act(Command::Faster),
            Some(Action::Pacing(Pacing::Rate(1_000.0)))
        );
        assert_eq!(
            act(Command::Slower),
            Some(Action::Pacing(Pacing::Rate(200.0)))
        );
        assert_eq!(
            act(Command::ToggleMode),
            Some(Action::Mode(ConnectionMode::Churn))
        );
        assert_eq!(act(Command::Freeze), None);
    }
}
