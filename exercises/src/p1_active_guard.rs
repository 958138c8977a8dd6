//! # Exercise: a guard that keeps the active-connection count right
//!
//! **Task.** Write [`Gauge`], a count that many threads move up and down at once, and
//! [`GaugeGuard`], the value [`Gauge::enter`] returns: it holds one unit of the count and gives
//! it back when it is dropped.
//!
//! **Why it matters.** The dashboard's "Connections" row is such a gauge: every connection
//! thread counts itself in when it starts and out when it ends. "When it ends" is the hard
//! part. A connection ends on many paths: the client leaves, a read fails and `?` returns
//! early, a handler panics. A `decr()` written at the bottom of the function runs on none of
//! the early ones, and the count drifts up forever. A guard's `Drop` runs on every path out of
//! the scope, unwinding from a panic included. This is RAII, the same idea as `MutexGuard`.
//!
//! **Lesson:** `part1-threads/README.md`, section "Counting what is open". The real piece is
//! `instruments::metrics::{Gauge, GaugeGuard}`.
//!
//! **Test:** `cargo run -p exercises -- test p1_active_guard`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p1_active_guard`.
//!
//! Many threads call these methods on the same `Gauge` at the same time (through `&Gauge`), so
//! the count must be updated without a lock and without losing an update.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::marker::PhantomData;

/// A number that goes up and down: how many of something exist right now.
#[derive(Debug, Default)]
pub struct Gauge {
    // TODO: replace this placeholder with the count. Which type can many threads update
    // through a shared reference, without a lock?
    _todo: (),
}

impl Gauge {
    /// A gauge at 0.
    pub const fn new() -> Self {
        // TODO: a gauge at 0.
        todo!()
    }

    /// Counts one more, and counts it back when the returned guard is dropped.
    #[must_use = "the gauge is decremented when the guard is dropped"]
    pub fn enter(&self) -> GaugeGuard<'_> {
        // TODO: count one more, and return a guard that remembers which gauge to give it back to.
        todo!()
    }

    /// Counts one more.
    pub fn incr(&self) {
        // TODO: add 1, atomically.
        todo!()
    }

    /// Counts one less.
    pub fn decr(&self) {
        // TODO: subtract 1, atomically.
        todo!()
    }

    /// Sets the count (for a number the caller counts itself, such as threads alive).
    pub fn set(&self, value: u64) {
        // TODO: store `value`.
        todo!()
    }

    /// The count right now.
    pub fn get(&self) -> u64 {
        // TODO: read the count.
        todo!()
    }
}

/// Holds one unit of a [`Gauge`]; dropping it (even while unwinding from a panic) gives it back.
#[derive(Debug)]
pub struct GaugeGuard<'a> {
    // TODO: replace this placeholder with what the guard needs to give its unit back.
    _todo: PhantomData<&'a Gauge>,
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        // TODO: give the unit back to the gauge.
        //
        // (This body is empty rather than `todo!()` on purpose: a guard is dropped while a
        // panic unwinds, and a second panic at that moment aborts the whole test run.)
    }
}
