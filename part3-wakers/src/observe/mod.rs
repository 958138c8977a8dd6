//! The dashboard's side of part 3: what the runtime is seen doing, kept apart from how it
//! does it.
//!
//! The mechanism (executor, driver, leaf futures) reports facts in a few one-line calls; this
//! folder turns them into the tasks & wakers panel:
//! - [`stats`]: the counters, one small recording method per fact ([`RuntimeStats`]);
//! - [`waker`]: wakes, clones and drops counted by *wrapping* each task's waker
//!   ([`TaskWaker`]), the way part 2 counts system calls by wrapping the socket; it also finds
//!   lost wakers and self-waking tasks;
//! - [`cause`]: why a wake happens (the driver, the task itself, another thread or task);
//! - [`progress`]: what the leaf futures achieved during a poll (to find spurious polls);
//! - [`journey`]: one request followed step by step, with the time of each step;
//! - [`sample`]: one tick of all that as a value ([`WakersSample`]), and its sampler;
//! - [`panel`]: the panel that draws it; [`blocking`]: the `b` key's blocking mode.
//!
//! # What the runtime reports, and where
//!
//! ```text
//!   spawn                      spawn(stats.observe(future)): an Observed future (task.rs)
//!                              counts it spawned, wraps the task's waker in a TaskWaker on its
//!                              first poll, polls through it (times the poll, finds spurious
//!                              polls, lost wakers, self-waking tasks; follows the journey), and
//!                              counts it completed when dropped
//!   each driver turn           Runtime::on_turn(|turned, queued| { stats.turned(turned);
//!                              stats.run_queue(queued) })
//!   the runtime's thread       let _on = cause::runtime_thread();   (around block_on)
//!   the driver's wakes         cause::during(WakeCause::ReadReady | WriteReady | Timer, || w.wake())
//!   leaf futures               progress::read(n) / wrote(n) / accepted() / timer_fired() / waits(..)
//! ```
//!
//! Clones, drops and wakes by cause need no call: the counting waker sees them.

pub mod blocking;
pub mod cause;
pub mod charts;
pub mod journey;
pub mod panel;
pub mod progress;
pub mod sample;
pub mod stats;
pub mod task;
pub mod waker;

pub use blocking::BlockingSwitch;
pub use sample::{WakersSample, WakersSampler};
pub use stats::{PollReport, RuntimeStats, WakeCause};
pub use task::Observed;
pub use waker::TaskWaker;
