//! The lab equipment every part of the workshop uses. It is not itself a lesson: it is how the
//! lessons are watched.
//!
//! - [`probe`] asks the OS about the server process: CPU per core, memory (resident, virtual,
//!   kernel stacks), threads, context switches, the busiest threads; [`limits`] reads the
//!   limits a thread-per-connection server runs into.
//! - [`metrics`] holds the counters a server bumps while it works.
//! - [`load`] is the load generator, run in its own process so that the server's process
//!   metrics are the server's alone.
//! - [`dashboard`] draws it all, htop-style, in the terminal.
//! - [`sample`] is one tick of all of the above as a value, which `--headless` prints and
//!   [`record`] stores and plays back; [`series`] keeps the recent ones.
//! - [`plot`] draws series as SVG line charts, for slides and the benchmarks' page.
//! - [`scenario`] scripts the load so that every class sees the same story.
//! - [`part`], [`cli`] and [`demo`] are the program every part's binary runs: a part only says
//!   how to start its server.
//! - [`testing`] is what the servers' tests share: a small blocking HTTP client.

pub mod cli;
pub mod dashboard;
pub mod demo;
pub mod limits;
pub mod load;
pub mod metrics;
pub mod part;
pub mod plot;
pub mod probe;
pub mod record;
pub mod sample;
pub mod scenario;
pub mod series;
pub mod testing;
