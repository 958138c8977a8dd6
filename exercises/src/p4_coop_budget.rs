//! # Exercise: the cooperative budget
//!
//! **Task.** Write the budget that every poll of a task gets: [`with_budget`] runs one poll
//! with a fresh budget of [`BUDGET_PER_POLL`] operations, and [`poll_proceed`], which every
//! leaf future (accept, read, write) calls before doing its work, spends one unit of it — or,
//! once the poll's budget is spent, makes the task yield.
//!
//! **Why it matters.** An executor cannot interrupt a task: it only gets its thread back when
//! the task's poll returns. A task whose socket is always ready never sees `Pending` from it,
//! so `loop { socket.read().await }` never returns from its poll, and every other task on that
//! worker waits forever. The budget makes the leaf futures lie, once in a while: after 128
//! operations in one poll they say `Pending` (having woken the task, so that it runs again
//! soon), the task's `.await` chain unwinds, and the worker polls the others.
//!
//! What the tests expect:
//!
//! - **Outside a poll** (a plain thread, no `with_budget` around it) there is no budget:
//!   `poll_proceed` always returns `Ready`, and [`remaining`] returns `None`.
//! - **Inside** `with_budget`, `poll_proceed` returns `Ready` exactly `BUDGET_PER_POLL` times;
//!   after that it returns `Pending`, and wakes the task (`cx.waker()`) each time it does: a
//!   yield is not a wait, nobody else would ever wake the task.
//! - **Each poll gets a fresh budget**, whatever the previous poll spent.
//! - When `with_budget` returns — or the poll inside it panics — the budget there was before
//!   is back (usually: none).
//!
//! Tools: a `thread_local!` holding a `Cell` (each worker thread has its own budget, and a poll
//! runs on one thread from start to end); a value whose `Drop` runs on the way out, panic or
//! not.
//!
//! **Lesson:** `part4-executor/README.md`, section "The cooperative budget across workers". The
//! real piece is `part3_wakers::coop` (Tokio's is `tokio/src/task/coop/mod.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p4_coop_budget` (or
//! `cargo test -p exercises --test p4_coop_budget`).
//!
//! Keep the public API as it is; where you keep the budget is yours.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::task::{Context, Poll};

pub use part3_wakers::coop::BUDGET_PER_POLL;

/// Runs `poll` (one poll of a task) with a fresh budget of [`BUDGET_PER_POLL`] operations, and
/// puts back the budget there was before, also if `poll` panics.
pub fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    // TODO: give this thread a fresh budget, run `poll`, and put the previous budget back on
    // every way out.
    todo!()
}

/// Spends one unit of the current poll's budget: `Ready` to go on; once the budget is spent,
/// wakes the task and returns `Pending`. Outside a poll, always `Ready`.
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    // TODO: no budget → Ready; some left → spend one, Ready; none left → make the task yield.
    todo!()
}

/// Units left in the current poll's budget; `None` outside a poll.
pub fn remaining() -> Option<u32> {
    // TODO
    todo!()
}
