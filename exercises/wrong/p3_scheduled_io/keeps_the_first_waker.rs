//! Wrong: a stored waker is kept until it is used; a later poll does not replace it.
//!
//! Storing a waker only when the slot is empty saves a clone on every poll of the same task.
//! But when the future moves to another task (handed over, or polled by another select), the
//! event wakes the old task, which no longer holds the future, and the new one waits forever.
//! `will_wake` is the check that saves the clone *and* notices the move.

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
        inner.readable |= readable;
        inner.writable |= writable;
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
        // Someone already waits: keep that waker.
        let slot = inner.waiter(direction);
        if slot.is_none() {
            *slot = Some(cx.waker().clone());
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
