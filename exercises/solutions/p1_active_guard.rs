//! Solution: the gauge the servers use, `instruments::metrics::{Gauge, GaugeGuard}`.
//!
//! One atomic integer; `enter` adds one and returns a guard that borrows the gauge; the guard's
//! `Drop` subtracts one. Each update is a single `fetch_add`/`fetch_sub`, so threads never lose
//! one another's updates, and no lock is needed.

pub use instruments::metrics::{Gauge, GaugeGuard};
