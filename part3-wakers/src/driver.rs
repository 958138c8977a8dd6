//! The driver: part 2's reactor, turned from calling handlers into waking tasks.
//!
//! Part 2's event loop polled the OS and then *ran the connection's code* for each event. Here
//! the code belongs to tasks, and the driver's job shrinks to this: wait for the OS (and the
//! nearest timer), then wake whoever waits for what just happened. The executor decides when
//! to run them.
//!
//! ```text
//!   turn(max_wait):
//!     timeout = min(max_wait, time until the nearest timer)
//!     poll(timeout)                              ◀── the only place the thread sleeps
//!     for each event, resolved against the slab:
//!         wake   → nothing (someone just wanted this turn to end)
//!         stale  → dropped: the registration is gone (part 2's generations)
//!         source → its ScheduledIo records the readiness; take its waiting wakers
//!     for each timer due: take its waker
//!     wake them all                              ──▶ the executor's run queue
//! ```
//!
//! What is reused from part 2, unchanged: the [`Poller`] (epoll through mio, and the cross-thread
//! [`Wake`]), the generational [`Slots`] and their [`Key`]s (so a stale event can never mark a
//! new socket ready), and the [`TimerQueue`], which now holds wakers instead of "what the
//! connection must do".
//!
//! # Shared by threads
//!
//! The driver is behind an `Arc` and every method takes `&self`: tasks register sockets and set
//! timers from whichever thread runs them, and, in part 4, one worker may sleep in [`turn`]
//! while others run tasks. So the slab and the timers each have their own lock, held for a few
//! instructions, and the poller has one too: whoever holds it is *the* thread that sleeps in
//! epoll. A timer set earlier than the deadline that sleeping thread chose interrupts its sleep
//! ([`Driver::add_timer`]); a new socket needs nothing of the kind, since epoll reports it to a
//! poll already in progress.
//!
//! Tokio's equivalent is split in two: the I/O driver (`tokio/src/runtime/io/driver.rs`) and
//! the time driver (`tokio/src/runtime/time/mod.rs`), stacked so that the time driver computes
//! the timeout and the I/O driver sleeps.
//!
//! [`turn`]: Driver::turn

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Interest, Registry};
use part2_reactor::reactor::{Poller, ReadyEvent, Target};
use part2_reactor::slots::Slots;
use part2_reactor::timer::{TimerId, TimerQueue};
use part2_reactor::token::Key;
use part2_reactor::wake::Wake;

use crate::observe::{WakeCause, cause};
use crate::scheduled_io::ScheduledIo;

/// What one [`Driver::turn`] did, for the caller to count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Turned {
    /// Readiness events the OS returned (including wake-ups).
    pub events: usize,
    /// Events for registrations that were already gone, dropped.
    pub stale: usize,
    /// Another thread interrupted the turn ([`Driver::unpark`]).
    pub unparked: bool,
    /// Tasks woken because their socket became readable.
    pub woke_readers: usize,
    /// Tasks woken because their socket became writable.
    pub woke_writers: usize,
    /// Tasks woken because their timer was due.
    pub fired_timers: usize,
    /// How long the thread slept in `poll`.
    pub blocked: Duration,
}

/// A socket registered with the driver: its key and its readiness record.
#[derive(Debug)]
pub struct Registration {
    pub key: Key,
    pub io: Arc<ScheduledIo>,
}

/// The poller and the buffers one turn reuses.
#[derive(Debug)]
struct Polling {
    poller: Poller,
    ready: Vec<ReadyEvent>,
    /// The wakers to wake at the end of the turn, with why (for the dashboard's count).
    wakers: Vec<(WakeCause, Waker)>,
}

/// The I/O and timer driver. See the [module docs](self).
#[derive(Debug)]
pub struct Driver {
    polling: Mutex<Polling>,
    /// A handle on the poller's epoll instance for registering without its lock.
    registry: Registry,
    wake: Arc<Wake>,
    /// Registered sockets, by key.
    ios: Mutex<Slots<Arc<ScheduledIo>>>,
    timers: Mutex<Timers>,
}

/// The timers, and what the thread in `poll` expects of them: both under one lock, so that a
/// timer is either seen by the sleeper when it computes its timeout, or interrupts its sleep.
#[derive(Debug, Default)]
struct Timers {
    queue: TimerQueue<Waker>,
    sleeper: Sleeper,
}

/// Whether a thread sleeps in `poll`, and until when.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Sleeper {
    #[default]
    Awake,
    Until(Instant),
    Forever,
}

impl Driver {
    /// A driver whose polls return at most `events_capacity` events at a time.
    pub fn new(events_capacity: usize) -> io::Result<Arc<Driver>> {
        let poller = Poller::new(events_capacity)?;
        let registry = poller.registry().try_clone()?;
        let wake = poller.waker();
        Ok(Arc::new(Driver {
            polling: Mutex::new(Polling {
                poller,
                ready: Vec::new(),
                wakers: Vec::new(),
            }),
            registry,
            wake,
            ios: Mutex::default(),
            timers: Mutex::default(),
        }))
    }

    /// Registers `source` for reading and writing, once for its whole life: edge-triggered, so
    /// the driver only hears about *changes*, and tasks ask [`ScheduledIo`] what it has seen.
    pub fn register(&self, source: &mut impl Source) -> io::Result<Registration> {
        let io = Arc::new(ScheduledIo::new());
        let key = lock(&self.ios)
            .insert(Arc::clone(&io))
            .map_err(|_| io::Error::other("the driver's slab is full"))?;
        if let Err(error) =
            self.registry
                .register(source, key.token(), Interest::READABLE | Interest::WRITABLE)
        {
            lock(&self.ios).remove(key);
            return Err(error);
        }
        Ok(Registration { key, io })
    }

    /// Forgets `registration`'s socket. Events still in flight for it resolve as stale: its
    /// slot's next occupant has another generation.
    pub fn deregister(&self, source: &mut impl Source, registration: &Registration) {
        // Closing the socket removes it from epoll anyway; a failure here changes nothing.
        let _ = self.registry.deregister(source);
        lock(&self.ios).remove(registration.key);
    }

    /// Wakes `waker` at `deadline`. If a thread sleeps in `poll` past `deadline`, it is
    /// woken to shorten its sleep.
    pub fn add_timer(&self, deadline: Instant, waker: Waker) -> TimerId {
        let mut timers = lock(&self.timers);
        let id = timers.queue.insert(deadline, waker);
        let too_late = match timers.sleeper {
            Sleeper::Awake => false,
            Sleeper::Until(wakes_at) => deadline < wakes_at,
            Sleeper::Forever => true,
        };
        if too_late {
            // One unpark is enough: the sleeper recomputes its timeout on its next turn.
            timers.sleeper = Sleeper::Awake;
            drop(timers);
            self.unpark();
        }
        id
    }

    /// Cancels a timer; its waker is dropped. Harmless if it already fired.
    pub fn cancel_timer(&self, id: TimerId) {
        // Dropped after the lock is let go: dropping a waker may run arbitrary code.
        let waker = lock(&self.timers).queue.cancel(id);
        drop(waker);
    }

    /// How many sockets and timers are registered.
    pub fn load(&self) -> (usize, usize) {
        (lock(&self.ios).len(), lock(&self.timers).queue.len())
    }

    /// Makes the current turn (or the next) return at once. Any thread may call it.
    pub fn unpark(&self) {
        // Fails only if the eventfd is broken, and then no turn could be interrupted anyway.
        let _ = self.wake.wake();
    }

    /// Sleeps until a socket is ready, a timer is due, [`unpark`](Self::unpark) is called, or
    /// `max_wait` passes (`None`: no limit; `Some(ZERO)`: just look), then wakes the tasks
    /// waiting for what happened.
    pub fn turn(&self, max_wait: Option<Duration>) -> io::Result<Turned> {
        let mut polling = lock(&self.polling);
        let Polling {
            poller,
            ready,
            wakers,
        } = &mut *polling;
        let timeout = self.fall_asleep(max_wait);
        let polled = poller.poll(timeout, ready);
        lock(&self.timers).sleeper = Sleeper::Awake;
        let polled = polled?;

        let mut turned = Turned {
            events: polled.events,
            blocked: polled.blocked,
            ..Turned::default()
        };
        {
            let ios = lock(&self.ios);
            for event in ready.iter() {
                match event.target(&ios) {
                    Target::Wake => turned.unparked = true,
                    Target::Stale => turned.stale += 1,
                    Target::Source(key) => {
                        let io = ios.get(key).expect("a source target is live");
                        let woken = io.set_ready(event.readable, event.writable);
                        if let Some(reader) = woken.reader {
                            turned.woke_readers += 1;
                            wakers.push((WakeCause::ReadReady, reader));
                        }
                        if let Some(writer) = woken.writer {
                            turned.woke_writers += 1;
                            wakers.push((WakeCause::WriteReady, writer));
                        }
                    }
                }
            }
        }
        {
            let now = Instant::now();
            let mut timers = lock(&self.timers);
            while let Some((_, waker)) = timers.queue.pop_expired(now) {
                turned.fired_timers += 1;
                wakers.push((WakeCause::Timer, waker));
            }
        }
        // Outside the slab's and the timers' locks: a woken task may register or set a timer
        // at once, on another thread.
        for (why, waker) in wakers.drain(..) {
            cause::during(why, || waker.wake());
        }
        Ok(turned)
    }

    /// The timeout of this turn's poll: `max_wait`, shortened to the nearest timer. Records
    /// it, under the timers' lock, for [`add_timer`](Self::add_timer) to compare with.
    fn fall_asleep(&self, max_wait: Option<Duration>) -> Option<Duration> {
        let mut timers = lock(&self.timers);
        let now = Instant::now();
        let next_timer = timers
            .queue
            .next_deadline()
            .map(|deadline| deadline.saturating_duration_since(now));
        let timeout = match (max_wait, next_timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        timers.sleeper = match timeout {
            Some(timeout) => Sleeper::Until(now + timeout),
            None => Sleeper::Forever,
        };
        timeout
    }
}

/// Locks `mutex`, whatever a panicking holder left: every value behind the driver's locks
/// (a slab, a heap, an instant) stays valid between two of its operations.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
