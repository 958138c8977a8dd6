//! Wrong: the end of the stream always means "the client said goodbye".
//!
//! Only an end that falls between requests is a clean close. In the middle of a request it
//! means the client (or the network) gave up, and the server should count an error, not serve
//! a request it never fully received.

use std::io::{ErrorKind, Read};

pub use part1_threads::conn::ReadError;
pub use part1_threads::http::{FrameError, Framer, Request};

pub fn read_request<R: Read>(
    reader: &mut R,
    framer: &mut Framer,
) -> Result<Option<Request>, ReadError> {
    loop {
        if let Some(request) = framer.next_request().map_err(ReadError::Frame)? {
            return Ok(Some(request));
        }
        match reader.read(framer.read_buf()) {
            Ok(0) => return Ok(None),
            Ok(n) => framer.filled(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}
