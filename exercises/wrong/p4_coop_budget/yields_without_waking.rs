//! Wrong: once the budget is spent, `poll_proceed` returns `Pending` without waking the task.
//!
//! `Pending` usually means "I will be woken when I can go on", and the leaf future that
//! returns it is usually right to leave the wake to the reactor. Here nothing is being waited
//! for: the resource is ready, and the reactor will never report it again. The task yields
//! once and is never polled again, and everything it serves stalls.

use std::cell::Cell;
use std::task::{Context, Poll};

pub use part3_wakers::coop::BUDGET_PER_POLL;

thread_local! {
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

pub fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.set(self.0);
        }
    }
    let _restore = Restore(BUDGET.replace(Some(BUDGET_PER_POLL)));
    poll()
}

pub fn poll_proceed(_cx: &mut Context<'_>) -> Poll<()> {
    match BUDGET.get() {
        None => Poll::Ready(()),
        Some(0) => Poll::Pending,
        Some(left) => {
            BUDGET.set(Some(left - 1));
            Poll::Ready(())
        }
    }
}

pub fn remaining() -> Option<u32> {
    BUDGET.get()
}
