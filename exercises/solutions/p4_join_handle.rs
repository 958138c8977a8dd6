//! Solution: part 3's join handle, `part3_wakers::join`, which part 4's tasks use unchanged.
//!
//! One `Arc<Mutex<Slot>>`: the output (running, done, taken), the handle's waker, and whether
//! the handle is gone. The task side polls the user's future under `catch_unwind` and, once it
//! has a result, locks the slot, stores the result (or drops it if the handle is gone) and
//! takes the waker, then wakes it outside the lock. The handle locks the slot, takes a result
//! if one is there, and otherwise stores its waker *under the same lock* — so the task either
//! finished before (the handle sees the result) or finishes after (it sees the waker). Its
//! `Drop` marks the handle gone and takes the result and the waker out.

pub use part3_wakers::TaskId;
pub use part3_wakers::join::{BoxFuture, JoinError, JoinHandle, joined};
