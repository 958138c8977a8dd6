//! One tick of the tasks & wakers panel, as a value: what part 3 adds to every
//! [`Sample`](instruments::sample::Sample).
//!
//! The demo's sampler calls [`WakersSampler::sample`] once a tick. It turns the running totals
//! of [`RuntimeStats`] into rates and shares over the tick, and carries the latest journey, so
//! that a `--record`ed run replays the panel exactly, without the server.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use instruments::sample::Interval;
use serde::{Deserialize, Serialize};

use super::blocking::BlockingSwitch;
use super::journey::Journey;
use super::stats::{RuntimeCounters, RuntimeStats, WAKE_CAUSES, WakeCause};

/// A warning's count: since the start, and how many of those are new this tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Warning {
    pub total: u64,
    pub new: u64,
}

impl Warning {
    fn between(before: u64, after: u64) -> Warning {
        Warning {
            total: after,
            new: after.saturating_sub(before),
        }
    }
}

/// The runtime's warnings, after tokio-console's lints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Warnings {
    /// Tasks that woke themselves in most of their polls.
    pub self_waking_tasks: Warning,
    /// `Pending` polls after which nothing could wake the task again.
    pub lost_wakers: Warning,
    /// Polls longer than [`BLOCKING_POLL`](super::stats::BLOCKING_POLL).
    pub blocking_polls: Warning,
}

/// The runtime's numbers for one tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WakersSample {
    /// Tasks spawned and not finished.
    pub tasks_alive: u64,
    /// Tasks spawned since the start.
    pub tasks_spawned: u64,
    /// Tasks finished since the start.
    pub tasks_done: u64,
    pub polls_per_s: f64,
    /// Wakes per second, by cause, in [`WakeCause::ALL`] order.
    pub wakes_per_s: [f64; WAKE_CAUSES],
    /// Polls that returned `Pending` without progress, per second.
    pub spurious_per_s: f64,
    pub waker_clones_per_s: f64,
    pub waker_drops_per_s: f64,
    /// Tasks waiting in the run queue at the end of the tick.
    pub run_queue: u64,
    /// Share of the tick the thread slept in the driver's `poll`, in %.
    pub driver_percent: f64,
    /// Share of the tick spent polling tasks, in %. (The rest: the executor between the two;
    /// the two shares add up to at most 100, see `shares_of_tick`.)
    pub tasks_percent: f64,
    /// The longest poll of the tick, in µs: how long every other task waited at worst.
    pub longest_poll_us: u64,
    pub warnings: Warnings,
    /// The latest request followed step by step.
    pub journey: Option<Journey>,
    /// Whether blocking mode is on (every request blocks the thread).
    pub blocking: bool,
}

impl WakersSample {
    /// The sample for a tick of `seconds` between two snapshots.
    pub fn between(
        before: &RuntimeCounters,
        after: &RuntimeCounters,
        seconds: f64,
        journey: Option<Journey>,
        blocking: bool,
    ) -> WakersSample {
        let tick = Interval(seconds);
        let per_s = |a: u64, b: u64| tick.per_s(a, b);
        let (driver_percent, tasks_percent) = shares_of_tick(
            tick.percent(before.driver_nanos, after.driver_nanos),
            tick.percent(before.task_nanos, after.task_nanos),
        );
        WakersSample {
            tasks_alive: after.alive(),
            tasks_spawned: after.spawned,
            tasks_done: after.completed,
            polls_per_s: per_s(before.polls, after.polls),
            wakes_per_s: std::array::from_fn(|i| per_s(before.wakes[i], after.wakes[i])),
            spurious_per_s: per_s(before.spurious_polls, after.spurious_polls),
            waker_clones_per_s: per_s(before.waker_clones, after.waker_clones),
            waker_drops_per_s: per_s(before.waker_drops, after.waker_drops),
            run_queue: after.run_queue,
            driver_percent,
            tasks_percent,
            longest_poll_us: after.longest_poll_nanos / 1_000,
            warnings: Warnings {
                self_waking_tasks: Warning::between(
                    before.self_waking_tasks,
                    after.self_waking_tasks,
                ),
                lost_wakers: Warning::between(before.lost_wakers, after.lost_wakers),
                blocking_polls: Warning::between(before.blocking_polls, after.blocking_polls),
            },
            journey,
            blocking,
        }
    }

    /// Wakes per second for one cause.
    pub fn wakes_for(&self, cause: WakeCause) -> f64 {
        self.wakes_per_s[cause.index()]
    }

    /// Wakes per second, all causes.
    pub fn wakes_total_per_s(&self) -> f64 {
        self.wakes_per_s.iter().sum()
    }

    /// Polls per wake over the tick; `None` without wakes.
    pub fn polls_per_wake(&self) -> Option<f64> {
        let wakes = self.wakes_total_per_s();
        (wakes > 0.0).then(|| self.polls_per_s / wakes)
    }

    /// Share of polls that were spurious, in %; `None` without polls.
    pub fn spurious_percent(&self) -> Option<f64> {
        (self.polls_per_s > 0.0).then(|| self.spurious_per_s / self.polls_per_s * 100.0)
    }
}

/// The driver's and the tasks' shares of a tick, scaled down together when they add up to
/// more than the whole tick. They can: a turn of the driver or a poll is counted in the tick in
/// which it ends, so one that began in the previous tick brings some of that tick's time along.
/// The thread cannot be in both at once, so the two shares never exceed 100 % together.
fn shares_of_tick(driver_percent: f64, tasks_percent: f64) -> (f64, f64) {
    let sum = driver_percent + tasks_percent;
    if sum > 100.0 {
        (driver_percent * 100.0 / sum, tasks_percent * 100.0 / sum)
    } else {
        (driver_percent, tasks_percent)
    }
}

/// Makes a [`WakersSample`] per tick from a running runtime's shared state.
#[derive(Debug)]
pub struct WakersSampler {
    stats: Arc<RuntimeStats>,
    blocking: BlockingSwitch,
    state: Mutex<Previous>,
}

/// What the previous tick left: when it was, the counters then, the latest journey.
#[derive(Debug)]
struct Previous {
    at: Instant,
    counters: RuntimeCounters,
    journey: Option<Journey>,
}

impl WakersSampler {
    pub fn new(stats: Arc<RuntimeStats>, blocking: BlockingSwitch) -> WakersSampler {
        let state = Mutex::new(Previous {
            at: Instant::now(),
            counters: stats.snapshot(),
            journey: None,
        });
        WakersSampler {
            stats,
            blocking,
            state,
        }
    }

    /// The sample for the time since the previous call (or since [`new`](Self::new)).
    pub fn sample(&self) -> WakersSample {
        let now = Instant::now();
        let after = self.stats.snapshot();
        let mut previous = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(journey) = self.stats.journeys().take(now) {
            previous.journey = Some(journey);
        }
        let seconds = now.duration_since(previous.at).as_secs_f64();
        let sample = WakersSample::between(
            &previous.counters,
            &after,
            seconds,
            previous.journey.clone(),
            self.blocking.is_on(),
        );
        previous.at = now;
        previous.counters = after;
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::journey::{JourneyStep, Step};

    #[test]
    fn rates_and_shares_come_from_the_difference_of_two_snapshots() {
        let before = RuntimeCounters {
            spawned: 10,
            completed: 2,
            polls: 100,
            wakes: [40, 0, 40, 10, 0, 0],
            spurious_polls: 5,
            waker_clones: 50,
            waker_drops: 40,
            lost_wakers: 1,
            ..RuntimeCounters::default()
        };
        let after = RuntimeCounters {
            spawned: 20,
            completed: 8,
            polls: 300,
            wakes: [140, 0, 120, 10, 2, 0],
            spurious_polls: 25,
            waker_clones: 250,
            waker_drops: 240,
            lost_wakers: 1,
            blocking_polls: 3,
            self_waking_tasks: 1,
            run_queue: 4,
            driver_nanos: 1_200_000_000,
            task_nanos: 500_000_000,
            longest_poll_nanos: 21_000_000,
            ..RuntimeCounters::default()
        };
        let sample = WakersSample::between(&before, &after, 2.0, None, true);
        assert_eq!(
            (sample.tasks_alive, sample.tasks_spawned, sample.tasks_done),
            (12, 20, 8)
        );
        assert_eq!(sample.polls_per_s, 100.0);
        assert_eq!(sample.wakes_per_s, [50.0, 0.0, 40.0, 0.0, 1.0, 0.0]);
        assert_eq!(sample.wakes_for(WakeCause::Timer), 40.0);
        assert_eq!(sample.wakes_total_per_s(), 91.0);
        assert_eq!(sample.polls_per_wake(), Some(100.0 / 91.0));
        assert_eq!(sample.spurious_per_s, 10.0);
        assert_eq!(sample.spurious_percent(), Some(10.0));
        assert_eq!(
            (sample.waker_clones_per_s, sample.waker_drops_per_s),
            (100.0, 100.0)
        );
        assert_eq!((sample.driver_percent, sample.tasks_percent), (60.0, 25.0));
        assert_eq!((sample.run_queue, sample.longest_poll_us), (4, 21_000));
        assert_eq!(sample.warnings.lost_wakers, Warning { total: 1, new: 0 });
        assert_eq!(sample.warnings.blocking_polls, Warning { total: 3, new: 3 });
        assert_eq!(sample.warnings.self_waking_tasks.new, 1);
        assert!(sample.blocking);
    }

    #[test]
    fn the_driver_s_and_the_tasks_shares_never_exceed_the_tick_together() {
        let before = RuntimeCounters::default();
        // A turn of the driver that began in the previous tick ends in this one: its whole
        // time (984 ms) and this tick's polls (27 ms) are more than the 1 s tick.
        let after = RuntimeCounters {
            driver_nanos: 984_000_000,
            task_nanos: 27_000_000,
            ..RuntimeCounters::default()
        };
        let sample = WakersSample::between(&before, &after, 1.0, None, false);
        let total = sample.driver_percent + sample.tasks_percent;
        assert!(
            (total - 100.0).abs() < 1e-9,
            "98.4 % + 2.7 % is scaled down to 100 % in all, got {total}"
        );
        assert!(
            sample.driver_percent > sample.tasks_percent,
            "scaling keeps the proportion between the two: {} vs {}",
            sample.driver_percent,
            sample.tasks_percent
        );
        assert_eq!(
            shares_of_tick(60.0, 25.0),
            (60.0, 25.0),
            "shares that fit in the tick are left as they are"
        );
    }

    #[test]
    fn an_idle_tick_divides_by_nothing() {
        let idle = WakersSample::between(
            &RuntimeCounters::default(),
            &RuntimeCounters::default(),
            0.0,
            None,
            false,
        );
        assert_eq!(idle.polls_per_wake(), None);
        assert_eq!(idle.spurious_percent(), None);
        assert_eq!((idle.polls_per_s, idle.driver_percent), (0.0, 0.0));
    }

    #[test]
    fn the_sampler_keeps_the_latest_journey_until_a_newer_one_ends() {
        let stats = Arc::new(RuntimeStats::new());
        let sampler = WakersSampler::new(Arc::clone(&stats), BlockingSwitch::default());
        assert_eq!(sampler.sample().journey, None);
        let t0 = Instant::now();
        let id = stats
            .journeys()
            .try_start(t0, Step::Woken(WakeCause::ReadReady))
            .expect("wanted");
        stats.journeys().record(id, t0, Step::Wrote(83));
        let journey = sampler.sample().journey.expect("the journey that ended");
        assert_eq!(
            journey.steps.last(),
            Some(&JourneyStep {
                at_us: 0,
                step: Step::Wrote(83)
            })
        );
        assert_eq!(sampler.sample().journey, Some(journey), "kept");
    }

    #[test]
    fn a_sample_survives_json() {
        let sample = WakersSample {
            polls_per_s: 12.5,
            wakes_per_s: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            journey: Some(Journey::default()),
            blocking: true,
            ..WakersSample::default()
        };
        let text = serde_json::to_string(&sample).expect("serialise");
        assert_eq!(
            serde_json::from_str::<WakersSample>(&text).ok(),
            Some(sample)
        );
        // Recordings from an older version, missing fields, still load.
        assert!(serde_json::from_str::<WakersSample>("{}").is_ok());
    }
}
