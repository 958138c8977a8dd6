//! Wrong: `wake_by_ref` turns the pointer back into an `Arc` and wakes by value.
//!
//! `Arc::from_raw` then `wake_by_val` is exactly right for `wake`, and copying it into
//! `wake_by_ref` is tempting. But `wake_by_ref` only borrows the Waker, which lives on and will
//! give its reference back again when dropped: each call loses one reference, until the task is
//! freed under a waker that still points to it.

use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

pub use part3_wakers::task::{Ran, Schedule, Task};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

pub fn waker(task: Arc<Task>) -> Waker {
    let data = Arc::into_raw(task).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` and carries the reference this Waker owns.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps its reference, so the count is at least 1.
    unsafe { Arc::increment_strong_count(data.cast::<Task>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker: its reference is ours to take back, once.
    let task = unsafe { Arc::from_raw(data.cast::<Task>()) };
    Task::wake_by_val(task);
}

unsafe fn wake_by_ref(data: *const ()) {
    // Turn the pointer back into the task, and wake it.
    // SAFETY: the pointer comes from `Arc::into_raw`.
    let task = unsafe { Arc::from_raw(data.cast::<Task>()) };
    Task::wake_by_val(task);
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: a dropped waker owned one reference, given back once.
    drop(unsafe { Arc::from_raw(data.cast::<Task>()) });
}
