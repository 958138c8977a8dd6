//! Tokio's `RuntimeMetrics` read into the panel's shape.
//!
//! Tokio's stable metrics give, per worker, the park count and the busy time, and for the
//! runtime the workers, the tasks alive and the global (injection) queue's depth
//! (`tokio/src/runtime/metrics/runtime.rs`). Polls, steals and each local queue's depth are
//! unstable: they exist only under `--cfg tokio_unstable`, which this workspace sets in
//! `.cargo/config.toml`. Built without it (an explicit `RUSTFLAGS` replaces that setting), the
//! panel shows those columns as unknown rather than as zero.

use tokio::runtime::RuntimeMetrics;

use super::sample::{RuntimeCounters, RuntimeKind, WorkerCounters};

/// Whether Tokio's per-worker polls, steals and queue depths are available in this build.
pub const UNSTABLE_METRICS: bool = cfg!(tokio_unstable);

/// Tokio's totals now.
pub fn counters(metrics: &RuntimeMetrics) -> RuntimeCounters {
    RuntimeCounters {
        runtime: RuntimeKind::Tokio,
        workers: (0..metrics.num_workers())
            .map(|worker| worker_counters(metrics, worker))
            .collect(),
        injector_depth: metrics.global_queue_depth() as u64,
        tasks_alive: metrics.num_alive_tasks() as u64,
    }
}

#[cfg(tokio_unstable)]
fn worker_counters(metrics: &RuntimeMetrics, worker: usize) -> WorkerCounters {
    WorkerCounters {
        polls: Some(metrics.worker_poll_count(worker)),
        steals: Some(metrics.worker_steal_count(worker)),
        steal_operations: Some(metrics.worker_steal_operations(worker)),
        queue_depth: Some(metrics.worker_local_queue_depth(worker) as u64),
        ..stable_worker_counters(metrics, worker)
    }
}

#[cfg(not(tokio_unstable))]
fn worker_counters(metrics: &RuntimeMetrics, worker: usize) -> WorkerCounters {
    stable_worker_counters(metrics, worker)
}

fn stable_worker_counters(metrics: &RuntimeMetrics, worker: usize) -> WorkerCounters {
    WorkerCounters {
        parks: metrics.worker_park_count(worker),
        busy: metrics.worker_total_busy_duration(worker),
        ..WorkerCounters::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_is_read_worker_by_worker() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(3)
            .build()
            .expect("a runtime");
        let ran = runtime.block_on(async { tokio::spawn(async { 7 }).await });
        assert_eq!(ran.ok(), Some(7));
        // The output reaches the handle a moment before the task leaves Tokio's list.
        instruments::testing::eventually("the finished task is not counted alive", || {
            counters(&runtime.metrics()).tasks_alive == 0
        });
        let counters = counters(&runtime.metrics());
        assert_eq!(counters.runtime, RuntimeKind::Tokio);
        assert_eq!(counters.workers.len(), 3);
        let polls: Option<u64> = counters.workers.iter().map(|w| w.polls).sum();
        if UNSTABLE_METRICS {
            // Workers publish their counts when they park; the spawned task was polled by
            // one of them (block_on polled only its own future).
            assert!(polls.is_some());
        } else {
            assert_eq!(polls, None, "unknown, not zero");
        }
    }
}
