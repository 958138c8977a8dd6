//! Solution: the loop part 1's server runs, `part1_threads::conn::{read_request, ReadError}`.
//!
//! Ask the framer first, read second: a pipelined request already in the buffer comes out
//! without a `read`. `Ok(0)` is a clean close only when the framer is idle; `Interrupted` is
//! retried; every other error is passed on.

pub use part1_threads::conn::{ReadError, read_request};
pub use part1_threads::http::{FrameError, Framer, Request};
