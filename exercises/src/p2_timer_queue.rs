//! # Exercise: a timer queue
//!
//! **Task.** Write [`TimerQueue`]: timers, each a deadline and a value, that come out in
//! deadline order once they are due; a [`TimerId`] to cancel one; and the nearest deadline,
//! which is how long the event loop may sleep.
//!
//! **Why it matters.** A reactor waits for two things at once: sockets and time. Part 1 waited
//! for a request's `io_ms` with `thread::sleep`, one sleeping thread per request. Here the
//! request becomes a timer, and the loop passes *the time until the nearest deadline* as the
//! timeout of its one `poll`: it wakes up when a socket is ready or when the next timer is
//! due, whichever comes first. So the queue must answer three questions fast, thousands of
//! times a second: what is the nearest deadline? which timers are due now, in order? and,
//! when a connection closes, forget its timers (cancel).
//!
//! What the tests expect:
//!
//! - [`pop_expired`](TimerQueue::pop_expired)`(now)` returns the due timers one per call
//!   (deadline at or before `now`), earliest deadline first; timers with the same deadline
//!   come out in the order they were inserted. `None` once nothing more is due.
//! - [`cancel`](TimerQueue::cancel) returns the value of a pending timer and makes sure it
//!   never fires; for a timer that already fired or was cancelled it returns `None`.
//! - [`next_deadline`](TimerQueue::next_deadline) is the nearest deadline of a *pending*
//!   timer: a cancelled timer must not wake the loop up for nothing.
//! - Ids are never reused: an old id must not cancel a newer timer.
//! - [`len`](TimerQueue::len) counts the pending timers (the dashboard shows it).
//! - [`entries`](TimerQueue::entries) counts what the queue stores, cancelled entries included:
//!   it must stay in proportion to `len`, however many timers a server sets and cancels.
//!
//! A good start is `std::collections::BinaryHeap` (a max-heap: wrap entries in
//! `std::cmp::Reverse` to get the smallest first). Removing from the middle of a heap is
//! awkward; cancelling can be *lazy* instead: forget the timer, and skip its heap entry when it
//! reaches the top (and clear them all out now and then, or they pile up forever).
//!
//! **Lesson:** `part2-reactor/README.md`, section "One turn of the loop". The real piece is
//! `part2_reactor::timer::{TimerQueue, TimerId}` (its docs compare it with Tokio's timer wheel).
//!
//! **Test:** `cargo run -p exercises -- test p2_timer_queue`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p2_timer_queue`.
//!
//! The fields are yours to design (and so is what is inside a [`TimerId`]); keep the public
//! API as it is.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::marker::PhantomData;
use std::time::Instant;

/// A handle to cancel a timer. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId {
    // TODO: replace this placeholder with what tells one timer from every other, forever.
    // (The derives above stay: the tests compare ids and keep them in a `HashSet`.)
    _todo: (),
}

/// Timers, each with a deadline and a value (what to do when it fires).
#[derive(Debug)]
pub struct TimerQueue<T> {
    // TODO: replace this placeholder with the queue's state: the deadlines in an order that
    // finds the nearest one fast, the values of the pending timers, the next id.
    _todo: PhantomData<T>,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerQueue<T> {
    pub fn new() -> Self {
        // TODO: an empty queue.
        todo!()
    }

    /// Schedules `value` for `deadline`.
    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        // TODO: give the timer a new id and remember its deadline and value.
        todo!()
    }

    /// Cancels a pending timer and returns its value; `None` if it already fired or was
    /// cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        // TODO: forget the timer so that it never fires, and return its value.
        todo!()
    }

    /// The nearest deadline of a pending timer.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        // TODO: the earliest deadline, ignoring cancelled timers. (`&mut self`: you may tidy up
        // on the way.)
        todo!()
    }

    /// The next timer due at or before `now` (earliest deadline first, then insertion order),
    /// removed from the queue. Call it until it returns `None`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        // TODO: if the earliest pending timer is due (deadline <= now), remove it and return
        // it with its id.
        todo!()
    }

    /// How many timers are pending.
    pub fn len(&self) -> usize {
        // TODO: the timers inserted and neither fired nor cancelled.
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        // TODO
        todo!()
    }

    /// How many entries the queue stores, cancelled ones not cleared out yet included: what
    /// its memory grows with.
    pub fn entries(&self) -> usize {
        // TODO: everything the queue holds, pending or cancelled.
        todo!()
    }
}
