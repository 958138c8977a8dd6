//! Wrong: `WouldBlock` is retried, like `Interrupted`.
//!
//! Both look like "not now, try again", so they share a match arm. But `Interrupted` ends as
//! soon as the signal is handled, while `WouldBlock` lasts until the peer sends something:
//! retrying it turns a non-blocking read into a blocking one that burns a whole core — and
//! on the reactor's one thread, no other connection is served meanwhile.

use std::io::{self, ErrorKind, Read};

pub use part1_threads::http::Framer;
pub use part2_reactor::nonblocking::Received;

pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    loop {
        match reader.read(framer.read_buf()) {
            Ok(0) if framer.is_idle() => return Ok(Received::Closed),
            Ok(0) => return Ok(Received::Truncated),
            Ok(n) => {
                framer.filled(n);
                return Ok(Received::Bytes(n));
            }
            Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
            Err(e) => return Err(e),
        }
    }
}
