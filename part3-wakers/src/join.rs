//! A task's output, and the two ends that pass it: the task side (`joined`), which polls the
//! user's future, catches a panic and writes the result; and the [`JoinHandle`], a future that
//! reads it.
//!
//! ```text
//!   task side (in the task's poll, under catch_unwind):
//!     the future returns v  ──▶ slot = Done(Ok(v))           ─┐
//!     the future panics     ──▶ slot = Done(Err(panicked))    ├─▶ wake the handle's waker
//!     dropped unfinished    ──▶ slot = Done(Err(cancelled))  ─┘   (unless the handle is gone)
//!   handle side (JoinHandle::poll):
//!     Done     ──▶ Ready(result), slot = Taken
//!     Running  ──▶ keep cx's waker (replacing the stored one unless it will_wake), Pending
//!     dropped  ──▶ detached: an output that arrives later is dropped at once
//! ```
//!
//! A panic inside a task stops at the task: the executor and the other tasks carry on, and
//! whoever awaits the handle gets a [`JoinError`] carrying the panic.
//!
//! The slot is a `Mutex`: the handle and the task touch it once or twice each. Tokio keeps the
//! output in the task's own allocation and coordinates with two state bits, JOIN_INTEREST and
//! JOIN_WAKER (`tokio/src/runtime/task/join.rs`, `harness.rs`, `state.rs`).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

use crate::sync::{Arc, Mutex};
use crate::task::TaskId;

/// Why a task gave no output.
pub struct JoinError {
    id: TaskId,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panicked(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    /// The task was dropped before it finished.
    pub fn cancelled(id: TaskId) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    /// The task panicked with `payload` (what `catch_unwind` returned).
    pub fn panicked(id: TaskId, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panicked(payload),
        }
    }

    /// The task that failed.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panicked(_))
    }

    /// The task was dropped before it finished: its runtime shut down.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The panic's payload (to `std::panic::resume_unwind` it, say), or the error back if the
    /// task did not panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panicked(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic's message, when it was a string (as `panic!` makes).
    fn panic_message(&self) -> Option<&str> {
        let Repr::Panicked(payload) = &self.repr else {
            return None;
        };
        payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "{} was cancelled: its runtime shut down", self.id),
            (Repr::Panicked(_), Some(message)) => write!(f, "{} panicked: {message}", self.id),
            (Repr::Panicked(_), None) => write!(f, "{} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for JoinError {}

/// The slot both ends share.
struct Slot<T> {
    output: Output<T>,
    /// The waker of the task awaiting the handle, if it is waiting.
    waker: Option<Waker>,
    /// The handle was dropped: nobody will read the output.
    detached: bool,
}

enum Output<T> {
    Running,
    Done(Result<T, JoinError>),
    Taken,
}

type Shared<T> = Arc<Mutex<Slot<T>>>;

/// The task side, type-erased: a future of `()`, since it puts the output in the slot itself.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Locks the slot. Nothing panics while holding it (user code runs outside), so a poisoned lock
/// still holds a consistent slot.
fn lock<T>(shared: &Shared<T>) -> crate::sync::MutexGuard<'_, Slot<T>> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The task side for `future`: a future of `()` that runs it and writes its result, and the
/// handle that reads it. `Task::new` wraps the task side in a task; public so that the two ends
/// can be driven by hand, as the `p4_join_handle` exercise's tests do.
pub fn joined<F>(id: TaskId, future: F) -> (BoxFuture, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Slot {
        output: Output::Running,
        waker: None,
        detached: false,
    }));
    let task_side = Joined {
        id,
        future: Some(Box::pin(future)),
        shared: shared.clone(),
    };
    (Box::pin(task_side), JoinHandle { id, shared })
}

/// The task side: polls the user's future under `catch_unwind`, then writes the result.
struct Joined<F: Future> {
    id: TaskId,
    /// `None` once finished.
    future: Option<Pin<Box<F>>>,
    shared: Shared<F::Output>,
}

impl<F: Future> Joined<F> {
    /// Writes the result and wakes the handle; if the handle is gone, drops the result instead.
    fn finish(&self, result: Result<F::Output, JoinError>) {
        let (waker, unread) = {
            let mut slot = lock(&self.shared);
            if slot.detached {
                (None, Some(result))
            } else {
                slot.output = Output::Done(result);
                (slot.waker.take(), None)
            }
        };
        // Outside the lock: both run code we do not control.
        drop(unread);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<F: Future> Future for Joined<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `Joined` is `Unpin` (the user's future is boxed), so it may be used as `&mut`.
        let this = &mut *self;
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        let result = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panicked(this.id, payload)),
        };
        // Finished: drop the future now. A panic in its drop is dropped too (Tokio does the
        // same): the result already stands.
        let _ = catch_unwind(AssertUnwindSafe(|| this.future = None));
        this.finish(result);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for Joined<F> {
    /// Dropped unfinished: the task was cancelled (or its drop panicked), and the handle says so.
    fn drop(&mut self) {
        let Some(future) = self.future.take() else {
            return;
        };
        let error = match catch_unwind(AssertUnwindSafe(|| drop(future))) {
            Ok(()) => JoinError::cancelled(self.id),
            Err(payload) => JoinError::panicked(self.id, payload),
        };
        self.finish(Err(error));
    }
}

/// A spawned task's output: a future that resolves to what the task returned, or to a
/// [`JoinError`] if it panicked or was cancelled. Dropping it detaches the task, which runs on.
pub struct JoinHandle<T> {
    id: TaskId,
    shared: Shared<T>,
}

impl<T> JoinHandle<T> {
    /// The task's number.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the task has finished (its output, or its error, is waiting here).
    pub fn is_finished(&self) -> bool {
        !matches!(lock(&self.shared).output, Output::Running)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = lock(&self.shared);
        match mem::replace(&mut slot.output, Output::Taken) {
            Output::Done(result) => Poll::Ready(result),
            Output::Running => {
                slot.output = Output::Running;
                let replaced = match &slot.waker {
                    Some(stored) if stored.will_wake(cx.waker()) => None,
                    _ => slot.waker.replace(cx.waker().clone()),
                };
                drop(slot);
                // Outside the lock: dropping a waker runs code we do not control.
                drop(replaced);
                Poll::Pending
            }
            Output::Taken => {
                drop(slot);
                panic!(
                    "{}'s JoinHandle was polled after it returned the output",
                    self.id
                )
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let (output, waker) = {
            let mut slot = lock(&self.shared);
            slot.detached = true;
            (
                mem::replace(&mut slot.output, Output::Taken),
                slot.waker.take(),
            )
        };
        drop((output, waker));
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id).finish()
    }
}
