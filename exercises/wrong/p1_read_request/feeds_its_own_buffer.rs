//! Wrong: it reads into a buffer of its own and hands the bytes to the framer with `feed`,
//! ignoring how many `feed` took.
//!
//! The plausible thought: "read into a buffer, then give the framer the bytes", the shape of
//! most socket code. `Framer::feed` returns how many bytes fit; with a request or two per read
//! they all fit, and every small test passes. But a client that pipelines many requests can
//! deliver more in one read than the framer has room for (its buffer is bounded, which is part
//! of the backpressure), and the bytes `feed` did not take are silently lost: requests vanish
//! or are cut in half. Reading straight into `framer.read_buf()` never reads more than fits.

use std::io::{ErrorKind, Read};

pub use part1_threads::conn::ReadError;
pub use part1_threads::http::{FrameError, Framer, Request};

/// The size of the read buffer: a generous 16 KiB, more than the framer takes at once.
const READ_SIZE: usize = 16 * 1024;

pub fn read_request<R: Read>(
    reader: &mut R,
    framer: &mut Framer,
) -> Result<Option<Request>, ReadError> {
    let mut buf = [0; READ_SIZE];
    loop {
        if let Some(request) = framer.next_request().map_err(ReadError::Frame)? {
            return Ok(Some(request));
        }
        match reader.read(&mut buf) {
            Ok(0) if framer.is_idle() => return Ok(None),
            Ok(0) => return Err(ReadError::Truncated),
            Ok(n) => {
                framer.feed(&buf[..n]);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}
