//! `yield_now()`: give the thread back once, to let the other runnable tasks go first.
//!
//! The future returns `Pending` once, after waking its own task: the wake arrives while the task
//! is RUNNING, so it becomes NOTIFIED, and the end of the poll puts the task at the back of the
//! run queue (state.rs). The second poll returns `Ready`. Tokio: `tokio/src/task/yield_now.rs`
//! (which defers the wake until the driver has been polled, see coop.rs).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the other runnable tasks once.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
