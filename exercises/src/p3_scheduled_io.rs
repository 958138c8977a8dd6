//! # Exercise: what the reactor keeps per socket — readiness and wakers
//!
//! **Task.** Write [`ScheduledIo`]: for one registered socket, the readiness the OS reported
//! (readable, writable) and, per direction, the waker of the task waiting for it. The driver
//! calls [`set_ready`](ScheduledIo::set_ready) on an event; a task's read or write future calls
//! [`poll_ready`](ScheduledIo::poll_ready) before its system call, and
//! [`clear`](ScheduledIo::clear) when that call said `WouldBlock` after all.
//!
//! **Why it matters.** With futures, the socket belongs to the task, not to the reactor, so
//! the reactor cannot act on an event itself: it can only remember it and wake whoever waits.
//! Three things go wrong easily, and each one hangs a connection or wastes work:
//!
//! - readiness that arrives while **nobody waits** (the task is busy elsewhere) must be kept
//!   for its next `poll_ready`, not dropped — edge-triggered epoll will not report it again;
//! - a task that finds the socket not ready **stores its waker**, and the next event for that
//!   direction wakes it; the stored waker is replaced only when another task polls
//!   (`Waker::will_wake` says it differs) — the future may have moved;
//! - a `clear` must not erase readiness that **arrived after** the readiness the task used:
//!   between the task's `WouldBlock` and its `clear`, new bytes may have been reported. So
//!   every `set_ready` moves a counter on (a *tick*), the [`ReadyEvent`] that `poll_ready`
//!   returns remembers the tick it saw, and `clear` acts only if the tick has not moved.
//!
//! And one race: the driver may report readiness *while* a task is between "not ready" and
//! "store my waker". Whatever the order, the task must end up either `Ready` or woken.
//!
//! What the tests expect, in short: `set_ready(r, w)` records the directions and returns the
//! waiting wakers of those directions (taken out: the driver wakes them); `poll_ready(d, cx)`
//! is `Ready(event)` if `d` is ready, else stores `cx`'s waker for `d` and is `Pending`;
//! `clear(event)` makes `event`'s direction not ready unless a `set_ready` came since;
//! `has_waiter(d)` says whether a waker is stored for `d`.
//!
//! **Lesson:** `part3-wakers/README.md`, section "The reactor keeps readiness and wakers". The
//! real piece is `part3_wakers::scheduled_io::ScheduledIo` (Tokio's is
//! `tokio/src/runtime/io/scheduled_io.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p3_scheduled_io` (or
//! `cargo test -p exercises --test p3_scheduled_io`).
//!
//! The fields (of `ScheduledIo` and of `ReadyEvent`) are yours to design; keep the public API
//! as it is.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::task::{Context, Poll};

pub use part3_wakers::scheduled_io::{Direction, Woken};

/// The readiness a task saw in [`ScheduledIo::poll_ready`]: what it hands back to
/// [`ScheduledIo::clear`] once its system call has said `WouldBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    // TODO: replace this placeholder: what must `clear` know about what the task saw?
    _todo: (),
}

/// Readiness and waiters of one registered socket.
#[derive(Debug, Default)]
pub struct ScheduledIo {
    // TODO: replace this placeholder. The driver and tasks call these methods from different
    // threads, through `&self`.
    _todo: (),
}

impl ScheduledIo {
    pub fn new() -> ScheduledIo {
        // TODO: not ready either way, nobody waiting.
        todo!()
    }

    /// The driver's side: the OS reported `readable` and/or `writable`.
    pub fn set_ready(&self, readable: bool, writable: bool) -> Woken {
        // TODO: record the readiness (and move the tick on), then take out the wakers waiting
        // for those directions and return them; the caller wakes them.
        todo!()
    }

    /// The task's side: is the socket ready for `direction`? If not, stores the task's waker
    /// and returns `Pending`.
    pub fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        // TODO: ready? Ready(what was seen). Else store cx's waker (unless the stored one
        // will_wake it) and return Pending — but what if readiness arrived meanwhile?
        todo!()
    }

    /// The task's side, after its system call said `WouldBlock`: not ready for `event`'s
    /// direction after all — unless the driver reported readiness since `event` was seen.
    pub fn clear(&self, event: ReadyEvent) {
        // TODO
        todo!()
    }

    /// Whether a waker is stored for `direction`.
    pub fn has_waiter(&self, direction: Direction) -> bool {
        // TODO
        todo!()
    }
}
