//! Wrong: the `Sleep` is `Ready` on any poll after its first, trusting that it was its timer.
//!
//! A task is polled when *something* woke it: its timer, but also a socket another of its
//! futures waits on, a `select`'s other branch, or a spurious wake. Trusting the wake ends the
//! sleep early whenever anything else wakes the task. Only the clock knows.

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
        if self.armed.is_some() || Instant::now() >= self.deadline {
            self.disarm();
            return Poll::Ready(());
        }
        self.arm(cx.waker());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
