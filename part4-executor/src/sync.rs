//! The synchronization types of the parking protocol ([`idle`](crate::idle) and
//! [`park`](crate::park)) and of a task reference, from `std` — or from
//! [`loom`](https://docs.rs/loom) under `--cfg loom_model`, so that `tests/loom.rs` can run the
//! protocol through every interleaving. Part 3 swaps its task types under the same flag, so a
//! task reference here is always the same `Arc` as part 3's. (Not the usual `cfg(loom)`: under
//! it Tokio leaves out its network module, which the workspace's load generator needs.)
//!
//! The rest of the runtime (the queues from `crossbeam-deque`, the list of live tasks, the
//! published metrics) uses `std` directly: loom checks the protocol, not the whole runtime.

#[cfg(loom_model)]
pub(crate) use loom::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

#[cfg(not(loom_model))]
pub(crate) use std::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};
