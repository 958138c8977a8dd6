//! Wrong: instead of a timer, the `Sleep` wakes its own task at every poll until the time is up.
//!
//! It ends at the right time, and it needs no driver at all. But it keeps the task in the run
//! queue: the thread polls it again and again, thousands of times per millisecond, and a
//! runtime with nothing else to do burns a whole core instead of sleeping in epoll.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline }
}

#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
}

impl Sleep {
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        // Poll me again soon.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
