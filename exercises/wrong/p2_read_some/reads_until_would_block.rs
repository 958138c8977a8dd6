//! Wrong: one call reads until `WouldBlock`, and returns everything it read.
//!
//! "Drain it" taken literally, inside the function. But the framer's buffer is bounded and
//! nobody takes requests out of it while this loop runs: a client that pipelines fills it,
//! and the connection cannot serve what it already has before reading more. The connection
//! reads once, serves, and comes back; the draining is spread over several calls.

use std::io::{self, ErrorKind, Read};

pub use part1_threads::http::Framer;
pub use part2_reactor::nonblocking::Received;

pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    let mut total = 0;
    loop {
        match reader.read(framer.read_buf()) {
            Ok(0) if framer.is_idle() => return Ok(Received::Closed),
            Ok(0) => return Ok(Received::Truncated),
            Ok(n) => {
                framer.filled(n);
                total += n;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock && total > 0 => {
                return Ok(Received::Bytes(total));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Received::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
