//! Wrong: the "woken" flag is reset after each poll, then the thread parks until it is set.
//!
//! Resetting a flag before waiting for it looks tidy. But a wake can arrive *during* the poll
//! (a future that wakes itself, like `yield_now`) or just after it: it sets the flag, and the
//! reset erases it. The unpark it sent makes one `park` return, the flag is still false, the
//! thread parks again — and nobody will ever wake it.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker = Arc::new(Unparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        unparker.woken.store(false, Ordering::Release);
        while !unparker.woken.load(Ordering::Acquire) {
            thread::park();
        }
    }
}
