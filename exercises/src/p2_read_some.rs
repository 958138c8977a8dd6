//! # Exercise: one read from a non-blocking socket
//!
//! **Task.** Write [`read_some`]: read *once* from `reader` into `framer`'s free space and say
//! what came, as a [`Received`].
//!
//! **Why it matters.** A non-blocking socket never makes the thread wait: where part 1's
//! blocking `read` slept until bytes came, this one fails at once with
//! `ErrorKind::WouldBlock`. That is not an error. It means "nothing now": the socket is
//! drained, and with edge-triggered readiness the reactor will announce the *next* bytes with
//! a new readable event. Mistake it for an error and every healthy connection is closed the
//! moment it has nothing to say; mistake it for the end of the stream and the same happens
//! more politely. So one read has four outcomes, and the connection's state machine needs to
//! tell them apart:
//!
//! - some bytes: the framer has them ([`Framer::filled`]) → [`Received::Bytes`];
//! - `WouldBlock`: drained for now → [`Received::WouldBlock`];
//! - `Ok(0)`, the end of the stream: [`Received::Closed`] if it falls *between* requests
//!   ([`Framer::is_idle`]), [`Received::Truncated`] if it falls in the middle of one;
//! - `Interrupted`: a signal arrived during the call; nothing is wrong, read again.
//!
//! Any other error is returned: the connection is broken.
//!
//! Why only *one* read, and not "read until `WouldBlock`"? Because the framer's buffer is
//! bounded (that is part of the backpressure), and the connection serves the requests it has
//! before it reads more. It remembers that the socket may still hold bytes (`may_read` in
//! `conn.rs`) and calls again later; the `WouldBlock` is what finally clears that flag.
//!
//! **Lesson:** `part2-reactor/README.md`, section "Edge-triggered: drain it or remember it".
//! The real piece is `part2_reactor::nonblocking::{read_some, Received}`.
//!
//! **Test:** `cargo run -p exercises -- test p2_read_some`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p2_read_some`.
//!
//! The framer's API you need: [`Framer::read_buf`] (free space to read into),
//! [`Framer::filled`] (how many bytes the read put there), [`Framer::is_idle`] (nothing
//! buffered, no request half-received).

// The parameters are unused until you write the body.
#![allow(unused_variables)]

use std::io::{self, Read};

pub use part1_threads::http::Framer;

/// What one [`read_some`] brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// This many bytes arrived, and the framer has them.
    Bytes(usize),
    /// Nothing to read now: the socket is drained. Only a new readable event says when to try
    /// again (edge-triggered: it comes when more bytes arrive).
    WouldBlock,
    /// The peer closed the connection between two requests: a clean goodbye.
    Closed,
    /// The peer closed the connection in the middle of a request.
    Truncated,
}

/// Reads once from `reader` into `framer`'s free space.
///
/// Call it when the framer needs more bytes (its `next_request` returned `Ok(None)`). The end
/// of the stream (`Ok(0)`) is [`Received::Closed`] when the framer is idle and
/// [`Received::Truncated`] otherwise. A read interrupted by a signal is retried; any other
/// error is returned.
pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    // TODO: one read, and an answer for each way it can end (the module docs list them).
    todo!()
}
