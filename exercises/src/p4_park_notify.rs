//! # Exercise: who sleeps, who searches — a push wakes one worker, and no wake-up is lost
//!
//! **Task.** Write [`Idle`]: the bookkeeping that tells a thread that pushed work which
//! sleeping worker to wake, if any, and tells a worker that is going to sleep whether it must
//! look at the queues once more first.
//!
//! ```text
//!                  found nothing locally,              found a task
//!                  fewer than half searching          (the last searcher wakes another)
//!   RUNNING ───────────────────────────────▶ SEARCHING ──────────────────────────▶ RUNNING
//!      ▲                                         │
//!      │  woken by a push: counted as SEARCHING  │ found nothing anywhere
//!      │  by whoever woke it                     ▼
//!      └──────────────────────────────────── PARKED  (in the list of sleepers)
//! ```
//!
//! The runtime uses it like this (the tests do the same with real threads):
//!
//! ```text
//!   push(task):      queue it;  then  if let Some(i) = idle.worker_to_notify() { unpark(i) }
//!   a worker finds a task while searching:  if idle.stop_searching() { notify another }
//!   a worker finds nothing:  searching = idle.try_start_searching(); steal if so
//!   a worker finds nothing anywhere:
//!                    if idle.park(me, searching) && work is queued somewhere { notify }
//!                    sleep;  on waking, !idle.is_parked(me) means a push woke it: searching
//! ```
//!
//! **Why it matters.** Two ways to get it wrong, both expensive:
//!
//! - **The thundering herd.** Waking every sleeper, or one per push, for a burst of pushes:
//!   they all wake, collide on the queues, find nothing and sleep again. A push should wake a
//!   worker only when nobody is searching already (a searcher will find the work), and the
//!   woken worker is counted as searching *at once*, so that the next push sees it.
//! - **The lost wake-up.** A push lands just as the last searcher gives up: the pusher sees
//!   "somebody searches" and wakes nobody; the searcher, having looked everywhere, sleeps. The
//!   task waits in a queue while every worker sleeps. The cure: the searcher counts itself out
//!   *first*, and if it was the last one, looks at the queues once more (`park` returns `true`).
//!   Either the pusher saw it still searching (and its final look sees the task), or the pusher
//!   sees nobody searching and wakes someone.
//!
//! The rules, method by method:
//!
//! - `new(workers)`: every worker awake (unparked), none searching.
//! - `worker_to_notify()`: `None` if somebody searches or nobody sleeps; otherwise take one
//!   sleeper off the list, count it as unparked *and* searching, and return its index.
//! - `try_start_searching()`: refused (`false`) when `2 × searching ≥ workers`; else one more
//!   searcher.
//! - `stop_searching()`: one searcher fewer; `true` if it was the last.
//! - `park(index, searching)`: one unparked worker fewer (and one searcher fewer if
//!   `searching`); the worker joins the sleepers; `true` if it was the last searcher.
//! - `unpark_self(index)`: a sleeper woke by itself (its I/O driver had events): if it is
//!   still on the list, take it off, count it unparked (not searching), `true`; `false` if a
//!   push took it off already (and counted it searching).
//! - `is_parked(index)`: whether it is on the list.
//!
//! Many threads call these at once: each change of the counts must be one atomic step (two
//! counts in one atomic word let `worker_to_notify` change both at once), and a mutex around
//! the list of sleepers orders "park" against "take a sleeper". Use `SeqCst`: the protocol
//! above needs each side's write to be seen before its read.
//!
//! **Lesson:** `part4-executor/README.md`, sections "Searching and parking: no thundering
//! herd" and "Parking without a lost wake-up". The real piece is `part4_executor::idle::Idle`
//! (Tokio's is `tokio/src/runtime/scheduler/multi_thread/idle.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p4_park_notify` (or
//! `cargo test -p exercises --test p4_park_notify`).
//!
//! Keep the public API as it is; the fields are yours.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

pub use part4_executor::idle::Counts;

/// Who is parked, who searches.
#[derive(Debug)]
pub struct Idle {
    // TODO: replace this placeholder with the counts (searching, unparked) and the list of
    // sleepers.
    _todo: (),
}

impl Idle {
    /// `workers` workers, all awake, none searching.
    pub fn new(workers: usize) -> Idle {
        // TODO
        todo!()
    }

    /// The counts now (a snapshot).
    pub fn counts(&self) -> Counts {
        // TODO
        todo!()
    }

    /// Work was pushed: which sleeping worker to unpark, if any (already counted as unparked
    /// and searching).
    pub fn worker_to_notify(&self) -> Option<usize> {
        // TODO: nobody searching and somebody asleep → take a sleeper, count it, return it.
        // Another thread may push (or park) at the same moment.
        todo!()
    }

    /// A worker that found nothing locally asks to search; refused when half the workers do.
    pub fn try_start_searching(&self) -> bool {
        // TODO
        todo!()
    }

    /// A searching worker found a task. `true` if it was the last searcher.
    pub fn stop_searching(&self) -> bool {
        // TODO
        todo!()
    }

    /// Worker `index` found nothing anywhere and goes to sleep. `true` if it was the last
    /// searcher: it must look at every queue once more.
    pub fn park(&self, index: usize, searching: bool) -> bool {
        // TODO
        todo!()
    }

    /// Worker `index` woke by itself. `true` if it was still among the sleepers.
    pub fn unpark_self(&self, index: usize) -> bool {
        // TODO
        todo!()
    }

    /// Whether worker `index` is among the sleepers.
    pub fn is_parked(&self, index: usize) -> bool {
        // TODO
        todo!()
    }
}
