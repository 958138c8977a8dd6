//! Wrong: the end of the stream is always a clean close.
//!
//! `Ok(0)` usually comes between requests, so this passes every quick test. But a client that
//! disconnects halfway through a request (a crash, a timeout, a dropped network) has not said
//! goodbye: the server should count an error, not pretend nothing was lost.

use std::io::{self, ErrorKind, Read};

pub use part1_threads::http::Framer;
pub use part2_reactor::nonblocking::Received;

pub fn read_some<R: Read>(reader: &mut R, framer: &mut Framer) -> io::Result<Received> {
    loop {
        match reader.read(framer.read_buf()) {
            Ok(0) => return Ok(Received::Closed),
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
