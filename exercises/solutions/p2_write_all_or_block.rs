//! Solution: the write part 2's connections do, `part2_reactor::nonblocking::write_all_or_block`.
//!
//! A loop that writes from `out[*written..]` and advances `*written` by what each write took,
//! until everything is written or the socket is full. `Interrupted` is retried; `Ok(0)` is a
//! `WriteZero` error, because a writer that takes nothing would make the loop spin forever.

pub use part2_reactor::nonblocking::{Flushed, write_all_or_block};
