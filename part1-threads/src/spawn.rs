//! Spawning a thread without losing what you hand it when the OS says no.
//!
//! `std::thread::spawn` panics when the OS refuses a thread. A server must not: near the limits
//! (`vm.max_map_count`, `kernel.threads-max`, `RLIMIT_NPROC`) `clone` or the stack's `mmap`
//! fails with `EAGAIN`, and that is an ordinary event to count and answer, not a crash.
//! [`std::thread::Builder::spawn`] returns the error instead of panicking, but it consumes the
//! closure — and with it the connection we wanted the thread to serve. [`try_spawn`] passes the
//! value through a shared slot, so that on failure it comes back and the caller can still send
//! the client a `503`.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// How to spawn: the thread's name (shown by `top -H`, htop and our dashboard) and its stack.
#[derive(Debug, Clone)]
pub struct ThreadSpec {
    pub name: String,
    /// Stack size in bytes; `None` keeps Rust's default (2 MiB, or `RUST_MIN_STACK`).
    pub stack_size: Option<usize>,
}

/// The OS refused a thread; the value meant for it is handed back.
#[derive(Debug)]
pub struct SpawnRefused<T> {
    pub error: io::Error,
    pub value: T,
}

/// Runs `work(value)` on a new thread named per `spec`, or gives `value` back with the error.
pub fn try_spawn<T, F>(spec: &ThreadSpec, value: T, work: F) -> Result<(), SpawnRefused<T>>
where
    T: Send + 'static,
    F: FnOnce(T) + Send + 'static,
{
    let mut builder = thread::Builder::new().name(spec.name.clone());
    if let Some(size) = spec.stack_size {
        builder = builder.stack_size(size);
    }
    let slot = Arc::new(Mutex::new(Some(value)));
    let thread_slot = Arc::clone(&slot);
    let spawned = builder.spawn(move || {
        let value = thread_slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(value) = value {
            work(value);
        }
    });
    match spawned {
        // The thread is detached: it ends when `work` returns.
        Ok(_handle) => Ok(()),
        Err(error) => {
            // The thread never started, so the closure (and its clone of the slot) is gone and
            // the value is still in the slot.
            let value = slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .expect("a thread that was never created cannot have taken the value");
            Err(SpawnRefused { error, value })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn runs_the_work_on_a_named_thread() {
        let (tx, rx) = mpsc::channel();
        let spec = ThreadSpec {
            name: "spawn-test".into(),
            stack_size: Some(64 * 1024),
        };
        try_spawn(&spec, 41, move |n| {
            let name = thread::current().name().map(str::to_string);
            tx.send((n + 1, name)).expect("the test is waiting");
        })
        .expect("one small thread can be spawned");
        assert_eq!(rx.recv().ok(), Some((42, Some("spawn-test".to_string()))));
    }

    #[test]
    fn an_impossible_stack_hands_the_value_back() {
        // No machine can map a stack of half the address space, so the OS refuses.
        let spec = ThreadSpec {
            name: "too-big".into(),
            stack_size: Some(usize::MAX / 2),
        };
        let refused = try_spawn(&spec, String::from("connection"), |_| {})
            .expect_err("the OS cannot give this stack");
        assert_eq!(refused.value, "connection");
    }
}
