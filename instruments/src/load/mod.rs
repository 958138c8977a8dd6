//! The load generator: many HTTP/1.1 clients in one tokio process.
//!
//! It runs in a process of its own so that what the dashboard measures about the server's
//! process (CPU, memory, threads, context switches) is the server's alone. The demo starts it
//! by running its own binary again with the hidden [`CHILD_SUBCOMMAND`], then drives it with a
//! [`LoadProcess`]: commands in ([`LoadCommand`], one per line), one JSON [`LoadReport`] per
//! tick out. The same engine runs standalone against any server (`load --addr …`).
//!
//! How it is built, each file one idea:
//!
//! - `args`: the command line ([`LoadArgs`]) and the settings it becomes ([`LoadConfig`]);
//! - `schedule`: the open-loop timetable — tickets with intended send times, shared by all
//!   connections, so that latency includes the time a request waited (no coordinated omission);
//! - `client`: one connection's life as a task, keep-alive or one connection per request;
//! - `http`: writing a `GET /` and reading exactly one response back;
//! - `sources`: spreading client sockets over 127.0.0.x when one address's ports run out;
//! - `tally`: counters bumped by the connections, turned into a report each tick;
//! - `engine`: [`drive`], the loop that owns the settings and the crew of connections;
//! - `child`, `standalone`, `process`: the three ways to run it.
//!
//! # Open loop and closed loop
//!
//! *Closed loop* ([`Pacing::Closed`]): each connection sends its next request as soon as the
//! previous answer arrives. The load adapts to the server — a slow server gets fewer requests —
//! so it measures capacity, and latency counts from the real send.
//!
//! *Open loop* ([`Pacing::Rate`]): requests fall due at a fixed total rate whether or not the
//! server keeps up, like users who do not know about each other. When the server falls behind,
//! due requests pile up as `outstanding` — the queue the clients see — and their latency, which
//! counts from when they were *due*, grows with it.

mod args;
mod child;
mod client;
mod engine;
mod http;
mod process;
mod report;
mod schedule;
mod sources;
mod standalone;
mod tally;

pub use args::{
    DEFAULT_CONNECTIONS, DEFAULT_TICK, DEFAULT_TIMEOUT, LoadArgs, LoadConfig, MAX_CONNECTIONS,
    format_duration, parse_duration, parse_nonzero_duration, parse_pacing,
};
pub use child::run_child;
pub use client::{IDLE_CHECK_AFTER, RETRY_BACKOFF};
pub use engine::drive;
pub use process::LoadProcess;
pub use report::{ClientErrors, ConnectionMode, LoadCommand, LoadReport, Pacing, Percentiles};
pub use schedule::MAX_BACKLOG;
pub use standalone::run_standalone;
pub use tally::LoadSummary;

/// The hidden subcommand under which a part's binary runs the load generator as a child.
pub const CHILD_SUBCOMMAND: &str = "__load";

/// Tokio worker threads: one. The load generator shares the machine with the server it
/// measures (2 cores here), and every cycle it spends is taken from the server. Measured with
/// `cargo run --release -p instruments --example load_bench -- --workers N` (closed loop against
/// a trivial thread-per-connection server on the same 2 cores, a noisy shared machine): one
/// worker made 60 000–100 000 keep-alive req/s at 8–12 µs of its own CPU per request, two
/// workers 58 000–80 000 req/s at 11–13 µs; in churn mode both made about 11 000 req/s. A second
/// worker adds cross-thread wake-ups and steals, not speed. The engine's own loop (pacer,
/// commands, reports) runs on the main thread in `block_on`, so it keeps time even when the
/// worker is saturated.
pub const WORKER_THREADS: usize = 1;

/// Runs the engine ([`drive`]) to its end on the load generator's own runtime, in this
/// process: what the child and the standalone command do, and what a program that measures
/// *another* process (`compare`) can do without a child of its own.
pub fn run_here<F>(
    config: LoadConfig,
    commands: tokio::sync::mpsc::Receiver<LoadCommand>,
    on_report: F,
) -> anyhow::Result<LoadSummary>
where
    F: FnMut(&LoadReport) -> anyhow::Result<()>,
{
    config.check()?;
    if let Err(e) = crate::limits::raise_fd_limit() {
        eprintln!("load: could not raise the file-descriptor limit: {e}");
    }
    runtime()?.block_on(drive(config, commands, on_report))
}

/// The multi-thread runtime the load generator runs on.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("load-worker")
        .enable_all()
        .build()
}
