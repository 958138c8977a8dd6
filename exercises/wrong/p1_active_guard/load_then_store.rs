//! Wrong: `incr` and `decr` read the count, then store the new value: two atomic operations,
//! not one.
//!
//! The plausible thought: "an `AtomicU64` is thread-safe, so any code using it is". Each load
//! and each store is atomic, but between them another thread may update the count, and the
//! store then writes over that update. With one thread, or a few threads taking turns, it
//! never shows; with many threads entering and leaving at once, updates are lost and the
//! gauge drifts away from the truth (and, when a decrement is lost below zero, wraps around).
//! `fetch_add`/`fetch_sub` do the read, the change and the write as one step.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    pub const fn new() -> Self {
        Gauge(AtomicU64::new(0))
    }

    #[must_use = "the gauge is decremented when the guard is dropped"]
    pub fn enter(&self) -> GaugeGuard<'_> {
        self.incr();
        GaugeGuard { gauge: self }
    }

    pub fn incr(&self) {
        let count = self.0.load(Relaxed);
        self.0.store(count.wrapping_add(1), Relaxed);
    }

    pub fn decr(&self) {
        let count = self.0.load(Relaxed);
        self.0.store(count.wrapping_sub(1), Relaxed);
    }

    pub fn set(&self, value: u64) {
        self.0.store(value, Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

#[derive(Debug)]
pub struct GaugeGuard<'a> {
    gauge: &'a Gauge,
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.gauge.decr();
    }
}
