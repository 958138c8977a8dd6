//! Scripted load timelines, so that every class sees the same story.
//!
//! A scenario is a small text file: one line per moment, with the time from the start, what
//! changes, and a note saying what to watch — the note is shown on the dashboard while that
//! stage plays:
//!
//! ```text
//! # comment
//! 0s    connections=0                  "Idle."
//! 5s    connections=10    rate=160     "10 clients: 10 threads appear."
//! 95s   connections=past-wall          "Past the wall: the OS refuses new threads."
//! 110s  press=b                        "A key of the part, pressed as if typed."
//! 125s  end
//! ```
//!
//! `connections=past-wall` is resolved when the scenario starts, from the limits this machine
//! really has (see [`crate::limits`]), so the story reaches the wall wherever it runs.
//! `press=KEY` presses one of the part's own keys (those its panel lists in the help), as if the
//! learner typed it: part 3's story turns its blocking mode on and then off this way.
//!
//! Built-in scenarios are listed in [`BUILT_IN`]; a part may add its own or replace one
//! ([`Part::SCENARIOS`](crate::part::Part::SCENARIOS)); `--scenario FILE` plays your own.

use std::fmt;
use std::time::Duration;

use crate::load::parse_duration;
use crate::load::{ConnectionMode, LoadCommand, Pacing};

/// The scenarios every binary knows by name.
pub const BUILT_IN: [(&str, &str); 2] = [
    ("story", include_str!("../scenarios/story.scenario")),
    ("churn", include_str!("../scenarios/churn.scenario")),
];

/// How many connections a step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    Exactly(u64),
    /// A little past the number of threads this machine can create.
    PastTheWall,
}

/// One moment of a scenario: what changes, and what to watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: Duration,
    pub connections: Option<Connections>,
    pub pacing: Option<Pacing>,
    pub mode: Option<ConnectionMode>,
    /// Part keys to press, in order.
    pub press: Vec<char>,
    pub note: Option<String>,
}

impl Step {
    /// The load-generator commands this step sends, with `past_the_wall` standing for
    /// [`Connections::PastTheWall`].
    pub fn commands(&self, past_the_wall: u64) -> Vec<LoadCommand> {
        let mut commands = Vec::new();
        if let Some(mode) = self.mode {
            commands.push(LoadCommand::Mode(mode));
        }
        if let Some(pacing) = self.pacing {
            commands.push(LoadCommand::Pacing(pacing));
        }
        match self.connections {
            Some(Connections::Exactly(n)) => commands.push(LoadCommand::Connections(n)),
            Some(Connections::PastTheWall) => {
                commands.push(LoadCommand::Connections(past_the_wall));
            }
            None => {}
        }
        commands
    }
}

/// A timeline of steps, in time order, and when it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub steps: Vec<Step>,
    pub end: Duration,
}

/// A line of a scenario file that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// A built-in scenario by name.
    pub fn built_in(name: &str) -> Option<Scenario> {
        Scenario::built_in_among(name, &[])
    }

    /// A built-in scenario by name: one of `own` (a part's), else a shared one.
    fn built_in_among(name: &str, own: &[(&str, &str)]) -> Option<Scenario> {
        let (_, text) = own.iter().chain(&BUILT_IN).find(|(n, _)| *n == name)?;
        Some(Scenario::parse(name, text).expect("built-in scenarios are tested to parse"))
    }

    /// A built-in scenario's name (one of `own`, a part's own scenarios, first), or the path
    /// of a scenario file.
    pub fn load(name_or_path: &str, own: &[(&str, &str)]) -> anyhow::Result<Scenario> {
        if let Some(scenario) = Scenario::built_in_among(name_or_path, own) {
            return Ok(scenario);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| {
            let mut names: Vec<_> = own.iter().chain(&BUILT_IN).map(|(n, _)| *n).collect();
            names.sort_unstable();
            names.dedup();
            anyhow::anyhow!(
                "no built-in scenario {name_or_path:?} (built in: {}) and no such file: {e}",
                names.join(", ")
            )
        })?;
        Scenario::parse(name_or_path, &text)
            .map_err(|e| anyhow::anyhow!("scenario {name_or_path}: {e}"))
    }

    /// Checks that every `press=KEY` is one of `part`'s `keys`.
    pub fn check_presses(&self, part: &str, keys: &[(char, &str)]) -> anyhow::Result<()> {
        let pressed = self.steps.iter().flat_map(|step| &step.press);
        if let Some(key) = pressed
            .copied()
            .find(|key| !keys.iter().any(|(k, _)| k == key))
        {
            let known: Vec<String> = keys.iter().map(|(k, _)| k.to_string()).collect();
            anyhow::bail!(
                "scenario {}: press={key} is not a key of {part} (its keys: {})",
                self.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
        Ok(())
    }

    /// Parses the text format described in the [module docs](self).
    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let mut steps: Vec<Step> = Vec::new();
        let mut end = None;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |message: String| ScenarioError { line, message };
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if end.is_some() {
                return Err(fail("nothing may follow `end`".into()));
            }
            let (words, note) = match content.split_once('"') {
                Some((words, rest)) => {
                    let note = rest
                        .strip_suffix('"')
                        .ok_or_else(|| fail("a note must end with a closing quote".into()))?;
                    (words, Some(note.to_string()))
                }
                None => (content, None),
            };
            let mut words = words.split_whitespace();
            let time = words.next().unwrap_or_default();
            let at = parse_duration(time).map_err(|e| fail(format!("{time:?}: {e}")))?;
            if steps.last().is_some_and(|last| last.at > at) {
                return Err(fail(format!("{time} is earlier than the line before")));
            }
            let mut step = Step {
                at,
                connections: None,
                pacing: None,
                mode: None,
                press: Vec::new(),
                note,
            };
            for word in words {
                if word == "end" {
                    end = Some(at);
                    continue;
                }
                let (key, value) = word
                    .split_once('=')
                    .ok_or_else(|| fail(format!("expected key=value, found {word:?}")))?;
                match key {
                    "connections" => {
                        step.connections = Some(match value {
                            "past-wall" => Connections::PastTheWall,
                            n => Connections::Exactly(n.parse().map_err(|_| {
                                fail(format!("connections: {n:?} is not a whole number"))
                            })?),
                        });
                    }
                    "rate" | "mode" => {
                        let command: LoadCommand =
                            format!("{key} {value}").parse().map_err(fail)?;
                        match command {
                            LoadCommand::Pacing(pacing) => step.pacing = Some(pacing),
                            LoadCommand::Mode(mode) => step.mode = Some(mode),
                            _ => unreachable!("`rate` and `mode` parse to Pacing and Mode"),
                        }
                    }
                    "press" => {
                        let mut chars = value.chars();
                        match (chars.next(), chars.next()) {
                            (Some(key), None) => step.press.push(key),
                            _ => return Err(fail(format!("press: {value:?} is not one key"))),
                        }
                    }
                    other => {
                        return Err(fail(format!(
                            "unknown key {other:?} (use connections, rate, mode, press)"
                        )));
                    }
                }
            }
            let changes_nothing = step.connections.is_none()
                && step.pacing.is_none()
                && step.mode.is_none()
                && step.press.is_empty()
                && step.note.is_none();
            if !(end.is_some() && changes_nothing) {
                steps.push(step);
            }
        }
        let end = end.ok_or(ScenarioError {
            line: text.lines().count(),
            message: "the last line must say when the scenario ends, e.g. `120s end`".into(),
        })?;
        Ok(Scenario {
            name: name.to_string(),
            steps,
            end,
        })
    }
}

/// Plays a scenario: which steps are due at a given moment, and which stage is on.
#[derive(Debug, Clone)]
pub struct Player {
    scenario: Scenario,
    next: usize,
    stage: Option<String>,
}

impl Player {
    pub fn new(scenario: Scenario) -> Self {
        Player {
            scenario,
            next: 0,
            stage: None,
        }
    }

    /// The steps that became due by `elapsed` (since the scenario started), in order. Each
    /// step is returned once.
    pub fn due(&mut self, elapsed: Duration) -> Vec<Step> {
        let mut due = Vec::new();
        while let Some(step) = self.scenario.steps.get(self.next) {
            if step.at > elapsed {
                break;
            }
            if let Some(note) = &step.note {
                self.stage = Some(note.clone());
            }
            due.push(step.clone());
            self.next += 1;
        }
        due
    }

    /// The note of the latest step played, prefixed with the scenario's name and length.
    pub fn stage(&self) -> Option<String> {
        self.stage.as_ref().map(|note| {
            format!(
                "{} ({}s): {note}",
                self.scenario.name,
                self.scenario.end.as_secs()
            )
        })
    }

    /// When the next step that opens connections plays, e.g. `opens 10 connections at 5s`;
    /// `None` when no step left does.
    pub fn next_connections(&self) -> Option<String> {
        self.scenario.steps[self.next..].iter().find_map(|step| {
            let at = step.at.as_secs();
            match step.connections? {
                Connections::Exactly(0) => None,
                Connections::Exactly(n) => Some(format!("opens {n} connections at {at}s")),
                Connections::PastTheWall => {
                    Some(format!("opens connections past the thread wall at {at}s"))
                }
            }
        })
    }

    pub fn is_over(&self, elapsed: Duration) -> bool {
        elapsed >= self.scenario.end
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_scenarios_parse() {
        for (name, _) in BUILT_IN {
            let scenario = Scenario::built_in(name).expect("parses");
            assert!(!scenario.steps.is_empty());
            assert!(scenario.end >= scenario.steps.last().map_or(Duration::ZERO, |s| s.at));
        }
    }

    #[test]
    fn the_story_reaches_the_wall() {
        let story = Scenario::built_in("story").expect("built in");
        assert!(
            story
                .steps
                .iter()
                .any(|s| s.connections == Some(Connections::PastTheWall))
        );
    }

    #[test]
    fn parses_steps_and_notes() {
        let scenario = Scenario::parse(
            "t",
            "# c\n0s connections=5 rate=100 \"five\"\n2s mode=churn rate=closed\n500ms end\n",
        );
        assert_eq!(
            scenario.expect_err("time goes backwards").line,
            4,
            "the end before the last step is an error"
        );
        let scenario = Scenario::parse(
            "t",
            "0s connections=5 rate=100 \"five\"\n2s mode=churn rate=closed\n3s end\n",
        )
        .expect("valid");
        assert_eq!(scenario.steps.len(), 2);
        assert_eq!(scenario.steps[0].note.as_deref(), Some("five"));
        assert_eq!(
            scenario.steps[0].commands(0),
            vec![
                LoadCommand::Pacing(Pacing::Rate(100.0)),
                LoadCommand::Connections(5)
            ]
        );
        assert_eq!(
            scenario.steps[1].commands(0),
            vec![
                LoadCommand::Mode(ConnectionMode::Churn),
                LoadCommand::Pacing(Pacing::Closed)
            ]
        );
        assert_eq!(scenario.end, Duration::from_secs(3));
    }

    #[test]
    fn a_step_may_press_part_keys() {
        let scenario =
            Scenario::parse("s", "0s press=b press=p \"both\"\n1s press=b\n2s end").expect("valid");
        assert_eq!(scenario.steps[0].press, ['b', 'p']);
        assert_eq!(scenario.steps[1].press, ['b']);
        assert!(scenario.steps[1].commands(0).is_empty(), "no load command");
    }

    #[test]
    fn only_the_part_s_own_keys_may_be_pressed() {
        let scenario = Scenario::parse("s", "0s press=b\n1s end").expect("valid");
        assert!(
            scenario
                .check_presses("part3", &[('b', "blocking")])
                .is_ok()
        );
        let error = scenario
            .check_presses("part1", &[])
            .expect_err("part 1 has no keys");
        assert_eq!(
            error.to_string(),
            "scenario s: press=b is not a key of part1 (its keys: none)"
        );
        let shared = Scenario::built_in("story").expect("built in");
        assert!(shared.check_presses("part1", &[]).is_ok());
    }

    #[test]
    fn a_part_may_replace_a_shared_scenario() {
        let own = [("story", "0s connections=1 \"mine\"\n1s end")];
        let story = Scenario::load("story", &own).expect("the part's own");
        assert_eq!(story.steps[0].note.as_deref(), Some("mine"));
        let churn = Scenario::load("churn", &own).expect("the shared one");
        assert_eq!(churn, Scenario::built_in("churn").expect("built in"));
        let missing = Scenario::load("no-such-scenario", &own).expect_err("neither");
        assert!(
            missing.to_string().contains("built in: churn, story"),
            "{missing}"
        );
    }

    #[test]
    fn bad_lines_say_where_and_why() {
        let cases = [
            ("0s connections=ten\n1s end", 1, "whole number"),
            ("0s rate=-5\n1s end", 1, "positive"),
            ("soon connections=1\n1s end", 1, "soon"),
            ("0s speed=9\n1s end", 1, "unknown key"),
            ("0s press=bb\n1s end", 1, "not one key"),
            ("0s press=\n1s end", 1, "not one key"),
            ("0s connections=1 \"open\n1s end", 1, "closing quote"),
            ("0s connections=1", 1, "end"),
            ("1s end\n2s connections=3", 2, "follow"),
        ];
        for (text, line, words) in cases {
            let error = Scenario::parse("t", text).expect_err(text);
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(words), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_player_plays_each_step_once_in_order() {
        let scenario = Scenario::parse(
            "s",
            "0s connections=1 \"a\"\n10s connections=2\n20s connections=3 \"c\"\n30s end",
        )
        .expect("valid");
        let mut player = Player::new(scenario);
        assert_eq!(player.due(Duration::ZERO).len(), 1);
        assert_eq!(player.stage().as_deref(), Some("s (30s): a"));
        assert_eq!(player.due(Duration::from_secs(5)).len(), 0);
        assert_eq!(player.due(Duration::from_secs(25)).len(), 2);
        assert_eq!(player.stage().as_deref(), Some("s (30s): c"));
        assert!(!player.is_over(Duration::from_secs(29)));
        assert!(player.is_over(Duration::from_secs(30)));
    }

    #[test]
    fn the_player_says_when_connections_open_next() {
        let scenario = Scenario::parse(
            "s",
            "0s connections=0 \"idle\"\n5s rate=10\n8s connections=10\n             20s connections=past-wall\n30s end",
        )
        .expect("valid");
        let mut player = Player::new(scenario);
        assert_eq!(
            player.next_connections().as_deref(),
            Some("opens 10 connections at 8s"),
            "closing every connection at 0s opens none; a rate change opens none"
        );
        player.due(Duration::from_secs(10));
        assert_eq!(
            player.next_connections().as_deref(),
            Some("opens connections past the thread wall at 20s")
        );
        player.due(Duration::from_secs(20));
        assert_eq!(player.next_connections(), None, "no step left opens any");
    }
}
