//! Wrong: `with_budget` gives the thread a fresh budget and leaves it there when the poll ends.
//!
//! "Set the budget at the start of each poll" is the whole idea, so it is easy to stop there.
//! Every poll does get its 128 operations, and the always-ready task yields as it should. But
//! after the poll the thread still has a budget — a spent one, often — so code that runs on
//! that thread outside any task (the worker's own driver turn, a `block_on` on a plain thread)
//! is told to yield by futures that no executor will poll again.

use std::cell::Cell;
use std::task::{Context, Poll};

pub use part3_wakers::coop::BUDGET_PER_POLL;

thread_local! {
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

pub fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    BUDGET.set(Some(BUDGET_PER_POLL));
    poll()
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
