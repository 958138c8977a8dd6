//! The live demo: a part's server, the load generator in its own process, a sampler, and the
//! dashboard (or JSON lines when `--headless`).
//!
//! ```text
//!               ┌────────────── this process ──────────────┐      ┌── child process ──┐
//!  keys ──▶ dashboard ──Action──▶ Controller ──LoadCommand (stdin)──▶ load generator  │
//!               ▲                    ▲ scenario steps       │      │   (tokio)        │
//!               │ Sample             │                      │      └────────┬─────────┘
//!            sampler ◀── probe (OS) ─┤◀── ServerStats ◀── server ◀── HTTP ──┘
//!               │                    └◀── LoadReport (stdout) ◀──────────────┘
//!               └──▶ --record file / --headless stdout
//! ```
//!
//! The server runs in this process so that the probe's numbers (threads, memory, context
//! switches) are the server's; the load generator runs in another so that they are *only*
//! the server's. The sampler is the one place where the three views of a tick (OS, server,
//! client) are put together into a [`Sample`].

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::cli::{DemoArgs, listen_addr};
use crate::dashboard::{self, Action, DemoInfo, UiEvent};
use crate::limits::{self, ThreadLimits};
use crate::load::{self, ConnectionMode, LoadCommand, LoadConfig, LoadProcess, LoadReport, Pacing};
use crate::metrics::ServerCounters;
use crate::part::{Part, RunningServer, ServeArgs};
use crate::probe::Probe;
use crate::record::Recorder;
use crate::sample::{Sample, ServerRates, ServerSample, SummaryBuilder};
use crate::scenario::{Player, Scenario};

/// Where the demo's server listens unless `--addr` says otherwise: any free loopback port.
const DEMO_ADDR: &str = "127.0.0.1:0";

/// How long a headless run lasts without `--duration` or a scenario.
const DEFAULT_HEADLESS_DURATION: Duration = Duration::from_secs(10);

/// File descriptors a process needs besides its connections (stdio, listener, /proc reads,
/// the terminal...). A connection count that leaves fewer than this free is warned about.
const FD_RESERVE: u64 = 256;

/// How far past the estimated thread wall `connections=past-wall` goes: far enough that the
/// wall is clearly hit, near enough that the rest of the machine's limits are not.
const PAST_THE_WALL: f64 = 1.1;

/// Runs the live demo (or, with `--headless`, the same run printed as JSON lines).
pub fn run<P: Part>(
    demo: &DemoArgs,
    serve: &ServeArgs,
    options: &P::Options,
) -> anyhow::Result<()> {
    let (setup, notes) = Setup::prepare();
    let server = Arc::new(start_server::<P>(serve, options, DEMO_ADDR)?);
    let scenario = choose_scenario(demo)?;
    let mut config = LoadConfig::new(server.local_addr());
    config.connections = demo.connections.unwrap_or(0);
    config.pacing = demo.rate.unwrap_or(Pacing::Closed);
    if demo.churn {
        config.mode = ConnectionMode::Churn;
    }
    config.tick = demo.tick;
    let exe =
        std::env::current_exe().context("cannot find this program to start the load generator")?;
    let load = LoadProcess::spawn(&exe, &[load::CHILD_SUBCOMMAND], &config)
        .context("cannot start the load generator")?;

    let info = DemoInfo {
        title: P::TITLE.to_string(),
        subtitle: format!(
            "{} · io_ms={} cpu_us={} · {}",
            server.describe(),
            serve.io_ms,
            serve.cpu_us,
            server.local_addr()
        ),
        notes,
    };
    let controller = Arc::new(Mutex::new(Controller::new(load, scenario.clone(), setup)));
    let mut recorder = match &demo.record {
        Some(path) => Some(Recorder::create(path, P::NAME, &info, demo.tick)?),
        None => None,
    };
    let mut sampler = Sampler::new(Arc::clone(&server));

    if demo.headless {
        let duration = demo
            .duration
            .or(scenario.as_ref().map(|s| s.end))
            .unwrap_or(DEFAULT_HEADLESS_DURATION);
        let mut stdout = std::io::stdout().lock();
        let mut summary = SummaryBuilder::default();
        let started = Instant::now();
        for_each_tick(
            demo.tick,
            || started.elapsed() <= duration,
            |_| {
                let (load, stage, messages) = lock(&controller).tick();
                for message in messages {
                    eprintln!("{message}");
                }
                let sample = sampler.sample(load, stage);
                summary.add(&sample);
                if let Some(recorder) = &mut recorder {
                    recorder.sample(&sample)?;
                }
                serde_json::to_writer(&mut stdout, &sample)?;
                writeln!(stdout)?;
                stdout.flush()?;
                Ok(())
            },
        )?;
        let summary = summary.finish();
        if let Some(recorder) = recorder {
            recorder.finish(&summary)?;
        }
        serde_json::to_writer(&mut stdout, &serde_json::json!({ "summary": summary }))?;
        writeln!(stdout)?;
        lock(&controller).shutdown();
        return Ok(());
    }

    let (events, receiver) = mpsc::channel::<UiEvent<P::View>>();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler_thread = {
        let events = events.clone();
        let controller = Arc::clone(&controller);
        let stop = Arc::clone(&stop);
        let deadline = demo.duration.map(|d| Instant::now() + d);
        let tick = demo.tick;
        thread::Builder::new()
            .name("sampler".into())
            .spawn(move || {
                let mut summary = SummaryBuilder::default();
                let result = for_each_tick(
                    tick,
                    || !stop.load(Ordering::Acquire) && deadline.is_none_or(|d| Instant::now() < d),
                    |_| {
                        let (load, stage, messages) = lock(&controller).tick();
                        for message in messages {
                            let _ = events.send(UiEvent::Message(message));
                        }
                        let sample = sampler.sample(load, stage);
                        summary.add(&sample);
                        if let Some(recorder) = &mut recorder {
                            recorder.sample(&sample)?;
                        }
                        // The dashboard has gone: stop sampling.
                        events
                            .send(UiEvent::Sample(Box::new(sample)))
                            .map_err(|_| anyhow::anyhow!("dashboard closed"))
                    },
                );
                if let Some(recorder) = recorder {
                    let _ = recorder.finish(&summary.finish());
                }
                // Ends the dashboard when --duration runs out.
                drop(events);
                result
            })?
    };
    let for_actions = Arc::clone(&controller);
    let ui_server = Arc::clone(&server);
    let ui_events = events.clone();
    let ui_result = dashboard::run::<P::View>(info, (ui_events, receiver), move |action| {
        if let Action::PartKey(key) = action {
            ui_server.on_key(key);
        }
        for message in lock(&for_actions).act(action) {
            let _ = events.send(UiEvent::Message(message));
        }
    });
    stop.store(true, Ordering::Release);
    let _ = sampler_thread.join();
    lock(&controller).shutdown();
    ui_result
}

/// Runs the server alone, printing its address and a line of counters every second.
pub fn serve_only<P: Part>(serve: &ServeArgs, options: &P::Options) -> anyhow::Result<()> {
    let (_, notes) = Setup::prepare();
    let server = Arc::new(start_server::<P>(
        serve,
        options,
        crate::cli::DEFAULT_SERVE_ADDR,
    )?);
    eprintln!(
        "{} listening on http://{} ({}, io_ms={} cpu_us={}). Ctrl-C stops it.",
        P::NAME,
        server.local_addr(),
        server.describe(),
        serve.io_ms,
        serve.cpu_us
    );
    for note in notes {
        eprintln!("  {note}");
    }
    let stats = server.stats();
    let mut before = stats.snapshot();
    let tick = Duration::from_secs(1);
    for_each_tick(
        tick,
        || true,
        |_| {
            let now = stats.snapshot();
            let rates = ServerRates::between(&before, &now, tick.as_secs_f64());
            eprintln!(
                "connections {:>6}  served/s {:>8.0}  in flight {:>6}  queued {:>6}  threads {:>6}  errors {}",
                now.active_connections,
                rates.served,
                now.in_flight,
                now.queued,
                now.threads,
                describe_errors(&now)
            );
            before = now;
            Ok(())
        },
    )
}

fn describe_errors(counters: &ServerCounters) -> String {
    let nonzero: Vec<String> = counters
        .errors
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{kind}={n}"))
        .collect();
    if nonzero.is_empty() {
        "0".into()
    } else {
        nonzero.join(" ")
    }
}

fn start_server<P: Part>(
    serve: &ServeArgs,
    options: &P::Options,
    default_addr: &str,
) -> anyhow::Result<P::Server> {
    let addr = listen_addr(serve, default_addr);
    let mut serve = serve.clone();
    serve.addr = Some(addr);
    P::start(&serve, options).with_context(|| {
        format!(
            "cannot serve on {addr} (is something else listening there? choose another with --addr)"
        )
    })
}

fn choose_scenario(demo: &DemoArgs) -> anyhow::Result<Option<Scenario>> {
    let by_hand = demo.connections.is_some() || demo.rate.is_some() || demo.churn;
    match (&demo.scenario, by_hand) {
        (Some(name), _) => Scenario::load(name).map(Some),
        (None, true) => Ok(None),
        (None, false) => Scenario::load("story").map(Some),
    }
}

/// Calls `body` once per `tick`, on a steady schedule (a slow tick does not shift the rest),
/// while `go_on` says so.
fn for_each_tick(
    tick: Duration,
    mut go_on: impl FnMut() -> bool,
    mut body: impl FnMut(u64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut n = 1u64;
    loop {
        let due = start + tick.mul_f64(n as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        if !go_on() {
            return Ok(());
        }
        body(n)?;
        n += 1;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the machine allows, read once at start.
#[derive(Debug, Clone, Copy)]
struct Setup {
    /// Connections that fit in the file-descriptor limit.
    fd_room: Option<u64>,
    /// `connections=past-wall` in scenarios.
    past_the_wall: u64,
}

impl Setup {
    /// Raises the fd limit and reads the thread limits; returns them and the notes worth
    /// showing a learner.
    fn prepare() -> (Setup, Vec<String>) {
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
                notes.push(format!(
                    "Threads: spawning should fail near {} threads ({}).",
                    wall.threads, wall.because
                ));
                let past = (wall.threads as f64 * PAST_THE_WALL) as u64;
                if past > room {
                    notes.push(format!(
                        "The fd limit ({room} connections) comes before the thread wall: past-wall uses {room}, where accept() fails with EMFILE."
                    ));
                }
                past.min(room)
            }
            (Some(wall), None) => (wall.threads as f64 * PAST_THE_WALL) as u64,
            (None, Some(room)) => room,
            (None, None) => 20_000,
        };
        (
            Setup {
                fd_room,
                past_the_wall,
            },
            notes,
        )
    }
}

/// Owns the load generator and decides what load to ask for: the scenario's, or the keys'.
struct Controller {
    load: Option<LoadProcess>,
    /// The scenario to (re)start with `s`.
    scenario: Option<Scenario>,
    playing: Option<(Player, Instant)>,
    setup: Setup,
    /// Messages for the learner, delivered with the next tick or action.
    messages: Vec<String>,
}

impl Controller {
    fn new(load: LoadProcess, scenario: Option<Scenario>, setup: Setup) -> Self {
        let mut controller = Controller {
            load: Some(load),
            playing: None,
            scenario,
            setup,
            messages: Vec::new(),
        };
        controller.start_scenario();
        controller
    }

    /// Plays the scenario's due steps; returns the latest load report, the stage, and
    /// messages for the learner.
    fn tick(&mut self) -> (Option<LoadReport>, Option<String>, Vec<String>) {
        if let Some((player, started)) = &mut self.playing {
            let elapsed = started.elapsed();
            let commands: Vec<LoadCommand> = player
                .due(elapsed)
                .iter()
                .flat_map(|step| step.commands(self.setup.past_the_wall))
                .collect();
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
        let stage = self.playing.as_ref().and_then(|(player, _)| player.stage());
        let report = self.load.as_ref().and_then(LoadProcess::latest);
        (report, stage, std::mem::take(&mut self.messages))
    }

    /// Acts on a key; returns messages for the learner.
    fn act(&mut self, action: Action) -> Vec<String> {
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
            Action::PartKey(_) => {}
            Action::Quit => self.shutdown(),
        }
        std::mem::take(&mut self.messages)
    }

    fn start_scenario(&mut self) {
        match &self.scenario {
            Some(scenario) => {
                self.messages.push(format!(
                    "Playing scenario {} ({}s).",
                    scenario.name,
                    scenario.end.as_secs()
                ));
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
        if let (LoadCommand::Connections(n), Some(room)) = (&command, self.setup.fd_room)
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

    fn shutdown(&mut self) {
        self.playing = None;
        if let Some(load) = self.load.take() {
            load.shutdown();
        }
    }
}

/// Turns the three views of a tick — OS, server, client — into one [`Sample`].
struct Sampler<S> {
    server: Arc<S>,
    probe: Probe,
    started: Instant,
    before: (Instant, ServerCounters),
}

impl<S> Sampler<S> {
    fn new<X>(server: Arc<S>) -> Self
    where
        S: RunningServer<X>,
    {
        let before = (Instant::now(), server.stats().snapshot());
        Sampler {
            server,
            probe: Probe::new(),
            started: Instant::now(),
            before,
        }
    }

    fn sample<X>(&mut self, load: Option<LoadReport>, stage: Option<String>) -> Sample<X>
    where
        S: RunningServer<X>,
    {
        let now = Instant::now();
        let totals = self.server.stats().snapshot();
        let per_s = ServerRates::between(
            &self.before.1,
            &totals,
            now.duration_since(self.before.0).as_secs_f64(),
        );
        self.before = (now, totals.clone());
        Sample {
            t: now.duration_since(self.started).as_secs_f64(),
            process: self.probe.sample(),
            server: ServerSample { totals, per_s },
            load,
            stage,
            part: self.server.sample_part(),
        }
    }
}
