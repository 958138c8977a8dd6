//! Solution: the task state word, `part3_wakers::state::State`.
//!
//! One `AtomicUsize`, and every transition a compare-and-swap loop around a small function from
//! the current word to (what to tell the caller, the word to store). A wake that finds the task
//! already SCHEDULED writes the same word back rather than only reading it, so that whatever the
//! waker wrote before waking is ordered before the next poll (the module docs explain why).

pub use part3_wakers::state::{
    AfterPoll, COMPLETE, IDLE, NOTIFIED, RUNNING, SCHEDULED, State, WakeAction,
};
