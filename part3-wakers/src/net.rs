//! Leaf futures over sockets: `accept`, `read` and `write_all` that wait without a thread.
//!
//! Every one of them is the same three-step dance, written once in [`Registered::poll_io`]:
//!
//! ```text
//!   1. ask the driver's record: ready for my direction?   no ─▶ waker stored ─▶ Pending
//!   2. yes: make the system call (non-blocking)
//!   3. it worked ─▶ Ready(result)
//!      it said WouldBlock (the readiness was used up, or was spurious) ─▶ clear it, back to 1
//! ```
//!
//! Step 3's `WouldBlock` is part 2's edge-triggered discipline, moved into the one place that
//! makes system calls: a future never assumes a socket is ready because an event once said so.
//!
//! One refinement saves a system call per request: a `read` that returns *fewer* bytes than
//! the buffer could take has drained the socket, so readiness is cleared at once instead of
//! being discovered by a `WouldBlock` read. New bytes raise a new edge, and the tick in
//! [`ScheduledIo`](crate::scheduled_io) keeps that edge from being cleared by mistake. Tokio
//! does the same in `PollEvented::poll_read` (`tokio/src/io/poll_evented.rs`).
//!
//! Each socket keeps [`IoCounts`]: what system calls it made. The server reports them, so the
//! dashboard can show system calls per request as part 2's does.
//!
//! Every I/O future also spends one unit of the task's cooperative [budget](crate::coop)
//! first: a connection whose socket is always ready must still let the others run.

use std::future::poll_fn;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use mio::event::Source;

use crate::context;
use crate::coop;
use crate::driver::{Driver, Registration};
use crate::observe::progress::{self, Wait};
use crate::scheduled_io::Direction;

/// The system calls a socket made, since it was created or last [taken](TcpStream::take_counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoCounts {
    /// `read` calls, including those that found nothing.
    pub reads: u64,
    /// `read` calls that found nothing (`WouldBlock`).
    pub would_block_reads: u64,
    /// `write` calls.
    pub writes: u64,
}

/// A mio socket registered with the current driver for its whole life.
#[derive(Debug)]
struct Registered<S: Source> {
    source: S,
    registration: Registration,
    driver: Arc<Driver>,
}

impl<S: Source> Registered<S> {
    fn new(mut source: S) -> io::Result<Self> {
        let driver = context::driver();
        let registration = driver.register(&mut source)?;
        Ok(Registered {
            source,
            registration,
            driver,
        })
    }

    /// The dance of the [module docs](self): `op` is one non-blocking system call; `drained`
    /// says whether a successful result proves the socket has nothing more for now.
    fn poll_io<R>(
        &mut self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut S) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let event = ready!(self.registration.io.poll_ready(direction, cx));
            match op(&mut self.source) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => self.registration.io.clear(event),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Ok(done) => {
                    if drained(&done) {
                        self.registration.io.clear(event);
                    }
                    return Poll::Ready(Ok(done));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl<S: Source> Drop for Registered<S> {
    fn drop(&mut self) {
        self.driver.deregister(&mut self.source, &self.registration);
    }
}

/// A listening socket whose `accept` waits for the driver instead of blocking.
#[derive(Debug)]
pub struct TcpListener {
    io: Registered<mio::net::TcpListener>,
}

impl TcpListener {
    /// Listens on `addr` exactly as parts 1 and 2 do ([`part1_threads::listen()`]).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::from_std(part1_threads::listen(addr)?)
    }

    /// Takes over a bound listener (switched to non-blocking here). Must run inside the
    /// runtime: it registers with the current driver.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Registered::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source.local_addr()
    }

    /// The next connection.
    pub async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = poll_fn(|cx| {
            self.io
                .poll_io(Direction::Read, cx, |l| l.accept(), |_| false)
        })
        .await?;
        Ok((TcpStream::new(stream)?, peer))
    }
}

/// A connected socket whose `read` and `write_all` wait for the driver instead of blocking.
#[derive(Debug)]
pub struct TcpStream {
    io: Registered<mio::net::TcpStream>,
    counts: IoCounts,
}

impl TcpStream {
    fn new(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Registered::new(stream)?,
            counts: IoCounts::default(),
        })
    }

    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.source.set_nodelay(nodelay)
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.source.peer_addr()
    }

    /// Reads some bytes into `buf`; `Ok(0)` is the end of the stream.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Writes all of `buf`, waiting for room as often as needed.
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut written = 0;
        while written < buf.len() {
            match poll_fn(|cx| self.poll_write(cx, &buf[written..])).await? {
                0 => return Err(ErrorKind::WriteZero.into()),
                n => written += n,
            }
        }
        Ok(())
    }

    /// What system calls this socket made since the last call.
    pub fn take_counts(&mut self) -> IoCounts {
        std::mem::take(&mut self.counts)
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let counts = &mut self.counts;
        let capacity = buf.len();
        let read = self.io.poll_io(
            Direction::Read,
            cx,
            |socket| {
                counts.reads += 1;
                let result = socket.read(buf);
                if result
                    .as_ref()
                    .is_err_and(|e| e.kind() == ErrorKind::WouldBlock)
                {
                    counts.would_block_reads += 1;
                }
                result
            },
            // Fewer bytes than asked for: the socket's buffer is empty now.
            |&n| n > 0 && n < capacity,
        );
        match &read {
            Poll::Ready(Ok(n)) => progress::read(*n),
            Poll::Pending => progress::waits(Wait::Read),
            Poll::Ready(Err(_)) => {}
        }
        read
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let counts = &mut self.counts;
        let wrote = self.io.poll_io(
            Direction::Write,
            cx,
            |socket| {
                counts.writes += 1;
                socket.write(buf)
            },
            |_| false,
        );
        match &wrote {
            Poll::Ready(Ok(n)) => progress::wrote(*n),
            Poll::Pending => progress::waits(Wait::Write),
            Poll::Ready(Err(_)) => {}
        }
        wrote
    }
}
