//! The part 1 demo: the thread-per-connection server under a real load generator, watched live.
//!
//! `cargo run --release -p part1-threads` plays the story (idle → 10 → hundreds → thousands of
//! connections → the thread wall); `--help` lists everything else. All the plumbing (flags,
//! load generator, dashboard, recording) is shared by every part in `instruments`; this file
//! only says how to start *this* server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use instruments::dashboard::format;
use instruments::limits;
use instruments::metrics::ServerStats;
use instruments::part::{Part, RunningServer, ServeArgs};
use part1_threads::app::AppConfig;
use part1_threads::{Server, ServerConfig};

struct Part1;

/// Flags only part 1 has.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Part 1 server")]
struct ThreadOptions {
    /// Use a pool of at most N threads instead of one thread per connection; connections
    /// past N wait in a queue (the dashboard shows it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_threads: Option<u64>,
    /// Stack size of each connection thread, e.g. 64k or 8m (default: Rust's 2 MiB). Smaller
    /// stacks save address space, not RSS: untouched stack pages never become resident.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    stack_size: Option<usize>,
    /// Do not stop short of the OS's thread wall. Near it, Rust aborts the whole process
    /// when a new thread cannot map its signal stack: try it to see that the wall is not
    /// graceful.
    #[arg(long)]
    no_thread_limit: bool,
}

/// The smallest stack we let a learner ask for: below this a connection thread would
/// overflow its stack while formatting a response.
const MIN_STACK: usize = 32 * 1024;

fn parse_size(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, multiplier) = match lower.strip_suffix(['k', 'm']) {
        Some(digits) if lower.ends_with('k') => (digits, 1024),
        Some(digits) => (digits, 1024 * 1024),
        None => (lower.as_str(), 1),
    };
    let size = digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("{text:?} is not a size (try 64k, 512k, 8m)"))?;
    if size < MIN_STACK {
        return Err(format!(
            "a stack of {size} bytes is too small (at least 32k)"
        ));
    }
    Ok(size)
}

struct Running {
    server: Server,
    config: ServerConfig,
}

impl RunningServer<()> for Running {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(self.server.stats())
    }

    /// Short, for the dashboard's title line: the thread cap, and the stack size only when it
    /// is not Rust's default (2 MiB).
    fn describe(&self) -> String {
        let threads = match (self.config.max_threads, self.config.thread_limit) {
            (None, None) => "no thread limit".to_string(),
            (None, Some(limit)) => format!("≤{} threads", format::count(limit as u64)),
            (Some(n), _) => format!("pool of {} threads", format::count(n as u64)),
        };
        match self.config.stack_size {
            None => threads,
            Some(size) => format!("{threads}, {} stacks", format::bytes(size as u64)),
        }
    }

    fn sample_part(&self) {}
}

impl Part for Part1 {
    const NAME: &'static str = "part1-threads";
    const TITLE: &'static str = "Part 1 · one thread per connection";
    const ABOUT: &'static str = "Part 1 · one thread per connection.\n\n\
        Runs a thread-per-connection HTTP server, drives it with a load generator in a separate \
        process, and shows both live in an htop-like dashboard: threads, memory, context \
        switches, throughput against what was offered, the request queue, latency. Without \
        flags it plays the built-in story: idle, then 10, 100, 1 000, 5 000, 10 000 \
        connections, then past the point where the OS refuses to create more threads. \
        Press ? in the dashboard for the keys.";
    const READING: &'static [(&'static str, &'static str)] = &[(
        "Queue (conns)",
        "connections the server accepted that still wait for a thread: only with \
         --max-threads, where a pool of that many threads serves them in turn.",
    )];
    const THREAD_PER_CONNECTION: bool = true;

    type Options = ThreadOptions;
    type View = ();
    type Server = Running;

    fn start(serve: &ServeArgs, options: &ThreadOptions) -> anyhow::Result<Running> {
        let config = ServerConfig {
            app: AppConfig::new(serve.io_ms, serve.cpu_us),
            idle_timeout: serve.idle_timeout,
            max_threads: options.max_threads.map(|n| n as usize),
            stack_size: options.stack_size,
            thread_limit: if options.no_thread_limit {
                None
            } else {
                limits::thread_headroom().map(|n| n as usize)
            },
        };
        let addr = serve.addr.expect("the demo always chooses an address");
        let server = Server::bind(addr, config.clone())?;
        Ok(Running { server, config })
    }
}

fn main() -> ExitCode {
    instruments::cli::main::<Part1>()
}
