//! What the event loop counts, for the dashboard's reactor panel.
//!
//! Like [`ServerStats`](instruments::metrics::ServerStats), these are plain atomics bumped with
//! `Relaxed` ordering by the loop thread and read once a second by the sampler: no counter
//! guards any other memory, so no stronger ordering is needed, and a bump costs a few
//! nanoseconds. The loop updates the gauges (`sources`, `timers`) once per poll cycle rather
//! than on every change, which is as fresh as a once-a-second sampler can see.
//!
//! The numbers tell the reactor's story:
//! - **polls** and **events per poll**: an idle loop polls rarely and gets 0 or 1 event each
//!   time; a busy one gets many events per poll, so the cost of the `epoll_wait` system call is
//!   shared by many connections. That is where an event loop's efficiency comes from.
//! - **time in poll vs in handlers**: time blocked in `epoll_wait` is the thread waiting with
//!   nothing to do; time in handlers is the thread working. When handlers approach 100%, the one
//!   thread is saturated, and every connection waits for it.
//! - **stale events**: events that arrived for a slot that was freed (and maybe reused) before
//!   they were dispatched; see [`token`](crate::token).
//!
//! The loop never touches these counters: its [`Recorder`](super::Recorder) does, from the
//! loop's reports.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use instruments::metrics::{Counter, Gauge};

/// How many buckets the events-per-poll histogram has.
pub const EVENT_BUCKETS: usize = 7;

/// The label of each bucket: how many events one poll returned.
pub const EVENT_BUCKET_LABELS: [&str; EVENT_BUCKETS] =
    ["0", "1", "2-3", "4-7", "8-15", "16-31", "32+"];

/// The bucket of a poll that returned `events` events: 0, 1, then powers of two.
pub fn event_bucket(events: usize) -> usize {
    if events == 0 {
        0
    } else {
        // 1 → 1, 2..=3 → 2, 4..=7 → 3, ... (the position of the highest set bit, plus one).
        ((usize::BITS - events.leading_zeros()) as usize).min(EVENT_BUCKETS - 1)
    }
}

/// The event loop's counters. One per server, shared by `Arc` with the sampler.
#[derive(Debug, Default)]
pub struct ReactorStats {
    /// Calls to `poll` (each one an `epoll_wait` system call).
    pub polls: Counter,
    /// Readiness events returned by all polls.
    pub events: Counter,
    /// How many polls returned 0, 1, 2–3, ... events ([`event_bucket`]).
    pub events_per_poll: [Counter; EVENT_BUCKETS],
    /// Nanoseconds spent blocked in `poll`.
    pub poll_nanos: Counter,
    /// Nanoseconds spent handling what polls returned (events, timers, resumed work).
    pub handler_nanos: Counter,
    /// Sources registered now (the listener and every open connection).
    pub sources: Gauge,
    /// Timers pending now.
    pub timers: Gauge,
    /// Wake events the loop received from other threads (pause, step, shutdown); several
    /// wakes before one poll arrive as one event.
    pub wakes: Counter,
    /// Events dropped because their token's slot had been freed or reused.
    pub stale_events: Counter,
    /// Writes that returned `WouldBlock`: a client is not reading its responses fast enough.
    pub blocked_writes: Counter,
    /// The most bytes any connection ever held waiting to be written: backpressure keeps it
    /// bounded.
    largest_write_buffer: AtomicU64,
}

impl ReactorStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one poll that returned `events` events after blocking for `blocked`.
    pub fn record_poll(&self, events: usize, blocked: Duration) {
        self.polls.incr();
        self.events.add(events as u64);
        self.events_per_poll[event_bucket(events)].incr();
        self.poll_nanos.add(nanos(blocked));
    }

    /// Records time spent in handlers.
    pub fn record_handling(&self, busy: Duration) {
        self.handler_nanos.add(nanos(busy));
    }

    /// Records that a connection holds `bytes` waiting to be written.
    pub fn record_write_buffer(&self, bytes: usize) {
        self.largest_write_buffer.fetch_max(bytes as u64, Relaxed);
    }

    /// The most bytes any connection has held waiting to be written.
    pub fn largest_write_buffer(&self) -> u64 {
        self.largest_write_buffer.load(Relaxed)
    }

    /// A copy of every counter at this instant.
    pub fn snapshot(&self) -> ReactorCounters {
        ReactorCounters {
            polls: self.polls.get(),
            events: self.events.get(),
            events_per_poll: std::array::from_fn(|i| self.events_per_poll[i].get()),
            poll_nanos: self.poll_nanos.get(),
            handler_nanos: self.handler_nanos.get(),
            sources: self.sources.get(),
            timers: self.timers.get(),
            wakes: self.wakes.get(),
            stale_events: self.stale_events.get(),
            blocked_writes: self.blocked_writes.get(),
            largest_write_buffer: self.largest_write_buffer(),
        }
    }
}

/// A duration in nanoseconds, saturating (u64 nanoseconds last 584 years).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// [`ReactorStats`] at one instant: counters as running totals, gauges as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReactorCounters {
    pub polls: u64,
    pub events: u64,
    pub events_per_poll: [u64; EVENT_BUCKETS],
    pub poll_nanos: u64,
    pub handler_nanos: u64,
    pub sources: u64,
    pub timers: u64,
    pub wakes: u64,
    pub stale_events: u64,
    pub blocked_writes: u64,
    pub largest_write_buffer: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_zero_one_then_powers_of_two() {
        let buckets: Vec<usize> = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 1000]
            .into_iter()
            .map(event_bucket)
            .collect();
        assert_eq!(buckets, vec![0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    }

    #[test]
    fn a_poll_is_counted_in_its_bucket() {
        let stats = ReactorStats::new();
        stats.record_poll(5, Duration::from_micros(3));
        stats.record_poll(0, Duration::from_micros(1));
        let snap = stats.snapshot();
        assert_eq!((snap.polls, snap.events, snap.poll_nanos), (2, 5, 4_000));
        assert_eq!(snap.events_per_poll, [1, 0, 0, 1, 0, 0, 0]);
    }
}
