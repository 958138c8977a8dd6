//! Waiting for time to pass without holding a thread: `sleep(d).await`.
//!
//! In part 1 a request's `io_ms` was `thread::sleep`: a whole thread parked. In part 2 it was a
//! timer in the reactor's queue plus a `Waiting` state in the connection. Here it is one line of
//! the connection's `async fn` — and underneath, the same timer queue, now holding the waker of
//! the task that waits:
//!
//! ```text
//!   first poll:   deadline passed? ── yes ─▶ Ready
//!                      │ no
//!                 driver.add_timer(deadline, waker) ─▶ Pending
//!   timer due:    the driver wakes the task ─▶ it is polled again ─▶ deadline passed ─▶ Ready
//!   later polls:  same task? keep the timer · another task (the future moved)? re-arm with
//!                 the new waker, so the right task is woken
//!   dropped early (cancelled, e.g. by `timeout`): the timer is cancelled
//! ```
//!
//! A `Sleep` compares the clock itself rather than trusting that it was woken by its timer: a
//! task may be polled for other reasons (another future in a `timeout`, a spurious wake), and
//! then it must simply go on waiting.
//!
//! Tokio's `Sleep` (`tokio/src/time/sleep.rs`) does the same over its timer wheel
//! (`tokio/src/runtime/time/entry.rs` holds the registered waker).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use part2_reactor::timer::TimerId;

use crate::context;
use crate::driver::Driver;
use crate::observe::progress::{self, Wait};

/// Waits until `duration` has passed.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        armed: None,
    }
}

/// The future of [`sleep`]. See the [module docs](self).
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    /// The timer set in the driver, with the waker it will wake.
    armed: Option<Armed>,
}

#[derive(Debug)]
struct Armed {
    driver: Arc<Driver>,
    timer: TimerId,
    waker: Waker,
}

impl Sleep {
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    fn disarm(&mut self) {
        if let Some(armed) = self.armed.take() {
            armed.driver.cancel_timer(armed.timer);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.disarm();
            progress::timer_fired();
            return Poll::Ready(());
        }
        progress::waits(Wait::Timer);
        if let Some(armed) = &self.armed
            && armed.waker.will_wake(cx.waker())
        {
            return Poll::Pending;
        }
        // Not armed yet, or polled by another task than the one the timer would wake.
        self.disarm();
        let driver = context::driver();
        let timer = driver.add_timer(self.deadline, cx.waker().clone());
        self.armed = Some(Armed {
            driver,
            timer,
            waker: cx.waker().clone(),
        });
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// Runs `future` for at most `duration`: its output, or `ErrorKind::TimedOut` (and `future` is
/// dropped, which cancels whatever it waited for).
pub async fn timeout<F: Future>(duration: Duration, future: F) -> io::Result<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut sleep = std::pin::pin!(sleep(duration));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::ErrorKind::TimedOut.into())),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
