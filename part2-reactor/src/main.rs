//! The part 2 demo: the reactor server under the same load generator and dashboard as part 1.
//!
//! `cargo run --release -p part2-reactor` plays the same story as part 1 (idle → 10 →
//! hundreds → thousands of connections); this time the thread count stays at one, and the
//! reactor panel shows the event loop at work (`p` pauses it, `n` steps it). `--help` lists
//! everything else. All the plumbing is shared in `instruments`; this file only says how to
//! start *this* server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use instruments::dashboard::format;
use instruments::metrics::ServerStats;
use instruments::part::{Part, RunningServer, ServeArgs};
use part1_threads::app::AppConfig;
use part2_reactor::observe::panel::{PAUSE_KEY, STEP_KEY};
use part2_reactor::server::DEFAULT_EVENTS_CAPACITY;
use part2_reactor::{ReactorSample, ReactorSampler, Server, ServerConfig};

struct Part2;

/// The most events one poll may be asked to return: far more than any burst of this demo.
const MAX_EVENTS_CAPACITY: u64 = 1 << 16;

/// Flags only part 2 has.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Part 2 server")]
struct ReactorOptions {
    /// How many readiness events one poll may return; the rest wait for the next poll.
    /// Try 1 to see every event cost a poll of its own.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_EVENTS_CAPACITY as u64,
        value_parser = clap::value_parser!(u64).range(1..=MAX_EVENTS_CAPACITY)
    )]
    events_capacity: u64,
}

struct Running {
    server: Server,
    sampler: ReactorSampler,
    config: ServerConfig,
}

impl RunningServer<ReactorSample> for Running {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(self.server.stats())
    }

    /// Short, for the dashboard's title line: the events capacity only when it was changed.
    fn describe(&self) -> String {
        match self.config.events_capacity {
            DEFAULT_EVENTS_CAPACITY => "1 event-loop thread".to_string(),
            capacity => format!(
                "1 event-loop thread, ≤{} events/poll",
                format::count(capacity as u64)
            ),
        }
    }

    fn sample_part(&self) -> ReactorSample {
        self.sampler.sample()
    }

    fn on_key(&self, key: char) {
        match key {
            PAUSE_KEY => self.server.control().toggle_pause(),
            STEP_KEY => self.server.control().step(),
            _ => {}
        }
    }
}

impl Part for Part2 {
    const NAME: &'static str = "part2-reactor";
    const TITLE: &'static str = "Part 2 · a reactor: one thread, many connections";
    const ABOUT: &'static str = "Part 2 · a reactor on mio: one thread serves every connection.\n\n\
        Runs the same HTTP app as part 1 on a single event-loop thread that waits on all its \
        sockets at once (epoll through mio) and on a timer queue for each request's io_ms, \
        drives it with the same load generator, and shows it in the same dashboard plus a \
        reactor panel: polls per second, events per poll, time blocked in poll against time \
        in handlers, sources, timers, and a live log of what the loop did. Without flags it \
        plays the same story as part 1; watch the thread count stay at one. Press p to pause \
        the loop and n to run it one poll cycle at a time; ? lists every key.";

    type Options = ReactorOptions;
    type View = ReactorSample;
    type Server = Running;

    fn start(serve: &ServeArgs, options: &ReactorOptions) -> anyhow::Result<Running> {
        let config = ServerConfig {
            app: AppConfig::new(serve.io_ms, serve.cpu_us),
            idle_timeout: serve.idle_timeout,
            // Bounded by the flag's parser to 65 536, which fits any usize.
            events_capacity: options.events_capacity as usize,
        };
        let addr = serve.addr.expect("the demo always chooses an address");
        let server = Server::bind(addr, config.clone())?;
        let sampler = ReactorSampler::new(&server);
        Ok(Running {
            server,
            sampler,
            config,
        })
    }
}

fn main() -> ExitCode {
    instruments::cli::main::<Part2>()
}
