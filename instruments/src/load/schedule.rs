//! The open-loop schedule: when requests are due, shared by every connection.
//!
//! In an open loop the *clock* decides when a request is due, not the server. If requests were
//! only sent when a connection happened to be free, a slow server would slow down the clients,
//! fewer requests would be sent, and the ones that waited would never be timed: the server's
//! queue would hide itself ("coordinated omission"). So requests are tickets on a timetable:
//!
//! - the [`Pacer`] turns a rate into intended send times, `start + n / rate` for n = 0, 1, 2…;
//!   the engine asks it every millisecond or so which tickets have become due and issues them;
//! - the [`Schedule`] queues the issued tickets; any idle connection takes the oldest one (a pool
//!   of connections behind one queue, as a browser or a service client works);
//! - latency is measured from the ticket's intended time, so a request that waited for a free
//!   connection is charged for the wait.
//!
//! The queue is bounded by [`MAX_BACKLOG`]: a server that stops answering must not make the
//! client grow without end. A ticket that finds the queue full is dropped and reported as an
//! error.
//!
//! Invariant: the semaphore's permits never exceed the queue's length. `issue` pushes tickets
//! before adding their permits; `take` holds a permit (and forgets it) before popping.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

/// The most due-but-unsent requests kept: 16 MB of timestamps, over eight minutes of backlog at
/// 2 000 req/s. Past it, the server is so far behind that more queueing says nothing new.
pub const MAX_BACKLOG: usize = 1_000_000;

/// Due requests waiting for a connection, oldest first.
#[derive(Debug)]
pub struct Schedule {
    queue: Mutex<VecDeque<Instant>>,
    /// One permit per queued ticket: idle connections wait here, first come first served.
    tickets: Semaphore,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            queue: Mutex::new(VecDeque::new()),
            tickets: Semaphore::new(0),
        }
    }
}

impl Schedule {
    /// Queues `count` tickets whose intended times are `intended(0..count)`, as far as the
    /// backlog has room; returns how many were dropped for lack of it.
    pub fn issue(&self, count: u64, intended: impl Fn(u64) -> Instant) -> u64 {
        let mut queue = self.queue();
        let room = MAX_BACKLOG.saturating_sub(queue.len());
        let queued = usize::try_from(count).map_or(room, |count| count.min(room));
        // `queued` ≤ MAX_BACKLOG, so it fits in a u64.
        queue.extend((0..queued as u64).map(intended));
        drop(queue);
        self.tickets.add_permits(queued);
        count - queued as u64
    }

    /// Waits for the oldest due ticket and takes it. Cancel-safe: dropping the future before it
    /// completes takes nothing.
    pub async fn take(&self) -> Instant {
        let permit = self
            .tickets
            .acquire()
            .await
            .expect("the schedule never closes its semaphore");
        permit.forget();
        self.pop()
    }

    /// Takes the oldest due ticket if there is one.
    pub fn try_take(&self) -> Option<Instant> {
        let permit = self.tickets.try_acquire().ok()?;
        permit.forget();
        Some(self.pop())
    }

    fn pop(&self) -> Instant {
        self.queue()
            .pop_front()
            .expect("a permit stands for a queued ticket")
    }

    fn queue(&self) -> MutexGuard<'_, VecDeque<Instant>> {
        // Nothing panics while holding the lock; if something did, the queue is still a queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Turns a rate into a timetable: request n is due at `start + n / rate`.
///
/// A rate change starts a new pacer at that moment, so it takes effect at once; tickets already
/// issued keep their times.
#[derive(Debug, Clone)]
pub struct Pacer {
    rate: f64,
    start: Instant,
    issued: u64,
}

impl Pacer {
    /// `rate` is in requests per second, positive and finite (as `Pacing::Rate` guarantees).
    pub fn new(rate: f64, start: Instant) -> Self {
        Pacer {
            rate,
            start,
            issued: 0,
        }
    }

    /// The numbers of the requests that became due by `now` and were not issued yet; they count
    /// as issued from here on. The first request is due at `start` itself.
    pub fn take_due(&mut self, now: Instant) -> Range<u64> {
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        // Requests 0..=floor(elapsed × rate) have intended times ≤ now. (The cast saturates.)
        let due = (elapsed * self.rate).floor() as u64 + 1;
        let range = self.issued..due.max(self.issued);
        self.issued = range.end;
        range
    }

    /// When request `n` is meant to be sent.
    pub fn intended(&self, n: u64) -> Instant {
        // Saturating cast: n/rate is at most the time elapsed since `start`.
        let nanos = (n as f64 * 1e9 / self.rate) as u64;
        self.start + Duration::from_nanos(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spreads_requests_evenly() {
        let start = Instant::now();
        let mut pacer = Pacer::new(1000.0, start);
        assert_eq!(
            pacer.take_due(start),
            0..1,
            "the first request is due at once"
        );
        assert_eq!(pacer.take_due(start + Duration::from_micros(999)), 1..1);
        assert_eq!(pacer.take_due(start + Duration::from_millis(10)), 1..11);
        assert_eq!(pacer.intended(10), start + Duration::from_millis(10));
        // Asking again for an earlier moment issues nothing twice.
        assert_eq!(pacer.take_due(start + Duration::from_millis(5)), 11..11);
    }

    #[test]
    fn slow_rates_work() {
        let start = Instant::now();
        let mut pacer = Pacer::new(0.5, start);
        assert_eq!(pacer.take_due(start + Duration::from_secs(3)), 0..2);
        assert_eq!(pacer.intended(1), start + Duration::from_secs(2));
    }

    #[tokio::test]
    async fn tickets_come_out_oldest_first() {
        let schedule = Schedule::default();
        let start = Instant::now();
        let at = |n: u64| start + Duration::from_millis(n);
        assert_eq!(schedule.issue(3, at), 0);
        assert_eq!(schedule.take().await, at(0));
        assert_eq!(schedule.try_take(), Some(at(1)));
        assert_eq!(schedule.try_take(), Some(at(2)));
        assert_eq!(schedule.try_take(), None);
    }

    #[test]
    fn a_full_backlog_drops_the_excess() {
        let schedule = Schedule::default();
        let now = Instant::now();
        assert_eq!(schedule.issue(MAX_BACKLOG as u64 - 1, |_| now), 0);
        assert_eq!(schedule.issue(5, |_| now), 4, "one more fits");
        assert_eq!(schedule.issue(u64::MAX, |_| now), u64::MAX);
        assert!(schedule.try_take().is_some());
        assert_eq!(schedule.issue(1, |_| now), 0);
    }
}
