//! Wrong: `Ready` without cancelling the timer; only `Drop` cancels it.
//!
//! Usually the timer has fired by the time the `Sleep` is `Ready`, so nothing is left. But a
//! task is polled for other reasons too: when such a poll finds the deadline passed before the
//! timer fired, the `Sleep` is done and its timer still waits in the driver, for as long as
//! the finished `Sleep` is kept (a field of a bigger future, say), and then fires for nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use part2_reactor::timer::TimerId;
use part3_wakers::context;
use part3_wakers::driver::Driver;

pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        armed: None,
    }
}

#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
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
            // The mistake: the timer is left armed until the Sleep is dropped.
            return Poll::Ready(());
        }
        if let Some(armed) = &self.armed
            && armed.waker.will_wake(cx.waker())
        {
            return Poll::Pending;
        }
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
