//! Wrong: every transition reads the word, decides, then writes the next word — two steps.
//!
//! Each method is a faithful copy of the table, and on one thread it is perfect: every test
//! that calls the methods one after another passes. Between the read and the write, though,
//! another thread can change the word, and the write then overwrites that change. Two wakes can
//! both read IDLE and both return Schedule (the task is queued twice, and two threads may poll
//! it); a wake can set NOTIFIED just before `stop_running` stores IDLE over it (the wake is
//! lost), or `stop_running` can store IDLE just before a wake stores RUNNING|NOTIFIED over it
//! (the task is stuck, never to run again). Only threads racing each other show it.

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
        self.0.load(Ordering::SeqCst)
    }

    pub fn wake(&self) -> WakeAction {
        let state = self.0.load(Ordering::SeqCst);
        if state & COMPLETE != 0 || state & SCHEDULED != 0 {
            WakeAction::Nothing
        } else if state & RUNNING != 0 {
            self.0.store(state | NOTIFIED, Ordering::SeqCst);
            WakeAction::Nothing
        } else {
            self.0.store(SCHEDULED, Ordering::SeqCst);
            WakeAction::Schedule
        }
    }

    pub fn start_running(&self) -> bool {
        let state = self.0.load(Ordering::SeqCst);
        if state & (SCHEDULED | RUNNING | COMPLETE) == SCHEDULED {
            self.0.store(RUNNING, Ordering::SeqCst);
            true
        } else {
            false
        }
    }

    pub fn stop_running(&self) -> AfterPoll {
        let state = self.0.load(Ordering::SeqCst);
        if state & NOTIFIED != 0 {
            self.0.store(SCHEDULED, Ordering::SeqCst);
            AfterPoll::Reschedule
        } else {
            self.0.store(IDLE, Ordering::SeqCst);
            AfterPoll::Idle
        }
    }

    pub fn complete(&self) {
        self.0.store(COMPLETE, Ordering::SeqCst);
    }

    pub fn start_cancel(&self) -> bool {
        let state = self.0.load(Ordering::SeqCst);
        if state & (RUNNING | COMPLETE) == 0 {
            self.0.store(RUNNING, Ordering::SeqCst);
            true
        } else {
            false
        }
    }

    pub fn is_complete(&self) -> bool {
        self.snapshot() & COMPLETE != 0
    }
}
