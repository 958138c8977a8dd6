//! # Exercise: read one whole request from a blocking socket
//!
//! **Task.** Write [`read_request`]: read from `reader` into `framer` until the framer has a
//! whole request, and return it.
//!
//! **Why it matters.** TCP delivers a stream of bytes, not messages. One `read` may return half
//! a request, one byte of it, or two and a half requests at once (a client that pipelines).
//! Code that assumes "one read, one request" works on a quiet laptop and fails under load. The
//! [`Framer`] (sans-IO: bytes in, requests out) already knows where a request ends; this loop
//! is the part that waits for bytes, and it must tell apart every way a read can end:
//!
//! - some bytes: hand them to the framer and see whether a request is complete;
//! - `Ok(0)`, the end of the stream: a clean goodbye if it falls *between* requests
//!   ([`Framer::is_idle`]), a [`ReadError::Truncated`] connection if it falls in the middle of one;
//! - `ErrorKind::Interrupted`: a signal arrived during the read; nothing is wrong, read again;
//! - any other error: the connection is broken (or the idle timeout passed); report it.
//!
//! And one thing not to do: read when the framer already holds a complete request. With
//! pipelining, the next request may already be buffered; a `read` then blocks waiting for bytes
//! the client will never send, because it is waiting for our answer.
//!
//! **Lesson:** `part1-threads/README.md`, section "Reading a request". The real piece is
//! `part1_threads::conn::{read_request, ReadError}`.
//!
//! **Test:** `cargo run -p exercises -- test p1_read_request`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p1_read_request`.
//!
//! The framer's API, in the order a server uses it: [`Framer::next_request`] (a complete
//! request, `Ok(None)` if it needs more bytes, or an error), [`Framer::read_buf`] (free space to
//! read into), [`Framer::filled`] (how many bytes the read put there), [`Framer::is_idle`].

// The parameters are unused until you write the body.
#![allow(unused_variables)]

use std::io::{self, Read};

pub use part1_threads::http::{FrameError, Framer, Request};

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
    // TODO: the loop the module docs describe: every way a read can end, and the one thing
    // not to do.
    todo!()
}
