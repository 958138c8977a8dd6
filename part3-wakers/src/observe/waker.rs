//! Counting wakes by wrapping the waker, the way part 2 counts system calls by wrapping the
//! socket.
//!
//! The executor hands each task's future a waker. Here that waker is wrapped once per task in
//! a [`TaskWaker`]: a waker of our own, whose `RawWakerVTable` counts every clone, wake and
//! drop into the [`RuntimeStats`] and then does what the task's own waker (`inner`) does. The
//! future cannot tell the difference; the runtime's mechanism does not change.
//!
//! ```text
//!   TaskWaker ─ owns one ──▶ Arc<Counted { inner: the task's Waker, stats, per-task counts }>
//!                                ▲   ▲
//!   clones stored by futures ────┘   └── (in the driver's ScheduledIo, its timer queue, ...)
//!
//!   clone        → stats.waker_cloned(), one more strong count
//!   wake_by_ref  → stats.woken(cause), inner.wake_by_ref()
//!   wake         → the same, then the clone is gone: stats.waker_dropped()
//!   drop         → stats.waker_dropped(), one less strong count
//! ```
//!
//! Two warnings come for free from this wrapper:
//! - **lost waker**: after a `Pending` poll, the `Arc`'s strong count says how many wakers
//!   exist. If only the task's own is left and nobody woke the task during the poll, nothing
//!   anywhere can wake it again: it is stuck forever (a future returned `Pending` without
//!   storing the waker). The strong count is exact because every copy of the waker is a clone
//!   of this one: a future can only get a waker from its `Context`.
//! - **self-waking task**: each `Counted` counts its task's polls and the wakes it gave
//!   itself; a task that woke itself in most of at least [`MIN_POLLS_TO_JUDGE`] polls is
//!   reported once.
//!
//! The wake's cause comes from [`cause`]; what the poll achieved from
//! [`progress`].
//!
//! A `TaskWaker` holds the task's waker, which holds the task: a task that keeps its
//! `TaskWaker` holds itself. Drop the `TaskWaker` with the task's future (when it finishes or
//! is cancelled) to break the cycle.

use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{self, AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Instant;

use super::cause;
use super::journey::{self, JourneyId, Step};
use super::progress;
use super::stats::{PollReport, RuntimeStats, WakeCause};

/// A task is judged for self-waking only after this many polls: a task's first few polls say
/// little (a `yield_now` in a short task is no habit).
pub const MIN_POLLS_TO_JUDGE: u64 = 10;

/// What every counting waker of one task shares.
#[derive(Debug)]
struct Counted {
    /// The task's own waker: every wake ends here.
    inner: Waker,
    stats: Arc<RuntimeStats>,
    /// Wakes of this task, any cause: tells whether one came during a poll.
    wakes: AtomicU64,
    /// Polls of this task, and the wakes it gave itself (both counted by the polling thread).
    polls: AtomicU64,
    self_wakes: AtomicU64,
    /// Already reported as self-waking.
    judged: AtomicBool,
    /// The journey following this task, or 0.
    journey: AtomicU64,
}

impl Counted {
    /// Counts a wake, notes it in the journey, and wakes the task.
    fn wake(&self) {
        let at = Instant::now();
        let cause = cause::of_wake(self.identity());
        self.stats.woken(cause);
        self.wakes.fetch_add(1, Relaxed);
        if cause == WakeCause::SelfWake {
            self.self_wakes.fetch_add(1, Relaxed);
        }
        let journey = self.journey.load(Relaxed);
        if journey != NO_JOURNEY {
            self.step(journey, at, Step::Woken(cause));
        } else if cause == WakeCause::ReadReady
            && let Some(id) = self
                .stats
                .journeys()
                .try_start(at, Step::Woken(WakeCause::ReadReady))
        {
            self.journey.store(id, Relaxed);
        }
        self.inner.wake_by_ref();
    }

    /// Records a step of journey `id`, forgetting the journey once it is over.
    fn step(&self, id: JourneyId, at: Instant, step: Step) {
        if !self.stats.journeys().record(id, at, step) {
            self.journey.store(NO_JOURNEY, Relaxed);
        }
    }

    /// Who this is, for [`cause::of_wake`]: the address of the shared data.
    fn identity(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// After a poll: reports the task once if it woke itself in most of its polls.
    fn judge(&self) {
        let polls = self.polls.fetch_add(1, Relaxed) + 1;
        let self_wakes = self.self_wakes.load(Relaxed);
        if polls >= MIN_POLLS_TO_JUDGE
            && self_wakes.saturating_mul(2) > polls
            && !self.judged.swap(true, Relaxed)
        {
            self.stats.self_waking_task();
        }
    }
}

/// [`Counted::journey`] when no journey follows the task.
const NO_JOURNEY: JourneyId = 0;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop);

/// A waker over `counted`, owning the strong count it is given.
fn into_waker(counted: Arc<Counted>) -> Waker {
    let data = Arc::into_raw(counted).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` on an `Arc<Counted>` and owns one strong
    // count; the four functions of `VTABLE` treat it as exactly that (see each of them), and
    // `Counted` is `Send + Sync`, so the waker may go to and be used on any thread.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// The vtable's `clone`: one more waker, one more strong count.
///
/// # Safety
/// `data` is the data pointer of a live waker made by [`into_waker`].
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` came from `Arc::into_raw::<Counted>`, and the waker being cloned holds a
    // strong count, so the allocation is alive; the new count belongs to the new waker.
    unsafe { Arc::increment_strong_count(data.cast::<Counted>()) };
    // SAFETY: alive, as above; only shared access is taken.
    let counted = unsafe { &*data.cast::<Counted>() };
    counted.stats.waker_cloned();
    RawWaker::new(data, &VTABLE)
}

/// The vtable's `wake`: wakes, then the waker is gone.
///
/// # Safety
/// `data` is the data pointer of a waker made by [`into_waker`], which this call consumes.
unsafe fn wake(data: *const ()) {
    // SAFETY: `data` came from `Arc::into_raw::<Counted>` and the consumed waker owned one
    // strong count: taking it back into an `Arc` releases it when this function returns.
    let counted = unsafe { Arc::from_raw(data.cast::<Counted>()) };
    counted.wake();
    counted.stats.waker_dropped();
}

/// The vtable's `wake_by_ref`: wakes; the waker stays.
///
/// # Safety
/// `data` is the data pointer of a live waker made by [`into_waker`].
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the borrowed waker holds a strong count for the whole call; shared access only.
    let counted = unsafe { &*data.cast::<Counted>() };
    counted.wake();
}

/// The vtable's `drop`: one waker less.
///
/// # Safety
/// `data` is the data pointer of a waker made by [`into_waker`], which is being dropped.
unsafe fn drop(data: *const ()) {
    // SAFETY: the dropped waker owned one strong count: taking it back into an `Arc` and
    // dropping that releases it (and frees `Counted`, with the task's waker, if it was the last).
    let counted = unsafe { Arc::from_raw(data.cast::<Counted>()) };
    counted.stats.waker_dropped();
}

/// A task's counting waker, made once when the task is spawned, and how the executor polls
/// the task with it. See the [module docs](self).
#[derive(Debug)]
pub struct TaskWaker {
    /// The task's own copy: not counted as a clone, and released without counting a drop.
    waker: ManuallyDrop<Waker>,
}

impl TaskWaker {
    /// Wraps `inner`, the task's waker, counting into `stats`.
    pub fn new(inner: Waker, stats: Arc<RuntimeStats>) -> TaskWaker {
        let counted = Arc::new(Counted {
            inner,
            stats,
            wakes: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            self_wakes: AtomicU64::new(0),
            judged: AtomicBool::new(false),
            journey: AtomicU64::new(NO_JOURNEY),
        });
        TaskWaker {
            waker: ManuallyDrop::new(into_waker(counted)),
        }
    }

    /// The waker to put in the task's `Context`.
    pub fn waker(&self) -> &Waker {
        &self.waker
    }

    fn counted(&self) -> &Counted {
        // SAFETY: `self.waker` was made by `into_waker` and is alive as long as `self`, so its
        // data is an `Arc<Counted>`'s pointer with a strong count held; shared access only.
        unsafe { &*self.waker.data().cast::<Counted>() }
    }

    /// Whether a waker of this task exists besides the task's own: someone (a socket's
    /// readiness record, a timer, another task) can still wake it.
    pub fn held_elsewhere(&self) -> bool {
        let data = self.waker.data().cast::<Counted>();
        // SAFETY: as in `counted`; `ManuallyDrop` borrows the `Arc` without taking or
        // releasing its strong count.
        let arc = ManuallyDrop::new(unsafe { Arc::from_raw(data) });
        Arc::strong_count(&arc) > 1
    }

    /// Polls the task once with its counting waker (`poll` receives the `Context`): marks the
    /// task as the one being polled, times the poll, learns from the leaf futures whether it
    /// made progress, and records it all in the stats (and the journey, if one follows it).
    pub fn poll<T>(&self, poll: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
        let counted = self.counted();
        let wakes_before = counted.wakes.load(Relaxed);
        // A new task's first poll was asked for by `spawn`, not by a wake: it cannot be a wake
        // that was not needed.
        let first = counted.polls.load(Relaxed) == 0;
        let started = Instant::now();
        let journey = counted.journey.load(Relaxed);
        if journey != NO_JOURNEY {
            counted.step(journey, started, Step::Polled);
        }
        let (result, progress) = progress::during_poll(|| {
            cause::polling(counted.identity(), || {
                poll(&mut Context::from_waker(self.waker()))
            })
        });
        let ended = Instant::now();
        let pending = result.is_pending();
        let report = PollReport {
            pending,
            spurious: pending && !first && !progress.made_progress(),
            lost_waker: pending && !self.could_be_woken(wakes_before),
            took: ended.saturating_duration_since(started),
        };
        counted.stats.polled(report);
        counted.judge();
        let journey = counted.journey.load(Relaxed);
        if journey != NO_JOURNEY {
            for step in journey::poll_outcome(&progress, pending) {
                counted.step(journey, ended, step);
            }
        }
        result
    }

    /// After a `Pending` poll: whether the task was woken since `wakes_before` was read, or
    /// someone still holds a waker that can wake it.
    fn could_be_woken(&self, wakes_before: u64) -> bool {
        if self.held_elsewhere() {
            return true;
        }
        // The last other waker may have been released just now by a wake on another thread.
        // That wake counted itself before it released its strong count (with `Release`); the
        // fence makes the count visible here, since the strong count read above saw the release.
        atomic::fence(atomic::Ordering::Acquire);
        self.counted().wakes.load(Relaxed) != wakes_before
    }
}

impl Drop for TaskWaker {
    fn drop(&mut self) {
        let counted = self.counted();
        let journey = counted.journey.load(Relaxed);
        if journey != NO_JOURNEY {
            counted.step(journey, Instant::now(), Step::Dropped);
        }
        let data = self.waker.data().cast::<Counted>();
        // SAFETY: the task's own waker owns one strong count (see `new`); it is released here,
        // once, without going through the vtable's counted `drop`. `self.waker` is not used
        // again.
        std::mem::drop(unsafe { Arc::from_raw(data) });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    use super::*;
    use crate::observe::journey::Journey;
    use crate::observe::progress::Wait;

    /// A task's own waker, as simple as it gets: it counts its wakes.
    #[derive(Default)]
    struct Flag {
        woken: AtomicUsize,
    }

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.woken.fetch_add(1, Relaxed);
        }
    }

    fn new_task() -> (Arc<Flag>, Arc<RuntimeStats>, TaskWaker) {
        let flag = Arc::new(Flag::default());
        let stats = Arc::new(RuntimeStats::new());
        let waker = TaskWaker::new(Waker::from(Arc::clone(&flag)), Arc::clone(&stats));
        (flag, stats, waker)
    }

    #[test]
    fn clones_and_drops_balance_and_every_wake_reaches_the_task() {
        let (flag, stats, task) = new_task();
        let _on = cause::runtime_thread();
        let stored = task.waker().clone();
        let another = stored.clone();
        assert!(task.held_elsewhere());
        cause::during(WakeCause::ReadReady, || stored.wake_by_ref());
        cause::during(WakeCause::Timer, || another.wake());
        std::mem::drop(stored);
        assert!(!task.held_elsewhere());
        std::mem::drop(task);

        let snap = stats.snapshot();
        assert_eq!((snap.waker_clones, snap.waker_drops), (2, 2));
        assert_eq!(snap.wakes, [1, 0, 1, 0, 0, 0]);
        assert_eq!(flag.woken.load(Relaxed), 2);
        assert_eq!(
            Arc::strong_count(&flag),
            1,
            "the task's waker went with the last counting waker"
        );
    }

    #[test]
    fn each_wake_is_counted_under_its_cause() {
        let (_flag, stats, task) = new_task();
        let stored = task.waker().clone();
        let thread = std::thread::spawn(move || stored.wake());
        thread.join().expect("the waking thread");
        {
            let _on = cause::runtime_thread();
            let other = task.waker().clone();
            other.wake_by_ref();
            let _ = task.poll(|cx| {
                cx.waker().wake_by_ref();
                Poll::<()>::Pending
            });
        }
        let snap = stats.snapshot();
        let by_cause = |cause: WakeCause| snap.wakes[cause.index()];
        assert_eq!(by_cause(WakeCause::OtherThread), 1);
        assert_eq!(by_cause(WakeCause::OtherTask), 1);
        assert_eq!(by_cause(WakeCause::SelfWake), 1);
    }

    #[test]
    fn a_pending_poll_that_stores_no_waker_loses_the_task() {
        let (_flag, stats, task) = new_task();
        let mut stored = None;
        // Stores the waker: someone can wake it.
        let _ = task.poll(|cx| {
            stored = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        // Woken (by value) during the poll: it will run again.
        let _ = task.poll(|_| {
            if let Some(waker) = stored.take() {
                waker.wake();
            }
            Poll::<()>::Pending
        });
        assert_eq!(stats.snapshot().lost_wakers, 0);
        // Pending, nothing stored, not woken: lost.
        let _ = task.poll(|_| Poll::<()>::Pending);
        // Ready never loses anything.
        let _ = task.poll(|_| Poll::Ready(()));
        let snap = stats.snapshot();
        assert_eq!(
            (snap.polls, snap.pending_polls, snap.lost_wakers),
            (4, 3, 1)
        );
    }

    #[test]
    fn a_pending_poll_without_progress_is_spurious() {
        let (_flag, stats, task) = new_task();
        let keep = task.waker().clone();
        let _ = task.poll(|_| {
            progress::read(78);
            progress::waits(Wait::Timer);
            Poll::<()>::Pending
        });
        let _ = task.poll(|_| {
            progress::waits(Wait::Read);
            Poll::<()>::Pending
        });
        std::mem::drop(keep);
        let snap = stats.snapshot();
        assert_eq!((snap.polls, snap.spurious_polls), (2, 1));
    }

    #[test]
    fn a_task_that_wakes_itself_in_most_polls_is_reported_once() {
        let (_flag, stats, task) = new_task();
        let _on = cause::runtime_thread();
        let yield_now = |cx: &mut Context<'_>| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        };
        for _ in 1..MIN_POLLS_TO_JUDGE {
            let _ = task.poll(yield_now);
        }
        assert_eq!(stats.snapshot().self_waking_tasks, 0, "not judged yet");
        for _ in 0..MIN_POLLS_TO_JUDGE {
            let _ = task.poll(yield_now);
        }
        assert_eq!(stats.snapshot().self_waking_tasks, 1);

        let (_flag, stats, patient) = new_task();
        let keep = patient.waker().clone();
        for _ in 0..2 * MIN_POLLS_TO_JUDGE {
            let _ = patient.poll(|_| Poll::<()>::Pending);
        }
        std::mem::drop(keep);
        assert_eq!(stats.snapshot().self_waking_tasks, 0);
    }

    #[test]
    fn a_readable_wake_starts_a_journey_that_the_polls_continue() {
        let (_flag, stats, task) = new_task();
        let _on = cause::runtime_thread();
        let stored = task.waker().clone();
        cause::during(WakeCause::ReadReady, || stored.wake_by_ref());
        let _ = task.poll(|_| {
            progress::read(78);
            progress::waits(Wait::Timer);
            Poll::<()>::Pending
        });
        cause::during(WakeCause::Timer, || stored.wake_by_ref());
        let _ = task.poll(|_| {
            progress::wrote(83);
            progress::waits(Wait::Read);
            Poll::<()>::Pending
        });
        std::mem::drop(stored);
        let journey: Journey = stats
            .journeys()
            .take(Instant::now())
            .expect("the journey ended with the write");
        let steps: Vec<Step> = journey.steps.into_iter().map(|s| s.step).collect();
        assert_eq!(
            steps,
            [
                Step::Woken(WakeCause::ReadReady),
                Step::Polled,
                Step::Read(78),
                Step::Pending(Some(Wait::Timer)),
                Step::Woken(WakeCause::Timer),
                Step::Polled,
                Step::Wrote(83),
            ]
        );
    }
}
