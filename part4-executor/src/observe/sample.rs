//! One tick of the executor panel, as a value: what part 4 adds to every
//! [`Sample`](instruments::sample::Sample).
//!
//! A runtime's metrics are running totals (polls since the start, busy time since the start)
//! and a few gauges (queue depths, tasks alive). [`ExecutorSampler`] is given the totals once
//! a tick and keeps the previous reading, so that [`ExecutorSample::between`] can turn two of
//! them into rates over the tick. A `--record`ed run replays the panel from these values alone.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Which runtime serves: ours (part 4's work-stealing executor) or Tokio's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    #[default]
    Ours,
    Tokio,
}

impl RuntimeKind {
    /// The other one: what the switch key changes to.
    pub fn other(self) -> RuntimeKind {
        match self {
            RuntimeKind::Ours => RuntimeKind::Tokio,
            RuntimeKind::Tokio => RuntimeKind::Ours,
        }
    }

    /// `ours` or `tokio`, as the flag spells it.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Ours => "ours",
            RuntimeKind::Tokio => "tokio",
        }
    }
}

/// One worker's totals at one moment. A figure the runtime does not give is `None` (Tokio's
/// unstable metrics without `--cfg tokio_unstable`; LIFO-slot hits, which Tokio does not count).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerCounters {
    /// Tasks polled.
    pub polls: Option<u64>,
    /// Tasks stolen from other workers.
    pub steals: Option<u64>,
    /// Steal operations (each takes a batch of tasks).
    pub steal_operations: Option<u64>,
    /// Times the worker went to sleep for want of work.
    pub parks: u64,
    /// Time spent working. Tokio counts running tasks (not searching, not parked); ours,
    /// everything but parked (searching included).
    pub busy: Duration,
    /// Tasks in its local queue now.
    pub queue_depth: Option<u64>,
    /// Tasks run from the LIFO slot.
    pub lifo_hits: Option<u64>,
}

/// A runtime's totals at one moment, whichever runtime it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeCounters {
    pub runtime: RuntimeKind,
    pub workers: Vec<WorkerCounters>,
    /// Tasks in the global queue (Tokio: the injection queue) now.
    pub injector_depth: u64,
    /// Tasks spawned and not yet finished.
    pub tasks_alive: u64,
}

/// One worker's row of the panel: its queue now, and its rates over the tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerRow {
    pub queue_depth: Option<u64>,
    pub polls_per_s: Option<f64>,
    /// Tasks stolen per second.
    pub steals_per_s: Option<f64>,
    pub steal_operations_per_s: Option<f64>,
    pub parks_per_s: f64,
    /// Share of the tick spent running tasks, in %.
    pub busy_percent: f64,
    pub lifo_hits_per_s: Option<f64>,
}

/// The executor's numbers for one tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutorSample {
    pub runtime: RuntimeKind,
    pub workers: Vec<WorkerRow>,
    pub injector_depth: u64,
    pub tasks_alive: u64,
    /// The last switch to this runtime failed (the other one serves on).
    pub switch_failed: Option<RuntimeKind>,
}

impl ExecutorSample {
    /// The sample for a tick of `seconds` between two readings of the same runtime. A worker
    /// missing from `before` (there was no reading yet) gets rates of zero.
    pub fn between(
        before: &RuntimeCounters,
        after: &RuntimeCounters,
        seconds: f64,
    ) -> ExecutorSample {
        let per_s = |a: u64, b: u64| {
            if seconds > 0.0 {
                b.saturating_sub(a) as f64 / seconds
            } else {
                0.0
            }
        };
        let rate = |a: Option<u64>, b: Option<u64>| Some(per_s(a.or(b)?, b?));
        let workers = after
            .workers
            .iter()
            .enumerate()
            .map(|(i, now)| {
                let then = before.workers.get(i).unwrap_or(now);
                let busy = now.busy.saturating_sub(then.busy).as_secs_f64();
                WorkerRow {
                    queue_depth: now.queue_depth,
                    polls_per_s: rate(then.polls, now.polls),
                    steals_per_s: rate(then.steals, now.steals),
                    steal_operations_per_s: rate(then.steal_operations, now.steal_operations),
                    parks_per_s: per_s(then.parks, now.parks),
                    busy_percent: if seconds > 0.0 {
                        (busy / seconds * 100.0).min(100.0)
                    } else {
                        0.0
                    },
                    lifo_hits_per_s: rate(then.lifo_hits, now.lifo_hits),
                }
            })
            .collect();
        ExecutorSample {
            runtime: after.runtime,
            workers,
            injector_depth: after.injector_depth,
            tasks_alive: after.tasks_alive,
            switch_failed: None,
        }
    }
}

/// Makes an [`ExecutorSample`] per tick from a runtime's totals, keeping the previous reading.
#[derive(Debug)]
pub struct ExecutorSampler {
    before: Mutex<(Instant, RuntimeCounters)>,
}

impl ExecutorSampler {
    /// A sampler whose first sample covers the time since now, when the totals were `first`.
    pub fn new(first: RuntimeCounters) -> ExecutorSampler {
        ExecutorSampler {
            before: Mutex::new((Instant::now(), first)),
        }
    }

    /// The sample for the time since the previous call (or since [`new`](Self::new)), the
    /// totals being `now`.
    pub fn sample(&self, now: RuntimeCounters) -> ExecutorSample {
        let at = Instant::now();
        let mut before = self.before.lock().unwrap_or_else(PoisonError::into_inner);
        let seconds = at.duration_since(before.0).as_secs_f64();
        let sample = ExecutorSample::between(&before.1, &now, seconds);
        *before = (at, now);
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(polls: u64, parks: u64, busy_ms: u64) -> WorkerCounters {
        WorkerCounters {
            polls: Some(polls),
            steals: Some(polls / 10),
            steal_operations: Some(polls / 100),
            parks,
            busy: Duration::from_millis(busy_ms),
            queue_depth: Some(polls % 7),
            lifo_hits: None,
        }
    }

    #[test]
    fn rates_come_from_the_difference_and_gauges_from_the_latest() {
        let before = RuntimeCounters {
            runtime: RuntimeKind::Tokio,
            workers: vec![worker(1_000, 10, 500), worker(0, 0, 0)],
            injector_depth: 9,
            tasks_alive: 100,
        };
        let after = RuntimeCounters {
            runtime: RuntimeKind::Tokio,
            workers: vec![worker(3_000, 30, 1_500), worker(2_000, 4, 2_000)],
            injector_depth: 3,
            tasks_alive: 101,
        };
        let sample = ExecutorSample::between(&before, &after, 2.0);
        assert_eq!(sample.runtime, RuntimeKind::Tokio);
        assert_eq!((sample.injector_depth, sample.tasks_alive), (3, 101));
        let [first, second] = &sample.workers[..] else {
            panic!("two workers: {:?}", sample.workers);
        };
        assert_eq!(first.polls_per_s, Some(1_000.0));
        assert_eq!(first.steals_per_s, Some(100.0));
        assert_eq!(first.steal_operations_per_s, Some(10.0));
        assert_eq!((first.parks_per_s, first.busy_percent), (10.0, 50.0));
        assert_eq!(first.queue_depth, Some(3_000 % 7));
        assert_eq!(
            first.lifo_hits_per_s, None,
            "a figure nobody gave stays unknown"
        );
        assert_eq!(
            second.busy_percent, 100.0,
            "busy is capped at the whole tick"
        );
    }

    #[test]
    fn a_worker_without_a_reading_before_has_no_rate_yet() {
        let after = RuntimeCounters {
            workers: vec![worker(5_000, 5, 100)],
            ..RuntimeCounters::default()
        };
        let sample = ExecutorSample::between(&RuntimeCounters::default(), &after, 1.0);
        assert_eq!(sample.workers[0].polls_per_s, Some(0.0));
        assert_eq!(sample.workers[0].parks_per_s, 0.0);
    }

    #[test]
    fn a_sample_survives_json() {
        let sample = ExecutorSample {
            runtime: RuntimeKind::Tokio,
            workers: vec![WorkerRow {
                queue_depth: Some(4),
                polls_per_s: Some(12.5),
                ..WorkerRow::default()
            }],
            injector_depth: 2,
            tasks_alive: 7,
            switch_failed: Some(RuntimeKind::Ours),
        };
        let text = serde_json::to_string(&sample).expect("serialise");
        assert!(text.contains(r#""runtime":"tokio""#), "{text}");
        assert_eq!(
            serde_json::from_str::<ExecutorSample>(&text).ok(),
            Some(sample)
        );
        // Recordings from an older version, missing fields, still load.
        assert!(serde_json::from_str::<ExecutorSample>("{}").is_ok());
    }
}
