//! One tick of the reactor panel, as a value: what part 2 adds to every
//! [`Sample`](instruments::sample::Sample).
//!
//! The demo's sampler calls [`ReactorSampler::sample`] once a tick. It turns the running totals
//! of [`ReactorStats`] into rates over the tick, and copies the latest lines of the event log
//! as text — so a `--record`ed run replays the panel exactly, without the server.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use instruments::sample::Interval;
use serde::{Deserialize, Serialize};

use super::event_log::{EventLog, LogLine};
use super::stats::{EVENT_BUCKETS, ReactorCounters, ReactorStats};
use crate::server::Server;
use crate::wake::{StepControl, StepState};

/// How many log lines each sample carries: more than the panel shows at 120×40.
pub const LOG_LINES: usize = 20;

/// The reactor's numbers for one tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReactorSample {
    pub polls_per_s: f64,
    pub events_per_s: f64,
    /// How many polls of this tick returned 0, 1, 2–3, ... events
    /// ([`EVENT_BUCKET_LABELS`](super::stats::EVENT_BUCKET_LABELS)).
    pub events_per_poll: [u64; EVENT_BUCKETS],
    /// Share of the tick the loop spent blocked in `poll`, in %.
    pub poll_percent: f64,
    /// Share of the tick the loop spent in handlers, in %. (The rest: paused, or between.)
    pub handler_percent: f64,
    /// Sources registered (the listener and every connection).
    pub sources: u64,
    pub timers: u64,
    pub wakes_per_s: f64,
    /// Stale events dropped since the start.
    pub stale_events: u64,
    /// Writes that found a client's socket full, per second.
    pub blocked_writes_per_s: f64,
    pub step: StepState,
    /// The latest event log lines, oldest first.
    pub log: Vec<LogLine>,
}

impl ReactorSample {
    /// The sample for a tick of `seconds` between two snapshots.
    pub fn between(
        before: &ReactorCounters,
        after: &ReactorCounters,
        seconds: f64,
        step: StepState,
        log: Vec<LogLine>,
    ) -> ReactorSample {
        let tick = Interval(seconds);
        let per_s = |a: u64, b: u64| tick.per_s(a, b);
        let percent_of_tick = |a: u64, b: u64| tick.percent(a, b);
        ReactorSample {
            polls_per_s: per_s(before.polls, after.polls),
            events_per_s: per_s(before.events, after.events),
            events_per_poll: std::array::from_fn(|i| {
                after.events_per_poll[i].saturating_sub(before.events_per_poll[i])
            }),
            poll_percent: percent_of_tick(before.poll_nanos, after.poll_nanos),
            handler_percent: percent_of_tick(before.handler_nanos, after.handler_nanos),
            sources: after.sources,
            timers: after.timers,
            wakes_per_s: per_s(before.wakes, after.wakes),
            stale_events: after.stale_events,
            blocked_writes_per_s: per_s(before.blocked_writes, after.blocked_writes),
            step,
            log,
        }
    }

    /// Mean events per poll over the tick.
    pub fn mean_events_per_poll(&self) -> f64 {
        if self.polls_per_s > 0.0 {
            self.events_per_s / self.polls_per_s
        } else {
            0.0
        }
    }
}

/// Makes a [`ReactorSample`] per tick from a running server's shared state.
#[derive(Debug)]
pub struct ReactorSampler {
    stats: Arc<ReactorStats>,
    log: Arc<EventLog>,
    control: Arc<StepControl>,
    before: Mutex<(Instant, ReactorCounters)>,
}

impl ReactorSampler {
    pub fn new(server: &Server) -> ReactorSampler {
        let stats = Arc::clone(server.reactor_stats());
        let before = Mutex::new((Instant::now(), stats.snapshot()));
        ReactorSampler {
            stats,
            log: Arc::clone(server.event_log()),
            control: Arc::clone(server.control()),
            before,
        }
    }

    /// The sample for the time since the previous call (or since [`new`](Self::new)).
    pub fn sample(&self) -> ReactorSample {
        let now = Instant::now();
        let after = self.stats.snapshot();
        let mut before = self.before.lock().unwrap_or_else(PoisonError::into_inner);
        let seconds = now.duration_since(before.0).as_secs_f64();
        let sample = ReactorSample::between(
            &before.1,
            &after,
            seconds,
            self.control.state(),
            self.log.recent_lines(LOG_LINES),
        );
        *before = (now, after);
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_shares_come_from_the_difference_of_two_snapshots() {
        let before = ReactorCounters {
            polls: 100,
            events: 300,
            events_per_poll: [10, 20, 30, 40, 0, 0, 0],
            poll_nanos: 0,
            handler_nanos: 0,
            wakes: 1,
            ..ReactorCounters::default()
        };
        let after = ReactorCounters {
            polls: 300,
            events: 1_300,
            events_per_poll: [10, 70, 130, 90, 0, 0, 0],
            poll_nanos: 1_200_000_000,
            handler_nanos: 500_000_000,
            sources: 11,
            timers: 10,
            wakes: 3,
            stale_events: 2,
            ..ReactorCounters::default()
        };
        let sample = ReactorSample::between(&before, &after, 2.0, StepState::default(), vec![]);
        assert_eq!(sample.polls_per_s, 100.0);
        assert_eq!(sample.events_per_s, 500.0);
        assert_eq!(sample.mean_events_per_poll(), 5.0);
        assert_eq!(sample.events_per_poll, [0, 50, 100, 50, 0, 0, 0]);
        assert_eq!((sample.poll_percent, sample.handler_percent), (60.0, 25.0));
        assert_eq!(
            (sample.sources, sample.timers, sample.stale_events),
            (11, 10, 2)
        );
        assert_eq!(sample.wakes_per_s, 1.0);
    }

    #[test]
    fn a_sample_survives_json() {
        let sample = ReactorSample {
            polls_per_s: 12.5,
            log: vec![LogLine {
                poll: 1,
                source: "#0.0".into(),
                event: "readable".into(),
                did: "accepted 1".into(),
            }],
            ..ReactorSample::default()
        };
        let text = serde_json::to_string(&sample).expect("serialise");
        assert_eq!(
            serde_json::from_str::<ReactorSample>(&text).ok(),
            Some(sample)
        );
        // Recordings from an older version, missing fields, still load.
        assert!(serde_json::from_str::<ReactorSample>("{}").is_ok());
    }
}
