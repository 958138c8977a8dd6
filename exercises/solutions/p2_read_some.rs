//! Solution: the read part 2's connections do, `part2_reactor::nonblocking::read_some`.
//!
//! One `read` into the framer's free space, retried only when a signal interrupted it.
//! `WouldBlock` is an outcome, not an error; `Ok(0)` is a clean close only when the framer is
//! idle.

pub use part1_threads::http::Framer;
pub use part2_reactor::nonblocking::{Received, read_some};
