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

use std::sync::Arc;
use std::sync::mpsc;
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
use crate::record::{self, Recorder};
use crate::sample::{Sample, ServerRates, ServerSample, Summary, SummaryBuilder};
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
    let recorder = match &demo.record {
        Some(path) => Some(Recorder::create(path, P::NAME, &info, demo.tick)?),
        None => None,
    };
    let mut run = Run {
        controller: Controller::new(load, scenario.clone(), setup),
        sampler: Sampler::new(Arc::clone(&server)),
        recorder,
        summary: SummaryBuilder::default(),
        tick: demo.tick,
        warmup: demo.warmup.as_secs_f64(),
    };

    if demo.headless {
        let duration = demo
            .duration
            .or(scenario.as_ref().map(|s| s.end))
            .unwrap_or(DEFAULT_HEADLESS_DURATION);
        // No keys in a headless run: nobody ever sends an action.
        let (_no_keys, actions) = mpsc::channel();
        let mut stdout = std::io::stdout().lock();
        let summary = run.until(
            Some(duration),
            &actions,
            |sample| record::write_sample(&mut stdout, sample),
            |message| eprintln!("{message}"),
        )?;
        record::write_summary(&mut stdout, &summary)?;
        return Ok(());
    }

    // The run loop owns the controller on its own thread; the dashboard sends it actions.
    let (events, for_dashboard) = mpsc::channel::<UiEvent<P::View>>();
    let (keys, actions) = mpsc::channel::<Action>();
    let duration = demo.duration;
    let run_thread = thread::Builder::new()
        .name("sampler".into())
        .spawn(move || {
            let messages = events.clone();
            // When this returns, `events` is dropped and the dashboard ends (if it has not).
            run.until(
                duration,
                &actions,
                |sample| {
                    events
                        .send(UiEvent::Sample(Box::new(sample.clone())))
                        .map_err(|_| anyhow::anyhow!("the dashboard has closed"))
                },
                |message| {
                    let _ = messages.send(UiEvent::Message(message));
                },
            )
        })?;
    let ui_server = Arc::clone(&server);
    let ui_result = dashboard::run::<P::View>(info, for_dashboard, move |action| {
        if let Action::PartKey(key) = action {
            ui_server.on_key(key);
        }
        // The run loop may have ended already (--duration); then there is nobody to tell.
        let _ = keys.send(action);
    });
    let run_result = run_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the sampler thread panicked"))?;
    ui_result?;
    // The dashboard closing is how an interactive run ends; anything else is an error.
    run_result.map(|_| ()).or_else(|e| {
        if e.to_string().contains("dashboard has closed") {
            Ok(())
        } else {
            Err(e)
        }
    })
}

/// One demo run: the controller, the sampler and what the samples go to.
struct Run<S> {
    controller: Controller,
    sampler: Sampler<S>,
    recorder: Option<Recorder>,
    summary: SummaryBuilder,
    tick: Duration,
    /// Seconds from the start before samples count in the summary.
    warmup: f64,
}

impl<S> Run<S> {
    /// Samples every tick and acts on `actions` as they come, for `duration`, until a `Quit`
    /// action, or an error from `on_sample`. Returns the run's summary; the load generator
    /// is stopped and the recording finished either way.
    fn until<X>(
        &mut self,
        duration: Option<Duration>,
        actions: &mpsc::Receiver<Action>,
        mut on_sample: impl FnMut(&Sample<X>) -> anyhow::Result<()>,
        mut on_message: impl FnMut(String),
    ) -> anyhow::Result<Summary>
    where
        S: RunningServer<X>,
        X: serde::Serialize,
    {
        let result = self.sample_until(duration, actions, &mut on_sample, &mut on_message);
        self.controller.shutdown();
        let summary = self.summary.finish();
        if let Some(recorder) = self.recorder.take() {
            recorder.finish(&summary)?;
        }
        result.map(|()| summary)
    }

    fn sample_until<X>(
        &mut self,
        duration: Option<Duration>,
        actions: &mpsc::Receiver<Action>,
        on_sample: &mut impl FnMut(&Sample<X>) -> anyhow::Result<()>,
        on_message: &mut impl FnMut(String),
    ) -> anyhow::Result<()>
    where
        S: RunningServer<X>,
        X: serde::Serialize,
    {
        let started = Instant::now();
        let mut ticks = 1u32;
        loop {
            if duration.is_some_and(|d| self.tick * ticks > d) {
                return Ok(());
            }
            let next_tick = started + self.tick * ticks;
            // Wait for the tick, acting on keys as they come.
            while let Some(wait) = next_tick.checked_duration_since(Instant::now()) {
                for message in self.controller.take_messages() {
                    on_message(message);
                }
                match actions.recv_timeout(wait) {
                    Ok(Action::Quit) => return Ok(()),
                    Ok(action) => self.controller.act(action),
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    // Nobody sends keys any more: just wait for the tick.
                    Err(mpsc::RecvTimeoutError::Disconnected) => thread::sleep(wait),
                }
            }
            ticks += 1;
            let (load, stage) = self.controller.tick();
            let sample = self.sampler.sample(load, stage);
            if sample.t >= self.warmup {
                self.summary.add(&sample);
            }
            if let Some(recorder) = &mut self.recorder {
                recorder.sample(&sample)?;
            }
            on_sample(&sample)?;
        }
    }
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
    loop {
        thread::sleep(tick);
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
    }
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
        if controller.scenario.is_some() {
            controller.start_scenario();
        }
        controller
    }

    /// Plays the scenario's due steps; returns the latest load report and the stage.
    fn tick(&mut self) -> (Option<LoadReport>, Option<String>) {
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
        (report, stage)
    }

    /// Messages for the learner since the last call.
    fn take_messages(&mut self) -> Vec<String> {
        std::mem::take(&mut self.messages)
    }

    /// Acts on a key.
    fn act(&mut self, action: Action) {
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
            // The load generator's last words no longer matter: the run is over.
            let _ = load.shutdown();
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
