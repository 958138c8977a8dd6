//! Wrong: `Ok(0)` is treated like any other write: add it and go round again.
//!
//! Adding zero bytes changes nothing, so the loop asks again, and again: a writer that takes
//! nothing (a closed file, a full fixed-size buffer) keeps the thread spinning forever. In a
//! reactor that thread is the only one, so the whole server stops.

use std::io::{self, ErrorKind, Write};

pub use part2_reactor::nonblocking::Flushed;

pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    while *written < out.len() {
        match writer.write(&out[*written..]) {
            Ok(n) => *written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Flushed::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Flushed::All)
}
