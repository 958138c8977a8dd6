//! Wrong: readiness is recorded only when a task is waiting for it.
//!
//! "Why remember an event nobody asked for?" Because edge-triggered epoll reports a change
//! once: a socket that became readable while its task was busy elsewhere (writing a response,
//! waiting on a timer) will not be reported again, and the task's next read waits for an event
//! that never comes.

use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

pub use part3_wakers::scheduled_io::{Direction, Woken};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    tick: u64,
    direction: Direction,
}

#[derive(Debug, Default)]
struct Inner {
    readable: bool,
    writable: bool,
    tick: u64,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Inner {
    fn ready(&mut self, direction: Direction) -> &mut bool {
        match direction {
            Direction::Read => &mut self.readable,
            Direction::Write => &mut self.writable,
        }
    }

    fn waiter(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// One lock for everything: simple, and no race between a poll and an event.
#[derive(Debug, Default)]
pub struct ScheduledIo(Mutex<Inner>);

impl ScheduledIo {
    pub fn new() -> ScheduledIo {
        ScheduledIo::default()
    }

    pub fn set_ready(&self, readable: bool, writable: bool) -> Woken {
        let mut inner = self.0.lock().unwrap();
        inner.tick += 1;
        // Readiness is only worth keeping for a task that asked for it.
        if readable && inner.reader.is_some() {
            inner.readable = true;
        }
        if writable && inner.writer.is_some() {
            inner.writable = true;
        }
        Woken {
            reader: if readable { inner.reader.take() } else { None },
            writer: if writable { inner.writer.take() } else { None },
        }
    }

    pub fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        let mut inner = self.0.lock().unwrap();
        if *inner.ready(direction) {
            return Poll::Ready(ReadyEvent {
                tick: inner.tick,
                direction,
            });
        }
        let slot = inner.waiter(direction);
        match slot {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    pub fn clear(&self, event: ReadyEvent) {
        let mut inner = self.0.lock().unwrap();
        if inner.tick == event.tick {
            *inner.ready(event.direction) = false;
        }
    }

    pub fn has_waiter(&self, direction: Direction) -> bool {
        self.0.lock().unwrap().waiter(direction).is_some()
    }
}
