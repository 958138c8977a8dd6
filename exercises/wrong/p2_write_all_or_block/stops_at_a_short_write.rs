//! Wrong: a short write is taken for a full socket.
//!
//! "The socket took fewer bytes than I offered, so it is full": a natural guess, and true
//! often enough to pass a quick test. But a short write only says what fit *then*; the send
//! buffer may have room again by the next call, and only `WouldBlock` says it has none. This
//! version waits for a writable event that edge-triggered epoll may never send (the socket did
//! not *become* writable: it never stopped being so).

use std::io::{self, ErrorKind, Write};

pub use part2_reactor::nonblocking::Flushed;

pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    while *written < out.len() {
        let rest = &out[*written..];
        match writer.write(rest) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) if n < rest.len() => {
                *written += n;
                return Ok(Flushed::WouldBlock);
            }
            Ok(n) => *written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Flushed::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Flushed::All)
}
