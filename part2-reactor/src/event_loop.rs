//! The event loop: the one thread that serves every connection.
//!
//! ```text
//!   ┌─▶ controls: paused? wait for a step or a resume; stopping? close everything, leave
//!   │   timeout = 0 if work was left over, else time until the nearest timer (or forever)
//!   │   poll(timeout)                                 ◀── the only place the thread waits
//!   │   for each event, resolved now:
//!   │       wake          → nothing: the controls are read at the top of the loop
//!   │       stale         → dropped (counted)
//!   │       the listener  → accept until WouldBlock
//!   │       a connection  → Connection::on_ready → Wait | Yield | Close
//!   │   for each timer due: io → answer · idle → close or re-arm · accept retry → accept
//!   │   resume the connections that yielded last cycle
//!   └── publish the cycle's log lines; update the gauges
//! ```
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

use instruments::metrics::{ServerError, ServerStats};
use mio::Interest;
use mio::event::Source as MioSource;
use mio::net::{TcpListener, TcpStream};

use crate::conn::{Connection, Flow, HandlerContext};
use crate::event_log::{CloseReason, Did, EventLog, LogEntry, Trigger};
use crate::reactor::{AsSource, Reactor, ReadyEvent, Target};
use crate::server::ServerConfig;
use crate::stats::ReactorStats;
use crate::step::{StepControl, Turn};
use crate::timer::{TimerId, TimerQueue};
use crate::token::Key;

/// How long the loop stops accepting after `accept` failed (typically out of file
/// descriptors): long enough not to spin, short enough that a freed descriptor is used soon.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

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
    /// Boxed: a connection is a few hundred bytes, the listener a few; slab slots are as big
    /// as the largest variant.
    Connection(Box<Connection>),
}

impl AsSource for Source {
    fn source(&mut self) -> &mut dyn MioSource {
        match self {
            Source::Listener(listener) => listener,
            Source::Connection(connection) => connection.stream_mut(),
        }
    }
}

/// Everything the loop thread owns, and what it shares with the rest of the server.
pub struct EventLoop {
    reactor: Reactor<Source>,
    timers: TimerQueue<TimerKind>,
    listener: Key,
    /// The retry timer while accepting is paused after a failure.
    accept_retry: Option<TimerId>,
    config: ServerConfig,
    stats: Arc<ServerStats>,
    loop_stats: Arc<ReactorStats>,
    log: Arc<EventLog>,
    control: Arc<StepControl>,
    /// Poll cycles so far (the event log's `poll` column).
    cycle: u64,
    /// The events of the current poll (kept to reuse its allocation).
    ready: Vec<ReadyEvent>,
    /// Connections that yielded this cycle, to resume next cycle.
    resume: Vec<Key>,
    cycle_log: Vec<LogEntry>,
}

/// The shared handles a running loop is watched and controlled through.
pub struct LoopHandles {
    pub stats: Arc<ServerStats>,
    pub loop_stats: Arc<ReactorStats>,
    pub log: Arc<EventLog>,
    pub control: Arc<StepControl>,
}

impl EventLoop {
    /// A loop serving `listener` (switched to non-blocking here).
    pub fn new(
        listener: StdTcpListener,
        config: ServerConfig,
    ) -> io::Result<(EventLoop, LoopHandles)> {
        listener.set_nonblocking(true)?;
        let loop_stats = Arc::new(ReactorStats::new());
        let mut reactor = Reactor::new(config.events_capacity)?;
        let listener = reactor.register(
            Source::Listener(TcpListener::from_std(listener)),
            Interest::READABLE,
        )?;
        let handles = LoopHandles {
            stats: Arc::new(ServerStats::new()),
            loop_stats,
            log: Arc::new(EventLog::new()),
            control: Arc::new(StepControl::new(reactor.waker())),
        };
        let event_loop = EventLoop {
            reactor,
            timers: TimerQueue::new(),
            listener,
            accept_retry: None,
            config,
            stats: Arc::clone(&handles.stats),
            loop_stats: Arc::clone(&handles.loop_stats),
            log: Arc::clone(&handles.log),
            control: Arc::clone(&handles.control),
            cycle: 0,
            ready: Vec::new(),
            resume: Vec::new(),
            cycle_log: Vec::new(),
        };
        Ok((event_loop, handles))
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
        self.loop_stats.record_poll(polled.events, polled.blocked);
        self.stats.syscalls.polls.incr();
        self.cycle += 1;
        let busy_since = Instant::now();
        let resume = std::mem::take(&mut self.resume);

        for event in &ready {
            self.dispatch(event);
        }
        self.ready = ready;
        self.fire_timers();
        for key in resume {
            self.drive(key, Trigger::Resumed, Connection::resume);
        }

        self.log.publish(&mut self.cycle_log);
        self.loop_stats.sources.set(self.reactor.len() as u64);
        self.loop_stats.timers.set(self.timers.len() as u64);
        self.loop_stats.record_handling(busy_since.elapsed());
        Ok(())
    }

    fn dispatch(&mut self, event: &ReadyEvent) {
        let trigger = match (event.readable, event.writable) {
            (true, true) => Trigger::ReadWrite,
            (false, true) => Trigger::Writable,
            _ => Trigger::Readable,
        };
        match self.reactor.resolve(event) {
            Target::Wake => {
                self.loop_stats.wakes.incr();
                self.record(
                    None,
                    Trigger::Wake,
                    Did {
                        note: Some("another thread woke the loop"),
                        ..Did::default()
                    },
                )
            }
            Target::Stale => {
                self.loop_stats.stale_events.incr();
                self.record(
                    Some(Key::from_token(event.token())),
                    trigger,
                    Did {
                        note: Some("stale event (slot freed or reused): dropped"),
                        ..Did::default()
                    },
                )
            }
            Target::Source(key) if key == self.listener => self.accept(trigger),
            Target::Source(key) => {
                let (readable, writable) = (event.readable, event.writable);
                self.drive(key, trigger, |connection, cx| {
                    connection.on_ready(readable, writable, cx)
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
    /// needs, queue it to resume next cycle, or close it.
    fn drive(
        &mut self,
        key: Key,
        trigger: Trigger,
        handler: impl FnOnce(&mut Connection, &mut HandlerContext<'_>) -> Flow,
    ) {
        let mut did = Did::default();
        let Some(Source::Connection(connection)) = self.reactor.get_mut(key) else {
            // Closed since it was queued (resume) or since its timer was set.
            return;
        };
        let mut cx = HandlerContext {
            key,
            now: Instant::now(),
            app: &self.config.app,
            idle_timeout: self.config.idle_timeout,
            stats: &self.stats,
            loop_stats: &self.loop_stats,
            timers: &mut self.timers,
            did: &mut did,
        };
        let mut flow = handler(connection, &mut cx);
        let interest = connection.interest();
        if flow == Flow::Yield && connection.queue_for_resume() {
            self.resume.push(key);
        }
        if !matches!(flow, Flow::Close(_)) && self.reactor.set_interest(key, interest).is_err() {
            flow = Flow::Close(CloseReason::IoError);
        }
        if let Flow::Close(reason) = flow {
            self.close(key, reason);
            did.closed = Some(reason);
        }
        self.record(Some(key), trigger, did);
    }

    /// Accepts every waiting connection, unless backing off after a failure.
    fn accept(&mut self, trigger: Trigger) {
        let mut did = Did::default();
        if self.accept_retry.is_some() {
            did.note = Some("backing off after a failed accept");
            self.record(Some(self.listener), trigger, did);
            return;
        }
        loop {
            match self.listener_socket().accept() {
                Ok((stream, _peer)) => {
                    self.stats.accepted.incr();
                    did.accepted += 1;
                    self.open(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // The client gave up before we accepted it, or a signal interrupted us.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    self.stats.error(ServerError::AcceptFailed);
                    did.note = Some(if is_out_of_descriptors(&e) {
                        "accept failed: no file descriptor left; retry on a timer"
                    } else {
                        "accept failed; retry on a timer"
                    });
                    let deadline = Instant::now() + ACCEPT_BACKOFF;
                    self.accept_retry = Some(self.timers.insert(deadline, TimerKind::AcceptRetry));
                    break;
                }
            }
        }
        self.record(Some(self.listener), trigger, did);
    }

    fn listener_socket(&mut self) -> &mut TcpListener {
        match self.reactor.get_mut(self.listener) {
            Some(Source::Listener(listener)) => listener,
            _ => unreachable!("the listener stays registered for the loop's whole life"),
        }
    }

    /// Registers a newly accepted connection and arms its idle timer.
    fn open(&mut self, stream: TcpStream) {
        // Responses are small and written whole: send them at once rather than batch them.
        if stream.set_nodelay(true).is_err() {
            // The socket is unusable (the client is already gone).
            self.stats.error(ServerError::Io);
            return;
        }
        let now = Instant::now();
        let connection = Box::new(Connection::new(stream, now));
        let Ok(key) = self
            .reactor
            .register(Source::Connection(connection), Interest::READABLE)
        else {
            self.stats.error(ServerError::Io);
            return;
        };
        self.stats.active_connections.incr();
        if let Some(Source::Connection(connection)) = self.reactor.get_mut(key) {
            connection.start(key, now + self.config.idle_timeout, &mut self.timers);
        }
    }

    /// Deregisters and drops a connection, counting why it closed.
    fn close(&mut self, key: Key, reason: CloseReason) {
        let Some(Source::Connection(connection)) = self.reactor.deregister(key) else {
            return;
        };
        connection.close(&mut self.timers, &self.stats);
        self.stats.active_connections.decr();
        match reason {
            CloseReason::Truncated | CloseReason::IoError => self.stats.error(ServerError::Io),
            CloseReason::Idle => self.stats.error(ServerError::IdleTimeout),
            // Bad requests were counted, by kind, when they were found.
            CloseReason::BadRequest(_)
            | CloseReason::Eof
            | CloseReason::ClientAsked
            | CloseReason::Shutdown => {}
        }
    }

    fn close_all(&mut self) {
        for key in self.reactor.keys() {
            if key != self.listener {
                self.close(key, CloseReason::Shutdown);
            }
        }
        self.loop_stats.sources.set(self.reactor.len() as u64);
        self.loop_stats.timers.set(self.timers.len() as u64);
    }

    fn record(&mut self, key: Option<Key>, trigger: Trigger, did: Did) {
        self.cycle_log.push(LogEntry {
            poll: self.cycle,
            key,
            trigger,
            did,
        });
    }
}

/// `EMFILE` (this process) or `ENFILE` (the whole system) ran out of file descriptors.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
