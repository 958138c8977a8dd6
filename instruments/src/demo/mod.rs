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
//! the server's. One thread runs the loop (`Run::until`): it acts on keys as they come,
//! and once a tick asks the controller (`controller.rs`: scenario or keys → load commands)
//! for the load's state and the sampler (`sampler.rs`: OS + server + client → one
//! [`Sample`]) for the tick, and hands the sample on: to the dashboard, or to stdout as JSON.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::cli::{DemoArgs, listen_addr};
use crate::dashboard::{self, Action, Controls, DemoInfo, PartView, UiEvent};
use crate::load::{self, ConnectionMode, LoadConfig, LoadProcess, Pacing};
use crate::metrics::ServerCounters;
use crate::part::{Part, RunningServer, ServeArgs};
use crate::record::{self, Recorder};
use crate::sample::{Sample, ServerRates, Summary, SummaryBuilder};
use crate::scenario::Scenario;

mod controller;
mod sampler;

use controller::{Controller, LoadLimits};
use sampler::Sampler;

/// Where the demo's server listens unless `--addr` says otherwise: any free loopback port.
const DEMO_ADDR: &str = "127.0.0.1:0";

/// How long a headless run lasts without `--duration` or a scenario.
const DEFAULT_HEADLESS_DURATION: Duration = Duration::from_secs(10);

/// Runs the live demo (or, with `--headless`, the same run printed as JSON lines).
pub fn run<P: Part>(
    demo: &DemoArgs,
    serve: &ServeArgs,
    options: &P::Options,
) -> anyhow::Result<()> {
    if !demo.headless {
        // Before anything starts: a run without a terminal has nowhere to show the dashboard.
        dashboard::require_terminal(
            "add --headless for the same run as JSON lines (e.g. --headless --duration 30s)",
        )?;
    }
    let (limits, notes) = LoadLimits::read(P::THREAD_PER_CONNECTION);
    let server = Arc::new(start_server::<P>(serve, options, DEMO_ADDR)?);
    let scenario = choose_scenario::<P>(demo)?;
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
        reading: P::READING.to_vec(),
        theme: demo.theme,
        controls: Controls::Live,
    };
    let recorder = match &demo.record {
        Some(path) => Some(Recorder::create(path, P::NAME, &info, demo.tick)?),
        None => None,
    };
    let mut run = Run {
        controller: Controller::new(load, scenario.clone(), limits),
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
            |sample| record::write_sample(&mut stdout, sample).map(|()| true),
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
                // Once the dashboard has closed, nobody wants samples any more.
                |sample| {
                    Ok(events
                        .send(UiEvent::Sample(Box::new(sample.clone())))
                        .is_ok())
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
    run_result.map(|_summary| ())
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
    /// action, or until `on_sample` says that nobody wants samples any more (`Ok(false)`) or
    /// fails. Returns the run's summary; the load generator is stopped and the recording
    /// finished either way.
    fn until<X>(
        &mut self,
        duration: Option<Duration>,
        actions: &mpsc::Receiver<Action>,
        mut on_sample: impl FnMut(&Sample<X>) -> anyhow::Result<bool>,
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
        on_sample: &mut impl FnMut(&Sample<X>) -> anyhow::Result<bool>,
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
            let (load, scenario) = self.controller.tick();
            for key in self.controller.take_presses() {
                self.sampler.server().on_key(key);
            }
            let sample = self.sampler.sample(load, scenario);
            if sample.t >= self.warmup {
                self.summary.add(&sample);
            }
            if let Some(recorder) = &mut self.recorder {
                recorder.sample(&sample)?;
            }
            if !on_sample(&sample)? {
                return Ok(());
            }
        }
    }
}

/// Runs the server alone, printing its address and a line of counters every second.
pub fn serve_only<P: Part>(serve: &ServeArgs, options: &P::Options) -> anyhow::Result<()> {
    let (_, notes) = LoadLimits::read(P::THREAD_PER_CONNECTION);
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

/// The scenario the flags ask for (the part's own first), checked against the part's keys.
fn choose_scenario<P: Part>(demo: &DemoArgs) -> anyhow::Result<Option<Scenario>> {
    let by_hand = demo.connections.is_some() || demo.rate.is_some() || demo.churn;
    let scenario = match (&demo.scenario, by_hand) {
        (Some(name), _) => Scenario::load(name, P::SCENARIOS)?,
        (None, true) => return Ok(None),
        (None, false) => Scenario::load("story", P::SCENARIOS)?,
    };
    scenario.check_presses(P::NAME, <P::View as PartView>::keys())?;
    Ok(Some(scenario))
}
