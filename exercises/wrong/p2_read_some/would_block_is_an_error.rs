//! Wrong: `WouldBlock` is passed on as an error, like any other.
//!
//! The habit of blocking code, where an error from `read` means the connection is broken. On a
//! non-blocking socket `WouldBlock` only means "nothing now": the connection calling this
//! closes every client the moment it has nothing more to send, which is after every request.

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
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
