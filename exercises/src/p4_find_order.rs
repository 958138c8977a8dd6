//! # Exercise: where a worker finds its next task
//!
//! **Task.** Write [`find_task`]: ask a worker's sources for a task, in the right order, and
//! return the first one that gives one — or `None` when none has any (the worker then parks).
//! Each source is a method of [`Sources`] that takes the task it returns *out* of its source:
//! asking a source and not returning what it gave would lose a task.
//!
//! ```text
//!   1. the LIFO slot        the task the last one woke: hot in this core's cache
//!   2. the injector         but only when ticks() is a multiple of GLOBAL_QUEUE_INTERVAL (61):
//!                           one task (pop_injector), before the local queue
//!   3. the local queue      the oldest of this worker's own tasks
//!   4. the injector         a batch (pop_injector_batch): one to run, more into the local queue
//!   5. another worker       steal: a batch of a victim's tasks into ours, one to run
//!   (nothing)               → None: park
//! ```
//!
//! **Why it matters.** The order trades locality against fairness. A worker prefers what is
//! already its own (1, 3): no other core's cache lines, no contention. It looks outside (4, 5)
//! only when it has nothing. But a worker whose local queue never empties — tasks that yield,
//! a chain of spawns — would never reach step 4, and a task pushed from outside (a new
//! connection, a wake from another thread) would wait in the injector forever. Step 2 bounds
//! that wait: every 61st tick the injector goes first. (The LIFO slot's own cap, the fair share
//! of a batch and the choice of a victim are inside the sources: here only the order counts.)
//!
//! **Lesson:** `part4-executor/README.md`, section "Finding the next task, one step per
//! source". The real piece is `part4_executor::find::find_task` (Tokio's is `next_task` and
//! `steal_work` in `tokio/src/runtime/scheduler/multi_thread/worker.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p4_find_order` (or
//! `cargo test -p exercises --test p4_find_order`).
//!
//! Keep `find_task`'s signature.

// The parameters are unused until you write the body.
#![allow(unused_variables)]

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources};

/// The next task to poll, or `None`: nothing anywhere, park.
pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    // TODO: ask the sources in the order above; the first task found wins.
    todo!()
}
