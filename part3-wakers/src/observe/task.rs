//! Watching a task from the outside: its future, wrapped.
//!
//! The runtime's task (`task.rs`) knows nothing of the dashboard. To count a task's polls and
//! wakes, the server spawns `stats.observe(future)` instead of `future`: an [`Observed`] future
//! that, on its first poll, wraps the waker it is given (the task's own) in a [`TaskWaker`],
//! and from then on polls the inner future with the counting waker. Whatever the inner future
//! does with its waker — clone it into the driver, wake it, drop it — goes through the count.
//!
//! ```text
//!   executor ── poll(cx: task's waker) ──▶ Observed ── poll(cx: counting waker) ──▶ the future
//!                                            │ spawned() when made, completed() when dropped
//! ```
//!
//! The [`TaskWaker`] holds the task's waker, so the task holds itself while its future lives;
//! the future is dropped when it completes or when the runtime cancels it, and the loop goes
//! with it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::stats::RuntimeStats;
use super::waker::TaskWaker;

/// A future whose polls and wakes are counted. See the [module docs](self).
pub struct Observed<F> {
    future: Pin<Box<F>>,
    stats: Arc<RuntimeStats>,
    /// Made on the first poll, when the task's waker is known.
    waker: Option<TaskWaker>,
}

impl<F: Future> Observed<F> {
    /// Wraps `future`, counting it as spawned.
    pub fn new(future: F, stats: Arc<RuntimeStats>) -> Observed<F> {
        stats.spawned();
        Observed {
            future: Box::pin(future),
            stats,
            waker: None,
        }
    }
}

impl<F: Future> Future for Observed<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let waker = this
            .waker
            .get_or_insert_with(|| TaskWaker::new(cx.waker().clone(), Arc::clone(&this.stats)));
        waker.poll(|counted| this.future.as_mut().poll(counted))
    }
}

impl<F> Drop for Observed<F> {
    fn drop(&mut self) {
        self.stats.completed();
    }
}

impl RuntimeStats {
    /// `future`, wrapped so that its task's polls and wakes are counted here.
    pub fn observe<F: Future>(self: &Arc<Self>, future: F) -> Observed<F> {
        Observed::new(future, Arc::clone(self))
    }
}
