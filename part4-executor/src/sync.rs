//! The synchronization types of the parking protocol ([`idle`](crate::idle) and
//! [`park`](crate::park)) and of a task reference, from `std` — or from
//! [`loom`](https://docs.rs/loom) under `--cfg loom`, so that `tests/loom.rs` can run the
//! protocol through every interleaving. Part 3 swaps its task types the same way, so a task
//! reference here is always the same `Arc` as part 3's.
//!
//! The rest of the runtime (the queues from `crossbeam-deque`, the list of live tasks, the
//! published metrics) uses `std` directly: loom checks the protocol, not the whole runtime.

#[cfg(loom)]
pub(crate) use loom::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};
