//! # Part 4 — a work-stealing executor
//!
//! Part 3's runtime had one thread: one task stuck in a long computation stalled every
//! connection, and the second core sat idle. This crate runs the *same* tasks — part 3's
//! [`Task`](part3_wakers::Task), its hand-written waker, its [`JoinHandle`], its driver, its
//! sockets and timers, its server — on N worker threads, without one lock that every thread
//! takes for every task. Only the scheduler is new.
//!
//! ```text
//!                         spawn / wake from outside the workers
//!                                       │
//!                                       ▼
//!                          ┌──────── injector ────────┐           (a global queue)
//!                          ▼                          ▼
//!   worker-0: [LIFO] [local queue] ◀── steal ── [local queue] [LIFO] :worker-1
//!               ▲          ▲                          ▲
//!               └─ a wake from the running task stays on its worker
//!
//!   each worker:  LIFO slot → (every 61st tick: the injector first) → local queue
//!                 → injector → steal about half of a random victim's queue → park
//!   park:         in the driver (epoll) if no other worker is there, else on a condvar
//! ```
//!
//! The modules, in the order to read them:
//!
//! - [`runtime`]: [`Runtime::new`]`(workers)`, [`Runtime::spawn`], [`Runtime::block_on`], and
//!   the shutdown that cancels every task and joins every thread.
//! - [`worker`]: one worker's loop, and where a wake on a worker thread puts the task (the LIFO
//!   slot, capped, or the local queue).
//! - [`find`]: where the next task comes from, one commented step per source.
//! - [`idle`]: who sleeps and who searches, so that a push wakes one worker, and only when
//!   nobody is searching — with no lost wake-up.
//! - [`park`]: how a worker sleeps (in the driver or on its condvar) and is woken.
//! - [`metrics`]: per-worker counters, published now and then, never contended.
//! - [`server`]: part 3's server, unchanged, on N workers.
//!
//! And beside it:
//!
//! - [`tokio_server`]: the same app (part 3's connection loop, unchanged) on Tokio's
//!   multi-thread runtime, so that the dashboard can compare the two runtimes on one load.
//! - [`observe`]: what the executor panel shows — a row per worker (queue, polls, steals,
//!   parks, busy time), the injector, the tasks alive — from our runtime's metrics or Tokio's.
//!
//! What is reused from part 3 and not written again: the task and its state bits, the waker,
//! the join handle (a panicking task is caught there and reported through its handle, and the
//! worker lives on), the cooperative budget (each poll gets a fresh one), `yield_now`, the
//! thread-local "current runtime" through which `spawn` and the leaf futures find the
//! scheduler and the driver, the driver itself, and the server's accept loop and connection.
//!
//! Under `--cfg loom_model`, `sync.rs` swaps the parking protocol's atomics, mutexes and
//! condvars for loom's, so `tests/loom.rs` can check it in every interleaving.

pub mod find;
pub mod idle;
pub mod metrics;
pub mod observe;
pub mod park;
pub mod runtime;
pub mod server;
mod sync;
mod tasks;
pub mod tokio_server;
pub mod worker;

pub use metrics::{RuntimeMetrics, WorkerMetrics};
pub use part3_wakers::{JoinError, JoinHandle, spawn, yield_now};
pub use runtime::Runtime;
