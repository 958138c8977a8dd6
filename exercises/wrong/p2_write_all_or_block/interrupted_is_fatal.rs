//! Wrong: a write interrupted by a signal ends the connection.
//!
//! `ErrorKind::Interrupted` (`EINTR`) means a signal arrived during the call; nothing is wrong
//! with the socket. Passing it on as an error drops healthy clients whenever the process gets
//! a signal (a profiler, `SIGCHLD`, a terminal resize).

use std::io::{self, ErrorKind, Write};

pub use part2_reactor::nonblocking::Flushed;

pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    while *written < out.len() {
        match writer.write(&out[*written..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => *written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Flushed::WouldBlock),
            Err(e) => return Err(e),
        }
    }
    Ok(Flushed::All)
}
