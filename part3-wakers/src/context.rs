//! The current runtime, per thread: how `spawn` and the leaf futures (sockets, timers) find the
//! runtime without being handed it.
//!
//! `block_on` *enters* the runtime: it puts a `Handle` (the driver, the scheduler) in a
//! thread-local for as long as it runs, and the guard it gets back puts the previous one back
//! when dropped — on return and on a panic alike. Outside `block_on` there is no runtime, and a
//! leaf future or `spawn` says so with a panic that names `block_on`.
//!
//! Tokio: `tokio/src/runtime/context.rs` (and `context/current.rs` for the guard).

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::driver::Driver;
use crate::task::Schedule;

/// What the code running on a runtime's thread needs of it.
#[derive(Clone)]
pub(crate) struct Handle {
    pub(crate) driver: Arc<Driver>,
    pub(crate) scheduler: Arc<dyn Schedule>,
}

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// The message when a leaf future or `spawn` runs where no runtime is.
const NO_RUNTIME: &str = "no part3_wakers runtime on this thread: spawn and the runtime's \
     futures (sockets, sleep) must run inside part3_wakers::Runtime::block_on";

/// Makes `handle` the current runtime until the guard is dropped.
pub(crate) fn enter(handle: Handle) -> Entered {
    let previous = CURRENT.replace(Some(handle));
    Entered {
        previous,
        _not_send: PhantomData,
    }
}

/// Puts the previous runtime (usually none) back when dropped.
pub(crate) struct Entered {
    previous: Option<Handle>,
    /// The guard restores *this* thread's slot, so it must stay on this thread.
    _not_send: PhantomData<*const ()>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        // `try_with`: the thread may be exiting, its thread-locals already gone.
        let _ = CURRENT.try_with(|current| current.replace(self.previous.take()));
    }
}

/// The current runtime's I/O driver: where a leaf future (a socket, `sleep`) registers what it
/// waits for. Public so that leaf futures can be written outside this crate too.
///
/// # Panics
///
/// Outside `Runtime::block_on`, with a message that says so.
pub fn driver() -> Arc<Driver> {
    with_current(|handle| handle.driver.clone())
}

/// The current runtime's scheduler, for `spawn`.
///
/// # Panics
///
/// Outside `Runtime::block_on`, with a message that says so.
pub(crate) fn scheduler() -> Arc<dyn Schedule> {
    with_current(|handle| handle.scheduler.clone())
}

/// Whether this thread is running `scheduler`'s `block_on` right now — then a wake on this thread
/// needs no unpark: the thread is awake, and looks at its queue before it sleeps.
pub(crate) fn is_current(scheduler: &dyn Schedule) -> bool {
    CURRENT
        .try_with(|current| {
            current.borrow().as_ref().is_some_and(|handle| {
                std::ptr::addr_eq(Arc::as_ptr(&handle.scheduler), scheduler as *const _)
            })
        })
        .unwrap_or(false)
}

fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> R {
    CURRENT.with_borrow(|current| match current {
        Some(handle) => f(handle),
        None => panic!("{NO_RUNTIME}"),
    })
}

/// Whether a runtime is entered on this thread (for tests).
#[cfg(test)]
pub(crate) fn is_entered() -> bool {
    CURRENT.with_borrow(Option::is_some)
}
