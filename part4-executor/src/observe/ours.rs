//! Our runtime's metrics read into the panel's shape.
//!
//! Our workers keep the same counters as Tokio's, named after them, and publish them now and
//! then into a snapshot, [`RuntimeMetrics`]; this file only renames. Unlike Tokio, we also
//! count the tasks run from the LIFO slot.

use super::sample::{RuntimeCounters, RuntimeKind, WorkerCounters};
use crate::metrics::RuntimeMetrics;

/// Our runtime's totals, from its snapshot.
pub fn counters(metrics: &RuntimeMetrics) -> RuntimeCounters {
    RuntimeCounters {
        runtime: RuntimeKind::Ours,
        workers: metrics
            .workers
            .iter()
            .map(|worker| WorkerCounters {
                polls: Some(worker.polls),
                steals: Some(worker.steals),
                steal_operations: Some(worker.steal_ops),
                parks: worker.parks,
                busy: worker.busy,
                queue_depth: Some(worker.local_queue_depth as u64),
                lifo_hits: Some(worker.lifo_hits),
            })
            .collect(),
        injector_depth: metrics.injector_depth as u64,
        tasks_alive: metrics.tasks_alive as u64,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::metrics::WorkerMetrics;

    #[test]
    fn every_counter_is_carried_over() {
        let metrics = RuntimeMetrics {
            workers: vec![WorkerMetrics {
                polls: 10,
                steals: 4,
                steal_ops: 2,
                parks: 3,
                unparks: 3,
                busy: Duration::from_millis(7),
                local_queue_depth: 5,
                lifo_hits: 6,
            }],
            injector_depth: 8,
            tasks_alive: 9,
        };
        let counters = counters(&metrics);
        assert_eq!(counters.runtime, RuntimeKind::Ours);
        assert_eq!((counters.injector_depth, counters.tasks_alive), (8, 9));
        assert_eq!(
            counters.workers,
            vec![WorkerCounters {
                polls: Some(10),
                steals: Some(4),
                steal_operations: Some(2),
                parks: 3,
                busy: Duration::from_millis(7),
                queue_depth: Some(5),
                lifo_hits: Some(6),
            }]
        );
    }
}
