//! # Exercise: a `Sleep` future
//!
//! **Task.** Write [`sleep`], [`sleep_until`] and their future, [`Sleep`]: `sleep(d).await`
//! waits until `d` has passed without holding the thread, by putting a timer in the runtime's
//! driver with the waker of the task that waits.
//!
//! **Why it matters.** It is the smallest leaf future, and it has every duty of one: register
//! what it waits for on the first poll, answer `Pending` until it has happened, make sure the
//! *right* task is woken, and clean up if it is dropped before the end (a request cut short by
//! a timeout must not leave its timer behind: a busy server would pile up thousands). In part 1
//! a request's `io_ms` held a whole thread; in part 2 it was a `Waiting` state and a timer;
//! here it is one `.await`.
//!
//! What the tests expect, on `part3_wakers::Runtime`:
//!
//! - Creating a `Sleep` does nothing (a future does nothing until polled). The first poll
//!   that finds the deadline still ahead sets **one** timer with the poll's waker, and returns
//!   `Pending`.
//! - A poll returns `Ready` only once `Instant::now()` has reached the deadline. A task can be
//!   polled for other reasons than this timer (a spurious wake, another future in the same
//!   task), so the clock decides, not the wake.
//! - Polled again with a waker that would wake the same task (`Waker::will_wake`), it keeps
//!   its timer. Polled with another task's waker (the future was moved to another task), it
//!   replaces the timer, so that the new task is the one woken.
//! - When it is `Ready`, or dropped before that, no timer of it is left in the driver. `Ready`
//!   does not mean the timer fired: a poll for another reason may find the deadline passed
//!   first, and then the timer is still there.
//! - It never wakes itself to be polled again (that would be spinning, not sleeping).
//!
//! The driver: `part3_wakers::context::driver()` returns the current runtime's
//! `Arc<part3_wakers::driver::Driver>` (it panics outside `Runtime::block_on`, so call it in
//! `poll`, not in `sleep`). `driver.add_timer(deadline, waker)` sets a timer that will wake
//! `waker` and returns its `part2_reactor::timer::TimerId`; `driver.cancel_timer(id)` cancels
//! it (harmless if it already fired); `driver.load()` is `(sockets, timers)` — the tests read
//! the timers. Keep the `Arc<Driver>` you set the timer with, next to its `TimerId` (the real
//! `Sleep` does): `Drop` can then cancel the timer without `context::driver()`, which may not
//! be there when a `Sleep` is dropped (outside the runtime, after it).
//!
//! **Lesson:** `part3-wakers/README.md`, section "Leaf futures: sleep". The real piece is
//! `part3_wakers::time::{sleep, sleep_until, Sleep}` (Tokio's is `tokio/src/time/sleep.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p3_sleep` (or
//! `cargo test -p exercises --test p3_sleep`).
//!
//! The fields are yours to design; keep the public API as it is.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has passed.
pub fn sleep(duration: Duration) -> Sleep {
    // TODO: a Sleep until now + duration.
    todo!()
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    // TODO: a Sleep that has set no timer yet.
    todo!()
}

/// The future of [`sleep`].
#[derive(Debug)]
pub struct Sleep {
    // TODO: replace this placeholder with what a Sleep must remember: its deadline, and, once
    // it has set a timer, what it needs to cancel that timer and to tell whether a new poll
    // comes from the same task.
    _todo: (),
}

impl Sleep {
    /// When it ends.
    pub fn deadline(&self) -> Instant {
        // TODO
        todo!()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // TODO: deadline reached? Ready (and no timer left behind). Otherwise make sure that a
        // timer will wake the waker in `cx`, setting one only when needed, and return Pending.
        todo!()
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // TODO: dropped before its deadline (cancelled, e.g. by a timeout): cancel its timer.
    }
}
