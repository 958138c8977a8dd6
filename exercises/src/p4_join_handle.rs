//! # Exercise: a `JoinHandle`
//!
//! **Task.** Write the two ends that carry a spawned task's output to whoever awaits it:
//! [`joined`] wraps the user's future into the *task side* — the future the executor polls —
//! and returns it with a [`JoinHandle`], a future of the task's result.
//!
//! ```text
//!   task side (polled by a worker):           handle (awaited by another task or thread):
//!     the future returns v  → Ok(v)             result there    → Ready(result)
//!     the future panics     → Err(panicked)     not yet         → keep cx's waker, Pending
//!     dropped unfinished    → Err(cancelled)    dropped         → nobody will read the result
//!     …then wake the handle's waker
//! ```
//!
//! **Why it matters.** `spawn` returns at once; the output appears later, on some worker, while
//! the awaiting task may be polled on another at that very moment. The handle and the task meet
//! in one shared slot, and the classic bug is the lost wake-up: the handle looks, finds nothing,
//! and stores its waker — but in between, the task wrote its output and found no waker to wake.
//! And a panic in one task must stop at that task: the worker polling it carries on, and the
//! handle reports the panic as an error.
//!
//! What the tests expect:
//!
//! - The output reaches the handle, wherever and whenever the task finishes; `is_finished`
//!   says whether it is there.
//! - **No wake-up is lost**, even when the task finishes on one thread while the handle is being
//!   polled on another (the tests race the two thousands of times).
//! - The waker woken is the one from the handle's **latest** poll: a handle may be moved to
//!   another task, and the first task's waker would wake the wrong one.
//! - A panic in the user's future is caught in the task side (whose poll then returns `Ready`)
//!   and reported as `Err(e)` with `e.is_panic()`; a task side dropped before its future finished
//!   reports `e.is_cancelled()` (a runtime that shuts down drops its tasks).
//! - Dropping the handle detaches the task: it runs on, and its output, once there, is dropped at
//!   once (nobody will read it); the handle's waker is let go when the handle is.
//!
//! Tools: an `Arc<Mutex<...>>` shared by both ends; `std::panic::catch_unwind` (with
//! `AssertUnwindSafe`); `Waker::will_wake` to tell whether a stored waker wakes the same task as
//! the new one. [`JoinError::panicked`] and [`JoinError::cancelled`] make the errors.
//!
//! **Lesson:** `part4-executor/README.md`, section "spawn, JoinHandle and panics". The real
//! piece is `part3_wakers::join` (Tokio's is `tokio/src/runtime/task/join.rs` and `harness.rs`,
//! which keep the output in the task itself and coordinate with state bits).
//!
//! **Test:** `cargo run -p exercises -- test p4_join_handle` (or
//! `cargo test -p exercises --test p4_join_handle`).
//!
//! Keep the public API as it is; the slot's type, the task side's type and the handle's fields
//! are yours.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use part3_wakers::TaskId;
pub use part3_wakers::join::{BoxFuture, JoinError};

/// The task side of `future` (a future of `()` that runs it and writes its result, for the
/// executor to poll), and the handle that reads that result.
pub fn joined<F>(id: TaskId, future: F) -> (BoxFuture, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // TODO: the slot both ends share; the task side (a future of your own that polls `future`,
    // catching a panic, and writes the result); the handle.
    todo!()
}

/// A spawned task's result: a future that resolves to what the task returned, or to a
/// [`JoinError`] if it panicked or was cancelled. Dropping it detaches the task.
pub struct JoinHandle<T> {
    // TODO: replace this placeholder with what the handle needs to reach the slot.
    _todo: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    /// The task's number.
    pub fn id(&self) -> TaskId {
        // TODO
        todo!()
    }

    /// Whether the task has finished (its output, or its error, is waiting here).
    pub fn is_finished(&self) -> bool {
        // TODO
        todo!()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // TODO: the result if it is there; otherwise remember whom to wake — in a way that
        // cannot miss a task finishing on another thread right now.
        todo!()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // TODO: nobody will read the result: say so to the task side, and drop what the
        // handle kept (a result already there, a waker).
    }
}
