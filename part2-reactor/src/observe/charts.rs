//! The reactor panel's series as charts for slides (`export`): how often the loop polls and
//! how much each poll brings back, and where its time goes.

use instruments::export::{PartChart, series};
use instruments::sample::Sample;

use super::sample::ReactorSample;

/// The charts `export` draws from a recorded run of part 2, beside the shared ones.
pub fn charts(samples: &[Sample<ReactorSample>]) -> Vec<PartChart> {
    vec![
        PartChart {
            file: "reactor-polls",
            title: "Reactor: polls, events and wake-ups per second",
            y_label: "per second",
            series: vec![
                series("polls", samples, |s| Some(s.part.polls_per_s)),
                series("events", samples, |s| Some(s.part.events_per_s)),
                series("wake-ups from other threads", samples, |s| {
                    Some(s.part.wakes_per_s)
                }),
            ],
        },
        PartChart {
            file: "reactor-events-per-poll",
            title: "Reactor: events per poll",
            y_label: "events per poll",
            series: vec![series("events per poll", samples, |s| {
                (s.part.polls_per_s > 0.0).then(|| s.part.events_per_s / s.part.polls_per_s)
            })],
        },
        PartChart {
            file: "reactor-time",
            title: "Reactor: where the loop's time goes",
            y_label: "% of the tick",
            series: vec![
                series("in poll (waiting)", samples, |s| Some(s.part.poll_percent)),
                series("in handlers (working)", samples, |s| {
                    Some(s.part.handler_percent)
                }),
            ],
        },
    ]
}
