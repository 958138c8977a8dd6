//! The dashboard fed with SYNTHETIC samples: no server runs and no load is sent. A crude model
//! of a thread-per-connection server makes up plausible numbers, so the dashboard's layout,
//! keys and terminal handling can be tried anywhere, at any size.
//!
//! ```text
//! cargo run -p instruments --example dashboard_demo
//! cargo run -p instruments --example dashboard_demo -- --panic-after 3   # restore on panic
//! ```
//!
//! The keys act on the model: `+`/`-` connections, `←`/`→` rate, `c` churn, `s` a scripted
//! climb through the connection steps. The real demos (`cargo run -p part1-threads`) show
//! measured numbers instead.

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use instruments::dashboard::{self, Action, Controls, DemoInfo, Theme, UiEvent};
use instruments::load::{ConnectionMode, LoadReport, Pacing, Percentiles};
use instruments::sample::{ProcessSample, Sample, ThreadRow};

const TICK: Duration = Duration::from_secs(1);
const CORES: usize = 2;
const MACHINE_MEMORY: u64 = 24 << 30;
/// Each request waits this long "on a backend" (the model's io_ms).
const IO_SECONDS: f64 = 0.050;
/// CPU each request costs, in seconds (parsing, writing, switching).
const CPU_SECONDS_PER_REQUEST: f64 = 25e-6;
const CONTEXT_SWITCHES_PER_REQUEST: f64 = 2.0;
/// Threads that are not connection threads.
const BASE_THREADS: u64 = 6;
/// Where the model's OS refuses new threads (as `vm.max_map_count` does near 16 000).
const THREAD_WALL: u64 = 16_000;
const RESIDENT_BASE: u64 = 3 << 20;
const RESIDENT_PER_THREAD: u64 = 20 << 10;
const VIRTUAL_BASE: u64 = 1100 << 20;
const RESERVED_STACK_PER_THREAD: u64 = (2 << 20) + (4 << 10);
const KERNEL_STACK_PER_THREAD: u64 = 16 << 10;
const OTHER_THREADS_ON_MACHINE: u64 = 600;
/// The scripted climb `s` plays: a stage name and its connections, `SCENARIO_STAGE_TICKS`
/// ticks each.
const SCENARIO: [(&str, u64); 6] = [
    ("idle", 0),
    ("a few connections", 10),
    ("hundreds", 200),
    ("thousands", 2_000),
    ("ten thousand", 10_000),
    ("the wall", 20_000),
];
const SCENARIO_STAGE_TICKS: u64 = 8;

/// The made-up world the samples describe.
#[derive(Default)]
struct Model {
    tick: u64,
    connections: u64,
    pacing: Pacing,
    mode: ConnectionMode,
    /// The tick the scenario started at, while it plays.
    scenario_since: Option<u64>,
    outstanding: f64,
    completed_total: u64,
    spawn_failed_total: u64,
}

impl Model {
    fn act(&mut self, action: &Action) {
        match action {
            Action::Connections(n) => self.connections = *n,
            Action::Pacing(p) => self.pacing = *p,
            Action::Mode(m) => self.mode = *m,
            Action::ToggleScenario => {
                self.scenario_since = match self.scenario_since {
                    Some(_) => None,
                    None => Some(self.tick),
                }
            }
            Action::PartKey(_) | Action::Quit => {}
        }
    }

    /// One second of the model, as a sample.
    fn step(&mut self) -> Sample {
        self.tick += 1;
        let t = self.tick as f64;
        let stage = self.scenario_since.map(|since| {
            let index = ((self.tick - since) / SCENARIO_STAGE_TICKS) as usize;
            let (name, connections) = SCENARIO[index.min(SCENARIO.len() - 1)];
            self.connections = connections;
            name.to_string()
        });
        // A wobble of a few percent, so that the numbers move like measured ones do.
        let wobble = 1.0 + 0.03 * (t * 1.7).sin();

        let threads = (BASE_THREADS + self.connections).min(THREAD_WALL);
        let served_connections = threads - BASE_THREADS;
        let refused_connections = self.connections - served_connections;
        let io_capacity = served_connections as f64 / IO_SECONDS;
        let cpu_capacity = CORES as f64 / CPU_SECONDS_PER_REQUEST;
        let capacity = io_capacity.min(cpu_capacity) * wobble;
        let offered = match self.pacing {
            Pacing::Closed => capacity,
            Pacing::Rate(rate) if self.connections > 0 => rate,
            Pacing::Rate(_) => 0.0,
        };
        let completed = offered.min(capacity);
        self.outstanding = (self.outstanding + offered - completed).max(0.0);
        if self.connections == 0 {
            self.outstanding = 0.0;
        }
        self.completed_total += completed as u64;
        let spawn_failures = match self.mode {
            ConnectionMode::Churn => refused_connections as f64 / IO_SECONDS,
            ConnectionMode::KeepAlive => 0.0,
        };
        self.spawn_failed_total += spawn_failures as u64;

        let busy_cores = completed * CPU_SECONDS_PER_REQUEST;
        let process_cpu = (busy_cores * 100.0) as f32;
        let core = ((busy_cores / CORES as f64) * 100.0).min(100.0) as f32;
        let cpu_cores: Vec<f32> = (0..CORES)
            .map(|i| (core * (1.0 + 0.05 * i as f32) + 1.0).min(100.0))
            .collect();
        let rss = RESIDENT_BASE + threads * RESIDENT_PER_THREAD;
        let switches = completed * CONTEXT_SWITCHES_PER_REQUEST + 30.0;
        let wait = if completed > 0.0 {
            self.outstanding / completed
        } else {
            0.0
        };
        let latency = |factor: f64| ((IO_SECONDS * factor + wait) * 1e6) as u64;

        let mem = (rss as f64 / MACHINE_MEMORY as f64 * 100.0) as f32;
        let per_thread_cpu = process_cpu / threads as f32;
        let mut top_threads: Vec<ThreadRow> = (0..threads.min(16))
            .map(|i| ThreadRow {
                tid: 7000 + i as u32,
                user: "demo".to_string(),
                priority: 20,
                nice: 0,
                cpu: per_thread_cpu * (1.0 + (i % 4) as f32 * 0.1),
                mem,
                cmd: match i {
                    0 => "dashboard_demo",
                    1 => "http-accept",
                    2 => "sampler",
                    3 | 4 => "dashboard-input",
                    _ => "http-conn",
                }
                .to_string(),
            })
            .collect();
        top_threads.sort_by(|a, b| b.cpu.total_cmp(&a.cpu));

        let mut sample = Sample {
            t,
            process: ProcessSample {
                cpu_avg: cpu_cores.iter().sum::<f32>() / CORES as f32,
                cpu_cores,
                process_cpu,
                mem_total: MACHINE_MEMORY,
                rss,
                virtual_size: VIRTUAL_BASE + threads * RESERVED_STACK_PER_THREAD,
                kernel_stack: Some((threads + OTHER_THREADS_ON_MACHINE) * KERNEL_STACK_PER_THREAD),
                threads: Some(threads),
                fds: Some(served_connections + 8),
                ctx_voluntary_per_s: switches * 0.95,
                ctx_involuntary_per_s: switches * 0.05,
                top_threads,
            },
            load: Some(LoadReport {
                t,
                mode: self.mode,
                pacing: self.pacing,
                connections_target: self.connections,
                connections_open: served_connections,
                offered_per_s: offered,
                completed_per_s: completed,
                outstanding: self.outstanding as u64,
                completed_total: self.completed_total,
                latency_us: Percentiles {
                    p50: latency(1.02),
                    p90: latency(1.06),
                    p99: latency(1.2),
                    max: latency(1.5),
                },
                ..LoadReport::default()
            }),
            stage,
            scenario_next: None,
            server: Default::default(),
            part: (),
        };
        let server = &mut sample.server;
        server.totals.active_connections = served_connections;
        server.totals.threads = served_connections + 1;
        server.totals.served = self.completed_total;
        server.totals.errors = vec![("spawn_failed".to_string(), self.spawn_failed_total)];
        server.per_s.served = completed;
        server.per_s.errors = spawn_failures;
        if let Some(load) = sample.load.as_mut() {
            load.errors_total.error_status = self.spawn_failed_total;
        }
        sample
    }
}

fn lock(model: &Mutex<Model>) -> MutexGuard<'_, Model> {
    model
        .lock()
        .expect("the model's lock is poisoned only if a holder panicked")
}

/// Sends a sample every tick until the dashboard is gone; panics at `panic_after` ticks when
/// asked to, to show that the terminal is restored.
fn feed(model: Arc<Mutex<Model>>, events: Sender<UiEvent<()>>, panic_after: Option<u64>) {
    loop {
        thread::sleep(TICK);
        let sample = lock(&model).step();
        if panic_after.is_some_and(|n| sample.t >= n as f64) {
            panic!("--panic-after: a deliberate panic in the sampler thread");
        }
        if events.send(UiEvent::Sample(Box::new(sample))).is_err() {
            return;
        }
    }
}

fn parse_args() -> anyhow::Result<Option<u64>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, n] if flag == "--panic-after" => n
            .parse()
            .map(Some)
            .with_context(|| format!("--panic-after needs a number of seconds, not {n:?}")),
        _ => bail!("usage: dashboard_demo [--panic-after SECONDS]"),
    }
}

fn main() -> anyhow::Result<()> {
    let panic_after = parse_args()?;
    let model = Arc::new(Mutex::new(Model::default()));
    let (events, received) = mpsc::channel();
    let feeder = {
        let (model, events) = (Arc::clone(&model), events.clone());
        thread::Builder::new()
            .name("sampler".to_string())
            .spawn(move || feed(model, events, panic_after))
            .context("could not start the sampler thread")?
    };
    events
        .send(UiEvent::Message(
            "synthetic data: a made-up model, nothing is measured".to_string(),
        ))
        .context("the dashboard's channel closed before it started")?;
    drop(events);

    let info = DemoInfo {
        title: "SYNTHETIC DATA · dashboard demo".to_string(),
        subtitle: "a made-up thread-per-connection model, io_ms=50".to_string(),
        notes: vec![
            "Nothing here is measured: the numbers come from a crude model in \
             instruments/examples/dashboard_demo.rs. Run a part's demo for real ones."
                .to_string(),
            format!("The model's OS refuses threads past {THREAD_WALL} (churn mode shows it)."),
        ],
        reading: Vec::new(),
        theme: Theme::Default,
        controls: Controls::Live,
    };
    dashboard::run(info, received, |action| lock(&model).act(&action))?;
    if feeder.is_finished() {
        // The sampler only ends early by panicking (its message is above).
        bail!("the sampler thread stopped");
    }
    println!("dashboard closed; the terminal is back to normal.");
    Ok(())
}
