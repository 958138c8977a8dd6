//! One request, followed step by step: where its microseconds go.
//!
//! Counters say how often things happen; a journey says in what order, and how long each
//! wait lasts. Once per sample the runtime follows one request from the event that brought
//! it to the write that answered it:
//!
//! ```text
//!        +0 µs  readable → wake         the driver saw the request arrive
//!        +6 µs  polled                  6 µs in the run queue
//!       +19 µs  read 78 B
//!       +19 µs  Pending on its timer    io_ms: the task sleeps, the thread serves others
//!   +50 122 µs  timer fired → wake
//!   +50 130 µs  polled
//!   +50 141 µs  wrote 83 B              the journey ends here
//! ```
//!
//! Following costs only the followed task anything: the recorder is wanted (an atomic says
//! so) until a task's counting waker is woken by a readable socket and claims the journey;
//! from then on that one task's waker and polls add steps (behind a lock nobody else takes),
//! until its poll writes, it finishes, or [`MAX_STEPS`] are recorded. The sampler takes the
//! finished journey and wants the next one — so at most one journey a tick is recorded.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::progress::{Progress, Wait};
use super::stats::WakeCause;

/// A journey is cut short after this many steps (a task that never writes).
pub const MAX_STEPS: usize = 16;

/// A journey still unfinished after this long is given up at the next sample (a client that
/// went quiet), so that another can be followed.
pub const MAX_JOURNEY: Duration = Duration::from_secs(5);

/// Which journey a task's steps belong to; each journey gets a new one.
pub type JourneyId = u64;

/// `current` when a journey is wanted: the next readable wake claims it.
const WANTED: JourneyId = 0;
/// `current` when the last journey is finished and not taken yet: nothing is recorded.
const RESTING: JourneyId = u64::MAX;

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The task was woken.
    Woken(WakeCause),
    /// The executor began to poll it.
    Polled,
    /// Its reads during that poll returned this many bytes (0: the client closed).
    Read(u64),
    /// Its writes during that poll sent this many bytes.
    Wrote(u64),
    /// The poll returned `Pending`, the task waiting for this (`None`: not said).
    Pending(Option<Wait>),
    /// The poll returned `Ready`: the task is done.
    Finished,
    /// The task was dropped before it finished.
    Dropped,
    /// The recorder stopped following: too many steps, or too long.
    GaveUp,
}

impl Step {
    /// Whether the journey ends with this step.
    fn ends(&self) -> bool {
        matches!(
            self,
            Step::Wrote(_) | Step::Finished | Step::Dropped | Step::GaveUp
        )
    }
}

/// A step and when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyStep {
    /// Microseconds since the journey's first step.
    pub at_us: u64,
    pub step: Step,
}

/// A followed request's steps, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Journey {
    pub steps: Vec<JourneyStep>,
}

/// The steps of a poll's end, from what its leaf futures reported.
pub fn poll_outcome(progress: &Progress, pending: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if progress.reads > 0 {
        steps.push(Step::Read(progress.read));
    }
    if progress.wrote > 0 {
        steps.push(Step::Wrote(progress.wrote));
    } else if pending {
        steps.push(Step::Pending(progress.waits));
    } else {
        steps.push(Step::Finished);
    }
    steps
}

/// Follows one task at a time. See the [module docs](self).
#[derive(Debug, Default)]
pub struct JourneyRecorder {
    /// [`WANTED`], [`RESTING`], or the id of the journey being followed.
    current: AtomicU64,
    /// The last id handed out.
    last_id: AtomicU64,
    state: Mutex<Following>,
}

#[derive(Debug, Default)]
struct Following {
    /// The journey being recorded: its id, when it began, its steps.
    open: Option<(JourneyId, Instant, Journey)>,
    /// The last journey that ended, not yet taken by the sampler.
    ended: Option<Journey>,
}

impl JourneyRecorder {
    /// Starts following, at `at`, the task whose first step is `first`, if a journey is
    /// wanted. The task keeps the returned id and gives it with each later step.
    pub fn try_start(&self, at: Instant, first: Step) -> Option<JourneyId> {
        if self.current.load(Relaxed) != WANTED {
            return None;
        }
        let mut state = self.lock();
        // Another task may have claimed it since the look above.
        if self.current.load(Relaxed) != WANTED {
            return None;
        }
        let id = self.last_id.fetch_add(1, Relaxed) + 1;
        self.current.store(id, Relaxed);
        let mut journey = Journey::default();
        journey.steps.push(JourneyStep {
            at_us: 0,
            step: first,
        });
        state.open = Some((id, at, journey));
        Some(id)
    }

    /// Whether journey `id` is still followed: a task with an older id stops recording.
    pub fn follows(&self, id: JourneyId) -> bool {
        self.current.load(Relaxed) == id
    }

    /// Adds `step`, which happened at `at`, to journey `id`. Returns whether the journey goes
    /// on (false: it ended, or is no longer followed).
    pub fn record(&self, id: JourneyId, at: Instant, step: Step) -> bool {
        if !self.follows(id) {
            return false;
        }
        let mut state = self.lock();
        let Some((open_id, started, journey)) = &mut state.open else {
            return false;
        };
        if *open_id != id {
            return false;
        }
        let at_us =
            u64::try_from(at.saturating_duration_since(*started).as_micros()).unwrap_or(u64::MAX);
        let ends = step.ends();
        journey.steps.push(JourneyStep { at_us, step });
        let too_long = !ends && journey.steps.len() >= MAX_STEPS;
        if too_long {
            journey.steps.push(JourneyStep {
                at_us,
                step: Step::GaveUp,
            });
        }
        if ends || too_long {
            self.close(&mut state, RESTING);
            return false;
        }
        true
    }

    /// The latest journey that ended (none if none ended since the last call), giving up a
    /// journey open for longer than [`MAX_JOURNEY`] by `now`; then a new journey is wanted.
    /// Called by the sampler, once a tick.
    pub fn take(&self, now: Instant) -> Option<Journey> {
        let mut state = self.lock();
        let stuck = state
            .open
            .as_ref()
            .is_some_and(|(_, started, _)| now.saturating_duration_since(*started) > MAX_JOURNEY);
        if stuck {
            if let Some((_, _, journey)) = &mut state.open {
                let at_us = MAX_JOURNEY.as_micros() as u64;
                journey.steps.push(JourneyStep {
                    at_us,
                    step: Step::GaveUp,
                });
            }
            self.close(&mut state, WANTED);
        }
        if state.open.is_none() {
            self.current.store(WANTED, Relaxed);
        }
        state.ended.take()
    }

    /// Moves the open journey to `ended`, and sets `current` to `next`.
    fn close(&self, state: &mut Following, next: JourneyId) {
        if let Some((_, _, journey)) = state.open.take() {
            state.ended = Some(journey);
        }
        self.current.store(next, Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, Following> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn a_request_is_followed_from_its_event_to_its_write() {
        let recorder = JourneyRecorder::default();
        let t0 = Instant::now();
        let id = recorder
            .try_start(t0, Step::Woken(WakeCause::ReadReady))
            .expect("wanted at first");
        assert_eq!(
            recorder.try_start(t0, Step::Woken(WakeCause::ReadReady)),
            None,
            "one journey at a time"
        );
        assert!(recorder.record(id, t0 + micros(6), Step::Polled));
        assert!(recorder.record(id, t0 + micros(19), Step::Read(78)));
        assert!(recorder.record(id, t0 + micros(19), Step::Pending(Some(Wait::Timer))));
        assert!(recorder.record(id, t0 + micros(50_122), Step::Woken(WakeCause::Timer)));
        assert!(recorder.record(id, t0 + micros(50_130), Step::Polled));
        assert!(!recorder.record(id, t0 + micros(50_141), Step::Wrote(83)));
        assert!(!recorder.follows(id));

        let journey = recorder.take(t0 + micros(60_000)).expect("ended");
        let offsets: Vec<u64> = journey.steps.iter().map(|s| s.at_us).collect();
        assert_eq!(offsets, [0, 6, 19, 19, 50_122, 50_130, 50_141]);
        assert_eq!(journey.steps[6].step, Step::Wrote(83));
        assert_eq!(recorder.take(t0), None, "taken once");
    }

    #[test]
    fn after_a_journey_ends_the_next_waits_for_the_sampler() {
        let recorder = JourneyRecorder::default();
        let t0 = Instant::now();
        let id = recorder.try_start(t0, Step::Polled).expect("wanted");
        recorder.record(id, t0, Step::Finished);
        assert_eq!(recorder.try_start(t0, Step::Polled), None, "resting");
        assert!(recorder.take(t0).is_some());
        assert!(
            recorder.try_start(t0, Step::Polled).is_some(),
            "wanted again"
        );
    }

    #[test]
    fn a_long_journey_is_cut_and_a_stuck_one_given_up() {
        let recorder = JourneyRecorder::default();
        let t0 = Instant::now();
        let id = recorder.try_start(t0, Step::Polled).expect("wanted");
        let mut steps = 1;
        while recorder.record(id, t0, Step::Pending(None)) {
            steps += 1;
        }
        assert_eq!(steps + 1, MAX_STEPS);
        let cut = recorder.take(t0).expect("ended");
        assert_eq!(cut.steps.len(), MAX_STEPS + 1);
        assert_eq!(cut.steps.last().map(|s| &s.step), Some(&Step::GaveUp));

        let stuck = recorder.try_start(t0, Step::Polled).expect("wanted again");
        assert_eq!(recorder.take(t0 + MAX_JOURNEY), None, "not stuck yet");
        let given_up = recorder
            .take(t0 + MAX_JOURNEY + micros(1))
            .expect("given up");
        assert_eq!(given_up.steps.last().map(|s| &s.step), Some(&Step::GaveUp));
        assert!(
            !recorder.record(stuck, t0, Step::Polled),
            "no longer followed"
        );
        assert!(recorder.try_start(t0, Step::Polled).is_some());
    }

    #[test]
    fn a_poll_outcome_says_what_the_leaves_did() {
        let waiting = Progress {
            reads: 1,
            read: 78,
            waits: Some(Wait::Timer),
            ..Progress::default()
        };
        assert_eq!(
            poll_outcome(&waiting, true),
            [Step::Read(78), Step::Pending(Some(Wait::Timer))]
        );
        let answered = Progress {
            wrote: 83,
            ..Progress::default()
        };
        assert_eq!(poll_outcome(&answered, true), [Step::Wrote(83)]);
        assert_eq!(poll_outcome(&Progress::default(), false), [Step::Finished]);
    }

    #[test]
    fn a_journey_survives_json() {
        let journey = Journey {
            steps: vec![
                JourneyStep {
                    at_us: 0,
                    step: Step::Woken(WakeCause::ReadReady),
                },
                JourneyStep {
                    at_us: 19,
                    step: Step::Pending(Some(Wait::Timer)),
                },
            ],
        };
        let text = serde_json::to_string(&journey).expect("serialise");
        assert_eq!(serde_json::from_str::<Journey>(&text).ok(), Some(journey));
    }
}
