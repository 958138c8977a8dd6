//! What the runtime counts, for the dashboard's tasks & wakers panel.
//!
//! Like part 2's reactor counters, these are plain atomics bumped with `Relaxed` ordering by
//! the runtime's thread (and by any thread that wakes a task) and read once a second by the
//! sampler: no counter guards any other memory, so no stronger ordering is needed, and a bump
//! costs a few nanoseconds.
//!
//! The runtime reports each fact with one small call; the numbers tell the waker's story:
//! - **polls per wake**: about 1 when every wake leads to one useful poll. More than 1 means
//!   tasks are polled without being woken (a new task's first poll, or a runtime that polls
//!   blindly); fewer means several wakes arrived before one poll and were merged into it.
//! - **spurious polls**: woken, polled, still `Pending`, and no leaf future made progress
//!   (nothing read, written, accepted, no timer fired): a wake that was not needed cost a poll.
//!   A new task's first poll is not counted: `spawn` asked for it, not a wake.
//! - **wakes by cause**: who made the task runnable again — the driver (a socket became ready,
//!   a timer fired), the task itself (`yield_now`, a spent budget), another thread, another task.
//! - **waker clones and drops**: every future that stores a waker clones it, and every
//!   replaced or woken waker goes away again: over a run the two balance.
//! - **time in the driver vs in tasks**: asleep in `epoll_wait` is the thread with nothing to
//!   do; in tasks is the thread working. A task that blocks shows here: time in tasks near
//!   100% while the load's latency explodes.
//!
//! Tokio keeps similar counters per worker (`tokio/src/runtime/metrics/worker.rs`: polls,
//! busy time, queue depth, local schedules); the warnings are those of tokio-console, which
//! reads wakes, clones and drops from the trace events of `tokio/src/runtime/task/waker.rs`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use instruments::metrics::{Counter, Gauge};
use serde::{Deserialize, Serialize};

use super::journey::JourneyRecorder;
use crate::driver::Turned;

/// A poll longer than this blocked the thread: every other task on it waited that long. A
/// poll of this server's tasks takes microseconds, so 10 ms is past any doubt. (Blocking work
/// belongs on another thread: Tokio's `spawn_blocking`, `tokio/src/task/blocking.rs`.)
pub const BLOCKING_POLL: Duration = Duration::from_millis(10);

/// Why a task was woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WakeCause {
    /// The driver saw its socket become readable.
    ReadReady,
    /// The driver saw its socket become writable.
    WriteReady,
    /// The driver found its timer due.
    Timer,
    /// The task woke itself while being polled: `yield_now`, or a spent cooperative budget.
    SelfWake,
    /// A thread that does not run the runtime (a `spawn` from outside, a shutdown signal).
    OtherThread,
    /// Another task on the runtime's thread (a finished task waking its `JoinHandle`'s
    /// owner), or the runtime itself.
    OtherTask,
}

impl WakeCause {
    /// Every cause, in the order the panel lists them.
    pub const ALL: [WakeCause; WAKE_CAUSES] = [
        WakeCause::ReadReady,
        WakeCause::WriteReady,
        WakeCause::Timer,
        WakeCause::SelfWake,
        WakeCause::OtherThread,
        WakeCause::OtherTask,
    ];

    /// The cause's place in [`ALL`](Self::ALL), for per-cause arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How many [`WakeCause`]s there are.
pub const WAKE_CAUSES: usize = 6;

/// What one poll of a task did, as the runtime saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    /// The task returned `Pending`.
    pub pending: bool,
    /// `Pending`, and no leaf future made progress: the wake that led here was not needed.
    pub spurious: bool,
    /// `Pending`, not woken during the poll, and nobody but the task holds its waker: nothing
    /// can ever wake it again. A bug in a future (it returned `Pending` without storing the
    /// waker anywhere).
    pub lost_waker: bool,
    /// How long the poll ran.
    pub took: Duration,
}

impl PollReport {
    /// Whether the poll kept the thread longer than [`BLOCKING_POLL`].
    pub fn blocked_the_thread(&self) -> bool {
        self.took > BLOCKING_POLL
    }
}

/// The runtime's counters. One per runtime, shared by `Arc` with every counting waker and the
/// sampler.
#[derive(Debug, Default)]
pub struct RuntimeStats {
    spawned: Counter,
    completed: Counter,
    polls: Counter,
    pending_polls: Counter,
    spurious_polls: Counter,
    lost_wakers: Counter,
    blocking_polls: Counter,
    /// Nanoseconds spent polling tasks.
    task_nanos: Counter,
    wakes: [Counter; WAKE_CAUSES],
    waker_clones: Counter,
    waker_drops: Counter,
    /// Tasks found waking themselves in most of their polls (each counted once).
    self_waking_tasks: Counter,
    run_queue: Gauge,
    turns: Counter,
    events: Counter,
    /// Nanoseconds the driver slept in `poll`.
    driver_nanos: Counter,
    /// The longest poll since the last sample: how long the thread was stuck at worst.
    longest_poll_nanos: AtomicU64,
    /// The one request followed step by step.
    journeys: JourneyRecorder,
}

impl RuntimeStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// A task was spawned.
    pub fn spawned(&self) {
        self.spawned.incr();
    }

    /// A task finished (returned `Ready`, panicked, or was dropped unfinished).
    pub fn completed(&self) {
        self.completed.incr();
    }

    /// A task was polled.
    pub fn polled(&self, report: PollReport) {
        self.polls.incr();
        let nanos = nanos(report.took);
        self.task_nanos.add(nanos);
        self.longest_poll_nanos.fetch_max(nanos, Relaxed);
        if report.pending {
            self.pending_polls.incr();
        }
        if report.spurious {
            self.spurious_polls.incr();
        }
        if report.lost_waker {
            self.lost_wakers.incr();
        }
        if report.blocked_the_thread() {
            self.blocking_polls.incr();
        }
    }

    /// A task was woken, for `cause`.
    pub fn woken(&self, cause: WakeCause) {
        self.wakes[cause.index()].incr();
    }

    /// A waker was cloned (a future stored it to be woken later).
    pub fn waker_cloned(&self) {
        self.waker_clones.incr();
    }

    /// A waker went away: dropped, or consumed by a wake.
    pub fn waker_dropped(&self) {
        self.waker_drops.incr();
    }

    /// A task turned out to wake itself in most of its polls (called once per task).
    pub fn self_waking_task(&self) {
        self.self_waking_tasks.incr();
    }

    /// The run queue holds `depth` tasks now.
    pub fn run_queue(&self, depth: usize) {
        self.run_queue.set(depth as u64);
    }

    /// The driver made one turn.
    pub fn turned(&self, turned: &Turned) {
        self.turns.incr();
        self.events.add(turned.events as u64);
        self.driver_nanos.add(nanos(turned.blocked));
    }

    /// The request being followed, if any, and the last one followed to its end.
    pub fn journeys(&self) -> &JourneyRecorder {
        &self.journeys
    }

    /// A copy of every counter at this instant, and the start of a new period for the longest
    /// poll (so one sampler takes snapshots).
    pub fn snapshot(&self) -> RuntimeCounters {
        RuntimeCounters {
            spawned: self.spawned.get(),
            completed: self.completed.get(),
            polls: self.polls.get(),
            pending_polls: self.pending_polls.get(),
            spurious_polls: self.spurious_polls.get(),
            lost_wakers: self.lost_wakers.get(),
            blocking_polls: self.blocking_polls.get(),
            task_nanos: self.task_nanos.get(),
            wakes: std::array::from_fn(|i| self.wakes[i].get()),
            waker_clones: self.waker_clones.get(),
            waker_drops: self.waker_drops.get(),
            self_waking_tasks: self.self_waking_tasks.get(),
            run_queue: self.run_queue.get(),
            turns: self.turns.get(),
            events: self.events.get(),
            driver_nanos: self.driver_nanos.get(),
            longest_poll_nanos: self.longest_poll_nanos.swap(0, Relaxed),
        }
    }
}

/// A duration in nanoseconds, saturating (u64 nanoseconds last 584 years).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// [`RuntimeStats`] at one instant: counters as running totals, the gauge as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeCounters {
    pub spawned: u64,
    pub completed: u64,
    pub polls: u64,
    pub pending_polls: u64,
    pub spurious_polls: u64,
    pub lost_wakers: u64,
    pub blocking_polls: u64,
    pub task_nanos: u64,
    /// Wakes by cause, in [`WakeCause::ALL`] order.
    pub wakes: [u64; WAKE_CAUSES],
    pub waker_clones: u64,
    pub waker_drops: u64,
    pub self_waking_tasks: u64,
    pub run_queue: u64,
    pub turns: u64,
    pub events: u64,
    pub driver_nanos: u64,
    /// The longest poll since the previous snapshot (not a running total).
    pub longest_poll_nanos: u64,
}

impl RuntimeCounters {
    /// Tasks spawned and not finished.
    pub fn alive(&self) -> u64 {
        self.spawned.saturating_sub(self.completed)
    }

    /// Every wake, whatever its cause.
    pub fn all_wakes(&self) -> u64 {
        self.wakes.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_has_its_place() {
        for (i, cause) in WakeCause::ALL.into_iter().enumerate() {
            assert_eq!(cause.index(), i);
        }
    }

    #[test]
    fn a_poll_is_counted_under_everything_it_was() {
        let stats = RuntimeStats::new();
        stats.polled(PollReport {
            pending: true,
            spurious: true,
            lost_waker: false,
            took: Duration::from_micros(5),
        });
        stats.polled(PollReport {
            pending: true,
            spurious: false,
            lost_waker: true,
            took: BLOCKING_POLL + Duration::from_millis(1),
        });
        stats.polled(PollReport {
            took: BLOCKING_POLL,
            ..PollReport::default()
        });
        let snap = stats.snapshot();
        assert_eq!(
            (snap.polls, snap.pending_polls, snap.spurious_polls),
            (3, 2, 1)
        );
        assert_eq!((snap.lost_wakers, snap.blocking_polls), (1, 1));
        assert_eq!(snap.task_nanos, 5_000 + 11_000_000 + 10_000_000);
        assert_eq!(snap.longest_poll_nanos, 11_000_000);
        // The longest poll is per period: the next snapshot starts afresh.
        assert_eq!(stats.snapshot().longest_poll_nanos, 0);
    }

    #[test]
    fn tasks_wakes_and_turns_add_up() {
        let stats = RuntimeStats::new();
        for _ in 0..3 {
            stats.spawned();
        }
        stats.completed();
        stats.woken(WakeCause::Timer);
        stats.woken(WakeCause::Timer);
        stats.woken(WakeCause::SelfWake);
        stats.run_queue(7);
        stats.turned(&Turned {
            events: 4,
            blocked: Duration::from_millis(2),
            ..Turned::default()
        });
        let snap = stats.snapshot();
        assert_eq!(snap.alive(), 2);
        assert_eq!(snap.wakes, [0, 0, 2, 1, 0, 0]);
        assert_eq!(snap.all_wakes(), 3);
        assert_eq!((snap.run_queue, snap.turns, snap.events), (7, 1, 4));
        assert_eq!(snap.driver_nanos, 2_000_000);
    }
}
