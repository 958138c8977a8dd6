//! One connection as an explicit state machine, advanced a little on every event.
//!
//! In part 1 a connection was a function: read, wait, compute, write, loop — the thread's stack
//! remembered where it was. Here no thread belongs to a connection. The event loop calls in
//! when something happened (bytes arrived, the socket can take more, a timer fired), and the
//! connection must do all it can *without ever blocking*, then return — so "where it was" has
//! to live in a value. That value is [`Connection`], and its `state` is the straight-line code
//! of part 1, turned inside out:
//!
//! ```text
//!              ┌──────── request with io_ms = 0: answered at once into `out` ───────┐
//!              │                                                                    │
//!              ▼          request with io_ms > 0                                    │
//!  accept ─▶ Reading ──────────────────────────────▶ Waiting ── io timer fires ──────┤
//!           │  ▲   (`out` not empty: Flushing first,   (a reactor timer;            │
//!           │  │    then Waiting)                       the thread serves others)   │
//!           │  │                                                     burn cpu_us,  │
//!           │  │                                                     answer       ▼
//!           │  └──────── all of `out` written ─────────────── Flushing ◀──── `out` grows
//!           │                                                 │  ▲
//!           │                               write: WouldBlock │  │ writable event
//!           │                                                 ▼  │
//!           │                                        (waits for WRITABLE)
//!           ▼
//!        Closed ◀── EOF, I/O error, idle timeout, bad request (after its 400), Connection: close
//! ```
//!
//! # What a connection remembers, and who remembered it in part 1
//!
//! Every field of [`Connection`] is something part 1 got for free from its thread:
//!
//! | field | in part 1 |
//! |---|---|
//! | `stream`, `framer`, `out` | the same, as local variables |
//! | `state` (and the request's `cpu` and response while it waits) | which line of the loop the thread was on, and the `plan` local |
//! | `written`, `answered` | how far `write_all` had got, and which responses it had sent: it blocked until the end |
//! | `may_read`, `may_write` | nothing: a blocking call simply waited until the socket was ready |
//! | `last_active`, `idle_timer` | the socket's read timeout |
//!
//! None of it is there for the dashboard. What a call did (bytes, system calls, requests
//! taken, responses served, why it closed) goes into a [`Did`] report that the caller passes
//! in; the loop hands it to the dashboard's recorder. The connection counts nothing itself.
//!
//! # Invariants
//!
//! - **In order.** Requests are taken from the [`Framer`] one at a time, and each response is
//!   appended to `out` before the next request is looked at, so pipelined requests are answered
//!   in the order they came.
//! - **Edge-triggered reads.** `may_read` remembers whether the socket may still hold bytes:
//!   it is set by a readable event and cleared only by a read that returns `WouldBlock`. The
//!   connection stops reading *before* `WouldBlock` whenever it has a request to serve, and
//!   comes back to read later (after the response is written) without waiting for an event
//!   that would never come. `may_write` does the same for writes. The reads and writes
//!   themselves, with every way they can end, are in [`nonblocking`].
//! - **Bounded memory (backpressure).** The framer's buffer is bounded by
//!   [`BUFFER_CAPACITY`](part1_threads::http::BUFFER_CAPACITY), and `out` is flushed once it
//!   reaches [`WRITE_BUFFER_LIMIT`]. While a flush is stuck (the client does not read its
//!   responses), no request is taken and nothing is read: the kernel's buffers fill up, TCP's
//!   window closes, and the client itself is slowed down. A connection therefore never holds
//!   more than the framer's buffer plus `WRITE_BUFFER_LIMIT` plus one response.
//! - **Fairness.** One call serves at most [`REQUESTS_PER_TURN`] requests, then returns
//!   [`Flow::Yield`] and the loop calls again next cycle: a client that pipelines thousands of
//!   requests cannot keep the one thread from everyone else. Tokio's cooperative budget does
//!   the same for tasks: each poll of a task may do 128 operations on Tokio's resources, after
//!   which they answer "not ready" and wake the task, so it goes back to the scheduler's queue
//!   (`tokio/src/task/coop/mod.rs`).
//! - **One idle timer, never reset.** Resetting a timer on every request would mean a cancel
//!   and an insert per request. Instead the connection remembers when it was last active; when
//!   its idle timer fires, it closes only if it really has been idle that long, and otherwise
//!   re-arms the timer for `last active + idle timeout`. One timer per connection, moved at
//!   most once per idle-timeout period.
//!
//! The CPU work of a request (`cpu_us`) is burnt right here, on the loop thread: while it
//! burns, *no other connection is served*. That is the weakness of one thread, and what
//! part 4's multiple workers fix.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mio::Interest;
use mio::net::TcpStream;
use part1_threads::app::{self, AppConfig, Plan};
use part1_threads::http::{FrameError, Framer, Response};

use crate::event_loop::TimerKind;
use crate::nonblocking::{self, Flushed, Received};
use crate::timer::{TimerId, TimerQueue};
use crate::token::Key;

/// `out` is flushed once it holds this much. Big enough to batch many pipelined responses into
/// one `write`, small enough that a client who never reads costs little memory.
pub const WRITE_BUFFER_LIMIT: usize = 64 * 1024;

/// The most requests one call of [`Connection::advance`] serves before it yields to other
/// connections.
pub const REQUESTS_PER_TURN: u32 = 32;

/// What a handler may touch besides its connection: the world the connection lives in.
pub struct HandlerContext<'a> {
    /// The connection's key, for the timers it sets.
    pub key: Key,
    /// The time at the start of this handler (refreshed after CPU work).
    pub now: Instant,
    pub app: &'a AppConfig,
    pub idle_timeout: Duration,
    pub timers: &'a mut TimerQueue<TimerKind>,
}

/// What one handler call did: the connection's report, filled in as it goes and handed by the
/// loop to whoever watches (the dashboard's recorder). The connection itself counts nothing
/// anywhere else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Did {
    /// `read` system calls, including those that found nothing.
    pub reads: u32,
    /// Reads that returned `WouldBlock`: the socket was drained.
    pub would_block_reads: u32,
    pub read_bytes: u64,
    /// `write` system calls, including one that found the socket full.
    pub writes: u32,
    pub wrote_bytes: u64,
    /// A write returned `WouldBlock`: the rest waits for a writable event.
    pub write_blocked: bool,
    /// The most bytes of responses waiting to be written at once during the call.
    pub most_buffered: usize,
    /// Requests taken from the framer.
    pub requests: u32,
    /// Responses written out whole.
    pub served: u32,
    /// A request could not be framed (it is answered with its error status, then the
    /// connection closes).
    pub rejected: Option<FrameError>,
    /// A request now waits this long on a timer.
    pub waiting: Option<Duration>,
    /// The idle timer fired early (the connection was active since) and was set again.
    pub idle_timer_moved: bool,
    /// The turn's budget ran out with work left: resumed next cycle.
    pub yielded: bool,
    /// The connection was closed, and why.
    pub closed: Option<CloseReason>,
    /// Requests taken and never answered, because the connection closed first.
    pub abandoned: u32,
}

/// Why a connection was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed its side between requests.
    Eof,
    /// The client closed its side in the middle of a request.
    Truncated,
    /// A read or write failed (reset by the peer, broken pipe...).
    IoError,
    /// Nothing happened for the idle timeout.
    Idle,
    /// The client asked for it (`Connection: close`, or HTTP/1.0).
    ClientAsked,
    /// The request could not be framed; this status was sent first.
    BadRequest(u16),
    /// The server is shutting down.
    Shutdown,
}

/// What the connection needs next, once it can make no more progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// An event or a timer will move it on; register [`Connection::interest`].
    Wait,
    /// It has work left but spent its turn's budget: call [`Connection::advance`] next cycle.
    /// (No event will come for the bytes already buffered.)
    Yield,
    /// Close it.
    Close(CloseReason),
}

/// Where the connection is. See the [module docs](self).
#[derive(Debug)]
enum State {
    /// Taking requests from the framer, reading the socket when the framer needs bytes.
    Reading,
    /// A request waits `io_ms` on a timer; its CPU work and response come when it fires.
    Waiting {
        timer: TimerId,
        cpu: Duration,
        response: Response,
    },
    /// Writing `out`; then doing `then`.
    Flushing { then: Then },
}

/// What follows a flush.
#[derive(Debug)]
enum Then {
    Read,
    /// Start this request's wait (earlier responses had to go out first).
    Wait(Plan),
    Close(CloseReason),
}

/// One client connection and everything the loop must remember about it between events.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    framer: Framer,
    /// Responses not yet written: `out[written..]`.
    out: Vec<u8>,
    written: usize,
    /// How many responses `out` holds (reported as served once all of `out` is written).
    answered: u32,
    state: State,
    may_read: bool,
    may_write: bool,
    last_active: Instant,
    idle_timer: Option<TimerId>,
}

impl Connection {
    /// A connection just accepted. It may already have bytes to read: its registration will
    /// report them.
    pub fn new(stream: TcpStream, now: Instant) -> Connection {
        Connection {
            stream,
            framer: Framer::new(),
            out: Vec::new(),
            written: 0,
            answered: 0,
            state: State::Reading,
            may_read: false,
            may_write: true,
            last_active: now,
            idle_timer: None,
        }
    }

    pub(crate) fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Arms the idle timer; call once, right after registering the connection as `key`.
    pub fn start(&mut self, key: Key, idle_deadline: Instant, timers: &mut TimerQueue<TimerKind>) {
        self.idle_timer = Some(timers.insert(idle_deadline, TimerKind::Idle(key)));
    }

    /// What the OS should watch the socket for: readable always (a client may send or hang
    /// up at any time), writable only while a flush is stuck.
    pub fn interest(&self) -> Interest {
        if matches!(self.state, State::Flushing { .. }) && !self.may_write {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        }
    }

    /// A readiness event arrived: remember it, then [`advance`](Self::advance).
    pub fn on_ready(
        &mut self,
        readable: bool,
        writable: bool,
        cx: &mut HandlerContext<'_>,
        did: &mut Did,
    ) -> Flow {
        self.may_read |= readable;
        self.may_write |= writable;
        self.advance(cx, did)
    }

    /// Makes all the progress possible without blocking; also how work left over from an
    /// earlier cycle ([`Flow::Yield`]) is resumed.
    pub fn advance(&mut self, cx: &mut HandlerContext<'_>, did: &mut Did) -> Flow {
        let mut budget = REQUESTS_PER_TURN;
        loop {
            let stopped = match self.state {
                State::Waiting { .. } => Some(Flow::Wait),
                State::Flushing { .. } => self.flush(cx, did),
                State::Reading => self.read(&mut budget, cx, did),
            };
            if let Some(flow) = stopped {
                return flow;
            }
        }
    }

    /// The request's `io_ms` is over: do its CPU work, answer, and carry on.
    pub fn on_io_timer(&mut self, cx: &mut HandlerContext<'_>, did: &mut Did) -> Flow {
        match std::mem::replace(&mut self.state, State::Reading) {
            State::Waiting { cpu, response, .. } => self.answer(cpu, response, cx, did),
            // Only a waiting connection has an io timer, so this cannot happen; if it did,
            // leaving the state alone would be right.
            other => self.state = other,
        }
        self.advance(cx, did)
    }

    /// The idle deadline came: close if nothing happened for the idle timeout, otherwise
    /// re-arm the timer for the new deadline.
    pub fn on_idle_timer(&mut self, cx: &mut HandlerContext<'_>, did: &mut Did) -> Flow {
        self.idle_timer = None;
        // While a request waits on its timer the *server* is busy: not the client's idleness.
        let deadline = if matches!(self.state, State::Waiting { .. }) {
            cx.now + cx.idle_timeout
        } else {
            self.last_active + cx.idle_timeout
        };
        if deadline <= cx.now {
            return Flow::Close(CloseReason::Idle);
        }
        self.idle_timer = Some(cx.timers.insert(deadline, TimerKind::Idle(cx.key)));
        did.idle_timer_moved = true;
        Flow::Wait
    }

    /// Cancels the connection's timers and reports `reason` and the requests it leaves
    /// unanswered. The socket closes when `self` is dropped.
    pub fn close(self, reason: CloseReason, timers: &mut TimerQueue<TimerKind>, did: &mut Did) {
        if let Some(id) = self.idle_timer {
            timers.cancel(id);
        }
        // Taken and unanswered: the responses still in `out`, and the request waiting for its
        // timer (or for `out` to be written first).
        let waiting = match self.state {
            State::Waiting { timer, .. } => {
                timers.cancel(timer);
                1
            }
            State::Flushing {
                then: Then::Wait(_),
            } => 1,
            State::Reading | State::Flushing { .. } => 0,
        };
        did.abandoned += self.answered + waiting;
        did.closed = Some(reason);
    }

    /// In `Reading`: takes the next request, or reads more bytes. `None` means progress was
    /// made and the state machine should go on.
    fn read(
        &mut self,
        budget: &mut u32,
        cx: &mut HandlerContext<'_>,
        did: &mut Did,
    ) -> Option<Flow> {
        if self.out.len() >= WRITE_BUFFER_LIMIT || (*budget == 0 && !self.out.is_empty()) {
            self.state = State::Flushing { then: Then::Read };
            return None;
        }
        if *budget == 0 {
            did.yielded = true;
            return Some(Flow::Yield);
        }
        match self.framer.next_request() {
            Ok(Some(request)) => {
                *budget -= 1;
                did.requests += 1;
                let plan = app::plan(&request, cx.app);
                if plan.io.is_zero() {
                    self.answer(plan.cpu, plan.response, cx, did);
                } else if self.out.is_empty() {
                    self.start_waiting(plan, cx, did);
                } else {
                    // Earlier answers must not wait behind this request's io_ms.
                    self.state = State::Flushing {
                        then: Then::Wait(plan),
                    };
                }
                None
            }
            Ok(None) if !self.out.is_empty() => {
                // Send what is answered before waiting for more requests.
                self.state = State::Flushing { then: Then::Read };
                None
            }
            Ok(None) if self.may_read => self.read_socket(cx.now, did),
            Ok(None) => Some(Flow::Wait),
            Err(error) => {
                let status = error.status();
                did.rejected = Some(error);
                Response::closing(status, status.reason()).write_to(&mut self.out);
                self.state = State::Flushing {
                    then: Then::Close(CloseReason::BadRequest(status.code())),
                };
                None
            }
        }
    }

    /// One `read` into the framer.
    fn read_socket(&mut self, now: Instant, did: &mut Did) -> Option<Flow> {
        let mut socket = Counted::new(&mut self.stream, did);
        let received = nonblocking::read_some(&mut socket, &mut self.framer);
        match received {
            Ok(Received::Bytes(n)) => {
                did.read_bytes += n as u64;
                self.last_active = now;
                None
            }
            Ok(Received::WouldBlock) => {
                // Drained: only a new readable event can tell us about more bytes.
                self.may_read = false;
                did.would_block_reads += 1;
                Some(Flow::Wait)
            }
            Ok(Received::Closed) => Some(Flow::Close(CloseReason::Eof)),
            Ok(Received::Truncated) => Some(Flow::Close(CloseReason::Truncated)),
            Err(_) => Some(Flow::Close(CloseReason::IoError)),
        }
    }

    /// In `Flushing`: writes `out`, then moves on as `then` says.
    fn flush(&mut self, cx: &mut HandlerContext<'_>, did: &mut Did) -> Option<Flow> {
        if self.written < self.out.len() {
            if !self.may_write {
                return Some(Flow::Wait);
            }
            match self.write_out(cx.now, did) {
                Ok(Flushed::All) => {}
                Ok(Flushed::WouldBlock) => return Some(Flow::Wait),
                Err(_) => return Some(Flow::Close(CloseReason::IoError)),
            }
        }
        self.out.clear();
        self.written = 0;
        did.served += self.answered;
        self.answered = 0;

        let State::Flushing { then } = std::mem::replace(&mut self.state, State::Reading) else {
            unreachable!("flush is only called in Flushing");
        };
        match then {
            Then::Read => None,
            Then::Wait(plan) => {
                self.start_waiting(plan, cx, did);
                None
            }
            Then::Close(reason) => Some(Flow::Close(reason)),
        }
    }

    /// Writes until `out` is all written or the socket's buffer is full.
    fn write_out(&mut self, now: Instant, did: &mut Did) -> io::Result<Flushed> {
        let before = self.written;
        let mut socket = Counted::new(&mut self.stream, did);
        let flushed = nonblocking::write_all_or_block(&mut socket, &self.out, &mut self.written);
        let wrote = self.written - before;
        if wrote > 0 {
            did.wrote_bytes += wrote as u64;
            self.last_active = now;
        }
        if let Ok(Flushed::WouldBlock) = flushed {
            // The rest waits for a writable event (see `interest`).
            self.may_write = false;
            did.write_blocked = true;
        }
        flushed
    }

    fn start_waiting(&mut self, plan: Plan, cx: &mut HandlerContext<'_>, did: &mut Did) {
        let timer = cx.timers.insert(cx.now + plan.io, TimerKind::Io(cx.key));
        did.waiting = Some(plan.io);
        self.state = State::Waiting {
            timer,
            cpu: plan.cpu,
            response: plan.response,
        };
    }

    /// Does the request's CPU work (blocking the whole loop meanwhile) and queues its response.
    fn answer(
        &mut self,
        cpu: Duration,
        response: Response,
        cx: &mut HandlerContext<'_>,
        did: &mut Did,
    ) {
        if !cpu.is_zero() {
            app::burn_cpu(cpu);
            cx.now = Instant::now();
        }
        response.write_to(&mut self.out);
        self.answered += 1;
        did.most_buffered = did.most_buffered.max(self.out.len());
        self.state = if response.keep_alive {
            State::Reading
        } else {
            State::Flushing {
                then: Then::Close(CloseReason::ClientAsked),
            }
        };
    }
}

/// The connection's socket, counting every `read` and `write` system call into the report.
struct Counted<'a> {
    stream: &'a mut TcpStream,
    did: &'a mut Did,
}

impl<'a> Counted<'a> {
    fn new(stream: &'a mut TcpStream, did: &'a mut Did) -> Self {
        Counted { stream, did }
    }
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.did.reads += 1;
        self.stream.read(buf)
    }
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.did.writes += 1;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream as StdTcpStream};

    /// A connected pair: the client end (blocking) and the server end, ready for the reactor.
    fn pair() -> (StdTcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = StdTcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        server.set_nonblocking(true).expect("non-blocking");
        (client, TcpStream::from_std(server))
    }

    /// Waits until the server end has `len` bytes waiting, so that what a single read sees is
    /// decided by the test, not by the scheduler.
    fn until_buffered(stream: &TcpStream, len: usize) {
        let mut buf = vec![0; len];
        for _ in 0..10_000 {
            if stream.peek(&mut buf).is_ok_and(|n| n == len) {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("{len} bytes never arrived");
    }

    /// What the loop would hold around a connection: the app, the timers, and the reports
    /// of every call so far, added up.
    struct World {
        app: AppConfig,
        timers: TimerQueue<TimerKind>,
        did: Did,
    }

    impl World {
        fn new() -> World {
            World {
                app: AppConfig::default(),
                timers: TimerQueue::new(),
                did: Did::default(),
            }
        }

        /// Runs one handler call at `now`, its report added to `self.did`.
        fn call(
            &mut self,
            now: Instant,
            handler: impl FnOnce(&mut HandlerContext<'_>, &mut Did) -> Flow,
        ) -> Flow {
            let mut cx = HandlerContext {
                key: Key::new(1, 0),
                now,
                app: &self.app,
                idle_timeout: Duration::from_secs(60),
                timers: &mut self.timers,
            };
            handler(&mut cx, &mut self.did)
        }
    }

    fn pipelined(n: usize) -> Vec<u8> {
        b"GET / HTTP/1.1\r\n\r\n".repeat(n)
    }

    fn read_statuses(client: &StdTcpStream, n: usize) -> Vec<String> {
        let mut reader = BufReader::new(client);
        (0..n)
            .map(|_| {
                let mut lines = Vec::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).expect("a response line");
                    if line == "\r\n" {
                        break;
                    }
                    lines.push(line);
                }
                let mut body = [0; 5];
                reader.read_exact(&mut body).expect("the body");
                lines[0].trim_end().to_string()
            })
            .collect()
    }

    #[test]
    fn one_readable_event_serves_every_pipelined_request() {
        let (mut client, server_end) = pair();
        let requests = pipelined(10);
        client.write_all(&requests).expect("send");
        until_buffered(&server_end, requests.len());

        let mut world = World::new();
        let mut connection = Connection::new(server_end, Instant::now());
        // The one event edge-triggered epoll gives for all ten requests.
        let flow = world.call(Instant::now(), |cx, did| {
            connection.on_ready(true, false, cx, did)
        });

        assert_eq!(flow, Flow::Wait, "nothing left to do until the next event");
        assert_eq!((world.did.requests, world.did.served), (10, 10));
        assert_eq!(world.did.would_block_reads, 1, "it read until WouldBlock");
        assert_eq!(
            world.did.reads, 2,
            "one read with the requests, one that finds nothing"
        );
        assert_eq!(world.did.writes, 1, "ten responses, one write");
        assert_eq!(read_statuses(&client, 10), vec!["HTTP/1.1 200 OK"; 10]);
    }

    #[test]
    fn a_long_pipeline_yields_and_resumes_without_an_event() {
        let (mut client, server_end) = pair();
        let n = 3 * REQUESTS_PER_TURN as usize + 5;
        let requests = pipelined(n);
        client.write_all(&requests).expect("send");
        until_buffered(&server_end, requests.len());

        let mut world = World::new();
        let mut connection = Connection::new(server_end, Instant::now());
        let mut flow = world.call(Instant::now(), |cx, did| {
            connection.on_ready(true, false, cx, did)
        });
        let mut turns = 1;
        while flow == Flow::Yield {
            assert_eq!(world.did.requests, turns * REQUESTS_PER_TURN);
            flow = world.call(Instant::now(), |cx, did| connection.advance(cx, did));
            turns += 1;
        }
        assert_eq!(flow, Flow::Wait);
        assert_eq!(turns, 4, "three full turns, then the rest");
        assert_eq!(world.did.requests as usize, n);
        assert_eq!(read_statuses(&client, n).len(), n);
    }

    #[test]
    fn the_idle_timer_closes_only_a_connection_that_has_really_been_idle() {
        let (mut client, server_end) = pair();
        let mut world = World::new();
        let start = Instant::now();
        let idle = Duration::from_secs(60);
        let mut connection = Connection::new(server_end, start);
        connection.start(Key::new(1, 0), start + idle, &mut world.timers);

        // Active half-way through: when the timer fires, it moves instead of closing.
        client.write_all(&pipelined(1)).expect("send");
        until_buffered(connection.stream_mut(), pipelined(1).len());
        world.call(start + idle / 2, |cx, did| {
            connection.on_ready(true, false, cx, did)
        });
        assert_eq!(
            world.timers.pop_expired(start + idle).map(|(_, t)| t),
            Some(TimerKind::Idle(Key::new(1, 0)))
        );
        assert_eq!(
            world.call(start + idle, |cx, did| connection.on_idle_timer(cx, did)),
            Flow::Wait
        );
        assert!(world.did.idle_timer_moved);
        assert_eq!(world.timers.next_deadline(), Some(start + idle / 2 + idle));

        // Silent since: the moved timer closes it.
        world.timers.pop_expired(start + 2 * idle);
        assert_eq!(
            world.call(start + idle / 2 + idle, |cx, did| {
                connection.on_idle_timer(cx, did)
            }),
            Flow::Close(CloseReason::Idle)
        );
    }

    #[test]
    fn closing_a_waiting_connection_cancels_its_timers_and_reports_the_unanswered_request() {
        let (mut client, server_end) = pair();
        let request = b"GET /?io_ms=50 HTTP/1.1\r\n\r\n";
        client.write_all(request).expect("send");
        until_buffered(&server_end, request.len());

        let mut world = World::new();
        let now = Instant::now();
        let mut connection = Connection::new(server_end, now);
        connection.start(
            Key::new(1, 0),
            now + Duration::from_secs(60),
            &mut world.timers,
        );
        let flow = world.call(now, |cx, did| connection.on_ready(true, false, cx, did));
        assert_eq!(flow, Flow::Wait);
        assert_eq!(world.did.waiting, Some(Duration::from_millis(50)));
        assert_eq!(world.timers.len(), 2, "the idle timer and the io timer");

        let mut did = Did::default();
        connection.close(CloseReason::Shutdown, &mut world.timers, &mut did);
        assert!(world.timers.is_empty(), "both timers cancelled");
        assert_eq!(did.abandoned, 1, "the waiting request was never answered");
        assert_eq!(did.closed, Some(CloseReason::Shutdown));
    }
}
