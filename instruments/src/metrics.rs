//! Server counters: what every server in the workshop counts while it runs.
//!
//! A server bumps plain atomics on its hot path and never waits for anyone: every operation
//! here is a single `Relaxed` read-modify-write, so an update costs a few nanoseconds
//! (`benches/counter.rs`), a request a handful of them, and no lock. `Relaxed` is enough because no counter is used to synchronise other
//! memory: the sampler only needs each counter's own value, and a sample that is a few
//! nanoseconds stale in one counter relative to another is invisible at one sample per second.
//!
//! Two kinds of number:
//! - a [`Counter`] only goes up (accepted, served, errors); the sampler turns the difference
//!   between two samples into a rate per second;
//! - a [`Gauge`] goes up and down (active connections, requests in flight, queued). Its
//!   [`Gauge::enter`] returns a guard that gives the unit back when dropped, so the count stays
//!   right on every path out of a scope: early return, `?`, and panic.
//!
//! [`ServerStats::snapshot`] copies everything into a plain [`ServerCounters`] value that can be
//! serialised, compared and subtracted.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// Whether counters count: false only in a build with the `uncounted` feature, which measures
/// what counting costs a server (BENCHMARKS.md). The compiler removes every update then.
pub const COUNTING: bool = !cfg!(feature = "uncounted");

/// A number that only goes up.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }

    pub fn incr(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        if COUNTING {
            self.0.fetch_add(n, Relaxed);
        }
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A number that goes up and down: how many of something exist right now.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    pub const fn new() -> Self {
        Gauge(AtomicU64::new(0))
    }

    /// Counts one more, and counts it back when the returned guard is dropped.
    ///
    /// Prefer this to [`incr`](Self::incr)/[`decr`](Self::decr) whenever the unit lives for a
    /// scope (a connection, a request): the guard cannot forget the decrement.
    #[must_use = "the gauge is decremented when the guard is dropped"]
    pub fn enter(&self) -> GaugeGuard<'_> {
        self.incr();
        GaugeGuard { gauge: self }
    }

    pub fn incr(&self) {
        if COUNTING {
            self.0.fetch_add(1, Relaxed);
        }
    }

    pub fn decr(&self) {
        if COUNTING {
            self.0.fetch_sub(1, Relaxed);
        }
    }

    pub fn set(&self, value: u64) {
        if COUNTING {
            self.0.store(value, Relaxed);
        }
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// Holds one unit of a [`Gauge`]; dropping it (even while unwinding from a panic) gives it back.
#[derive(Debug)]
pub struct GaugeGuard<'a> {
    gauge: &'a Gauge,
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.gauge.decr();
    }
}

/// Why a server gave up on a connection or a request.
///
/// These are the server's view; the load generator counts the client's view separately
/// (refused, reset, timeout), and the dashboard shows both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerError {
    /// The request could not be parsed (answered 400, then closed).
    BadRequest,
    /// The request head was larger than the limit (answered 431, then closed).
    HeadTooLarge,
    /// The request body was larger than the limit (answered 413, then closed).
    BodyTooLarge,
    /// The OS refused a new thread (`EAGAIN`): the connection was answered 503 and closed.
    SpawnFailed,
    /// The server was at its thread limit, kept just below the OS's (see
    /// `instruments::limits::thread_headroom`): the connection was answered 503 and closed.
    ThreadLimit,
    /// `accept` failed, usually for lack of file descriptors (`EMFILE`/`ENFILE`).
    AcceptFailed,
    /// A connection sat idle past the idle timeout and was closed.
    IdleTimeout,
    /// A read or write failed (the peer reset the connection, a broken pipe...).
    Io,
}

impl ServerError {
    pub const ALL: [ServerError; 8] = [
        ServerError::BadRequest,
        ServerError::HeadTooLarge,
        ServerError::BodyTooLarge,
        ServerError::SpawnFailed,
        ServerError::ThreadLimit,
        ServerError::AcceptFailed,
        ServerError::IdleTimeout,
        ServerError::Io,
    ];

    /// A short, stable name used in JSON output and on the dashboard.
    pub fn name(self) -> &'static str {
        self.describe().0
    }

    /// The kind whose [`name`](Self::name) this is.
    pub fn from_name(name: &str) -> Option<ServerError> {
        ServerError::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// What a learner should read about it: a plural noun for a rate ("spawn failures") and
    /// the likely cause ("the OS refuses new threads").
    pub fn meaning(self) -> (&'static str, &'static str) {
        let (_, plural, cause) = self.describe();
        (plural, cause)
    }

    /// Name, plural noun and cause, kept together so that they cannot drift apart.
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ServerError::BadRequest => (
                "bad_request",
                "bad requests",
                "clients sent bytes that are not HTTP",
            ),
            ServerError::HeadTooLarge => (
                "head_too_large",
                "oversized request heads",
                "clients sent more header bytes than the server accepts",
            ),
            ServerError::BodyTooLarge => (
                "body_too_large",
                "oversized request bodies",
                "clients sent bodies larger than the server accepts",
            ),
            ServerError::SpawnFailed => (
                "spawn_failed",
                "spawn failures",
                "the OS refuses new threads",
            ),
            ServerError::ThreadLimit => (
                "thread_limit",
                "refusals at the thread limit",
                "one more thread would cross the OS's wall",
            ),
            ServerError::AcceptFailed => (
                "accept_failed",
                "accept failures",
                "the server has no file descriptor left for a new connection",
            ),
            ServerError::IdleTimeout => (
                "idle_timeout",
                "idle timeouts",
                "connections sat silent past the server's idle limit",
            ),
            ServerError::Io => (
                "io",
                "I/O errors",
                "peers reset connections or writes hit closed sockets",
            ),
        }
    }
}

/// Syscalls a server makes on behalf of requests, where it can count them.
///
/// A blocking server makes about one `read` and one `write` per request. A non-blocking one
/// also pays for `poll` and for the `read` that returns `WouldBlock` — the cost an edge-
/// triggered reactor accepts to learn that a socket is drained.
#[derive(Debug, Default)]
pub struct SyscallCounters {
    pub reads: Counter,
    pub writes: Counter,
    /// Reads that returned `WouldBlock`: no data, just the news that there is none.
    pub would_block_reads: Counter,
    pub polls: Counter,
}

/// Everything a server counts. One per server, shared by `Arc` with the sampler.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Connections accepted.
    pub accepted: Counter,
    /// Connections open right now.
    pub active_connections: Gauge,
    /// Responses written.
    pub served: Counter,
    /// Requests received and not yet answered.
    pub in_flight: Gauge,
    /// Accepted connections waiting for a thread or worker to take them.
    pub queued: Gauge,
    /// Server threads alive right now (as the server counts them; the probe counts the OS's).
    pub threads: Gauge,
    pub syscalls: SyscallCounters,
    errors: [Counter; ServerError::ALL.len()],
}

impl ServerStats {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&self, kind: ServerError) {
        self.errors[kind as usize].incr();
    }

    pub fn errors(&self, kind: ServerError) -> u64 {
        self.errors[kind as usize].get()
    }

    pub fn snapshot(&self) -> ServerCounters {
        ServerCounters {
            accepted: self.accepted.get(),
            active_connections: self.active_connections.get(),
            served: self.served.get(),
            in_flight: self.in_flight.get(),
            queued: self.queued.get(),
            threads: self.threads.get(),
            reads: self.syscalls.reads.get(),
            writes: self.syscalls.writes.get(),
            would_block_reads: self.syscalls.would_block_reads.get(),
            polls: self.syscalls.polls.get(),
            errors: ServerError::ALL
                .iter()
                .map(|&kind| (kind.name().to_string(), self.errors(kind)))
                .collect(),
        }
    }
}

/// A copy of [`ServerStats`] at one instant: gauges as they were, counters as running totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerCounters {
    pub accepted: u64,
    pub active_connections: u64,
    pub served: u64,
    pub in_flight: u64,
    pub queued: u64,
    pub threads: u64,
    pub reads: u64,
    pub writes: u64,
    pub would_block_reads: u64,
    pub polls: u64,
    /// Totals by [`ServerError::name`], in [`ServerError::ALL`] order.
    pub errors: Vec<(String, u64)>,
}

impl ServerCounters {
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauge_guard_gives_back_on_panic() {
        let gauge = Gauge::new();
        let result = std::panic::catch_unwind(|| {
            let _guard = gauge.enter();
            assert_eq!(gauge.get(), 1);
            panic!("handler failed");
        });
        assert!(result.is_err());
        assert_eq!(gauge.get(), 0);
    }

    #[test]
    fn snapshot_reports_errors_by_kind() {
        let stats = ServerStats::new();
        stats.error(ServerError::SpawnFailed);
        stats.error(ServerError::SpawnFailed);
        stats.error(ServerError::BadRequest);
        let snap = stats.snapshot();
        assert_eq!(snap.errors_total(), 3);
        let spawn = snap.errors.iter().find(|(k, _)| k == "spawn_failed");
        assert_eq!(spawn.map(|(_, n)| *n), Some(2));
    }
}
