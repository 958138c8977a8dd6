//! Wrong: `Drop` is implemented for the gauge instead of the guard.
//!
//! The right idea on the wrong type: the count is given back when the *gauge* goes away (which
//! for a server's statistics is never), not when the unit's scope ends.

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

impl Drop for Gauge {
    fn drop(&mut self) {
        self.decr();
    }
}

#[derive(Debug)]
pub struct GaugeGuard<'a> {
    _gauge: &'a Gauge,
}
