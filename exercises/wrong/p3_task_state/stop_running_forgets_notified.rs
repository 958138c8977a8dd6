//! Wrong: `stop_running` always ends the poll IDLE, forgetting a NOTIFIED set during it.
//!
//! Easy to write when one thinks of `stop_running` as "the poll is over, the task waits". But a
//! wake that came during the poll returned Nothing on the promise that the end of the poll
//! would queue the task again. Forgetting it loses that wake: a task whose socket became
//! readable while it was being polled is never polled again, and its connection hangs.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use part3_wakers::state::{AfterPoll, WakeAction};

pub const IDLE: usize = 0;
pub const SCHEDULED: usize = 0b0001;
pub const RUNNING: usize = 0b0010;
pub const NOTIFIED: usize = 0b0100;
pub const COMPLETE: usize = 0b1000;

#[derive(Debug)]
pub struct State(AtomicUsize);

impl State {
    pub fn new_scheduled() -> State {
        State(AtomicUsize::new(SCHEDULED))
    }

    pub fn snapshot(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    pub fn wake(&self) -> WakeAction {
        self.transition(|state| {
            if state & COMPLETE != 0 {
                (WakeAction::Nothing, None)
            } else if state & RUNNING != 0 {
                (WakeAction::Nothing, Some(state | NOTIFIED))
            } else if state & SCHEDULED != 0 {
                (WakeAction::Nothing, Some(state))
            } else {
                (WakeAction::Schedule, Some(SCHEDULED))
            }
        })
    }

    pub fn start_running(&self) -> bool {
        self.transition(|state| {
            if state & (SCHEDULED | RUNNING | COMPLETE) == SCHEDULED {
                (true, Some(RUNNING))
            } else {
                (false, None)
            }
        })
    }

    pub fn stop_running(&self) -> AfterPoll {
        // The poll is over: the task waits for its next wake.
        self.0.store(IDLE, Ordering::Release);
        AfterPoll::Idle
    }

    pub fn complete(&self) {
        self.0.store(COMPLETE, Ordering::Release);
    }

    pub fn start_cancel(&self) -> bool {
        self.transition(|state| {
            if state & (RUNNING | COMPLETE) == 0 {
                (true, Some(RUNNING))
            } else {
                (false, None)
            }
        })
    }

    pub fn is_complete(&self) -> bool {
        self.snapshot() & COMPLETE != 0
    }

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
