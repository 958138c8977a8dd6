//! Solution: part 3's cooperative budget, `part3_wakers::coop`, which part 4's workers use
//! unchanged (`coop::with_budget` around every poll in `Worker::run_task`).
//!
//! A thread-local `Cell<Option<u32>>`: `None` outside a poll, `Some(left)` inside. `with_budget`
//! replaces it with `Some(BUDGET_PER_POLL)` and keeps the old value in a guard whose `Drop` puts
//! it back, so a panic restores it too. `poll_proceed` reads it: `None` → `Ready`; `Some(0)` →
//! `cx.waker().wake_by_ref()` and `Pending`; `Some(left)` → store `left - 1`, `Ready`.

pub use part3_wakers::coop::{BUDGET_PER_POLL, poll_proceed, remaining, with_budget};
