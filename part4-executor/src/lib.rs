//! # Part 4 — a work-stealing executor, and Tokio beside it
//!
//! - [`tokio_server`]: the same app (part 3's connection loop, unchanged) on Tokio's
//!   multi-thread runtime, so that the dashboard can compare the two runtimes on one load.
//! - [`observe`]: what the executor panel shows — a row per worker (queue, polls, steals,
//!   parks, busy time), the injector, the tasks alive — from our runtime's metrics or Tokio's.

pub mod observe;
pub mod tokio_server;
