//! Wrong: a read interrupted by a signal ends the connection.
//!
//! `ErrorKind::Interrupted` (`EINTR`) means a signal arrived while the thread waited in `read`;
//! nothing is wrong with the connection. Treating it like any other error drops healthy
//! clients whenever the process gets a signal (a profiler, `SIGCHLD`, a resize).

use std::io::Read;

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
        let n = reader.read(framer.read_buf()).map_err(ReadError::Io)?;
        if n == 0 {
            return if framer.is_idle() {
                Ok(None)
            } else {
                Err(ReadError::Truncated)
            };
        }
        framer.filled(n);
    }
}
