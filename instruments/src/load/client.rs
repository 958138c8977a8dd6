//! One client connection's life: a tokio task that takes due requests and sends them.
//!
//! ```text
//!            ┌──────────── keep-alive: connect once, then many requests ─────────────┐
//!  start ──▶ connect ──▶ wait for a ticket ──▶ send GET / ──▶ read the response ──┐   │
//!              ▲  │ failed        ▲                                             │   │
//!              │  ▼               └──────────── 200, keep-alive ────────────────┘   │
//!            backoff ◀── error, 503, reset, timeout (the connection is dropped) ◀───┘
//! ```
//!
//! In churn mode every ticket gets a fresh connection with `Connection: close`; its connect
//! time is part of the request, as it is for a browser without keep-alive.
//!
//! A *ticket* is the time a request is meant to be sent: in open loop, taken from the shared
//! [`Schedule`](super::schedule::Schedule); in closed loop, "now" (or an open-loop ticket
//! still queued when the pacing changed). Latency runs from the ticket to the full response.
//!
//! After a failure the connection waits [`RETRY_BACKOFF`] before it tries again, so a server
//! that refuses or resets is not hammered in a tight loop. A `200` with `Connection: close` is
//! not a failure: the connection reopens at once. Neither is a server closing a connection that
//! sat idle (an idle timeout): before reusing a connection idle for [`IDLE_CHECK_AFTER`], the
//! task checks whether the server has closed it, and reconnects if so, as HTTP client pools do.
//!
//! A task stops ("retires") when its [`Lease`] is dropped by the engine — only between
//! requests, never with one in flight, so every request it sent is counted to its end.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, timeout};

use super::http::{self, Response};
use super::report::{ConnectionMode, Pacing};
use super::schedule::Schedule;
use super::sources::{self, Sources};
use super::tally::{Failure, Tally};
use crate::metrics::GaugeGuard;

/// Wait after a failure before trying again: short beside a 1 s tick, long beside a refusal
/// (a few µs), so 1 000 connections to a refusing server make 10 000 attempts/s, not millions.
pub const RETRY_BACKOFF: Duration = Duration::from_millis(100);
/// Idle time after which a kept connection is checked before reuse. Servers' idle timeouts are
/// seconds or more, so a connection used within the last second is alive; checking costs a
/// `read` syscall, which busy connections are spared.
pub const IDLE_CHECK_AFTER: Duration = Duration::from_secs(1);

/// What every connection task shares with the engine.
#[derive(Debug)]
pub struct Shared {
    pub target: SocketAddr,
    pub timeout: Duration,
    pub schedule: Schedule,
    pub tally: Tally,
    pub sources: Sources,
    pub pacing: watch::Receiver<Pacing>,
    pub mode: watch::Receiver<ConnectionMode>,
    keep_alive_request: Box<[u8]>,
    churn_request: Box<[u8]>,
}

impl Shared {
    pub fn new(
        target: SocketAddr,
        timeout: Duration,
        pacing: watch::Receiver<Pacing>,
        mode: watch::Receiver<ConnectionMode>,
    ) -> Self {
        Shared {
            target,
            timeout,
            schedule: Schedule::default(),
            tally: Tally::default(),
            sources: Sources::new(target),
            pacing,
            mode,
            keep_alive_request: http::request(target, false),
            churn_request: http::request(target, true),
        }
    }
}

/// The task's permission to go on: it retires once the engine drops the matching sender.
#[derive(Debug)]
pub struct Lease(watch::Receiver<()>);

impl Lease {
    /// A lease, and the handle whose drop ends it.
    pub fn new() -> (watch::Sender<()>, Lease) {
        let (keep, lease) = watch::channel(());
        (keep, Lease(lease))
    }

    fn is_over(&self) -> bool {
        self.0.has_changed().is_err()
    }

    /// Completes when the lease is over (the engine never sends, it only drops).
    async fn ended(&mut self) {
        while self.0.changed().await.is_ok() {}
    }

    /// Sleeps for `pause`; returns `false` if the lease ended meanwhile.
    async fn sleep(&mut self, pause: Duration) -> bool {
        tokio::select! {
            () = self.ended() => false,
            () = tokio::time::sleep(pause) => true,
        }
    }
}

/// An open connection, counted in `connections_open` while it lives.
struct Open<'a> {
    stream: TcpStream,
    last_used: Instant,
    _counted: GaugeGuard<'a>,
}

impl Open<'_> {
    /// Whether the server closed this connection while it sat idle. Nothing is due from the
    /// server between requests, so any outcome but "no data yet" means the connection is over.
    fn closed_while_idle(&self) -> bool {
        if self.last_used.elapsed() < IDLE_CHECK_AFTER {
            return false;
        }
        let mut probe = [0u8; 1];
        !matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == ErrorKind::WouldBlock)
    }
}

/// Runs connection number `id` until its lease ends.
pub async fn run(id: u64, shared: Arc<Shared>, mut lease: Lease) {
    let shared = &*shared;
    let mut pacing = shared.pacing.clone();
    let mut kept: Option<Open<'_>> = None;
    let mut buf = Vec::new();
    let mut attempts: u64 = 0;
    loop {
        let keep_alive = *shared.mode.borrow() == ConnectionMode::KeepAlive;
        if keep_alive && kept.is_none() {
            // Keep-alive connections are opened before any ticket is due, as a pool is.
            attempts += 1;
            match connect(shared, id, attempts).await {
                Ok(open) => kept = Some(open),
                Err(failure) => {
                    shared.tally.fail(failure);
                    if lease.sleep(RETRY_BACKOFF).await {
                        continue;
                    }
                    return;
                }
            }
        }
        let Some(ticket) = next_ticket(shared, &mut pacing, &mut lease).await else {
            return;
        };
        // The mode may have changed while this task waited for the ticket.
        let result = if *shared.mode.borrow() == ConnectionMode::Churn {
            kept = None;
            attempts += 1;
            churn(shared, id, attempts, &mut buf).await
        } else {
            keep_alive_exchange(shared, id, &mut attempts, &mut kept, &mut buf).await
        };
        let failed = match result {
            Ok(Response { status: 200, .. }) => {
                shared.tally.complete(ticket);
                false
            }
            Ok(_) => {
                shared.tally.fail_requests(Failure::Http, 1);
                true
            }
            Err(failure) => {
                shared.tally.fail_requests(failure, 1);
                true
            }
        };
        if failed {
            kept = None;
            if !lease.sleep(RETRY_BACKOFF).await {
                return;
            }
        }
    }
}

/// The next request's intended send time, or `None` once the lease is over.
async fn next_ticket(
    shared: &Shared,
    pacing: &mut watch::Receiver<Pacing>,
    lease: &mut Lease,
) -> Option<Instant> {
    loop {
        if lease.is_over() {
            return None;
        }
        if *pacing.borrow_and_update() == Pacing::Closed {
            // Closed loop: the next request is due now — unless open-loop tickets are left.
            return Some(shared.schedule.try_take().unwrap_or_else(|| {
                shared.tally.offer(1);
                Instant::now()
            }));
        }
        tokio::select! {
            // Retiring wins over a waiting ticket: another connection will take it.
            biased;
            () = lease.ended() => return None,
            changed = pacing.changed() => {
                if changed.is_err() {
                    return None; // the engine is gone
                }
            }
            ticket = shared.schedule.take() => return Some(ticket),
        }
    }
}

/// Sends one request on the kept connection (opening it if the mode just changed) and reads
/// the answer; the connection is dropped if the server closes it or anything goes wrong.
async fn keep_alive_exchange<'a>(
    shared: &'a Shared,
    id: u64,
    attempts: &mut u64,
    kept: &mut Option<Open<'a>>,
    buf: &mut Vec<u8>,
) -> Result<Response, Failure> {
    if kept.as_ref().is_some_and(Open::closed_while_idle) {
        *kept = None;
    }
    let open = match kept {
        Some(open) => open,
        None => {
            *attempts += 1;
            kept.insert(connect(shared, id, *attempts).await?)
        }
    };
    let result = exchange(shared, &mut open.stream, &shared.keep_alive_request, buf).await;
    open.last_used = Instant::now();
    if !matches!(result, Ok(Response { close: false, .. })) {
        *kept = None;
    }
    result
}

/// One request on a connection of its own.
async fn churn(
    shared: &Shared,
    id: u64,
    attempt: u64,
    buf: &mut Vec<u8>,
) -> Result<Response, Failure> {
    let mut open = connect(shared, id, attempt).await?;
    exchange(shared, &mut open.stream, &shared.churn_request, buf).await
}

async fn connect<'a>(shared: &'a Shared, id: u64, attempt: u64) -> Result<Open<'a>, Failure> {
    let source = shared.sources.pick(id, attempt);
    let started = Instant::now();
    let stream = timeout(shared.timeout, sources::connect(shared.target, source))
        .await
        .map_err(|_| Failure::Timeout)?
        .map_err(|e| Failure::of(&e))?;
    shared.tally.connected(started.elapsed());
    Ok(Open {
        stream,
        last_used: Instant::now(),
        _counted: shared.tally.open.enter(),
    })
}

async fn exchange(
    shared: &Shared,
    stream: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> Result<Response, Failure> {
    timeout(shared.timeout, http::exchange(stream, request, buf))
        .await
        .map_err(|_| Failure::Timeout)?
        .map_err(|e| Failure::of(&e))
}
