//! # Part 2 — a reactor: one thread, thousands of connections
//!
//! Part 1 gave every connection a thread, and every thread spent most of its life asleep,
//! waiting for one socket or one timer. This part turns that around: **one** thread asks the
//! operating system to watch *all* the sockets at once (`epoll` on Linux, through [`mio`]), sleeps
//! until any of them is ready, handles exactly what is ready, and asks again. Waiting for a
//! request's `io_ms` becomes a timer in a queue rather than a sleeping thread. Connections
//! come and go; the thread count does not move.
//!
//! The price is visible in [`conn`]: code that was a straight line in part 1 (read, wait,
//! compute, write) becomes an explicit state machine that is advanced a little on every event
//! and must never block. Writing every server like this is what part 3's `async`/`await`
//! spares us — by having the compiler write the state machine.
//!
//! The mechanism, one idea per module:
//! - [`reactor`]: `mio::Poll` and its events ([`Poller`](reactor::Poller)), and the sources
//!   by token ([`Reactor`](reactor::Reactor)); edge-triggered readiness.
//! - [`token`]: tokens that carry a generation, so a stale event never reaches a reused slot.
//! - [`slots`]: the slab those tokens index, which checks the generation on every lookup.
//! - [`nonblocking`]: one read, and a write that can stop halfway: `WouldBlock` is not an error.
//! - [`timer`]: the timer queue whose nearest deadline is the poll's timeout.
//! - [`wake`]: interrupting `poll` from another thread, and the controls that do it (pause,
//!   step, stop).
//!
//! The server built on it:
//! - [`conn`]: one connection as a state machine (Reading → Waiting → Flushing), which reports
//!   what each call did.
//! - [`event_loop`]: the loop — poll, dispatch, timers, accept.
//! - [`server`]: the handle that starts the loop thread and stops it.
//!
//! None of these counts anything or draws anything. What the dashboard shows lives apart, in
//! [`observe`]: the recorder that turns the loop's reports into counters and an event log, the
//! sampler, and the panel.
//!
//! The binary (`cargo run --release -p part2-reactor`) is the live demo; see the README.

pub mod conn;
pub mod event_loop;
pub mod nonblocking;
pub mod observe;
pub mod reactor;
pub mod server;
pub mod slots;
pub mod timer;
pub mod token;
pub mod wake;

pub use observe::sample::{ReactorSample, ReactorSampler};
pub use server::{Server, ServerConfig};
