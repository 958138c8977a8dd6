//! Wrong: polled with a new waker, the `Sleep` sets a new timer but leaves the old one.
//!
//! The new task is woken, as it should be, so nothing seems wrong. But the old timer is still
//! in the driver: it fires for nothing and wakes the old task, which no longer waits for this
//! sleep (a spurious poll), and a future that moves often (polled in turn by several tasks)
//! piles up timers.

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

    fn arm(&mut self, waker: &Waker) {
        let driver = context::driver();
        let timer = driver.add_timer(self.deadline, waker.clone());
        self.armed = Some(Armed {
            driver,
            timer,
            waker: waker.clone(),
        });
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.disarm();
            return Poll::Ready(());
        }
        if let Some(armed) = &self.armed
            && armed.waker.will_wake(cx.waker())
        {
            return Poll::Pending;
        }
        // Re-armed for the new waker; the old timer stays in the driver.
        self.arm(cx.waker());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
