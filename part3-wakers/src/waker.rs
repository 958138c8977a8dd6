//! A task's `Waker`, by hand: a `RawWakerVTable` over `Arc<Task>` — beside the two-line shortcut
//! that `std::task::Wake` offers, which builds the very same thing.
//!
//! A `Waker` is a data pointer and a table of four functions. Ours: the pointer is an `Arc<Task>`
//! turned into a raw pointer (`Arc::into_raw`), so **each `Waker` owns one reference count** of
//! the task. The four functions say what happens to that reference:
//!
//! ```text
//!   clone        +1   a new Waker, a new reference
//!   wake         ±0   consumes the Waker: its reference goes to the run queue, or is dropped
//!   wake_by_ref  ±0   borrows: clones the reference only if the task is queued
//!   drop         −1   the Waker's reference goes
//! ```
//!
//! Nothing here allocates: a wake moves or copies a pointer and an atomic count. The executor
//! polls with a *borrowed* waker (`with_borrowed`) that owns no reference at all, so a poll
//! costs no count either unless the future keeps a clone. Tokio: `tokio/src/runtime/task/waker.rs`
//! (its `WakerRef` is our borrowed waker).
//!
//! The shortcut, `impl std::task::Wake for Task`, gives the same `Waker` from an `Arc<Task>`
//! with `Waker::from`; the test at the bottom shows that both count and wake alike. It lives in
//! `std` and so cannot be used by loom, which replaces the `Arc`.

use std::mem::ManuallyDrop;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::sync::Arc;
use crate::task::Task;

/// One `static` table, so every task waker has the same vtable address and `Waker::will_wake`
/// recognises two wakers of one task as the same.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A `Waker` that owns `task` (one reference count).
pub fn waker(task: Arc<Task>) -> Waker {
    let data = Arc::into_raw(task).cast::<()>();
    // SAFETY: `data` comes from `Arc::into_raw` and carries the reference this Waker now owns;
    // the vtable's functions below uphold `RawWaker`'s contract for exactly such a pointer, and
    // `Task` is `Send + Sync`, so the waker may be used from any thread.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// Calls `f` with a `Waker` for `task` that owns no reference: it is only borrowed for the call,
/// so it costs no reference count. What the executor passes to `poll`.
pub(crate) fn with_borrowed<R>(task: &Arc<Task>, f: impl FnOnce(&Waker) -> R) -> R {
    let data = Arc::as_ptr(task).cast::<()>();
    // SAFETY: `data` points to a live task, kept alive by `task` for the whole call, and `f` only
    // gets a `&Waker`, which cannot outlive the call; cloning it goes through `clone`, which takes
    // a reference of its own. `ManuallyDrop` keeps `drop_waker` from giving back a reference this
    // waker never owned.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) });
    f(&waker)
}

/// clone: +1. The new `Waker` owns a reference of its own.
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a task pointer from `Arc::into_raw`/`as_ptr`, and the waker being cloned
    // keeps (or borrows) a reference, so the count is at least 1 during the increment.
    unsafe { Arc::increment_strong_count(data.cast::<Task>()) };
    RawWaker::new(data, &VTABLE)
}

/// wake: ±0. Consumes the `Waker`; its reference becomes the task's run queue entry, or is
/// dropped if the task needs no queueing.
unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker, so the reference it owned is ours to take back, once.
    let task = unsafe { Arc::from_raw(data.cast::<Task>()) };
    Task::wake_by_val(task);
}

/// wake_by_ref: ±0. Borrows the `Waker`'s reference; the task clones it only if it queues itself.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker keeps its reference during the call; `ManuallyDrop` makes sure we only
    // borrow it and never give it back.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Task>()) });
    Task::wake_by_ref(&task);
}

/// drop: −1. The `Waker`'s reference is released (the task is freed if it was the last).
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: a dropped waker owned one reference (a borrowed one is never dropped, see
    // `with_borrowed`), which we give back, once.
    drop(unsafe { Arc::from_raw(data.cast::<Task>()) });
}

/// How many references the task behind `waker` has (for tests: are they all given back?).
#[cfg(all(test, not(loom_model)))]
pub(crate) fn references(waker: &Waker) -> usize {
    assert!(std::ptr::eq(waker.vtable(), &VTABLE), "not a task waker");
    // SAFETY: a task waker's data is a task pointer, kept alive by `waker` during the call;
    // `ManuallyDrop` only borrows that reference.
    let task = ManuallyDrop::new(unsafe { Arc::from_raw(waker.data().cast::<Task>()) });
    Arc::strong_count(&task)
}

/// The shortcut: `Waker::from(task)` builds a waker with `std`'s own vtable, which does what ours
/// does through these two methods.
#[cfg(not(loom_model))]
impl std::task::Wake for Task {
    fn wake(self: Arc<Self>) {
        Task::wake_by_val(self);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Task::wake_by_ref(self);
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::task::{Ran, Schedule};

    /// A scheduler that keeps what it is given, so the test can count queueings.
    #[derive(Default)]
    struct Keep(Mutex<Vec<Arc<Task>>>);

    impl Schedule for Keep {
        fn spawn(&self, task: Arc<Task>) {
            self.0.lock().unwrap().push(task);
        }
        fn schedule(&self, task: Arc<Task>) {
            self.0.lock().unwrap().push(task);
        }
    }

    impl Keep {
        fn take(&self) -> Vec<Arc<Task>> {
            std::mem::take(&mut self.0.lock().unwrap())
        }
    }

    /// A task that never completes, run once so that it is IDLE, and its scheduler.
    fn idle_task() -> (Arc<Task>, Arc<Keep>) {
        let keep = Arc::new(Keep::default());
        let scheduler: Arc<dyn Schedule> = keep.clone();
        let (task, _detached) = Task::new(std::future::pending::<()>(), Arc::downgrade(&scheduler));
        assert_eq!(Task::run(task.clone()), Ran::Pending);
        (task, keep)
    }

    /// Runs the same sequence of clones, wakes and drops on `make(task)`, and returns what it saw:
    /// (the task's reference count after each step, how many times it was queued).
    fn script(make: fn(Arc<Task>) -> Waker) -> (Vec<usize>, usize) {
        let (task, keep) = idle_task();
        let mut counts = Vec::new();
        let mut queued = 0;
        let mut step = |counts: &mut Vec<usize>| {
            let entries = keep.take();
            queued += entries.len();
            drop(entries);
            counts.push(Arc::strong_count(&task));
        };
        let waker = make(task.clone());
        step(&mut counts);
        let second = waker.clone();
        step(&mut counts);
        waker.wake_by_ref(); // IDLE → SCHEDULED: queued
        step(&mut counts);
        second.wake_by_ref(); // already SCHEDULED: nothing
        let third = second.clone();
        step(&mut counts);
        drop(second);
        step(&mut counts);
        third.wake(); // SCHEDULED (its entry was dropped in `step`): nothing, reference released
        step(&mut counts);
        drop(waker);
        step(&mut counts);
        (counts, queued)
    }

    #[test]
    fn the_hand_made_waker_behaves_like_the_std_wake_shortcut() {
        let by_hand = script(waker);
        let shortcut = script(Waker::from);
        assert_eq!(by_hand, shortcut);
        // And the numbers themselves: 1 (the test's) + the wakers alive, back to 1; one queueing.
        assert_eq!(by_hand, (vec![2, 3, 3, 4, 3, 2, 1], 1));
    }

    #[test]
    fn wake_hands_its_own_reference_to_the_queue() {
        let (task, keep) = idle_task();
        let waker = waker(task.clone());
        assert_eq!(Arc::strong_count(&task), 2);
        waker.wake();
        let queued = keep.take();
        assert_eq!(queued.len(), 1);
        assert_eq!(
            Arc::strong_count(&task),
            2,
            "the waker's reference is now the queue's"
        );
        drop(queued);
        assert_eq!(Arc::strong_count(&task), 1);
    }

    #[test]
    fn clones_of_one_task_waker_will_wake_each_other() {
        let (task, _keep) = idle_task();
        let waker = waker(task.clone());
        let borrowed_matches = with_borrowed(&task, |borrowed| borrowed.will_wake(&waker));
        assert!(borrowed_matches);
        assert!(waker.clone().will_wake(&waker));
        assert_eq!(
            Arc::strong_count(&task),
            2,
            "the borrowed waker took no reference"
        );
    }
}
