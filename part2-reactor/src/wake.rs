//! Waking the event loop from another thread.
//!
//! The loop thread spends its idle time blocked in `epoll_wait`. Another thread that needs it
//! — to pause it, to let it take one step, to shut it down — cannot call into it; it can only
//! make `epoll_wait` return. [`mio::Waker`] does that: on Linux it is an `eventfd` registered
//! with the loop's epoll under a reserved token ([`WAKE_TOKEN`](crate::token::WAKE_TOKEN));
//! writing to it makes the fd readable, and the loop gets an event it recognises as "someone
//! wants my attention". What they want is left in shared memory (here, the
//! [`StepControl`](crate::step::StepControl)'s state), which the loop reads next.
//!
//! Part 3 builds on exactly this: a task's `Waker` ends up here when the task is woken from
//! another thread.

use std::io;

/// Interrupts the reactor's `poll` from any thread. See the [module docs](self).
#[derive(Debug)]
pub struct Wake {
    waker: mio::Waker,
}

impl Wake {
    pub(crate) fn new(waker: mio::Waker) -> Wake {
        Wake { waker }
    }

    /// Makes the reactor's current (or next) `poll` return with a wake event. Several wakes
    /// before the loop polls again arrive as one event.
    pub fn wake(&self) -> io::Result<()> {
        self.waker.wake()
    }
}
