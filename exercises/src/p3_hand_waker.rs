//! # Exercise: a waker by hand
//!
//! **Task.** Write [`waker`]: a `std::task::Waker` for a task, built from a `RawWakerVTable` of
//! your own — a data pointer (the task) and four functions (`clone`, `wake`, `wake_by_ref`,
//! `drop`) — so that waking it puts the task back in its run queue.
//!
//! **Why it matters.** The `Waker` is the one thing the reactor, the timers and other threads
//! hold of a task. It is copied into every socket a task waits on and called from any thread,
//! millions of times a second, so it must cost no allocation — and it must keep the task alive
//! exactly as long as someone holds it. `std::task::Wake` writes this for you (`Waker::from`
//! an `Arc`); here you write what it writes, and see where each reference count goes.
//!
//! The task is an `Arc<Task>`. Turn it into a raw pointer with `Arc::into_raw`: the `Waker`
//! then **owns that one reference**. `std`'s contract for the four functions:
//!
//! - `clone(data)` returns a `RawWaker` for a *new* `Waker`, which must own a reference too;
//! - `wake(data)` is `Waker::wake(self)`: it consumes the `Waker`;
//! - `wake_by_ref(data)` is `Waker::wake_by_ref(&self)`: the `Waker` lives on;
//! - `drop(data)`: the `Waker` is gone.
//!
//! Work out, for each, whether the task's reference count goes up, down or stays — every test
//! checks `Arc::strong_count` after clones, wakes and drops, from one thread and from many.
//! To wake the task, call [`Task::wake_by_val`] (it takes a reference: queued or dropped) or
//! [`Task::wake_by_ref`] (it borrows one, and clones it only if the task is to be queued).
//!
//! Every function of the table is `unsafe fn(*const ())`: you will turn the pointer back into
//! an `Arc<Task>` (`Arc::from_raw`) — taking its reference back — or only *borrow* it
//! (`std::mem::ManuallyDrop` around the `Arc`, so that nothing is given back), or add one
//! (`Arc::increment_strong_count`). Write a `// SAFETY:` comment for each `unsafe` block: why
//! this pointer is valid here, and whose reference you are using.
//!
//! **Lesson:** `part3-wakers/README.md`, section "A waker by hand". The real piece is
//! `part3_wakers::waker` (Tokio's is `tokio/src/runtime/task/waker.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p3_hand_waker` (or
//! `cargo test -p exercises --test p3_hand_waker`).
//!
//! Keep `waker`'s signature; the vtable and its functions are yours to write.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::sync::Arc;
use std::task::Waker;

pub use part3_wakers::task::{Ran, Schedule, Task};

/// A `Waker` that owns `task` (one reference count) and queues it when woken.
pub fn waker(task: Arc<Task>) -> Waker {
    // TODO: a `static` RawWakerVTable of four functions (each an `unsafe fn`), and
    // `Waker::from_raw(RawWaker::new(pointer, &VTABLE))` over the pointer `Arc::into_raw` gives.
    todo!()
}
