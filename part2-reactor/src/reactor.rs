//! The reactor: one thread asks the OS "which of these sockets can I use now?", then reacts.
//!
//! A blocking server asks one socket at a time, and each question parks a thread. A reactor
//! registers *all* its sockets with the OS once (`epoll_ctl`), then makes one system call
//! (`epoll_wait`, wrapped by [`mio::Poll`]) that blocks until *any* of them is ready, and
//! returns the list of those that are. One thread can thus wait on ten thousand sockets — and
//! the thread count stays flat however many connections come.
//!
//! ```text
//!            register(socket) ─▶ Key (slot + generation) ─▶ Token given to epoll
//!   ┌──────────────────────────────────────────────────────────────────────────┐
//!   │ loop:  poll(timeout) ──▶ [ReadyEvent, ...] ──▶ for each: resolve(event)   │
//!   │          ▲                                      ├─ Wake        → look at the controls
//!   │          │                                      ├─ Source(key) → the handler reads/writes
//!   │          └──────────── handlers done ◀──────────┴─ Stale       → dropped
//!   └──────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Two halves:
//! - [`Poller`] is the OS half: the epoll instance, the buffer the events land in, and the
//!   waker. It only knows tokens.
//! - [`Reactor`] adds what the tokens name: the sources, in [`Slots`] (a slab indexed by the
//!   slot part of their [`Key`] that checks the generation part), so that an event's token
//!   leads straight to its socket and state.
//!
//! Neither counts anything: [`poll`](Reactor::poll) returns what it did ([`Polled`]) and
//! [`resolve`](Reactor::resolve) who an event is for, and the caller counts what it wants. Nor
//! does the reactor decide what a readable socket means: that is the handler's job (the
//! [event loop](crate::event_loop)).
//!
//! # Edge-triggered
//!
//! mio registers sockets *edge-triggered*: an event reports that a socket *became* ready, once.
//! If a handler reads some of the available bytes and stops, no event will say that the rest
//! is there — the socket is still readable, but it did not *become* readable again. New bytes
//! would raise a new event, but a client that waits for its reply sends none, and both sides
//! wait forever. So every handler follows one discipline: **read (or write) until the OS answers `WouldBlock`**,
//! or remember that it stopped early and come back without waiting for an event. The
//! `WouldBlock` read that ends each round is the price of edge-triggering (the dashboard shows
//! it, as WouldBlock reads per request). Level-triggered epoll would instead repeat the event on every poll
//! while data remains, which wastes polls when a handler deliberately leaves data for later.
//!
//! # Events are resolved when they are dispatched, not when they arrive
//!
//! [`poll`](Reactor::poll) copies the OS's events into a list; the loop then
//! [`resolve`](Reactor::resolve)s each one just before handling it. Between the two, earlier
//! handlers may have closed a source and even reused its slot; resolving late, against the
//! slot's current generation, is what keeps a stale event from reaching the wrong source.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Events, Interest, Poll, Token};

use crate::slots::Slots;
use crate::token::{Key, MAX_SOURCES, WAKE_TOKEN};
use crate::wake::Wake;

/// Anything the reactor can hold: a value that owns a socket mio can register.
///
/// The server's sources are an enum (the listener, or a connection with its state), so this
/// trait lets each value point the reactor at its socket.
pub trait AsSource {
    fn source(&mut self) -> &mut dyn Source;
}

/// One readiness event as the OS reported it, not yet checked against the slab.
///
/// Errors and hang-ups are folded into readiness: after one, a `read` or `write` is what tells
/// the handler what happened (end of file, connection reset...), so it is enough to make the
/// handler try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyEvent {
    token: Token,
    pub readable: bool,
    pub writable: bool,
}

impl ReadyEvent {
    fn from_mio(event: &mio::event::Event) -> ReadyEvent {
        ReadyEvent {
            token: event.token(),
            readable: event.is_readable() || event.is_read_closed() || event.is_error(),
            writable: event.is_writable() || event.is_write_closed() || event.is_error(),
        }
    }

    pub fn token(&self) -> Token {
        self.token
    }

    /// Who this event is for, decided against `live` as it is *now*: the waker, a source that
    /// still holds its slot, or nobody ([`Target::Stale`]: the slot was freed, perhaps reused,
    /// since the OS reported the event).
    pub fn target<T>(&self, live: &Slots<T>) -> Target {
        if self.token == WAKE_TOKEN {
            return Target::Wake;
        }
        let key = Key::from_token(self.token);
        if live.get(key).is_some() {
            Target::Source(key)
        } else {
            Target::Stale
        }
    }
}

/// Who an event is for, decided at dispatch time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Another thread called [`Wake::wake`].
    Wake,
    /// A registered source that still holds its slot.
    Source(Key),
    /// The slot was freed (and perhaps reused) after the OS reported the event: to be dropped
    /// (the caller decides whether to count it).
    Stale,
}

/// A source, with the interest it is registered with.
#[derive(Debug)]
struct Entry<S> {
    interest: Interest,
    value: S,
}

/// What one [`poll`](Poller::poll) did, for the caller to count: the reactor counts nothing
/// itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    /// How many events the poll returned.
    pub events: usize,
    /// How long the thread was blocked in the system call.
    pub blocked: Duration,
}

/// The OS half of a reactor: the [`mio::Poll`] (epoll on Linux), the buffer its events are
/// copied into, and the waker registered under [`WAKE_TOKEN`].
///
/// It knows nothing of what the tokens mean; [`Reactor`] adds the sources they name. A runtime
/// that keeps something else per token (part 3 keeps readiness and wakers) can use a `Poller`
/// with its own table.
#[derive(Debug)]
pub struct Poller {
    poll: Poll,
    events: Events,
    waker: Arc<Wake>,
}

impl Poller {
    /// A poller whose [`poll`](Self::poll) returns at most `events_capacity` events at a time
    /// (the rest wait for the next poll).
    pub fn new(events_capacity: usize) -> io::Result<Poller> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        Ok(Poller {
            poll,
            events: Events::with_capacity(events_capacity.max(1)),
            waker: Arc::new(Wake::new(waker)),
        })
    }

    /// Where sources are registered, re-registered and deregistered (`epoll_ctl`).
    pub fn registry(&self) -> &mio::Registry {
        self.poll.registry()
    }

    /// A handle other threads can use to interrupt [`poll`](Self::poll).
    pub fn waker(&self) -> Arc<Wake> {
        Arc::clone(&self.waker)
    }

    /// Blocks until a source is ready, [`Wake::wake`] is called, or `timeout` passes (`None`:
    /// no timeout), then replaces the contents of `ready` with the events. A poll interrupted
    /// by a signal returns no events.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        ready: &mut Vec<ReadyEvent>,
    ) -> io::Result<Polled> {
        ready.clear();
        let started = Instant::now();
        let result = self.poll.poll(&mut self.events, timeout);
        let blocked = started.elapsed();
        match result {
            Ok(()) => ready.extend(self.events.iter().map(ReadyEvent::from_mio)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        Ok(Polled {
            events: ready.len(),
            blocked,
        })
    }
}

/// Sources by key, and the OS's `poll` over all of them. See the [module docs](self).
#[derive(Debug)]
pub struct Reactor<S> {
    poller: Poller,
    sources: Slots<Entry<S>>,
}

impl<S: AsSource> Reactor<S> {
    /// A reactor whose `poll` returns at most `events_capacity` events at a time (the rest
    /// wait for the next poll).
    pub fn new(events_capacity: usize) -> io::Result<Self> {
        Ok(Reactor {
            poller: Poller::new(events_capacity)?,
            sources: Slots::new(),
        })
    }

    /// A handle other threads can use to interrupt [`poll`](Self::poll).
    pub fn waker(&self) -> Arc<Wake> {
        self.poller.waker()
    }

    /// Registers `value`'s socket for `interest` and keeps `value` in a free slot. On error
    /// (the OS refused, or [`MAX_SOURCES`] are registered) `value` is dropped, which closes its
    /// socket.
    pub fn register(&mut self, value: S, interest: Interest) -> io::Result<Key> {
        let Ok(key) = self.sources.insert(Entry { interest, value }) else {
            return Err(io::Error::other(format!(
                "a reactor holds at most {MAX_SOURCES} sources"
            )));
        };
        let entry = self
            .sources
            .get_mut(key)
            .expect("a key just returned by insert is live");
        let registered =
            self.poller
                .registry()
                .register(entry.value.source(), key.token(), interest);
        if registered.is_err() {
            self.sources.remove(key);
        }
        registered.map(|()| key)
    }

    /// Changes what the OS watches `key`'s socket for. A no-op (no system call) when the
    /// interest is unchanged.
    pub fn set_interest(&mut self, key: Key, interest: Interest) -> io::Result<()> {
        let registry = self.poller.registry();
        let entry = self
            .sources
            .get_mut(key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{key} is gone")))?;
        if entry.interest != interest {
            registry.reregister(entry.value.source(), key.token(), interest)?;
            entry.interest = interest;
        }
        Ok(())
    }

    /// Removes `key`'s source and returns it; its slot's next occupant gets a new generation,
    /// so events still in flight for `key` will resolve as [`Target::Stale`].
    pub fn deregister(&mut self, key: Key) -> Option<S> {
        let mut entry = self.sources.remove(key)?;
        // Closing the socket (when the caller drops it) removes it from epoll anyway; failing
        // to deregister first changes nothing for anyone.
        let _ = self.poller.registry().deregister(entry.value.source());
        Some(entry.value)
    }

    /// The source registered under `key`, if it still holds its slot.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut S> {
        self.sources.get_mut(key).map(|entry| &mut entry.value)
    }

    /// The keys of every registered source.
    pub fn keys(&self) -> Vec<Key> {
        self.sources.keys()
    }

    /// How many sources are registered.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Waits for events: see [`Poller::poll`].
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        ready: &mut Vec<ReadyEvent>,
    ) -> io::Result<Polled> {
        self.poller.poll(timeout, ready)
    }

    /// Decides, now, who `event` is for: see [`ReadyEvent::target`].
    pub fn resolve(&self, event: &ReadyEvent) -> Target {
        event.target(&self.sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::net::UdpSocket;

    struct Udp(UdpSocket);

    impl AsSource for Udp {
        fn source(&mut self) -> &mut dyn Source {
            &mut self.0
        }
    }

    fn udp() -> Udp {
        Udp(UdpSocket::bind("127.0.0.1:0".parse().expect("valid address")).expect("bind udp"))
    }

    fn reactor() -> Reactor<Udp> {
        Reactor::new(16).expect("a reactor")
    }

    #[test]
    fn an_event_for_a_freed_slot_never_reaches_its_new_occupant() {
        let mut reactor = reactor();
        let old = reactor
            .register(udp(), Interest::READABLE)
            .expect("register");
        // The event the OS reported for the old socket, still waiting in the batch...
        let late = ReadyEvent {
            token: old.token(),
            readable: true,
            writable: false,
        };
        // ...while an earlier handler closed it and a newcomer took the same slot.
        assert!(reactor.deregister(old).is_some());
        let new = reactor
            .register(udp(), Interest::READABLE)
            .expect("register");
        assert_eq!(new.index(), old.index(), "the slot is reused");
        assert_ne!(new, old);

        assert_eq!(reactor.resolve(&late), Target::Stale);
        assert!(reactor.get_mut(old).is_none(), "the old key finds nothing");
        let fresh = ReadyEvent {
            token: new.token(),
            ..late
        };
        assert_eq!(reactor.resolve(&fresh), Target::Source(new));
    }

    #[test]
    fn deregistering_twice_or_with_an_old_key_does_nothing() {
        let mut reactor = reactor();
        let old = reactor
            .register(udp(), Interest::READABLE)
            .expect("register");
        assert!(reactor.deregister(old).is_some());
        assert!(reactor.deregister(old).is_none());
        let new = reactor
            .register(udp(), Interest::READABLE)
            .expect("register");
        assert!(reactor.deregister(old).is_none(), "the newcomer stays");
        assert_eq!(reactor.keys(), vec![new]);
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_poll_without_timeout() {
        let mut reactor = reactor();
        let waker = reactor.waker();
        let waking = std::thread::spawn(move || waker.wake());
        let mut ready = Vec::new();
        // No timeout and no sockets: only the wake can end this poll.
        while ready.is_empty() {
            let polled = reactor.poll(None, &mut ready).expect("poll");
            assert_eq!(polled.events, ready.len(), "Polled counts the events");
        }
        waking.join().expect("the waking thread").expect("wake");
        assert_eq!(reactor.resolve(&ready[0]), Target::Wake);
    }

    #[test]
    fn a_ready_socket_is_reported_under_its_key() {
        let mut reactor = reactor();
        let receiver = udp();
        let addr = receiver.0.local_addr().expect("local addr");
        let key = reactor
            .register(receiver, Interest::READABLE)
            .expect("register");
        let sender = udp();
        sender.0.send_to(b"ping", addr).expect("send");
        let mut ready = Vec::new();
        while ready.is_empty() {
            reactor.poll(None, &mut ready).expect("poll");
        }
        assert_eq!(reactor.resolve(&ready[0]), Target::Source(key));
        assert!(ready[0].readable);
        let mut buf = [0; 8];
        let socket = &reactor.get_mut(key).expect("registered").0;
        assert_eq!(socket.recv_from(&mut buf).expect("recv").0, 4);
    }
}
