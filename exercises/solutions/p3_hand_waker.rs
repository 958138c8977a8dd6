//! Solution: part 3's task waker, `part3_wakers::waker::waker`.
//!
//! The data pointer is `Arc::into_raw(task)`, one reference owned by the `Waker`. `clone`
//! increments the count (`Arc::increment_strong_count`); `wake` takes the reference back
//! (`Arc::from_raw`) and hands it to `Task::wake_by_val`, which queues it or drops it;
//! `wake_by_ref` only borrows it (`ManuallyDrop<Arc<Task>>`) for `Task::wake_by_ref`; `drop`
//! takes it back and drops it. The table is a `static`, so every task waker has the same vtable
//! address and `Waker::will_wake` recognises clones of one waker.

pub use part3_wakers::task::{Ran, Schedule, Task};
pub use part3_wakers::waker::waker;
