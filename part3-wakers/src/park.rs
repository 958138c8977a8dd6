//! `block_on` for one future: the calling thread sleeps (parks) until the future's waker is
//! called, then polls it again.
//!
//! The step between the crate's smallest executor (lib.rs, a queue and a condition variable)
//! and [`Runtime::block_on`](crate::Runtime::block_on): no queue, no tasks, no reactor — one
//! future, one thread, and a waker that unparks that thread.
//!
//! ```text
//!   loop {
//!     poll the future ── Ready ──▶ return its output
//!        │ Pending
//!     park until the waker has been called since the last poll (it may already have been)
//!   }
//!   the waker (from any thread):  woken = true, then unpark the blocked thread
//! ```
//!
//! Two ways to get it wrong, and what prevents them:
//!
//! - **Spinning**: polling again at once after `Pending`. It works, at the price of a whole core
//!   and of polls that find nothing to do. A future says when it can progress (it calls its
//!   waker), so the thread waits for that.
//! - **Losing a wake**: the waker may be called *before* the thread parks — during the poll
//!   itself (a future that wakes itself, like `yield_now`), or by another thread between the end
//!   of the poll and the park. The `woken` flag remembers it: it is cleared (`swap(false)`) only
//!   by the check that decides not to park, never after the poll, so a wake that came meanwhile
//!   is still there. (`thread::park` also keeps one unpark that arrives early, but it may return
//!   without any unpark at all — a *spurious* wake-up — so the flag is what decides.)
//!
//! Tokio: `CachedParkThread::block_on` in `tokio/src/runtime/park.rs` does this for
//! `Runtime::block_on` on a multi-thread runtime, with its own parker (a mutex, a condition
//! variable and a three-state word: empty, parked, notified) where we use `std::thread::park`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Runs `future` to completion on the calling thread and returns its output. Between polls the
/// thread parks until the future's waker is called (from any thread); it never busy-polls.
///
/// The future must not need a runtime: it cannot `spawn`, nor use this crate's sockets or
/// `sleep` (they need [`Runtime::block_on`](crate::Runtime::block_on)).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker = Arc::new(Unparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&unparker));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // `Acquire` pairs with the waker's `Release`: what the waker's caller wrote before the
        // wake (the data the future will find) is visible to the next poll.
        while !unparker.woken.swap(false, Ordering::Acquire) {
            // Returns on an unpark, possibly one that came before this call, or spuriously;
            // either way the flag decides whether to poll.
            thread::park();
        }
    }
}

/// The waker of [`block_on`]: a flag, and the thread to unpark.
struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The flag first: the blocked thread may be between its check and its park, and then
        // the unpark below makes that park return at once.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use std::future::poll_fn;
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_future_that_wakes_itself_is_polled_again() {
        let mut polls = 0;
        let output = block_on(poll_fn(|cx| {
            polls += 1;
            if polls < 3 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(polls)
        }));
        assert_eq!(output, 3, "two self-wakes, three polls, no park lost");
    }

    #[test]
    fn a_wake_from_another_thread_is_one_more_poll() {
        let (send_waker, wakers) = mpsc::channel::<Waker>();
        let waking = thread::spawn(move || wakers.recv().map(Waker::wake));
        let mut polls = 0;
        block_on(poll_fn(|cx| {
            polls += 1;
            if polls == 1 {
                send_waker.send(cx.waker().clone()).unwrap();
                return Poll::Pending;
            }
            Poll::Ready(())
        }));
        waking.join().unwrap().unwrap();
        assert_eq!(polls, 2, "polled once, woken once, polled once more");
    }
}
