//! Wrong: `block_on` polls the future in a loop until it is ready, with a waker that does
//! nothing.
//!
//! It returns the right output, and fast. But between the first poll and the one that finds
//! the future ready it has polled it thousands of times for nothing, one core at 100%: exactly
//! what a future's waker exists to avoid.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
