//! Wrong: it reads into a buffer of its own and hands the bytes to the framer with `feed`,
//! ignoring how many `feed` took.
//!
//! The plausible thought: "read into a buffer, then give the framer the bytes". `Framer::feed`
//! returns how many bytes fit; with a request or two per read they all fit, and every small
//! test passes. But a client that pipelines can have more bytes waiting than the framer has
//! room for (its buffer is bounded: that is the backpressure), one read takes them all out of
//! the socket, and what `feed` did not take is gone: requests vanish or are cut in half.
//! Reading straight into `framer.read_buf()` never takes more than fits; the rest stays in the
//! socket for the next call.

use std::io::{self, ErrorKind, Read};

pub use part1_threads::http::Framer;
pub use part2_reactor::nonblocking::Received;

/// The size of the read buffer: a generous 16 KiB, more than the framer takes at once.
const READ_SIZE: usize = 16 * 1024;

pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    let mut buf = [0; READ_SIZE];
    loop {
        match reader.read(&mut buf) {
            Ok(0) if framer.is_idle() => return Ok(Received::Closed),
            Ok(0) => return Ok(Received::Truncated),
            Ok(n) => {
                framer.feed(&buf[..n]);
                return Ok(Received::Bytes(n));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Received::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
