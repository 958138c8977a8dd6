//! Wrong: `wake` borrows the reference, like `wake_by_ref`, and never gives it back.
//!
//! "Waking is waking", so `wake` calls the borrowing path. But `wake` consumes the Waker: no
//! drop will follow, so the reference it owned must be taken back here (and handed to the queue
//! or dropped). Each `wake` leaks one reference, and the task — its future, its sockets — is
//! never freed.

use std::mem::ManuallyDrop;
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
    // Waking does the same as wake_by_ref.
    // SAFETY: the pointer is a live task; ManuallyDrop borrows its reference.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Task>()) });
    Task::wake_by_ref(&task);
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker keeps its reference during the call; ManuallyDrop only borrows it.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Task>()) });
    Task::wake_by_ref(&task);
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: a dropped waker owned one reference, given back once.
    drop(unsafe { Arc::from_raw(data.cast::<Task>()) });
}
