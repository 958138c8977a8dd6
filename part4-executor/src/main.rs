//! The part 4 demo: the same app on our work-stealing runtime or on Tokio's, switchable under
//! load, with an executor panel that shows each worker's queue, polls, steals and parks.
//!
//! `cargo run --release -p part4-executor` plays the story on our runtime; `--runtime tokio`
//! starts on Tokio's; `r` switches between them while the load runs. A switch stops the
//! serving runtime (its connections close, the clients reconnect) and starts the other on the
//! same listening socket, which this file keeps open: no client is refused in between, and
//! the charts run on through both stretches. `b` blocks a worker, `t` spawns a storm of
//! tasks; the scenarios `imbalance`, `blocking` and `spawn-storm` play them.

use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use instruments::metrics::ServerStats;
use instruments::part::{Part, RunningServer, ServeArgs};
use part1_threads::app::{self, AppConfig};
use part2_reactor::server::DEFAULT_EVENTS_CAPACITY;
use part3_wakers::async_runtime::{AsyncRuntime, Ours};
use part3_wakers::server::ServerConfig;
use part4_executor::Runtime;
use part4_executor::observe::panel::{BLOCK_KEY, STORM_KEY, SWITCH_KEY};
use part4_executor::observe::{
    self, ExecutorSample, ExecutorSampler, RuntimeCounters, RuntimeKind,
};
use part4_executor::server::Server;
use part4_executor::tokio_server::{BoxTask, Tokio, TokioServer};

struct Part4;

/// More workers than any machine of the course has cores; a typo guard, not a limit of ours.
const MAX_WORKERS: u64 = 1024;

/// How long the blocking task holds its worker: long enough to watch the others take its
/// queue for a few ticks.
const BLOCK_FOR: Duration = Duration::from_secs(5);
/// Tasks in a spawn storm, and the work each does: 200 000 × 5 µs is a second of CPU, spawned
/// in a burst by one task on one worker.
const STORM_TASKS: usize = 200_000;
const STORM_TASK_WORK: Duration = Duration::from_micros(5);

/// Flags only part 4 has.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Part 4 server")]
struct ExecutorOptions {
    /// Worker threads of the runtime, ours or Tokio's [default: the cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_WORKERS))]
    workers: Option<u64>,
    /// The runtime that serves first (`r` switches in the demo).
    #[arg(long, value_enum, default_value_t = RuntimeKind::Ours)]
    runtime: RuntimeKind,
}

/// A server running on one runtime, as the demo starts, samples, pokes and stops it.
trait ExecutorServer: Send + Sync {
    /// The runtime's totals now.
    fn counters(&self) -> RuntimeCounters;
    /// Runs `task` on this runtime, from outside it.
    fn spawn(&self, task: BoxTask);
    /// Spawns one task that spawns [`STORM_TASKS`] tasks with the runtime's own `spawn`.
    fn spawn_storm(&self);
    /// Stops serving and drops every connection.
    fn shutdown(self: Box<Self>);
}

impl ExecutorServer for TokioServer {
    fn counters(&self) -> RuntimeCounters {
        self.metrics()
            .map(|metrics| observe::tokio::counters(&metrics))
            .unwrap_or_default()
    }

    fn spawn(&self, task: BoxTask) {
        TokioServer::spawn(self, task);
    }

    fn spawn_storm(&self) {
        TokioServer::spawn(self, Box::pin(storm::<Tokio>()));
    }

    fn shutdown(self: Box<Self>) {
        TokioServer::shutdown(*self);
    }
}

impl ExecutorServer for Server {
    fn counters(&self) -> RuntimeCounters {
        self.runtime_metrics()
            .map(|metrics| observe::ours::counters(&metrics))
            .unwrap_or_default()
    }

    fn spawn(&self, task: BoxTask) {
        Server::spawn(self, task);
    }

    fn spawn_storm(&self) {
        Server::spawn(self, storm::<Ours>());
    }

    fn shutdown(self: Box<Self>) {
        // The demo goes on with the other runtime; an error of this one ends with it.
        let _ = Server::shutdown(*self);
    }
}

/// Starts the app on our work-stealing runtime.
fn start_ours(
    listener: StdTcpListener,
    config: ServerConfig,
    workers: usize,
    stats: Arc<ServerStats>,
) -> anyhow::Result<Box<dyn ExecutorServer>> {
    let runtime = Runtime::with_events_capacity(workers, config.events_capacity)?;
    Ok(Box::new(Server::start_on(
        listener, config, runtime, stats,
    )?))
}

/// Starts the app on `kind`, serving `listener` (a copy of it: the demo keeps the original).
fn start(
    kind: RuntimeKind,
    listener: &StdTcpListener,
    config: &ServerConfig,
    workers: usize,
    stats: &Arc<ServerStats>,
) -> anyhow::Result<Box<dyn ExecutorServer>> {
    let listener = listener
        .try_clone()
        .context("cannot share the listening socket")?;
    let (config, stats) = (config.clone(), Arc::clone(stats));
    match kind {
        RuntimeKind::Ours => start_ours(listener, config, workers, stats),
        RuntimeKind::Tokio => Ok(Box::new(TokioServer::start(
            listener, config, workers, stats,
        )?)),
    }
}

/// One task that spawns many small ones, all from the worker it runs on.
async fn storm<R: AsyncRuntime>() {
    for _ in 0..STORM_TASKS {
        R::spawn(async { app::burn_cpu(STORM_TASK_WORK) });
    }
}

/// A task that blocks the thread running it, as a careless `std::thread::sleep` or a
/// synchronous database call would.
fn blocking_task() -> BoxTask {
    Box::pin(async { std::thread::sleep(BLOCK_FOR) })
}

/// The demo's server: a listening socket, and whichever runtime serves it now.
struct Running {
    /// Kept open across switches, so that connections queue here while no runtime serves.
    listener: StdTcpListener,
    local_addr: SocketAddr,
    /// Shared by both runtimes' servers: the charts run on across a switch.
    stats: Arc<ServerStats>,
    config: ServerConfig,
    workers: usize,
    serving: Mutex<Serving>,
}

struct Serving {
    kind: RuntimeKind,
    /// `None` only while switching.
    server: Option<Box<dyn ExecutorServer>>,
    sampler: ExecutorSampler,
    switch_failed: Option<RuntimeKind>,
}

impl Running {
    fn serving(&self) -> MutexGuard<'_, Serving> {
        // Held only by this file's short sections, which leave it consistent even on a panic.
        self.serving.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the runtime that serves and starts the other; if that fails, starts the first
    /// one again and says so in the panel.
    fn switch(&self) {
        let mut serving = self.serving();
        let next = serving.kind.other();
        if let Some(server) = serving.server.take() {
            server.shutdown();
        }
        let (kind, server) = match self.start(next) {
            Ok(server) => {
                serving.switch_failed = None;
                (next, server)
            }
            Err(_) => {
                serving.switch_failed = Some(next);
                match self.start(serving.kind) {
                    Ok(server) => (serving.kind, server),
                    // Neither starts (out of threads?): nothing serves; the panel stays empty.
                    Err(_) => return,
                }
            }
        };
        serving.sampler = ExecutorSampler::new(server.counters());
        serving.kind = kind;
        serving.server = Some(server);
    }

    fn start(&self, kind: RuntimeKind) -> anyhow::Result<Box<dyn ExecutorServer>> {
        start(
            kind,
            &self.listener,
            &self.config,
            self.workers,
            &self.stats,
        )
    }
}

impl RunningServer<ExecutorSample> for Running {
    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(&self.stats)
    }

    fn describe(&self) -> String {
        let kind = self.serving().kind;
        format!("{} workers, starting on {}", self.workers, kind.name())
    }

    fn sample_part(&self) -> ExecutorSample {
        let serving = self.serving();
        let mut sample = match &serving.server {
            Some(server) => serving.sampler.sample(server.counters()),
            None => ExecutorSample::default(),
        };
        sample.runtime = serving.kind;
        sample.switch_failed = serving.switch_failed;
        sample
    }

    fn on_key(&self, key: char) {
        match key {
            SWITCH_KEY => self.switch(),
            BLOCK_KEY => {
                if let Some(server) = &self.serving().server {
                    server.spawn(blocking_task());
                }
            }
            STORM_KEY => {
                if let Some(server) = &self.serving().server {
                    server.spawn_storm();
                }
            }
            _ => {}
        }
    }
}

impl Part for Part4 {
    const NAME: &'static str = "part4-executor";
    const TITLE: &'static str = "Part 4 · work stealing: our runtime beside Tokio's";
    const ABOUT: &'static str = "Part 4 · a work-stealing executor, and Tokio's, on one app.\n\n\
        Runs the same HTTP app as parts 1 to 3 on N worker threads (--workers, default: the \
        cores), each with its own queue, sharing an injector and stealing from each other when \
        they run dry; --runtime tokio runs the identical app on Tokio's multi-thread runtime \
        instead. The executor panel shows a row per worker: its queue, polls, tasks stolen and \
        parks per second, and how busy it was. Press r to switch runtimes under load, b to \
        block a worker, t to spawn a storm of tasks; the scenarios imbalance, blocking and \
        spawn-storm play them. ? lists every key.";

    type Options = ExecutorOptions;
    type View = ExecutorSample;
    type Server = Running;

    const SCENARIOS: &'static [(&'static str, &'static str)] = &[
        ("imbalance", include_str!("../scenarios/imbalance.scenario")),
        ("blocking", include_str!("../scenarios/blocking.scenario")),
        (
            "spawn-storm",
            include_str!("../scenarios/spawn-storm.scenario"),
        ),
    ];

    fn start(serve: &ServeArgs, options: &ExecutorOptions) -> anyhow::Result<Running> {
        let config = ServerConfig {
            app: AppConfig::new(serve.io_ms, serve.cpu_us),
            idle_timeout: serve.idle_timeout,
            events_capacity: DEFAULT_EVENTS_CAPACITY,
        };
        // Bounded by the flag's parser to 1 024, which fits any usize.
        let workers = options.workers.map_or_else(cores, |n| n as usize);
        let addr = serve.addr.expect("the demo always chooses an address");
        let listener = part1_threads::listen(addr)?;
        let local_addr = listener.local_addr()?;
        let stats = Arc::new(ServerStats::new());
        let server = start(options.runtime, &listener, &config, workers, &stats)?;
        let serving = Serving {
            kind: options.runtime,
            sampler: ExecutorSampler::new(server.counters()),
            server: Some(server),
            switch_failed: None,
        };
        Ok(Running {
            listener,
            local_addr,
            stats,
            config,
            workers,
            serving: Mutex::new(serving),
        })
    }
}

/// The cores this process may use: the default worker count, as for Tokio's runtime.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn main() -> ExitCode {
    instruments::cli::main::<Part4>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use instruments::dashboard::PartView;
    use instruments::scenario::Scenario;
    use instruments::testing::{Client, eventually};

    #[test]
    fn the_scenarios_parse_and_press_only_this_part_s_keys() {
        for (name, _) in Part4::SCENARIOS {
            let scenario = Scenario::load(name, Part4::SCENARIOS).expect("parses");
            scenario
                .check_presses(Part4::NAME, ExecutorSample::keys())
                .expect("every key a scenario presses is one of part 4's");
        }
    }

    fn running(runtime: RuntimeKind) -> Running {
        let serve = ServeArgs {
            addr: Some("127.0.0.1:0".parse().expect("an address")),
            io_ms: 0,
            cpu_us: 0,
            idle_timeout: Duration::from_secs(60),
        };
        let options = ExecutorOptions {
            workers: Some(2),
            runtime,
        };
        Part4::start(&serve, &options).expect("starts")
    }

    #[test]
    fn a_switch_serves_the_same_address_on_the_other_runtime() {
        let running = running(RuntimeKind::Tokio);
        let mut before = Client::connect(running.local_addr());
        assert_eq!(before.get("/").status, 200);
        running.on_key(SWITCH_KEY);
        let sample = running.sample_part();
        assert_eq!(
            (sample.runtime, sample.switch_failed),
            (RuntimeKind::Ours, None)
        );
        assert!(
            before.is_closed_by_server(),
            "the old runtime's connections are closed"
        );
        let mut after = Client::connect(running.local_addr());
        assert_eq!(after.get("/").status, 200, "served on the same address");
        eventually("the old connection is counted gone", || {
            running.stats.active_connections.get() == 1
        });
    }

    #[test]
    fn the_storm_key_spawns_the_storm_on_the_serving_runtime() {
        if !observe::tokio::UNSTABLE_METRICS {
            // Without Tokio's poll counts there is nothing to count the storm's tasks with.
            return;
        }
        let running = running(RuntimeKind::Tokio);
        let polls = || -> u64 {
            let serving = running.serving();
            let server = serving.server.as_ref().expect("a server");
            server
                .counters()
                .workers
                .iter()
                .filter_map(|w| w.polls)
                .sum()
        };
        let before = polls();
        running.on_key(STORM_KEY);
        eventually("every task of the storm is polled", || {
            polls() >= before + STORM_TASKS as u64
        });
    }

    #[test]
    fn the_panel_sees_tokio_s_workers() {
        let running = running(RuntimeKind::Tokio);
        let mut client = Client::connect(running.local_addr());
        assert_eq!(client.get("/").status, 200);
        let sample = running.sample_part();
        assert_eq!(sample.runtime, RuntimeKind::Tokio);
        assert_eq!(sample.workers.len(), 2);
        assert!(
            sample.tasks_alive >= 2,
            "the accept loop and the connection"
        );
    }
}
