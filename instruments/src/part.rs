//! What a part of the course hands to the shared demo: how to start its server, and what it
//! adds to the dashboard.
//!
//! Every part's binary is the same program around a different server: the same flags, the same
//! load generator, the same dashboard and recording. A part implements [`Part`] and its `main`
//! is one line, `instruments::cli::main::<MyPart>()`. That keeps the comparison between parts
//! fair (only the server changes) and each part's `main.rs` free of plumbing.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::dashboard::PartView;
use crate::metrics::ServerStats;

/// The server flags every part shares.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Server")]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080 for `serve`, a free port for the demo].
    #[arg(long, value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
    /// Milliseconds each request waits, standing for a database or backend call
    /// (override per request with `?io_ms=N`).
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub io_ms: u64,
    /// Microseconds of real CPU work each request does (override with `?cpu_us=N`).
    #[arg(long, default_value_t = 0, value_name = "US")]
    pub cpu_us: u64,
    /// Close a connection that sends nothing for this long (e.g. 60s, 500ms).
    #[arg(long, default_value = "60s", value_parser = crate::load::parse_nonzero_duration, value_name = "DURATION")]
    pub idle_timeout: Duration,
}

/// One part of the course, as the shared demo sees it.
pub trait Part: 'static {
    /// The binary's name, e.g. `part1-threads`.
    const NAME: &'static str;
    /// What the dashboard's title says, e.g. `Part 1 · one thread per connection`.
    const TITLE: &'static str;
    /// One paragraph for `--help`: what this part's demo shows.
    const ABOUT: &'static str;
    /// The part's own built-in scenarios, `(name, text)`, found before the shared ones: one
    /// named `story` replaces the shared story (and plays when no flag says otherwise).
    const SCENARIOS: &'static [(&'static str, &'static str)] = &[];
    /// How to read the shared numbers where this part's server gives them a meaning of its
    /// own, `(row, meaning)`: listed in the help screen after the shared explanations.
    const READING: &'static [(&'static str, &'static str)] = &[];
    /// Whether the server spends an OS thread per connection, so that the OS's thread limit
    /// is the wall the run will hit (the help's notes then say where it is).
    const THREAD_PER_CONNECTION: bool = false;

    /// The part's own server flags (e.g. `--max-threads`), shown in `--help` beside the
    /// shared ones.
    type Options: clap::Args + Clone + Debug + Send + Sync + 'static;
    /// What the part adds to each sample and to the dashboard (`()` for nothing).
    type View: PartView;
    type Server: RunningServer<Self::View>;

    /// Starts the server; it serves until dropped.
    fn start(serve: &ServeArgs, options: &Self::Options) -> anyhow::Result<Self::Server>;
}

/// A server that is running, as the demo's sampler and key handling see it.
pub trait RunningServer<X>: Send + Sync + 'static {
    fn local_addr(&self) -> SocketAddr;
    fn stats(&self) -> Arc<ServerStats>;
    /// A short description for the dashboard header, e.g. `≤16 117 threads` or
    /// `1 event-loop thread`.
    fn describe(&self) -> String;
    /// The part's own data for this tick (called once per sample).
    fn sample_part(&self) -> X;
    /// A key from [`PartView::keys`] was pressed.
    fn on_key(&self, _key: char) {}
}
