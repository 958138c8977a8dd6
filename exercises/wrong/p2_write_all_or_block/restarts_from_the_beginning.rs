//! Wrong: each call counts from zero, and so writes from the start of `out` again.
//!
//! The loop keeps its own counter, as a one-shot `write_all` would, and only reports it in
//! `written` at the end. Within one call all is well; but after a `WouldBlock` the next call
//! sends the beginning of the response again, and the client reads garbage.

use std::io::{self, ErrorKind, Write};

pub use part2_reactor::nonblocking::Flushed;

pub fn write_all_or_block<W: Write>(
    writer: &mut W,
    out: &[u8],
    written: &mut usize,
) -> io::Result<Flushed> {
    if *written >= out.len() {
        return Ok(Flushed::All);
    }
    let mut sent = 0;
    while sent < out.len() {
        match writer.write(&out[sent..]) {
            Ok(0) => {
                *written = sent;
                return Err(ErrorKind::WriteZero.into());
            }
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                *written = sent;
                return Ok(Flushed::WouldBlock);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                *written = sent;
                return Err(e);
            }
        }
    }
    *written = sent;
    Ok(Flushed::All)
}
