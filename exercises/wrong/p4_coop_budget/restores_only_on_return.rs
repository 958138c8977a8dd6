//! Wrong: `with_budget` puts the previous budget back after `poll()` returns — and only then.
//!
//! Saving the old value in a local and storing it back after the call reads naturally, and it
//! is right every time the poll returns. But a task's poll may panic, and the executor catches
//! that panic and carries on with the next task: the store after the call never ran, and the
//! thread is left with the panicking poll's budget outside any poll. Only a `Drop` runs on
//! every way out.

use std::cell::Cell;
use std::task::{Context, Poll};

pub use part3_wakers::coop::BUDGET_PER_POLL;

thread_local! {
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

pub fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    let previous = BUDGET.replace(Some(BUDGET_PER_POLL));
    let output = poll();
    BUDGET.set(previous);
    output
}

pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match BUDGET.get() {
        None => Poll::Ready(()),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(left) => {
            BUDGET.set(Some(left - 1));
            Poll::Ready(())
        }
    }
}

pub fn remaining() -> Option<u32> {
    BUDGET.get()
}
