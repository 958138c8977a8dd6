//! The tasks & wakers panel's series as charts for slides (`export`): what wakes the tasks,
//! how many there are, and where the thread's time goes.

use instruments::export::{PartChart, series};
use instruments::sample::Sample;

use super::panel::cause_label;
use super::sample::WakersSample;
use super::stats::WakeCause;

/// The charts `export` draws from a recorded run of part 3, beside the shared ones.
pub fn charts(samples: &[Sample<WakersSample>]) -> Vec<PartChart> {
    let mut polls_and_wakes = vec![series("polls", samples, |s| Some(s.part.polls_per_s))];
    polls_and_wakes.extend(WakeCause::ALL.iter().enumerate().map(|(index, &cause)| {
        series(
            format!("wakes: {}", cause_label(cause)),
            samples,
            move |s| Some(s.part.wakes_per_s[index]),
        )
    }));
    polls_and_wakes.push(series("spurious polls", samples, |s| {
        Some(s.part.spurious_per_s)
    }));
    vec![
        PartChart {
            file: "wakers-wakes",
            title: "Tasks: polls and wake-ups per second, by cause",
            y_label: "per second",
            series: polls_and_wakes,
        },
        PartChart {
            file: "wakers-tasks",
            title: "Tasks alive and waiting in the run queue",
            y_label: "tasks",
            series: vec![
                series("alive", samples, |s| Some(s.part.tasks_alive as f64)),
                series("in the run queue", samples, |s| {
                    Some(s.part.run_queue as f64)
                }),
            ],
        },
        PartChart {
            file: "wakers-time",
            title: "Runtime thread: where its time goes",
            y_label: "% of the tick",
            series: vec![
                series("in the driver (waiting)", samples, |s| {
                    Some(s.part.driver_percent)
                }),
                series("in tasks (working)", samples, |s| {
                    Some(s.part.tasks_percent)
                }),
            ],
        },
    ]
}
