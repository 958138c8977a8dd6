//! Wrong: once its timer is set, the `Sleep` keeps it, whoever polls it next.
//!
//! "Set the timer on the first poll" is the rule most people remember. But a future can be
//! moved into another task (handed over a channel, or polled by a different `select`), and then
//! the timer wakes the old task, which no longer holds the future: the new one sleeps forever.
//! `will_wake` tells whether the stored waker still is the right one.

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

    fn arm(&mut self, waker: &Waker) {
        let driver = context::driver();
        let timer = driver.add_timer(self.deadline, waker.clone());
        self.armed = Some(Armed { driver, timer });
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.disarm();
            return Poll::Ready(());
        }
        if self.armed.is_none() {
            self.arm(cx.waker());
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
