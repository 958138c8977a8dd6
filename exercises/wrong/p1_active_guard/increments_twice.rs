//! Wrong: a unit is counted twice on the way in and once on the way out.
//!
//! The guard's constructor counts the unit, and so does `enter` before calling it: two places
//! that each look right alone. Every guard leaves one unit behind.

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
        GaugeGuard::new(self)
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
    gauge: &'a Gauge,
}

impl<'a> GaugeGuard<'a> {
    fn new(gauge: &'a Gauge) -> Self {
        gauge.incr();
        GaugeGuard { gauge }
    }
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.gauge.decr();
    }
}
