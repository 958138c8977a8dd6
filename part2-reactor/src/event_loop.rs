//! The event loop: the one thread that serves every connection.
//!
//! ```text
//!   ┌─▶ controls: paused? wait for a step or a resume; stopping? close everything, leave
//!   │   timeout = 0 if work was left over, else time until the nearest timer (or forever)
//!   │   poll(timeout)                                 ◀── the only place the thread waits
//!   │   for each event, resolved now:
//!   │       wake          → nothing: the controls are read at the top of the loop
//!   │       stale         → dropped
//!   │       the listener  → accept until WouldBlock
//!   │       a connection  → Connection::on_ready → Wait | Yield | Close
//!   │   for each timer due: io → answer · idle → close or re-arm · accept retry → accept
//!   │   resume the connections that yielded last cycle
//!   └── end of the cycle
//! ```
//!
//! Every step above produces a report — what the poll returned, who an event was for, what a
//! handler did — and the loop hands each one to its [`Recorder`], the one place where the
//! dashboard's counters and event log are written. The loop itself keeps no statistics.
//!
//! Nothing in the loop blocks except `poll`: sockets are non-blocking, waiting for `io_ms` is a
//! timer, and a write that cannot finish waits for a writable event. The one exception is the
//! app's `cpu_us`, which is real computation and holds the thread (see [`conn`](crate::conn)).
//!
//! # Accepting
//!
//! The listener is a source like any other: readable means connections are waiting. The loop
//! accepts until `WouldBlock` (edge-triggered: a connection left in the queue would get no new
//! event). When `accept` fails for want of file descriptors (`EMFILE`, `ENFILE`), the
//! connection stays in the kernel's queue — and, edge-triggered, will not be announced again.
//! Retrying at once would spin, failing in a loop; waiting for the next event might wait
//! forever. So the loop stops accepting and sets a timer ([`ACCEPT_BACKOFF`]); the retry comes
//! from the timer, not from the socket.

use std::io;
use std::net::TcpListener as StdTcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::Interest;
use mio::event::Source as MioSource;
use mio::net::{TcpListener, TcpStream};

use crate::conn::{CloseReason, Connection, Did, Flow, HandlerContext};
use crate::observe::{Observed, Recorder};
use crate::reactor::{AsSource, Reactor, ReadyEvent, Target};
use crate::server::ServerConfig;
use crate::timer::{TimerId, TimerQueue};
use crate::token::Key;
use crate::wake::{StepControl, Turn};

/// How long the loop stops accepting after `accept` failed (typically out of file
/// descriptors): long enough not to spin, short enough that a freed descriptor is used soon.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Why the loop acted: what it was handling when it called a handler (the event log says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Readable,
    Writable,
    /// Readable and writable in one event.
    ReadWrite,
    /// A request's `io_ms` wait is over.
    IoTimer,
    /// A connection's idle deadline came.
    IdleTimer,
    /// The pause after a failed `accept` is over.
    AcceptRetry,
    /// Work left over from an earlier cycle (its turn's budget ran out), resumed without any
    /// event: edge-triggered readiness will not announce it again.
    Resumed,
    /// Another thread woke the loop.
    Wake,
    /// The server is shutting down.
    Shutdown,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    /// A request's `io_ms` is over.
    Io(Key),
    /// A connection's idle deadline.
    Idle(Key),
    /// Try `accept` again after it failed.
    AcceptRetry,
}

/// What the loop's reactor holds.
#[derive(Debug)]
pub enum Source {
    Listener(TcpListener),
    Connection {
        /// Boxed: a connection is a few hundred bytes, the listener a few; slab slots are as
        /// big as the largest variant.
        connection: Box<Connection>,
        /// Already in the list of connections to resume next cycle (the loop's bookkeeping,
        /// not the connection's).
        queued: bool,
    },
}

impl AsSource for Source {
    fn source(&mut self) -> &mut dyn MioSource {
        match self {
            Source::Listener(listener) => listener,
            Source::Connection { connection, .. } => connection.stream_mut(),
        }
    }
}

/// What one round of accepting did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Connections accepted and registered.
    pub opened: u32,
    /// Connections accepted but unusable (gone before they could be registered): closed.
    pub lost: u32,
    /// Why the round stopped before the queue was drained, if it did.
    pub stopped: Option<AcceptStop>,
}

/// Why a round of accepting stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptStop {
    /// Still waiting for the retry timer after a failure: nothing tried.
    BackingOff,
    /// `accept` ran out of file descriptors (`EMFILE`, `ENFILE`); retry on a timer.
    OutOfDescriptors,
    /// `accept` failed otherwise; retry on a timer.
    Failed,
}

/// Everything the loop thread owns.
pub struct EventLoop {
    reactor: Reactor<Source>,
    timers: TimerQueue<TimerKind>,
    listener: Key,
    /// The retry timer while accepting is paused after a failure.
    accept_retry: Option<TimerId>,
    config: ServerConfig,
    control: Arc<StepControl>,
    recorder: Recorder,
    /// The events of the current poll (kept to reuse its allocation).
    ready: Vec<ReadyEvent>,
    /// Connections that yielded this cycle, to resume next cycle.
    resume: Vec<Key>,
}

impl EventLoop {
    /// A loop serving `listener` (switched to non-blocking here), recording into `observed`.
    /// Returns the controls other threads use to pause, step and stop it.
    pub fn new(
        listener: StdTcpListener,
        config: ServerConfig,
        observed: Observed,
    ) -> io::Result<(EventLoop, Arc<StepControl>)> {
        listener.set_nonblocking(true)?;
        let mut reactor = Reactor::new(config.events_capacity)?;
        let listener = reactor.register(
            Source::Listener(TcpListener::from_std(listener)),
            Interest::READABLE,
        )?;
        let control = Arc::new(StepControl::new(reactor.waker()));
        let event_loop = EventLoop {
            reactor,
            timers: TimerQueue::new(),
            listener,
            accept_retry: None,
            config,
            control: Arc::clone(&control),
            recorder: Recorder::new(observed),
            ready: Vec::new(),
            resume: Vec::new(),
        };
        Ok((event_loop, control))
    }

    /// Runs until [`StepControl::stop`]; then closes every connection. Fails only if `poll`
    /// itself fails, which means the reactor is broken.
    pub fn run(mut self) -> io::Result<()> {
        let result = loop {
            if self.control.next_turn() == Turn::Stop {
                break Ok(());
            }
            if let Err(error) = self.cycle() {
                break Err(error);
            }
        };
        self.close_all();
        result
    }

    /// One poll and everything it leads to.
    fn cycle(&mut self) -> io::Result<()> {
        let timeout = if self.resume.is_empty() {
            self.timers
                .next_deadline()
                .map(|deadline| deadline.saturating_duration_since(Instant::now()))
        } else {
            Some(Duration::ZERO)
        };
        let mut ready = std::mem::take(&mut self.ready);
        let polled = self.reactor.poll(timeout, &mut ready)?;
        self.recorder.polled(polled);
        let resume = std::mem::take(&mut self.resume);

        for event in &ready {
            self.dispatch(event);
        }
        self.ready = ready;
        self.fire_timers();
        for key in resume {
            self.drive(key, Trigger::Resumed, Connection::advance);
        }
        self.recorder
            .cycle_done(self.reactor.len(), self.timers.len());
        Ok(())
    }

    fn dispatch(&mut self, event: &ReadyEvent) {
        let trigger = match (event.readable, event.writable) {
            (true, true) => Trigger::ReadWrite,
            (false, true) => Trigger::Writable,
            _ => Trigger::Readable,
        };
        match self.reactor.resolve(event) {
            Target::Wake => self.recorder.woke(),
            Target::Stale => self.recorder.stale(Key::from_token(event.token()), trigger),
            Target::Source(key) if key == self.listener => self.accept(trigger),
            Target::Source(key) => {
                let (readable, writable) = (event.readable, event.writable);
                self.drive(key, trigger, |connection, cx, did| {
                    connection.on_ready(readable, writable, cx, did)
                });
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        while let Some((_, timer)) = self.timers.pop_expired(now) {
            match timer {
                TimerKind::Io(key) => self.drive(key, Trigger::IoTimer, Connection::on_io_timer),
                TimerKind::Idle(key) => {
                    self.drive(key, Trigger::IdleTimer, Connection::on_idle_timer);
                }
                TimerKind::AcceptRetry => {
                    self.accept_retry = None;
                    self.accept(Trigger::AcceptRetry);
                }
            }
        }
    }

    /// Runs `handler` on `key`'s connection, then does what it asks: register the interest it
    /// needs, queue it to resume next cycle, or close it. Records the handler's report.
    fn drive(
        &mut self,
        key: Key,
        trigger: Trigger,
        handler: impl FnOnce(&mut Connection, &mut HandlerContext<'_>, &mut Did) -> Flow,
    ) {
        let Some(Source::Connection { connection, queued }) = self.reactor.get_mut(key) else {
            // Closed since it was queued (resume) or since its timer was set.
            return;
        };
        let mut cx = HandlerContext {
            key,
            now: Instant::now(),
            app: &self.config.app,
            idle_timeout: self.config.idle_timeout,
            timers: &mut self.timers,
        };
        let mut did = Did::default();
        if trigger == Trigger::Resumed {
            *queued = false;
        }
        let mut flow = handler(connection, &mut cx, &mut did);
        let interest = connection.interest();
        if flow == Flow::Yield && !std::mem::replace(queued, true) {
            self.resume.push(key);
        }
        if !matches!(flow, Flow::Close(_)) && self.reactor.set_interest(key, interest).is_err() {
            flow = Flow::Close(CloseReason::IoError);
        }
        if let Flow::Close(reason) = flow {
            self.close(key, reason, &mut did);
        }
        self.recorder.handled(key, trigger, did);
    }

    /// Accepts every waiting connection, unless backing off after a failure.
    fn accept(&mut self, trigger: Trigger) {
        let mut accepted = Accepted::default();
        if self.accept_retry.is_some() {
            accepted.stopped = Some(AcceptStop::BackingOff);
            self.recorder.accepted(self.listener, trigger, accepted);
            return;
        }
        loop {
            match self.listener_socket().accept() {
                Ok((stream, _peer)) => match self.open(stream) {
                    Ok(()) => accepted.opened += 1,
                    Err(_) => accepted.lost += 1,
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // The client gave up before we accepted it, or a signal interrupted us.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    accepted.stopped = Some(if is_out_of_descriptors(&e) {
                        AcceptStop::OutOfDescriptors
                    } else {
                        AcceptStop::Failed
                    });
                    let deadline = Instant::now() + ACCEPT_BACKOFF;
                    self.accept_retry = Some(self.timers.insert(deadline, TimerKind::AcceptRetry));
                    break;
                }
            }
        }
        self.recorder.accepted(self.listener, trigger, accepted);
    }

    fn listener_socket(&mut self) -> &mut TcpListener {
        match self.reactor.get_mut(self.listener) {
            Some(Source::Listener(listener)) => listener,
            _ => unreachable!("the listener stays registered for the loop's whole life"),
        }
    }

    /// Registers a newly accepted connection and arms its idle timer. On error the socket is
    /// unusable (typically the client is already gone) and is dropped, which closes it.
    fn open(&mut self, stream: TcpStream) -> io::Result<()> {
        // Responses are small and written whole: send them at once rather than batch them.
        stream.set_nodelay(true)?;
        let now = Instant::now();
        let source = Source::Connection {
            connection: Box::new(Connection::new(stream, now)),
            queued: false,
        };
        let key = self.reactor.register(source, Interest::READABLE)?;
        if let Some(Source::Connection { connection, .. }) = self.reactor.get_mut(key) {
            connection.start(key, now + self.config.idle_timeout, &mut self.timers);
        }
        Ok(())
    }

    /// Deregisters and drops a connection; `did` gets why, and what it left unanswered.
    fn close(&mut self, key: Key, reason: CloseReason, did: &mut Did) {
        if let Some(Source::Connection { connection, .. }) = self.reactor.deregister(key) {
            connection.close(reason, &mut self.timers, did);
        }
    }

    fn close_all(&mut self) {
        for key in self.reactor.keys() {
            if key != self.listener {
                let mut did = Did::default();
                self.close(key, CloseReason::Shutdown, &mut did);
                self.recorder.handled(key, Trigger::Shutdown, did);
            }
        }
        self.recorder.stopped(self.reactor.len(), self.timers.len());
    }
}

/// `EMFILE` (this process) or `ENFILE` (the whole system) ran out of file descriptors.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
