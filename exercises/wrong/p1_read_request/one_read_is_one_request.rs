//! Wrong: it assumes that one `read` returns one whole request.
//!
//! True on a quiet loopback connection for small requests, which is why the mistake survives
//! manual testing. TCP promises a stream of bytes, not messages: a read may return any prefix
//! of what was sent, and this version gives up on a request that arrives in pieces.

use std::io::{ErrorKind, Read};

pub use part1_threads::conn::ReadError;
pub use part1_threads::http::{FrameError, Framer, Request};

pub fn read_request<R: Read>(
    reader: &mut R,
    framer: &mut Framer,
) -> Result<Option<Request>, ReadError> {
    if let Some(request) = framer.next_request().map_err(ReadError::Frame)? {
        return Ok(Some(request));
    }
    let n = loop {
        match reader.read(framer.read_buf()) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
            Ok(n) => break n,
        }
    };
    if n == 0 {
        return if framer.is_idle() {
            Ok(None)
        } else {
            Err(ReadError::Truncated)
        };
    }
    framer.filled(n);
    framer.next_request().map_err(ReadError::Frame)
}
