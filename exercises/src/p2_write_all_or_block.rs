//! # Exercise: write to a non-blocking socket, and resume where it stopped
//!
//! **Task.** Write [`write_all_or_block`]: write `out[*written..]` to `writer` until all of
//! `out` is written ([`Flushed::All`]) or the writer says `WouldBlock`
//! ([`Flushed::WouldBlock`]), advancing `*written` by every byte the writer takes.
//!
//! **Why it matters.** A blocking `write_all` sleeps until the kernel's send buffer has room.
//! A non-blocking socket cannot sleep: it takes what fits (perhaps a few bytes, perhaps none)
//! and says `WouldBlock` for the rest. The connection must then *remember* how far it got,
//! ask the reactor for a writable event, and carry on from there when it comes — so the
//! position lives outside the call, in `written`. Get it wrong and a client receives some
//! bytes twice or never, which is worse than a closed connection. Along the way:
//!
//! - a *short* write (fewer bytes than offered) is normal, not a full socket: keep going; only
//!   `WouldBlock` says the buffer is full;
//! - `Interrupted`: a signal arrived during the call; nothing is wrong, write again;
//! - `Ok(0)`: the writer took nothing and never will; looping would spin forever. Return an
//!   error of kind `ErrorKind::WriteZero`, as `Write::write_all` does;
//! - any other error is returned; the bytes taken before it still count in `*written`.
//!
//! **Lesson:** `part2-reactor/README.md`, section "Edge-triggered: drain it or remember it".
//! The real piece is `part2_reactor::nonblocking::{write_all_or_block, Flushed}`; the
//! connection (`conn.rs`) calls it each time it flushes its responses.
//!
//! **Test:** `cargo run -p exercises -- test p2_write_all_or_block`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p2_write_all_or_block`.

// The parameters are unused until you write the body.
#![allow(unused_variables)]

use std::io::{self, Write};

/// How a [`write_all_or_block`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything is written.
    All,
    /// The socket's send buffer is full; the rest waits for a writable event.
    WouldBlock,
}

/// Writes `out[*written..]` to `writer` until all of `out` is written ([`Flushed::All`]) or
/// the writer reports `WouldBlock` ([`Flushed::WouldBlock`]).
///
/// `*written` advances by every byte the writer accepts, also when an error ends the call, so
/// the next call (after a writable event) resumes where this one stopped. Short writes are
/// normal and the loop goes on; a write interrupted by a signal is retried. A write that
/// accepts nothing (`Ok(0)`) can never make progress: it is returned as
/// `ErrorKind::WriteZero`, as `Write::write_all` does.
pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    // TODO: write until one of the endings above; `*written` is the position in `out`,
    // before the call and after it, whichever way it ends.
    todo!()
}
