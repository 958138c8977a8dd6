//! Wrong: `clone` copies the pointer but adds no reference.
//!
//! A clone "is the same waker", so copying the pointer looks like enough. But the clone will be
//! dropped (or woken) on its own, and each time it gives back a reference it never took: the
//! count falls below the number of wakers alive, and the task is freed while the reactor still
//! holds a waker to it — a use after free the next time that waker is called.

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
    // A clone points to the same task: same pointer, same table.
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker: its reference is ours to take back, once.
    let task = unsafe { Arc::from_raw(data.cast::<Task>()) };
    Task::wake_by_val(task);
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
