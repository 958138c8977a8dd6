//! Parking: how a worker with nothing to do sleeps — **in the driver** if no other worker is
//! in it, else on its own condition variable — and how an unpark reaches it in either place.
//!
//! Part 3's one thread slept in the driver (epoll), so that I/O, timers and cross-thread wakes
//! all woke it. With N workers, only one thread can sleep in epoll at a time (the driver's
//! events must be handed out once). So the first worker to park takes the driver, and the
//! others sleep on a condvar until work is pushed for them:
//!
//! ```text
//!   park(worker):
//!     a notification is already there? ── yes ──▶ consume it, return   (the unpark came first)
//!     the driver is free?  ── yes ──▶ state = PARKED_DRIVER; driver.sleep()  (epoll: I/O, timers,
//!                          │                                                or driver.wake())
//!                          └─ no ───▶ state = PARKED_CONDVAR; condvar.wait()
//!
//!   unpark(worker):  state := NOTIFIED, and by what it was:
//!     EMPTY, NOTIFIED  → nothing more: the worker is awake, or will see NOTIFIED before sleeping
//!     PARKED_CONDVAR   → take the mutex (so the worker is really waiting), notify the condvar
//!     PARKED_DRIVER    → driver.wake(): epoll returns
//! ```
//!
//! The state moves to PARKED_* with a compare-and-swap *from EMPTY*: if an unpark came in
//! between, the swap fails on NOTIFIED and the worker does not sleep. So an unpark is never
//! lost, whichever comes first. The driver's own wake is sticky as well (an eventfd): a wake just
//! before `sleep` makes the sleep return at once.
//!
//! Why the idle worker drives I/O rather than a dedicated driver thread: the thread that turns
//! epoll is the thread that runs the tasks it wakes — they go into its own queue, hot in its
//! cache, with no hand-off, and a runtime with one worker needs exactly one thread. A driver
//! thread would cost a cross-thread push and an unpark for *every* readiness event. The price:
//! while every worker runs tasks, nobody sleeps in epoll; the workers then look at it without
//! sleeping every [`EVENT_INTERVAL`](crate::worker::EVENT_INTERVAL) tasks
//! ([`SharedDriver::poll_now_if_free`]).
//!
//! Tokio: `tokio/src/runtime/scheduler/multi_thread/park.rs` (the same four states, the driver
//! behind a `TryLock`).

use std::sync::Arc;

use part3_wakers::driver::Driver;

use crate::sync::{AtomicBool, AtomicUsize, Condvar, Mutex, Ordering::SeqCst};

/// Something a worker can sleep in, and be woken from: the I/O driver (and, in the loom
/// model, a stand-in for it).
pub trait Reactor: Send + Sync + 'static {
    /// Sleeps until I/O, a due timer or [`wake`](Reactor::wake), then wakes the tasks waiting
    /// for what happened.
    fn sleep(&self);
    /// Looks at I/O and timers without sleeping, and wakes whoever waits for what is ready.
    fn poll_now(&self);
    /// Makes the current `sleep` (or the next one) return at once. Any thread may call it.
    fn wake(&self);
}

impl Reactor for Driver {
    fn sleep(&self) {
        turn(self, None);
    }

    fn poll_now(&self) {
        turn(self, Some(std::time::Duration::ZERO));
    }

    fn wake(&self) {
        self.unpark();
    }
}

fn turn(driver: &Driver, max_wait: Option<std::time::Duration>) {
    if let Err(error) = driver.turn(max_wait) {
        panic!("part4_executor: the driver could not wait for events: {error}");
    }
}

/// The driver shared by the workers, and whether one of them is in it.
#[derive(Debug)]
pub struct SharedDriver<R> {
    reactor: Arc<R>,
    /// A worker is sleeping in (or polling) the driver: the others use their condvar.
    taken: AtomicBool,
}

/// Holds the driver; gives it back when dropped.
struct Taken<'a, R>(&'a SharedDriver<R>);

impl<R> Drop for Taken<'_, R> {
    fn drop(&mut self) {
        self.0.taken.store(false, SeqCst);
    }
}

impl<R: Reactor> SharedDriver<R> {
    pub fn new(reactor: Arc<R>) -> SharedDriver<R> {
        SharedDriver {
            reactor,
            taken: AtomicBool::new(false),
        }
    }

    pub fn reactor(&self) -> &Arc<R> {
        &self.reactor
    }

    /// Looks at the driver without sleeping — unless another worker is in it, which then does
    /// that job. `true` if it looked. What a busy worker does now and then, so that I/O is not
    /// left waiting while no worker parks.
    pub fn poll_now_if_free(&self) -> bool {
        let Some(_taken) = self.try_take() else {
            return false;
        };
        self.reactor.poll_now();
        true
    }

    /// Sleeps in the driver on this thread, turn after turn, until `stop()` says so (checked
    /// after each turn; wake the driver to have it checked). What a dedicated driver thread
    /// does, the design this module does *not* use; kept to measure the two (see the runtime's
    /// [`Driving`](crate::runtime::Driving)). Workers find the driver taken and use their
    /// condvars.
    pub fn drive(&self, stop: impl Fn() -> bool) {
        while !stop() {
            let Some(_taken) = self.try_take() else {
                // A worker looks at it right now (at startup): let it finish.
                std::thread::yield_now();
                continue;
            };
            while !stop() {
                self.reactor.sleep();
            }
        }
    }

    fn try_take(&self) -> Option<Taken<'_, R>> {
        self.taken
            .compare_exchange(false, true, SeqCst, SeqCst)
            .ok()
            .map(|_| Taken(self))
    }
}

/// Nobody parked, no notification pending.
const EMPTY: usize = 0;
/// The worker sleeps on its condvar.
const PARKED_CONDVAR: usize = 1;
/// The worker sleeps in the driver.
const PARKED_DRIVER: usize = 2;
/// An unpark arrived: the next (or current) park returns.
const NOTIFIED: usize = 3;

/// Where [`Parker::park`] slept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slept {
    /// Not at all: an unpark was already waiting.
    No,
    InDriver,
    OnCondvar,
}

/// One worker's parking spot. See the [module docs](self).
#[derive(Debug)]
pub struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Default for Parker {
    fn default() -> Self {
        Parker::new()
    }
}

impl Parker {
    pub fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }

    /// Sleeps until [`unpark`](Self::unpark) — or, in the driver, until I/O or a timer wakes
    /// it. Only the worker that owns this parker calls it.
    pub fn park<R: Reactor>(&self, driver: &SharedDriver<R>) -> Slept {
        if self.consume_notification() {
            return Slept::No;
        }
        match driver.try_take() {
            Some(_taken) => self.park_in_driver(&*driver.reactor),
            None => self.park_on_condvar(),
        }
    }

    /// Wakes the worker wherever it sleeps, or makes its next park return at once.
    pub fn unpark<R: Reactor>(&self, driver: &SharedDriver<R>) {
        // A swap, even over NOTIFIED: the worker's next read of the state then sees this write
        // and what this thread did before it (the pushed task).
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Between setting PARKED_CONDVAR and waiting, the worker holds the mutex: taking
                // it here means it waits now, and will get the notification.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_DRIVER => driver.reactor.wake(),
            other => unreachable!("parker state {other}"),
        }
    }

    /// NOTIFIED → EMPTY: `true` if there was a notification to consume.
    fn consume_notification(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }

    /// EMPTY → `parked`: `false` if an unpark came first (the state is then EMPTY again).
    fn start_sleeping(&self, parked: usize) -> bool {
        match self.state.compare_exchange(EMPTY, parked, SeqCst, SeqCst) {
            Ok(_) => true,
            Err(NOTIFIED) => {
                // A swap rather than a store: it reads the latest unpark's write, and so sees
                // what that thread pushed before it.
                self.state.swap(EMPTY, SeqCst);
                false
            }
            Err(other) => unreachable!("parker state {other}"),
        }
    }

    fn park_in_driver<R: Reactor>(&self, reactor: &R) -> Slept {
        if !self.start_sleeping(PARKED_DRIVER) {
            return Slept::No;
        }
        reactor.sleep();
        // Woken by I/O, a timer or an unpark: either way, awake now.
        self.state.swap(EMPTY, SeqCst);
        Slept::InDriver
    }

    fn park_on_condvar(&self) -> Slept {
        let mut guard = self
            .mutex
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !self.start_sleeping(PARKED_CONDVAR) {
            return Slept::No;
        }
        loop {
            guard = self
                .condvar
                .wait(guard)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if self.consume_notification() {
                return Slept::OnCondvar;
            }
            // A spurious wake-up: nobody unparked us, sleep again.
        }
    }
}
