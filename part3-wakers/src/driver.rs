//! Stand-in for the I/O driver, with its interface: the executor sleeps in [`Driver::turn`] when
//! no task is runnable, and [`Driver::unpark`] wakes it from another thread. This one only parks
//! on a condition variable; the real driver sleeps in the reactor's poll, with the nearest timer
//! as timeout, and wakes the tasks whose sockets became ready.

use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Parks the runtime's thread until [`unpark`](Driver::unpark) or a timeout.
#[derive(Debug, Default)]
pub struct Driver {
    /// An unpark is pending: the next (or current) turn returns at once.
    unparked: Mutex<bool>,
    condvar: Condvar,
}

/// What one turn did (nothing, here).
#[derive(Debug, Default)]
pub struct Turned {}

impl Driver {
    /// A driver. `events_capacity` sizes the real driver's event buffer; unused here.
    pub fn new(events_capacity: usize) -> io::Result<Arc<Driver>> {
        let _ = events_capacity;
        Ok(Arc::new(Driver::default()))
    }

    /// Blocks until an unpark, or for at most `timeout` (`None`: no limit).
    pub fn turn(&self, timeout: Option<Duration>) -> io::Result<Turned> {
        let unparked = self.unparked.lock().unwrap_or_else(PoisonError::into_inner);
        let not_yet = |unparked: &mut bool| !*unparked;
        let mut unparked = match timeout {
            None => self
                .condvar
                .wait_while(unparked, not_yet)
                .unwrap_or_else(PoisonError::into_inner),
            Some(timeout) => {
                self.condvar
                    .wait_timeout_while(unparked, timeout, not_yet)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
        *unparked = false;
        Ok(Turned {})
    }

    /// Makes a turn in progress, or the next one, return at once. Callable from any thread.
    pub fn unpark(&self) {
        *self.unparked.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.condvar.notify_one();
    }
}
