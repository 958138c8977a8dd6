//! The executor panel's series as charts for slides (`export`): each worker's busy share,
//! its queue beside the shared injector, and the tasks it stole.

use instruments::export::{PartChart, series};
use instruments::plot::Series;
use instruments::sample::Sample;

use super::sample::{ExecutorSample, WorkerRow};

/// The charts `export` draws from a recorded run of part 4, beside the shared ones. A worker
/// that did not exist at some tick (the other runtime had fewer) has no point there.
pub fn charts(samples: &[Sample<ExecutorSample>]) -> Vec<PartChart> {
    let workers = samples
        .iter()
        .map(|s| s.part.workers.len())
        .max()
        .unwrap_or(0);
    let per_worker = |read: fn(&WorkerRow) -> Option<f64>| -> Vec<Series> {
        (0..workers)
            .map(|worker| {
                series(format!("worker {worker}"), samples, move |s| {
                    read(s.part.workers.get(worker)?)
                })
            })
            .collect()
    };
    let mut queues = per_worker(|w| w.queue_depth.map(|d| d as f64));
    queues.push(series("injector (shared)", samples, |s| {
        Some(s.part.injector_depth as f64)
    }));
    vec![
        PartChart {
            file: "executor-busy",
            title: "Workers: share of the tick at work (ours: not parked)",
            y_label: "% busy",
            series: per_worker(|w| Some(w.busy_percent)),
        },
        PartChart {
            file: "executor-queues",
            title: "Tasks waiting: each worker's queue and the injector",
            y_label: "tasks",
            series: queues,
        },
        PartChart {
            file: "executor-steals",
            title: "Tasks stolen per second, by the worker that stole them",
            y_label: "tasks/s",
            series: per_worker(|w| w.steals_per_s),
        },
    ]
}
