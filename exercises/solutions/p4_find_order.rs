//! Solution: part 4's `part4_executor::find::find_task`, which every worker runs (its
//! `Worker` implements `Sources`).
//!
//! Five `if let Some(task) = ... { return Some(task) }` in a row: the LIFO slot; the injector
//! if `ticks()` is a multiple of `GLOBAL_QUEUE_INTERVAL`; the local queue; the injector's
//! batch; and last, `steal()`, whose answer is the function's.

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources, find_task};
