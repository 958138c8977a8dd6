//! One connection, served start to finish by one thread that blocks whenever it waits.
//!
//! This is the thread-per-connection model in its plainest form: read a request (the thread
//! sleeps in `read` until bytes arrive), wait for the "backend" (the thread sleeps in
//! `thread::sleep`), compute, write the response (the thread may sleep in `write`), repeat
//! until the client leaves. The code is straight-line and easy to follow — which is exactly
//! what parts 2 and 3 will have to work hard to get back — but every one of those waits keeps
//! a whole OS thread, with its stacks, parked on this one client.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use instruments::metrics::{Counter, ServerError, ServerStats};

use crate::app::{self, AppConfig};
use crate::http::{FrameError, Framer, Request, Response};

/// What each connection thread needs to know.
#[derive(Debug)]
pub struct ConnectionContext {
    pub stats: std::sync::Arc<ServerStats>,
    pub app: AppConfig,
    /// How long a read may wait for the client before the connection is closed.
    pub idle_timeout: Duration,
}

/// Why [`read_request`] could not produce a request.
#[derive(Debug)]
pub enum ReadError {
    /// The bytes were not a valid request (answer [`FrameError::status`], then close).
    Frame(FrameError),
    /// The client closed the connection in the middle of a request.
    Truncated,
    /// The read failed; `TimedOut`/`WouldBlock` means the idle timeout passed.
    Io(io::Error),
}

/// Reads from `reader` until `framer` has a whole request.
///
/// Returns `Ok(None)` when the client closed the connection cleanly between requests. Requests
/// already buffered (pipelined) are returned without reading. A read interrupted by a signal
/// (`ErrorKind::Interrupted`) is retried.
pub fn read_request<R: Read>(
    reader: &mut R,
    framer: &mut Framer,
) -> Result<Option<Request>, ReadError> {
    loop {
        if let Some(request) = framer.next_request().map_err(ReadError::Frame)? {
            return Ok(Some(request));
        }
        let n = match reader.read(framer.read_buf()) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if n == 0 {
            return if framer.is_idle() {
                Ok(None)
            } else {
                Err(ReadError::Truncated)
            };
        }
        framer.filled(n);
    }
}

/// A reader that counts its `read` calls: each one is a system call.
struct CountingReader<'a, R> {
    inner: R,
    reads: &'a Counter,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.incr();
        self.inner.read(buf)
    }
}

/// Serves `stream` until the client leaves, an error occurs or the idle timeout passes.
pub fn serve_connection(stream: TcpStream, ctx: &ConnectionContext) {
    let stats = &*ctx.stats;
    let _open = stats.active_connections.enter();
    if configure(&stream, ctx.idle_timeout).is_err() {
        // The socket is unusable (the client is already gone).
        stats.error(ServerError::Io);
        return;
    }
    let mut framer = Framer::new();
    let mut reader = CountingReader {
        inner: &stream,
        reads: &stats.syscalls.reads,
    };
    let mut out = Vec::new();
    loop {
        let request = match read_request(&mut reader, &mut framer) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(ReadError::Frame(error)) => {
                stats.error(frame_error_kind(&error));
                let status = error.status();
                out.clear();
                Response::closing(status, status.reason()).write_to(&mut out);
                // The connection is closing anyway; a failed write changes nothing.
                let _ = (&stream).write_all(&out);
                return;
            }
            Err(ReadError::Io(e)) if is_timeout(&e) => {
                stats.error(ServerError::IdleTimeout);
                return;
            }
            Err(ReadError::Io(_) | ReadError::Truncated) => {
                stats.error(ServerError::Io);
                return;
            }
        };

        let _in_flight = stats.in_flight.enter();
        let plan = app::plan(&request, &ctx.app);
        if !plan.io.is_zero() {
            // The heart of part 1: the thread waits here, doing nothing, holding its stacks.
            thread::sleep(plan.io);
        }
        app::burn_cpu(plan.cpu);
        out.clear();
        plan.response.write_to(&mut out);
        stats.syscalls.writes.incr();
        if (&stream).write_all(&out).is_err() {
            stats.error(ServerError::Io);
            return;
        }
        stats.served.incr();
        if !plan.response.keep_alive {
            return;
        }
    }
}

fn configure(stream: &TcpStream, idle_timeout: Duration) -> io::Result<()> {
    // Responses are small and written whole: send them now rather than wait to batch them.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(idle_timeout))
}

/// A read timeout surfaces as `WouldBlock` on Unix and `TimedOut` on Windows.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The server-side error kind counted for a framing error.
pub fn frame_error_kind(error: &FrameError) -> ServerError {
    match error {
        FrameError::HeadTooLarge => ServerError::HeadTooLarge,
        FrameError::BodyTooLarge => ServerError::BodyTooLarge,
        FrameError::Malformed(_) | FrameError::UnsupportedTransferEncoding => {
            ServerError::BadRequest
        }
    }
}
