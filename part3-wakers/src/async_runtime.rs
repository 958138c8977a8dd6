//! What the server asks of a runtime, and nothing more: accept, read, write, sleep, spawn.
//!
//! [`server`](crate::server)'s connection loop is written once, against [`AsyncRuntime`], so
//! that the *same* app runs on every runtime of the course and only the runtime changes:
//!
//! ```text
//!   serve_connection::<R>  ── R::Stream::read / write_all, R::sleep, R::timeout
//!   accept_loop::<R>       ── R::accept, R::spawn, R::sleep
//!
//!   R = Ours   our leaf futures and spawn, on whichever of our runtimes is current
//!              (part 3's one thread, part 4's workers)
//!   R = Tokio  (in part 4) Tokio's sockets, timers and spawn
//! ```
//!
//! Every method returns a `Send` future: a connection's task may move between threads on a
//! multi-threaded runtime, so everything it holds across an `.await` must be able to move too.

use std::future::Future;
use std::io;
use std::net::TcpListener as StdTcpListener;
use std::time::Duration;

use crate::net::{IoCounts, TcpListener, TcpStream};

/// A runtime the server can run on: its sockets, its timers and its `spawn`.
///
/// The methods are associated functions, not methods of a value: like `tokio::spawn` or our
/// [`spawn`](crate::spawn), they find the current runtime themselves (a thread-local).
pub trait AsyncRuntime: 'static {
    /// A listening socket registered with this runtime.
    type Listener: Send;
    /// A connected socket registered with this runtime.
    type Stream: AsyncStream;

    /// Takes over a bound listener. Must run inside the runtime (it registers the socket).
    fn listener(listener: StdTcpListener) -> io::Result<Self::Listener>;

    /// The next connection.
    fn accept(
        listener: &mut Self::Listener,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Waits until `duration` has passed.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `future` for at most `duration`: its output, or `ErrorKind::TimedOut` (and `future`
    /// is dropped).
    fn timeout<F>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = io::Result<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send;

    /// Runs `future` as a task of the current runtime; nobody waits for its end.
    fn spawn(future: impl Future<Output = ()> + Send + 'static);
}

/// A connected socket, as the connection loop uses it.
pub trait AsyncStream: Send + 'static {
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()>;

    /// Reads some bytes into `buf`; `Ok(0)` is the end of the stream.
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> + Send;

    /// Writes all of `buf`, waiting for room as often as needed.
    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> + Send;

    /// The system calls made since the last call. A socket that does not count them (Tokio's)
    /// reports none.
    fn take_counts(&mut self) -> IoCounts {
        IoCounts::default()
    }
}

/// Our runtime: the leaf futures of [`net`](crate::net) and [`time`](crate::time), and
/// [`spawn`](crate::spawn). Each finds the current runtime through [`context`](crate::context),
/// so this serves any of our runtimes that enters it.
#[derive(Debug, Clone, Copy)]
pub struct Ours;

impl AsyncRuntime for Ours {
    type Listener = TcpListener;
    type Stream = TcpStream;

    fn listener(listener: StdTcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }

    async fn accept(listener: &mut TcpListener) -> io::Result<TcpStream> {
        let (stream, _peer) = listener.accept().await?;
        Ok(stream)
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        crate::time::sleep(duration)
    }

    fn timeout<F>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = io::Result<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send,
    {
        crate::time::timeout(duration, future)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        // Nobody waits for a connection's end: the handle is dropped, the task runs on.
        drop(crate::spawn(future));
    }
}

impl AsyncStream for TcpStream {
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        TcpStream::set_nodelay(self, nodelay)
    }

    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> + Send {
        TcpStream::read(self, buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> + Send {
        TcpStream::write_all(self, buf)
    }

    fn take_counts(&mut self) -> IoCounts {
        TcpStream::take_counts(self)
    }
}
