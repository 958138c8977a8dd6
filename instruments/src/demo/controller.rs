//! The controller: it owns the load generator and decides what load to ask for — the
//! scenario's, or the keys'.
//!
//! A scenario step may also press one of the part's keys; the controller hands those to the
//! demo, which passes them to the server like a key typed on the dashboard.
//!
//! A scenario plays until a load key is pressed; from then on the learner has the controls,
//! until `s` plays the scenario again. Every change goes to the load generator as a
//! [`LoadCommand`] line. Anything the learner should know about (a scenario that ended, more
//! connections than file descriptors) becomes a message for the dashboard.

use std::time::Instant;

use crate::dashboard::Action;
use crate::limits::{self, ThreadLimits};
use crate::load::{LoadCommand, LoadProcess, LoadReport};
use crate::scenario::{Player, Scenario};

/// File descriptors a process needs besides its connections (stdio, listener, /proc reads,
/// the terminal...). A connection count that leaves fewer than this free is warned about.
const FD_RESERVE: u64 = 256;

/// How far past the estimated thread wall `connections=past-wall` goes: far enough that the
/// wall is clearly hit, near enough that the rest of the machine's limits are not.
const PAST_THE_WALL: f64 = 1.1;

/// Where `connections=past-wall` goes when no limit can be read (not Linux or macOS).
const PAST_THE_WALL_UNKNOWN: u64 = 20_000;

/// What the machine allows the load to be, read once at start.
#[derive(Debug, Clone, Copy)]
pub(super) struct LoadLimits {
    /// Connections that fit in the file-descriptor limit.
    fd_room: Option<u64>,
    /// `connections=past-wall` in scenarios.
    past_the_wall: u64,
}

impl LoadLimits {
    /// Raises the fd limit and reads the thread limits; returns them and the notes worth
    /// showing a learner (where the thread wall is only for a server that spends a thread
    /// per connection: `thread_per_connection`).
    pub(super) fn read(thread_per_connection: bool) -> (LoadLimits, Vec<String>) {
        let mut notes = Vec::new();
        let fd_room = match limits::raise_fd_limit() {
            Ok(limit) => {
                notes.push(format!(
                    "File descriptors: raised the soft limit to {} (the hard limit); each connection needs one.",
                    limit.soft
                ));
                Some(limit.soft.saturating_sub(FD_RESERVE))
            }
            Err(e) => {
                notes.push(format!(
                    "File descriptors: could not raise the limit ({e})."
                ));
                None
            }
        };
        let wall = ThreadLimits::read().wall();
        let past_the_wall = match (&wall, fd_room) {
            (Some(wall), Some(room)) => {
                if thread_per_connection {
                    notes.push(format!(
                        "Threads: spawning should fail near {} threads ({}).",
                        wall.threads, wall.because
                    ));
                }
                let past = (wall.threads as f64 * PAST_THE_WALL) as u64;
                if past > room && thread_per_connection {
                    notes.push(format!(
                        "The fd limit ({room} connections) comes before the thread wall: past-wall uses {room}, where accept() fails with EMFILE."
                    ));
                }
                past.min(room)
            }
            (Some(wall), None) => (wall.threads as f64 * PAST_THE_WALL) as u64,
            (None, Some(room)) => room,
            (None, None) => PAST_THE_WALL_UNKNOWN,
        };
        (
            LoadLimits {
                fd_room,
                past_the_wall,
            },
            notes,
        )
    }
}

/// Where the scenario is, for the sample: its stage, and when it next opens connections.
#[derive(Debug, Clone, Default)]
pub(super) struct ScenarioNow {
    pub(super) stage: Option<String>,
    pub(super) next: Option<String>,
}

/// Owns the load generator and decides what load to ask for: the scenario's, or the keys'.
pub(super) struct Controller {
    load: Option<LoadProcess>,
    /// The scenario to (re)start with `s`.
    scenario: Option<Scenario>,
    playing: Option<(Player, Instant)>,
    limits: LoadLimits,
    /// Messages for the learner, delivered with the next tick or action.
    messages: Vec<String>,
    /// Part keys the scenario pressed, for the server.
    presses: Vec<char>,
}

impl Controller {
    pub(super) fn new(load: LoadProcess, scenario: Option<Scenario>, limits: LoadLimits) -> Self {
        let mut controller = Controller {
            load: Some(load),
            playing: None,
            scenario,
            limits,
            messages: Vec::new(),
            presses: Vec::new(),
        };
        if controller.scenario.is_some() {
            controller.start_scenario();
        }
        controller
    }

    /// Plays the scenario's due steps; returns the latest load report and where the scenario
    /// is.
    pub(super) fn tick(&mut self) -> (Option<LoadReport>, ScenarioNow) {
        if let Some((player, started)) = &mut self.playing {
            let elapsed = started.elapsed();
            let due = player.due(elapsed);
            let commands: Vec<LoadCommand> = due
                .iter()
                .flat_map(|step| step.commands(self.limits.past_the_wall))
                .collect();
            for &key in due.iter().flat_map(|step| &step.press) {
                self.presses.push(key);
                self.messages.push(format!("The scenario pressed {key}."));
            }
            if player.is_over(elapsed) {
                let name = player.scenario().name.clone();
                self.playing = None;
                self.messages.push(format!(
                    "Scenario {name} is over; the load stays as it is (s plays it again)."
                ));
            }
            for command in commands {
                self.send(command);
            }
        }
        let player = self.playing.as_ref().map(|(player, _)| player);
        let now = ScenarioNow {
            stage: player.and_then(Player::stage),
            next: player.and_then(Player::next_connections),
        };
        let report = self.load.as_ref().and_then(LoadProcess::latest);
        (report, now)
    }

    /// The part keys the scenario pressed since the last call, in order.
    pub(super) fn take_presses(&mut self) -> Vec<char> {
        std::mem::take(&mut self.presses)
    }

    /// Messages for the learner since the last call.
    pub(super) fn take_messages(&mut self) -> Vec<String> {
        std::mem::take(&mut self.messages)
    }

    /// Acts on a key.
    pub(super) fn act(&mut self, action: Action) {
        match action {
            Action::Connections(n) => self.by_hand(LoadCommand::Connections(n)),
            Action::Pacing(pacing) => self.by_hand(LoadCommand::Pacing(pacing)),
            Action::Mode(mode) => self.by_hand(LoadCommand::Mode(mode)),
            Action::ToggleScenario => {
                if self.playing.take().is_some() {
                    self.messages
                        .push("Scenario stopped; the load stays as it is.".into());
                } else {
                    self.start_scenario();
                }
            }
            // Part keys go straight to the server; quitting ends the run loop.
            Action::PartKey(_) | Action::Quit => {}
        }
    }

    fn start_scenario(&mut self) {
        match &self.scenario {
            // No message: the stage line says that it plays, and goes when it is over.
            Some(scenario) => {
                self.playing = Some((Player::new(scenario.clone()), Instant::now()));
            }
            None => self
                .messages
                .push("No scenario to play (start with --scenario NAME|FILE).".into()),
        }
    }

    fn by_hand(&mut self, command: LoadCommand) {
        if self.playing.take().is_some() {
            self.messages
                .push("Scenario stopped: you have the controls now (s plays it again).".into());
        }
        self.send(command);
    }

    fn send(&mut self, command: LoadCommand) {
        if let (LoadCommand::Connections(n), Some(room)) = (&command, self.limits.fd_room)
            && *n > room
        {
            self.messages.push(format!(
                "{n} connections need more file descriptors than the limit allows ({room} free): expect EMFILE errors. Raise it with `ulimit -n`."
            ));
        }
        if let Some(load) = &mut self.load
            && let Err(e) = load.send(&command)
        {
            self.messages
                .push(format!("The load generator did not take `{command}`: {e}"));
        }
    }

    pub(super) fn shutdown(&mut self) {
        self.playing = None;
        if let Some(load) = self.load.take() {
            // The load generator's last words no longer matter: the run is over.
            let _ = load.shutdown();
        }
    }
}
