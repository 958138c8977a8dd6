//! What the workers did, counted so that counting costs them (almost) nothing.
//!
//! A counter shared by all workers would be a cache line that every poll writes: each write
//! takes the line away from the other cores, and the race against Tokio would measure our
//! metrics. So each worker counts in plain fields of its own ([`WorkerMetrics`], not shared),
//! and now and then — when it parks, and every [`EVENT_INTERVAL`](crate::worker::EVENT_INTERVAL)
//! tasks — *publishes* them: it stores them in its own `Published` slot, alone on its cache
//! lines. A reader ([`Runtime::metrics`](crate::Runtime::metrics)) loads every slot; it never
//! writes, so workers never wait for it.
//!
//! ```text
//!   worker 0: plain counters ──publish──▶ [slot 0]  ─┐
//!   worker 1: plain counters ──publish──▶ [slot 1]  ─┼──▶ metrics(): RuntimeMetrics (a copy)
//!   injector length, live tasks (read at that moment) ┘
//! ```
//!
//! The names follow Tokio's `RuntimeMetrics` (`tokio/src/runtime/metrics/runtime.rs`:
//! `worker_poll_count`, `worker_steal_count`, `worker_steal_operations`, `worker_park_count`,
//! `worker_park_unpark_count`, `worker_total_busy_duration`, `worker_local_queue_depth`,
//! `global_queue_depth`, `num_alive_tasks`), and so does the method: Tokio's workers count in
//! `tokio/src/runtime/metrics/batch.rs` and submit into atomics at park and maintenance time.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// One worker's counters, since the runtime started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerMetrics {
    /// Tasks polled.
    pub polls: u64,
    /// Tasks taken from other workers' queues.
    pub steals: u64,
    /// Successful steal operations (each takes a batch of tasks).
    pub steal_ops: u64,
    /// Times the worker went to sleep.
    pub parks: u64,
    /// Times it woke up.
    pub unparks: u64,
    /// Time spent awake (not parked).
    pub busy: Duration,
    /// Tasks in its local queue when it last published.
    pub local_queue_depth: usize,
    /// Tasks polled straight from its LIFO slot.
    pub lifo_hits: u64,
}

/// A snapshot of the whole runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeMetrics {
    /// One entry per worker, by index (`worker-0` first).
    pub workers: Vec<WorkerMetrics>,
    /// Tasks waiting in the injector (the global queue).
    pub injector_depth: usize,
    /// Tasks spawned and not yet complete.
    pub tasks_alive: usize,
}

impl RuntimeMetrics {
    /// How many workers the runtime has.
    pub fn num_workers(&self) -> usize {
        self.workers.len()
    }

    /// Every worker's counters added up (the queue depths too).
    pub fn total(&self) -> WorkerMetrics {
        self.workers
            .iter()
            .fold(WorkerMetrics::default(), |total, worker| WorkerMetrics {
                polls: total.polls + worker.polls,
                steals: total.steals + worker.steals,
                steal_ops: total.steal_ops + worker.steal_ops,
                parks: total.parks + worker.parks,
                unparks: total.unparks + worker.unparks,
                busy: total.busy + worker.busy,
                local_queue_depth: total.local_queue_depth + worker.local_queue_depth,
                lifo_hits: total.lifo_hits + worker.lifo_hits,
            })
    }
}

/// Bytes of alignment that keep two workers' slots off each other's cache lines: 128, since
/// modern x86 cores fetch lines in pairs and Apple's cores have 128-byte lines (Tokio's
/// `tokio/src/util/cacheline.rs` chooses the same).
const CACHE_LINE_PAIR: usize = 128;

/// Where one worker publishes its counters: written by that worker only, now and then; read by
/// anyone. Relaxed: each number stands alone, and a snapshot is allowed to mix two publications.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Published {
    polls: AtomicU64,
    steals: AtomicU64,
    steal_ops: AtomicU64,
    parks: AtomicU64,
    unparks: AtomicU64,
    busy_nanos: AtomicU64,
    local_queue_depth: AtomicU64,
    lifo_hits: AtomicU64,
}

const _: () = assert!(std::mem::align_of::<Published>() == CACHE_LINE_PAIR);

impl Published {
    pub(crate) fn store(&self, metrics: &WorkerMetrics) {
        self.polls.store(metrics.polls, Relaxed);
        self.steals.store(metrics.steals, Relaxed);
        self.steal_ops.store(metrics.steal_ops, Relaxed);
        self.parks.store(metrics.parks, Relaxed);
        self.unparks.store(metrics.unparks, Relaxed);
        let busy_nanos = u64::try_from(metrics.busy.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.store(busy_nanos, Relaxed);
        self.local_queue_depth
            .store(metrics.local_queue_depth as u64, Relaxed);
        self.lifo_hits.store(metrics.lifo_hits, Relaxed);
    }

    pub(crate) fn load(&self) -> WorkerMetrics {
        WorkerMetrics {
            polls: self.polls.load(Relaxed),
            steals: self.steals.load(Relaxed),
            steal_ops: self.steal_ops.load(Relaxed),
            parks: self.parks.load(Relaxed),
            unparks: self.unparks.load(Relaxed),
            busy: Duration::from_nanos(self.busy_nanos.load(Relaxed)),
            local_queue_depth: self.local_queue_depth.load(Relaxed) as usize,
            lifo_hits: self.lifo_hits.load(Relaxed),
        }
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use super::*;

    #[test]
    fn a_publication_reads_back_whole() {
        let metrics = WorkerMetrics {
            polls: 1,
            steals: 2,
            steal_ops: 3,
            parks: 4,
            unparks: 5,
            busy: Duration::from_micros(6),
            local_queue_depth: 7,
            lifo_hits: 8,
        };
        let published = Published::default();
        published.store(&metrics);
        assert_eq!(published.load(), metrics);
    }

    #[test]
    fn the_total_adds_every_worker() {
        let one = WorkerMetrics {
            polls: 3,
            busy: Duration::from_millis(2),
            ..WorkerMetrics::default()
        };
        let metrics = RuntimeMetrics {
            workers: vec![one, one],
            ..RuntimeMetrics::default()
        };
        assert_eq!(metrics.total().polls, 6);
        assert_eq!(metrics.total().busy, Duration::from_millis(4));
        assert_eq!(metrics.num_workers(), 2);
    }
}
