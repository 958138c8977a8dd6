//! Wrong: it reads first and asks the framer second.
//!
//! Right for the first request, wrong for a pipelined second one: that request is already in
//! the buffer, but the loop calls `read` anyway. On a real socket the read blocks until the
//! client sends more — and the client sends nothing until it has its answer.

use std::io::{ErrorKind, Read};

pub use part1_threads::conn::ReadError;
pub use part1_threads::http::{FrameError, Framer, Request};

pub fn read_request<R: Read>(
    reader: &mut R,
    framer: &mut Framer,
) -> Result<Option<Request>, ReadError> {
    loop {
        match reader.read(framer.read_buf()) {
            Ok(0) if framer.is_idle() => return Ok(None),
            Ok(0) => return Err(ReadError::Truncated),
            Ok(n) => framer.filled(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        }
        if let Some(request) = framer.next_request().map_err(ReadError::Frame)? {
            return Ok(Some(request));
        }
    }
}
