//! Watching the event loop: everything the dashboard needs, and nothing the loop needs.
//!
//! The mechanism (the rest of this crate) counts nothing. Each piece reports what it did as a
//! plain value — [`Polled`] from a poll, a [`Target`](crate::reactor::Target) from resolving an
//! event, [`Accepted`] from a round of accepts, a [`Did`] from a connection's handler — and
//! the loop hands each report to the one [`Recorder`]. The recorder turns them into:
//!
//! - the workshop's common counters ([`ServerStats`]: accepted, served, in flight, errors by
//!   kind, system calls), the same for every part;
//! - the reactor's own counters ([`stats`]: polls, events per poll, time in poll and in
//!   handlers, sources, timers, wakes, stale events, blocked writes);
//! - the [`event_log`]: one line per event handled, in words.
//!
//! Once a tick, the [`sample`] module reads them into a [`ReactorSample`](sample::ReactorSample)
//! and the [`panel`] draws it.
//!
//! ```text
//!   event loop ──reports──▶ Recorder ──▶ ServerStats, ReactorStats, EventLog
//!                                                  │ once a tick
//!                                                  ▼
//!                              ReactorSampler ─▶ ReactorSample ─▶ panel (and --record)
//! ```
//!
//! Every fact is recorded once, here: a `WouldBlock` read is one field of a report, which
//! becomes one counter bump and one clause of a log line.

pub mod charts;
pub mod event_log;
pub mod panel;
pub mod sample;
pub mod stats;

use std::sync::Arc;
use std::time::Instant;

use instruments::metrics::{COUNTING, ServerError, ServerStats};
use part1_threads::conn::frame_error_kind;

use crate::conn::{CloseReason, Did};
use crate::event_loop::{AcceptStop, Accepted, Trigger};
use crate::reactor::Polled;
use crate::token::Key;
use event_log::{Action, EventLog, LogEntry};
use stats::ReactorStats;

/// What the recorder writes into, shared with whoever reads it (the sampler, the tests).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The counters every server in the workshop keeps.
    pub server: Arc<ServerStats>,
    /// The event loop's own counters.
    pub reactor: Arc<ReactorStats>,
    /// The recent events the loop handled.
    pub log: Arc<EventLog>,
}

/// Turns the loop's reports into counters and log lines. Owned by the loop thread; see the
/// [module docs](self).
#[derive(Debug)]
pub struct Recorder {
    observed: Observed,
    /// Poll cycles so far (the event log's `poll` column).
    cycle: u64,
    /// When the current cycle's poll returned: the rest of the cycle is time in handlers.
    busy_since: Instant,
    /// The current cycle's log entries, published together when it ends.
    entries: Vec<LogEntry>,
}

impl Recorder {
    /// A recorder writing into `observed`.
    pub fn new(observed: Observed) -> Recorder {
        Recorder {
            observed,
            cycle: 0,
            busy_since: Instant::now(),
            entries: Vec::new(),
        }
    }

    /// A poll returned: a new cycle begins.
    pub fn polled(&mut self, polled: Polled) {
        self.observed
            .reactor
            .record_poll(polled.events, polled.blocked);
        self.observed.server.syscalls.polls.incr();
        self.cycle += 1;
        self.busy_since = Instant::now();
    }

    /// A wake event from another thread.
    pub fn woke(&mut self) {
        self.observed.reactor.wakes.incr();
        self.log(
            None,
            Trigger::Wake,
            Action::Note("another thread woke the loop"),
        );
    }

    /// An event for a slot freed (and perhaps reused) since the poll: dropped.
    pub fn stale(&mut self, key: Key, trigger: Trigger) {
        self.observed.reactor.stale_events.incr();
        self.log(
            Some(key),
            trigger,
            Action::Note("stale event (slot freed or reused): dropped"),
        );
    }

    /// The listener's round of accepts.
    pub fn accepted(&mut self, listener: Key, trigger: Trigger, accepted: Accepted) {
        let server = &self.observed.server;
        server
            .accepted
            .add(u64::from(accepted.opened + accepted.lost));
        for _ in 0..accepted.opened {
            server.active_connections.incr();
        }
        for _ in 0..accepted.lost {
            server.error(ServerError::Io);
        }
        if matches!(
            accepted.stopped,
            Some(AcceptStop::Failed | AcceptStop::OutOfDescriptors)
        ) {
            server.error(ServerError::AcceptFailed);
        }
        self.log(Some(listener), trigger, Action::Accepted(accepted));
    }

    /// A connection's handler ran (and perhaps closed it): `did` is its report.
    pub fn handled(&mut self, key: Key, trigger: Trigger, did: Did) {
        let server = &self.observed.server;
        let syscalls = &server.syscalls;
        syscalls.reads.add(u64::from(did.reads));
        syscalls
            .would_block_reads
            .add(u64::from(did.would_block_reads));
        syscalls.writes.add(u64::from(did.writes));
        for _ in 0..did.requests {
            server.in_flight.incr();
        }
        server.served.add(u64::from(did.served));
        for _ in 0..did.served + did.abandoned {
            server.in_flight.decr();
        }
        if let Some(error) = &did.rejected {
            server.error(frame_error_kind(error));
        }
        if let Some(reason) = did.closed {
            server.active_connections.decr();
            match reason {
                CloseReason::Truncated | CloseReason::IoError => server.error(ServerError::Io),
                CloseReason::Idle => server.error(ServerError::IdleTimeout),
                // A bad request was counted, by kind, when it was found (`rejected`).
                CloseReason::BadRequest(_)
                | CloseReason::Eof
                | CloseReason::ClientAsked
                | CloseReason::Shutdown => {}
            }
        }
        let reactor = &self.observed.reactor;
        if did.write_blocked {
            reactor.blocked_writes.incr();
        }
        reactor.record_write_buffer(did.most_buffered);
        self.log(Some(key), trigger, Action::Connection(did));
    }

    /// The cycle is over: counts the time since the poll returned as time in handlers, sets
    /// the gauges, publishes the cycle's log lines.
    pub fn cycle_done(&mut self, sources: usize, timers: usize) {
        self.observed
            .reactor
            .record_handling(self.busy_since.elapsed());
        self.publish(sources, timers);
    }

    /// The loop closed everything and left: the gauges and the log say so. (No handler time:
    /// the loop may have been paused since its last poll.)
    pub fn stopped(&mut self, sources: usize, timers: usize) {
        self.publish(sources, timers);
    }

    fn publish(&mut self, sources: usize, timers: usize) {
        let reactor = &self.observed.reactor;
        reactor.sources.set(sources as u64);
        reactor.timers.set(timers as u64);
        self.observed.log.publish(&mut self.entries);
    }

    fn log(&mut self, key: Option<Key>, trigger: Trigger, action: Action) {
        // A build that measures what counting costs (`uncounted`) keeps no log either.
        if !COUNTING {
            return;
        }
        self.entries.push(LogEntry {
            poll: self.cycle,
            key,
            trigger,
            action,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use part1_threads::http::FrameError;
    use std::time::Duration;

    fn recorder() -> (Recorder, Observed) {
        let observed = Observed::default();
        (Recorder::new(observed.clone()), observed)
    }

    #[test]
    fn each_report_is_counted_once_and_logged_once() {
        let (mut recorder, observed) = recorder();
        let key = Key::new(3, 1);
        recorder.polled(Polled {
            events: 2,
            blocked: Duration::from_millis(1),
        });
        recorder.accepted(
            Key::new(0, 0),
            Trigger::Readable,
            Accepted {
                opened: 1,
                lost: 0,
                stopped: None,
            },
        );
        recorder.handled(
            key,
            Trigger::Readable,
            Did {
                reads: 2,
                would_block_reads: 1,
                read_bytes: 36,
                writes: 1,
                wrote_bytes: 83,
                requests: 2,
                served: 1,
                ..Did::default()
            },
        );
        recorder.cycle_done(2, 1);

        let server = observed.server.snapshot();
        assert_eq!(
            (server.reads, server.would_block_reads, server.writes),
            (2, 1, 1)
        );
        assert_eq!((server.accepted, server.active_connections), (1, 1));
        assert_eq!((server.served, server.in_flight, server.polls), (1, 1, 1));
        let reactor = observed.reactor.snapshot();
        assert_eq!((reactor.polls, reactor.events), (1, 2));
        assert_eq!((reactor.sources, reactor.timers), (2, 1));
        let lines = observed.log.recent_lines(10);
        assert_eq!(lines.len(), 2, "one line per report: {lines:?}");
        assert_eq!(
            lines[1].did,
            "read 36 B, 2 requests, wrote 83 B, 1 WouldBlock read"
        );
    }

    #[test]
    fn a_close_gives_back_its_unanswered_requests_and_counts_its_error() {
        let (mut recorder, observed) = recorder();
        let key = Key::new(3, 1);
        recorder.accepted(
            Key::new(0, 0),
            Trigger::Readable,
            Accepted {
                opened: 1,
                lost: 0,
                stopped: None,
            },
        );
        recorder.handled(
            key,
            Trigger::Readable,
            Did {
                requests: 1,
                ..Did::default()
            },
        );
        recorder.handled(
            key,
            Trigger::Readable,
            Did {
                rejected: Some(FrameError::HeadTooLarge),
                ..Did::default()
            },
        );
        recorder.handled(
            key,
            Trigger::Writable,
            Did {
                closed: Some(CloseReason::IoError),
                abandoned: 1,
                ..Did::default()
            },
        );
        let server = &observed.server;
        assert_eq!(server.in_flight.get(), 0);
        assert_eq!(server.active_connections.get(), 0);
        assert_eq!(server.errors(ServerError::HeadTooLarge), 1);
        assert_eq!(server.errors(ServerError::Io), 1);
    }

    #[test]
    fn wakes_and_stale_events_are_counted_from_what_the_loop_resolved() {
        let (mut recorder, observed) = recorder();
        recorder.woke();
        recorder.stale(Key::new(5, 2), Trigger::Readable);
        recorder.stale(Key::new(6, 0), Trigger::Writable);
        recorder.cycle_done(1, 0);
        let reactor = observed.reactor.snapshot();
        assert_eq!((reactor.wakes, reactor.stale_events), (1, 2));
        let lines = observed.log.recent_lines(10);
        assert_eq!(lines[1].source, "#5.2");
        assert_eq!(lines[1].did, "stale event (slot freed or reused): dropped");
    }
}
