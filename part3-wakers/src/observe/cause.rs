//! Why a waker is being woken: what the waker cannot see in its arguments, kept per thread.
//!
//! `wake()` takes no argument, yet the panel counts wakes by cause. The cause is in the
//! *context* of the call, so whoever knows it says so in a thread-local before waking, and the
//! [counting waker](super::waker) reads it:
//!
//! ```text
//!   the driver, for each ready source / due timer:  cause::during(ReadReady, || waker.wake())
//!   the executor, around each poll:                 (TaskWaker::poll marks "polling task T")
//!   the executor, on its thread:                    let _on = cause::runtime_thread();
//!
//!   counting waker of task T, in wake():
//!     a cause was set around this call?   → that cause (read ready, write ready, timer)
//!     this thread is polling T itself?    → SelfWake (yield_now, a spent budget)
//!     this thread is not the runtime's?   → OtherThread
//!     otherwise                           → OtherTask
//! ```
//!
//! Each setter restores what was there before when it ends, even by a panic, so they nest.

use std::cell::Cell;

use super::stats::WakeCause;

thread_local! {
    static CAUSE: Cell<Option<WakeCause>> = const { Cell::new(None) };
    /// The counting waker's identity (its shared data's address) of the task this thread polls.
    static POLLING: Cell<usize> = const { Cell::new(NOT_POLLING) };
    static ON_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// [`POLLING`] when no task is being polled: no shared data lives at address 0.
const NOT_POLLING: usize = 0;

/// Runs `wake` (which wakes one or more wakers) with `cause` as their wake's cause.
pub fn during<R>(cause: WakeCause, wake: impl FnOnce() -> R) -> R {
    let _restore = Restore::set(&CAUSE, Some(cause));
    wake()
}

/// Marks this thread as one that runs the runtime, until the guard is dropped. Wakes from any
/// other thread count as [`WakeCause::OtherThread`].
#[must_use = "the thread is the runtime's only while the guard lives"]
pub fn runtime_thread() -> impl Drop {
    Restore::set(&ON_RUNTIME, true)
}

/// Runs `poll` with the task whose counting waker is `task` marked as being polled.
pub(super) fn polling<R>(task: usize, poll: impl FnOnce() -> R) -> R {
    let _restore = Restore::set(&POLLING, task);
    poll()
}

/// The cause of a wake of `task` happening now, on this thread (see the module docs).
pub(super) fn of_wake(task: usize) -> WakeCause {
    if let Some(cause) = CAUSE.get() {
        cause
    } else if POLLING.get() == task {
        WakeCause::SelfWake
    } else if !ON_RUNTIME.get() {
        WakeCause::OtherThread
    } else {
        WakeCause::OtherTask
    }
}

/// Puts back a thread-local's earlier value when dropped.
struct Restore<T: Copy + 'static> {
    key: &'static std::thread::LocalKey<Cell<T>>,
    earlier: T,
}

impl<T: Copy + 'static> Restore<T> {
    fn set(key: &'static std::thread::LocalKey<Cell<T>>, value: T) -> Self {
        Restore {
            key,
            earlier: key.replace(value),
        }
    }
}

impl<T: Copy + 'static> Drop for Restore<T> {
    fn drop(&mut self) {
        self.key.set(self.earlier);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: usize = 0x1000;
    const OTHER: usize = 0x2000;

    #[test]
    fn the_innermost_known_fact_decides() {
        assert_eq!(of_wake(TASK), WakeCause::OtherThread);
        let _on = runtime_thread();
        assert_eq!(of_wake(TASK), WakeCause::OtherTask);
        polling(TASK, || {
            assert_eq!(of_wake(TASK), WakeCause::SelfWake);
            assert_eq!(of_wake(OTHER), WakeCause::OtherTask);
            during(WakeCause::Timer, || {
                assert_eq!(of_wake(TASK), WakeCause::Timer);
            });
            assert_eq!(of_wake(TASK), WakeCause::SelfWake);
        });
        assert_eq!(of_wake(TASK), WakeCause::OtherTask);
    }

    #[test]
    fn a_panic_inside_restores_the_thread() {
        let _on = runtime_thread();
        let unwound = std::panic::catch_unwind(|| {
            during(WakeCause::ReadReady, || panic!("a waker panicked"));
        });
        assert!(unwound.is_err());
        assert_eq!(of_wake(TASK), WakeCause::OtherTask);
    }
}
