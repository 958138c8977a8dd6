//! # Exercise: `block_on` that parks instead of spinning
//!
//! **Task.** Write [`block_on`]: run one future to completion on the calling thread and return
//! its output. Between polls the thread must **sleep** until the future's waker is called —
//! from this thread or any other — and then poll it again.
//!
//! **Why it matters.** It is the smallest real executor: one future, one thread, one waker.
//! `loop { poll }` also finishes, but it burns a whole core to wait, and polls a future that
//! has said it cannot progress. The waker is how a future says "now": your `block_on` gives
//! the future a waker that wakes the sleeping thread. Everything after (a run queue, a
//! reactor, many tasks) is this loop, grown.
//!
//! What the tests expect:
//!
//! - The future is polled once at the start, and then **only after a wake**: never twice in a
//!   row without a call to its waker in between.
//! - A wake from another thread makes the blocked thread poll again.
//! - **No wake is lost**, wherever it falls: during the poll itself (a future that wakes itself
//!   before returning `Pending`), or between the end of the poll and the moment the thread goes
//!   to sleep.
//! - The thread may be unparked by something else than your waker (`thread::park` may even
//!   return for no reason at all): such a wake-up must not lead to a poll.
//!
//! Tools: `std::thread::park()` sleeps until `Thread::unpark()` is called on this thread (an
//! unpark that comes *before* the park makes it return at once, but it may also return
//! spuriously); `thread::current()` is the `Thread` to unpark. A `Waker` can be made from an
//! `Arc` of your own type that implements `std::task::Wake` (`Waker::from(arc)`).
//!
//! **Lesson:** `part3-wakers/README.md`, section "One future, one thread: block_on". The real
//! piece is `part3_wakers::park::block_on` (Tokio's is `CachedParkThread::block_on` in
//! `tokio/src/runtime/park.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p3_block_on` (or
//! `cargo test -p exercises --test p3_block_on`).
//!
//! Keep `block_on`'s signature; any type you need is yours to write.

// The parameters are unused until you write the body.
#![allow(unused_variables)]

use std::future::Future;

/// Runs `future` to completion on this thread and returns its output; between polls the
/// thread sleeps until the future's waker is called.
pub fn block_on<F: Future>(future: F) -> F::Output {
    // TODO: a waker that wakes this thread; a Context from it; the future pinned; then poll
    // until Ready, and between two polls sleep until the waker has been called.
    todo!()
}
