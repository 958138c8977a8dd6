//! What the reactor keeps per registered socket, now that the socket belongs to a future.
//!
//! In part 2 the reactor owned each connection (its socket *and* its state machine), so an event
//! could be handled on the spot. With futures, the socket lives inside the task that uses it;
//! the reactor cannot read from it and must not try. What it can do is remember two things per
//! registration and hand them over when asked:
//!
//! - the **readiness** the OS reported (readable, writable), until the task has used it up;
//! - a **waker per direction**: the task that found the socket not ready, to be woken when it is.
//!
//! ```text
//!   task (poll_ready)                              driver (on an event)
//!   ────────────────                               ────────────────────
//!   readiness has my direction? ── yes ─▶ Ready    readiness |= event, tick += 1
//!          │ no                                    take the waker of each ready direction
//!   store cx.waker() (unless will_wake)            wake it (after letting go of the lock)
//!   look at readiness again ── ready now ─▶ Ready
//!          │ still not
//!       Pending
//! ```
//!
//! # Invariants
//!
//! - **No lost wake-up.** The driver publishes readiness *before* it takes the waiters' lock;
//!   the task stores its waker *under* that lock and then looks at readiness once more. Either
//!   the driver's lock came first (then the second look sees the readiness) or the task's did
//!   (then the driver finds the waker and wakes it).
//! - **Readiness arriving with no waiter is kept**, not lost: it waits in `readiness` for the
//!   next `poll_ready`.
//! - **A clear never erases newer readiness.** A task clears a direction after its read or
//!   write said `WouldBlock`. Between that system call and the clear, the OS may have reported
//!   new bytes (with several threads the driver runs concurrently: part 4). Every event bumps a
//!   *tick*; [`ReadyEvent`] remembers the tick it saw, and [`clear`](ScheduledIo::clear) only
//!   acts if the tick is unchanged.
//! - **One waker per direction.** A socket is read by one task at a time, and written by one:
//!   a second reader replaces the first, as in Tokio's `AsyncRead` slot. The stored waker is
//!   replaced only when [`Waker::will_wake`] says it is a different task, so polling the same
//!   task again costs no waker clone.
//!
//! Tokio keeps the same per-registration record: `ScheduledIo` in
//! `tokio/src/runtime/io/scheduled_io.rs`, with readiness and a driver tick packed in one
//! `AtomicUsize` and `reader`/`writer` waker slots (plus a list for other waiters).

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Which way a task wants to use a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

impl Direction {
    fn bit(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// The readable bit of `readiness`. (Hang-ups and errors are folded into readable and writable
/// by part 2's `ReadyEvent`: a read or write then tells the task what happened.)
const READABLE: usize = 0b01;
/// The writable bit of `readiness`.
const WRITABLE: usize = 0b10;
/// The readiness bits; the tick is stored above them.
const READY_MASK: usize = READABLE | WRITABLE;
/// How far the tick is shifted up.
const TICK_SHIFT: u32 = 2;

/// The readiness a task saw in [`ScheduledIo::poll_ready`], and when (the tick): what it hands
/// back to [`ScheduledIo::clear`] once a system call has said `WouldBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    tick: usize,
    direction: Direction,
}

/// The wakers of the tasks waiting on one socket.
#[derive(Debug, Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Waiters {
    fn slot(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// Which wakers one [`ScheduledIo::set_ready`] took, for the driver to wake and count.
#[derive(Debug, Default)]
pub struct Woken {
    pub reader: Option<Waker>,
    pub writer: Option<Waker>,
}

/// Readiness and waiters of one registered socket. See the [module docs](self).
#[derive(Debug, Default)]
pub struct ScheduledIo {
    /// `tick << TICK_SHIFT | readable | writable`.
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub fn new() -> ScheduledIo {
        ScheduledIo::default()
    }

    /// The driver's side: the OS reported `readable` and/or `writable`. Records it (with a new
    /// tick) and takes the wakers waiting for those directions. The caller wakes them after
    /// letting go of its own locks: a woken task may come straight back to this socket.
    pub fn set_ready(&self, readable: bool, writable: bool) -> Woken {
        let bits = if readable { READABLE } else { 0 } | if writable { WRITABLE } else { 0 };
        // `fetch_update` retries if a task's `clear` slipped in between load and store.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            let tick = (current >> TICK_SHIFT).wrapping_add(1);
            Some(tick << TICK_SHIFT | (current & READY_MASK) | bits)
        });
        let mut waiters = self.lock();
        Woken {
            reader: if readable {
                waiters.reader.take()
            } else {
                None
            },
            writer: if writable {
                waiters.writer.take()
            } else {
                None
            },
        }
    }

    /// The task's side: is the socket ready for `direction`? If not, stores the task's waker
    /// (replacing another task's) and returns `Pending`; the driver will wake it.
    pub fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        if let Some(event) = self.ready(direction) {
            return Poll::Ready(event);
        }
        let mut waiters = self.lock();
        let slot = waiters.slot(direction);
        match slot {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Look again under the lock: readiness set before the driver took the lock is seen
        // here; after it, the driver finds the waker just stored.
        match self.ready(direction) {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }

    /// The task's side, after its system call said `WouldBlock`: the socket is not ready for
    /// `event`'s direction after all. Does nothing if the driver reported readiness since
    /// `event` was seen (its tick moved on): that newer readiness is real.
    pub fn clear(&self, event: ReadyEvent) {
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            (current >> TICK_SHIFT == event.tick).then_some(current & !event.direction.bit())
        });
    }

    /// Whether a waker is stored for `direction` (for tests and the dashboard).
    pub fn has_waiter(&self, direction: Direction) -> bool {
        self.lock().slot(direction).is_some()
    }

    fn ready(&self, direction: Direction) -> Option<ReadyEvent> {
        let current = self.readiness.load(Acquire);
        (current & direction.bit() != 0).then_some(ReadyEvent {
            tick: current >> TICK_SHIFT,
            direction,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        // Two `Option<Waker>`s are valid whatever a panicking holder left half done.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::task::Wake;

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counting() -> (Arc<Counting>, Waker) {
        let counter = Arc::new(Counting::default());
        (Arc::clone(&counter), Waker::from(counter))
    }

    #[test]
    fn readiness_that_arrives_with_no_waiter_is_kept() {
        let io = ScheduledIo::new();
        let woken = io.set_ready(true, false);
        assert!(woken.reader.is_none() && woken.writer.is_none());
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_ready());
        assert!(io.poll_ready(Direction::Write, &mut cx).is_pending());
    }

    #[test]
    fn a_pending_task_is_woken_by_the_next_event_of_its_direction() {
        let io = ScheduledIo::new();
        let (counter, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_pending());
        assert!(io.has_waiter(Direction::Read));
        let woken = io.set_ready(false, true);
        assert!(woken.reader.is_none(), "writable does not wake a reader");
        let woken = io.set_ready(true, false);
        woken.reader.expect("the reader's waker").wake();
        assert_eq!(counter.0.load(SeqCst), 1);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn a_clear_with_an_old_tick_keeps_newer_readiness() {
        let io = ScheduledIo::new();
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        io.set_ready(true, false);
        let Poll::Ready(seen) = io.poll_ready(Direction::Read, &mut cx) else {
            panic!("readable");
        };
        // New bytes are reported between the task's WouldBlock and its clear...
        io.set_ready(true, false);
        io.clear(seen);
        // ...so the socket stays readable.
        let Poll::Ready(fresh) = io.poll_ready(Direction::Read, &mut cx) else {
            panic!("the newer readiness was erased");
        };
        io.clear(fresh);
        assert!(io.poll_ready(Direction::Read, &mut cx).is_pending());
    }

    #[test]
    fn the_stored_waker_is_replaced_only_by_another_task() {
        let io = ScheduledIo::new();
        let (first, first_waker) = counting();
        let (second, second_waker) = counting();
        assert!(
            io.poll_ready(Direction::Read, &mut Context::from_waker(&first_waker))
                .is_pending()
        );
        // The same task again: its waker is kept, not cloned again.
        let strong = Arc::strong_count(&first);
        assert!(
            io.poll_ready(Direction::Read, &mut Context::from_waker(&first_waker))
                .is_pending()
        );
        assert_eq!(Arc::strong_count(&first), strong);
        // The future moved to another task: that task is the one to wake.
        assert!(
            io.poll_ready(Direction::Read, &mut Context::from_waker(&second_waker))
                .is_pending()
        );
        assert_eq!(
            Arc::strong_count(&first),
            strong - 1,
            "the old waker is dropped"
        );
        io.set_ready(true, false).reader.expect("a waiter").wake();
        assert_eq!(
            (first.0.load(SeqCst), second.0.load(SeqCst)),
            (0, 1),
            "only the task that polled last is woken"
        );
    }
}
