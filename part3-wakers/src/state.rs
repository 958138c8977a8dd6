//! A task's state: four bits in one atomic word, so that a wake queues a task **once**, and a task
//! is **never polled by two threads at once** — without a lock, from any number of threads.
//!
//! ```text
//!        wake: queue it once      popped by a thread
//!   IDLE ────────────────▶ SCHEDULED ──────────▶ RUNNING ── wake ──▶ RUNNING|NOTIFIED
//!    ▲                        ▲                     │                        │
//!    └──── poll → Pending ────┼─────────────────────┘                        │
//!                             └──── poll → Pending: queue it again, once ────┘
//!
//!   RUNNING, RUNNING|NOTIFIED ── poll → Ready (or a panic) ──▶ COMPLETE   (final)
//!   IDLE, SCHEDULED ── cancel (runtime shutdown) ──▶ RUNNING ── future dropped ──▶ COMPLETE
//! ```
//!
//! A wake in SCHEDULED, RUNNING|NOTIFIED or COMPLETE changes nothing: the task is already going
//! to be polled, or never will be again. So however many wakes arrive — from the reactor, a
//! timer, another thread, the task itself — a task sits in a run queue at most once.
//!
//! Every transition is a compare-and-swap loop on one `AtomicUsize`: read the word, compute the
//! next one, swap it in if nobody changed it meanwhile, else retry with what is there now.
//! Success orderings are `AcqRel`: whatever a thread wrote before a transition (the future's
//! memory after a poll, the data a waker announces) is visible to the thread that makes the next
//! transition (the next poll).
//!
//! Even a wake that changes nothing writes the word back (a CAS from the value to itself). A
//! plain read would not order the waker's data before a poll that is just starting: the waker
//! could read SCHEDULED, the poller swap in RUNNING, and the poll still not see the data the
//! waker wrote just before (store buffering). The write chains the two. `tests/loom.rs` checks
//! this.
//!
//! Tokio (`tokio/src/runtime/task/state.rs`) keeps the same ideas in one word with more bits: its
//! NOTIFIED means our SCHEDULED when the task is idle and our NOTIFIED while it runs; CANCELLED
//! lets `abort` cancel a running task; JOIN_INTEREST and JOIN_WAKER replace our join handle's
//! mutex; and the upper bits hold the task's reference count, where we use an `Arc`.

use crate::sync::{AtomicUsize, Ordering};

/// No bit set: the task is waiting for a wake-up, and nobody holds it but its wakers.
pub const IDLE: usize = 0;

/// The task is in a run queue (or being put there), exactly once.
///
/// Invariants: set only by the wake that finds the task IDLE, or by the poller whose poll was
/// NOTIFIED; whoever sets it hands exactly one `Arc<Task>` to the scheduler. Never set together
/// with RUNNING or NOTIFIED. Cleared by the thread that pops the task to run it.
pub const SCHEDULED: usize = 0b0001;

/// One thread is polling the task (or cancelling it): it alone may touch the future.
///
/// Invariants: set only by a successful CAS from a state without RUNNING and without COMPLETE,
/// so at most one thread holds it. Cleared only by that thread, when its poll returns (to IDLE,
/// SCHEDULED or COMPLETE).
pub const RUNNING: usize = 0b0010;

/// The task was woken while RUNNING: its poll must be followed by another.
///
/// Invariants: set only while RUNNING. When the poll returns `Pending`, the poller turns it into
/// SCHEDULED and queues the task once; when it returns `Ready`, it is dropped with the rest.
pub const NOTIFIED: usize = 0b0100;

/// The future returned `Ready`, panicked, or was cancelled; it has been dropped. Final.
///
/// Invariants: set only by the thread holding RUNNING, which clears every other bit at the same
/// time. Once set, nothing changes the word again: wakes and run attempts are refused.
pub const COMPLETE: usize = 0b1000;

/// What a wake asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum WakeAction {
    /// The task was IDLE and is now SCHEDULED: hand it to the scheduler (exactly once).
    Schedule,
    /// Already scheduled, running (now NOTIFIED) or complete: nothing to do.
    Nothing,
}

/// What the end of a `Pending` poll asks of the poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum AfterPoll {
    /// Nobody woke the task during its poll: it waits (IDLE).
    Idle,
    /// It was woken during its poll (NOTIFIED): it is SCHEDULED again, queue it (exactly once).
    Reschedule,
}

/// The state word of one task. See the module docs for the machine and its invariants.
#[derive(Debug)]
pub struct State(AtomicUsize);

impl State {
    /// A new task starts SCHEDULED: spawning it hands it to the scheduler, which queues it.
    pub fn new_scheduled() -> State {
        State(AtomicUsize::new(SCHEDULED))
    }

    /// The current bits, for tests and observation. Only a snapshot: it may change at once.
    pub fn snapshot(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// A wake-up: IDLE → SCHEDULED (the caller queues the task), RUNNING → RUNNING|NOTIFIED,
    /// otherwise nothing.
    pub fn wake(&self) -> WakeAction {
        self.transition(|state| {
            if state & COMPLETE != 0 {
                (WakeAction::Nothing, None)
            } else if state & RUNNING != 0 {
                (WakeAction::Nothing, Some(state | NOTIFIED))
            } else if state & SCHEDULED != 0 {
                // Written back unchanged: see the module docs (store buffering).
                (WakeAction::Nothing, Some(state))
            } else {
                (WakeAction::Schedule, Some(SCHEDULED))
            }
        })
    }

    /// A thread popped the task from a queue: SCHEDULED → RUNNING. `false` means the task is not
    /// to be polled (it completed, or shutdown is cancelling it): drop the reference.
    pub fn start_running(&self) -> bool {
        self.transition(|state| {
            if state & (SCHEDULED | RUNNING | COMPLETE) == SCHEDULED {
                (true, Some(RUNNING))
            } else {
                (false, None)
            }
        })
    }

    /// The poll returned `Pending`: RUNNING → IDLE, or RUNNING|NOTIFIED → SCHEDULED.
    /// Only the thread that holds RUNNING calls this.
    pub fn stop_running(&self) -> AfterPoll {
        self.transition(|state| {
            debug_assert_eq!(
                state & (RUNNING | COMPLETE),
                RUNNING,
                "stop_running without RUNNING"
            );
            if state & NOTIFIED != 0 {
                (AfterPoll::Reschedule, Some(SCHEDULED))
            } else {
                (AfterPoll::Idle, Some(IDLE))
            }
        })
    }

    /// The future is finished and dropped: RUNNING (with or without NOTIFIED) → COMPLETE.
    /// Only the thread that holds RUNNING calls this.
    pub fn complete(&self) {
        let previous = self.0.swap(COMPLETE, Ordering::AcqRel);
        debug_assert_eq!(
            previous & (RUNNING | COMPLETE),
            RUNNING,
            "complete without RUNNING"
        );
    }

    /// Shutdown wants to drop the future: IDLE or SCHEDULED → RUNNING, so that no poll can start
    /// meanwhile (a queued copy will find RUNNING, then COMPLETE, and be dropped). `false` if a
    /// thread is polling it or it is complete.
    pub fn start_cancel(&self) -> bool {
        self.transition(|state| {
            if state & (RUNNING | COMPLETE) == 0 {
                (true, Some(RUNNING))
            } else {
                (false, None)
            }
        })
    }

    /// Whether the task is complete (final, so a `true` stays true).
    pub fn is_complete(&self) -> bool {
        self.snapshot() & COMPLETE != 0
    }

    /// The CAS loop behind every transition: `next` maps the current word to a result and the
    /// word to store (`None`: store nothing, return at once).
    fn transition<R>(&self, mut next: impl FnMut(usize) -> (R, Option<usize>)) -> R {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let (result, new) = next(current);
            let Some(new) = new else { return result };
            match self
                .0
                .compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return result,
                Err(actual) => current = actual,
            }
        }
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use super::*;

    /// A state that has been run once and is waiting (IDLE).
    fn idle() -> State {
        let state = State::new_scheduled();
        assert!(state.start_running());
        assert_eq!(state.stop_running(), AfterPoll::Idle);
        state
    }

    #[test]
    fn a_wake_schedules_an_idle_task_once() {
        let state = idle();
        assert_eq!(state.wake(), WakeAction::Schedule);
        assert_eq!(state.wake(), WakeAction::Nothing, "already SCHEDULED");
        assert_eq!(state.snapshot(), SCHEDULED);
    }

    #[test]
    fn wakes_during_a_poll_become_one_reschedule() {
        let state = State::new_scheduled();
        assert!(state.start_running());
        assert_eq!(state.wake(), WakeAction::Nothing);
        assert_eq!(state.wake(), WakeAction::Nothing);
        assert_eq!(state.snapshot(), RUNNING | NOTIFIED);
        assert_eq!(state.stop_running(), AfterPoll::Reschedule);
        assert_eq!(state.snapshot(), SCHEDULED);
        assert_eq!(state.wake(), WakeAction::Nothing, "already SCHEDULED");
    }

    #[test]
    fn only_one_thread_can_start_running() {
        let state = State::new_scheduled();
        assert!(state.start_running());
        assert!(!state.start_running(), "RUNNING is held");
        assert!(!state.start_cancel(), "RUNNING is held");
    }

    #[test]
    fn an_idle_task_is_not_run_without_a_wake() {
        let state = idle();
        assert!(!state.start_running(), "IDLE is not SCHEDULED");
    }

    #[test]
    fn complete_is_final() {
        let state = State::new_scheduled();
        assert!(state.start_running());
        assert_eq!(state.wake(), WakeAction::Nothing);
        state.complete();
        assert_eq!(
            state.snapshot(),
            COMPLETE,
            "NOTIFIED is dropped with the rest"
        );
        assert_eq!(state.wake(), WakeAction::Nothing);
        assert!(!state.start_running());
        assert!(!state.start_cancel());
        assert!(state.is_complete());
    }

    #[test]
    fn cancel_takes_a_scheduled_task_from_its_queue_entry() {
        let state = State::new_scheduled();
        assert!(state.start_cancel());
        assert!(!state.start_running(), "the queued copy must not poll");
        state.complete();
        assert!(!state.start_running());
    }
}
