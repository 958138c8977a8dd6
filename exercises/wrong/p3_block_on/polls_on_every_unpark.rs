//! Wrong: the waker only unparks the thread, and `block_on` polls whenever `park` returns.
//!
//! `std::thread::park` keeps an unpark that arrives before it, so no wake is lost. But `park`
//! may return without any unpark (its documentation says so), and anything else running on
//! the thread may unpark it — std's own channels park and unpark threads. Each such return
//! becomes a poll of a future that nobody woke.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
