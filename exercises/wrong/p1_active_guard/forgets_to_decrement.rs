//! Wrong: the guard has no `Drop`, so nothing ever gives the unit back.
//!
//! The plausible thought: "the guard goes out of scope, so the count goes with it". A value
//! going out of scope only runs code that a `Drop` implementation puts there.

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
        GaugeGuard { _gauge: self }
    }

    pub fn incr(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn decr(&self) {
        self.0.fetch_sub(1, Relaxed);
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
    _gauge: &'a Gauge,
}
