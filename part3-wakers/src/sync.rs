//! The synchronization types that the task machinery shares between threads, from `std` — or
//! from [`loom`](https://docs.rs/loom) when the crate is built with `--cfg loom_model`, so that
//! loom can run `tests/loom.rs` through every interleaving of them. Nothing else differs between
//! the two builds.
//!
//! Only what a task, its waker and its join handle touch comes from here: the task's reference
//! count ([`Arc`]), its state word ([`AtomicUsize`]), its future ([`UnsafeCell`]) and the join
//! handle's slot ([`Mutex`]). The runtime around them uses `std` directly.

#[cfg(loom_model)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(loom_model)]
pub(crate) use loom::sync::{
    Arc, Mutex, MutexGuard,
    atomic::{AtomicUsize, Ordering},
};

#[cfg(not(loom_model))]
pub(crate) use std::sync::{
    Arc, Mutex, MutexGuard,
    atomic::{AtomicUsize, Ordering},
};

/// `std::cell::UnsafeCell` with loom's closure API, so one piece of code compiles in both builds
/// and loom can check each access.
#[cfg(not(loom_model))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom_model))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer through which it may read and write the value. The caller must
    /// guarantee that no other access happens meanwhile.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
