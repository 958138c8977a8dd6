//! Wrong: no `Drop`: a `Sleep` dropped before its deadline leaves its timer in the driver.
//!
//! Every other duty is right, and a sleep that runs to its end leaves nothing behind, so the
//! mistake hides. But futures are dropped early all the time — a `timeout` around a request, a
//! client that hangs up — and each such `Sleep` leaves a timer that later fires for a task that
//! no longer waits for it (a spurious wake-up, and memory held until then).

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
        self.disarm();
        self.arm(cx.waker());
        Poll::Pending
    }
}
