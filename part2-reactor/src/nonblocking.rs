//! The two I/O steps of a non-blocking connection: one read, and a write that can stop halfway.
//!
//! A non-blocking socket never makes the thread wait. Where a blocking `read` would sleep, it
//! fails at once with `ErrorKind::WouldBlock`; where a blocking `write` would sleep until the
//! kernel's send buffer has room, it writes what fits (perhaps nothing) and reports
//! `WouldBlock` for the rest. So every call has one more outcome than in part 1, and that
//! outcome is not an error: it means *stop here, and come back when an event says so*.
//!
//! With edge-triggered readiness (see [`reactor`](crate::reactor)) that outcome also carries
//! the rule of the loop: the OS announces a socket once when it *becomes* readable or
//! writable, so a connection must either go on until it sees `WouldBlock` or remember that it
//! stopped early. These functions make the outcome impossible to miss:
//!
//! - [`read_some`] reads once into a [`Framer`] and says what came: bytes, nothing *for now*
//!   ([`Received::WouldBlock`]: wait for the next readable event), or the end of the stream
//!   (clean between requests, truncated inside one);
//! - [`write_all_or_block`] writes until everything is written or the socket is full. It keeps
//!   its place in `written`, so that the call after a writable event resumes exactly where
//!   the last one stopped: no byte is sent twice, none is skipped.
//!
//! Both retry a call interrupted by a signal (`ErrorKind::Interrupted`): nothing is wrong with
//! the socket. Both take any `Read`/`Write`, so they are tested with scripted readers and
//! writers, and the [connection](crate::conn) passes its socket (wrapped to count system calls).

use std::io::{self, ErrorKind, Read, Write};

use part1_threads::http::Framer;

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

/// How a [`write_all_or_block`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything is written.
    All,
    /// The socket's send buffer is full; the rest waits for a writable event.
    WouldBlock,
}

/// Reads once from `reader` into `framer`'s free space.
///
/// Call it when the framer needs more bytes (its `next_request` returned `Ok(None)`). The end
/// of the stream (`Ok(0)`) is [`Received::Closed`] when the framer is idle and
/// [`Received::Truncated`] otherwise. A read interrupted by a signal is retried; any other
/// error is returned.
pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    loop {
        match reader.read(framer.read_buf()) {
            Ok(0) if framer.is_idle() => return Ok(Received::Closed),
            Ok(0) => return Ok(Received::Truncated),
            Ok(n) => {
                framer.filled(n);
                return Ok(Received::Bytes(n));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Received::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes `out[*written..]` to `writer` until all of `out` is written ([`Flushed::All`]) or
/// the writer reports `WouldBlock` ([`Flushed::WouldBlock`]).
///
/// `*written` advances by every byte the writer accepts, also when an error ends the call, so
/// the next call (after a writable event) resumes where this one stopped. Short writes are
/// normal and the loop goes on; a write interrupted by a signal is retried. A write that
/// accepts nothing (`Ok(0)`) can never make progress: it is returned as
/// `ErrorKind::WriteZero`, as [`Write::write_all`] does.
pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    while *written < out.len() {
        match writer.write(&out[*written..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => *written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Flushed::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Flushed::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `room` bytes, then reports `WouldBlock`.
    struct Tight {
        taken: Vec<u8>,
        room: usize,
    }

    impl Write for Tight {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room).min(3);
            self.taken.extend_from_slice(&buf[..n]);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_writer_stops_the_flush_and_the_next_one_resumes() {
        let out = b"0123456789";
        let mut writer = Tight {
            taken: Vec::new(),
            room: 4,
        };
        let mut written = 0;
        let first = write_all_or_block(&mut writer, out, &mut written).expect("no error");
        assert_eq!((first, written), (Flushed::WouldBlock, 4));
        writer.room = usize::MAX;
        let second = write_all_or_block(&mut writer, out, &mut written).expect("no error");
        assert_eq!((second, written), (Flushed::All, out.len()));
        assert_eq!(writer.taken, out);
    }

    #[test]
    fn an_empty_reader_would_block_and_a_closed_one_ends_cleanly_or_not() {
        struct Empty;
        impl Read for Empty {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(ErrorKind::WouldBlock.into())
            }
        }
        let mut framer = Framer::new();
        assert_eq!(
            read_some(&mut Empty, &mut framer).expect("no error"),
            Received::WouldBlock
        );
        assert_eq!(
            read_some(&mut io::empty(), &mut framer).expect("no error"),
            Received::Closed
        );
        let mut half = &b"GET / HT"[..];
        assert_eq!(
            read_some(&mut half, &mut framer).expect("no error"),
            Received::Bytes(8)
        );
        assert_eq!(
            read_some(&mut io::empty(), &mut framer).expect("no error"),
            Received::Truncated
        );
    }
}
