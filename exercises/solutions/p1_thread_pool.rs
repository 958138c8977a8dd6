//! Solution: the pool behind part 1's `--max-threads`, `part1_threads::pool::ThreadPool`.
//!
//! Jobs travel over an unbounded `crossbeam_channel`, whose length is the queue depth. A
//! worker slot is reserved with a compare-and-swap *before* spawning (so two `submit`s can
//! never both start the last allowed thread) and released if the OS refuses the thread. Each
//! job runs under `catch_unwind`. Dropping the pool drops the only `Sender`: the workers'
//! `recv` then drains the queue and fails, and each worker exits.

pub use part1_threads::pool::ThreadPool;
pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};
