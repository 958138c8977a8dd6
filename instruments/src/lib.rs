//! The lab equipment every part of the workshop uses. It is not itself a lesson: it is how the
//! lessons are watched.
//!
//! - [`probe`] asks the OS about the server process: CPU per core, memory (resident, virtual,
//!   kernel stacks), threads, context switches, the busiest threads.
//! - [`metrics`] holds the counters a server bumps while it works.
//! - [`load`] is the load generator, run in its own process so that the server's process
//!   metrics are the server's alone.
//! - [`dashboard`] draws it all, htop-style, in the terminal.
//! - [`sample`] is one tick of all of the above as a value, which `--headless` prints and
//!   `--record`/`replay` store and play back.

pub mod dashboard;
pub mod limits;
pub mod load;
pub mod metrics;
pub mod probe;
pub mod sample;
pub mod series;
