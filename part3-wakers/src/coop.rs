//! A cooperative budget: a task may make only so much progress in one poll before it must give
//! the thread back.
//!
//! Nothing stops a task that always finds its socket ready from looping forever inside one poll,
//! and on one thread that starves every other task. So the executor gives each poll a budget of
//! [`BUDGET_PER_POLL`] operations, and every socket future (accept, read, write) spends one
//! through [`poll_proceed`] before doing its work. (`Sleep` spends none here; Tokio's does,
//! `tokio/src/time/sleep.rs`.) Once the budget is spent, `poll_proceed` wakes
//! the task and returns `Pending`: the task yields to the back of the run queue, and whatever
//! `.await` chain it was in unwinds to the executor.
//!
//! ```text
//!   executor: budget = 128, poll the task
//!     └▶ leaf future: poll_proceed ── budget > 0 ──▶ budget -= 1, do the work
//!                                  └─ budget = 0 ──▶ wake its own task, return Pending
//! ```
//!
//! Outside a task's poll (a plain thread, a test) there is no budget and `poll_proceed` always
//! proceeds. Tokio: `tokio/src/task/coop/mod.rs`. Two differences: there, `poll_proceed` returns
//! a guard that gives the unit back if the leaf ends up `Pending` without progress, where we
//! spend it regardless; and the yielded task's wake is deferred until the I/O driver has been
//! polled (`context::defer`), where ours goes straight to the back of the queue (the executor
//! looks at the driver every few dozen polls anyway, see executor.rs).

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations one poll of a task may do before it must yield. Tokio's number: large enough that
/// a busy task rarely notices (a yield costs a trip through the queue), small enough that others
/// wait at most 128 operations' worth of work.
pub const BUDGET_PER_POLL: u32 = 128;

thread_local! {
    /// `None`: no budget (outside a task's poll). `Some(n)`: `n` operations left in this poll.
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `poll` with a fresh budget, and puts back the budget there was before (usually none),
/// also if `poll` panics. The executor wraps every poll in it.
pub(crate) fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = BUDGET.try_with(|budget| budget.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.replace(Some(BUDGET_PER_POLL)));
    poll()
}

/// Spends one unit of the current poll's budget: `Ready` to go on, or — the budget spent — wakes
/// the task (so it is polled again soon) and returns `Pending`. Leaf futures call it first.
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

/// Units left in the current poll (`None` outside a task's poll).
pub fn remaining() -> Option<u32> {
    BUDGET.get()
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn outside_a_poll_there_is_no_budget() {
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(remaining(), None);
        for _ in 0..BUDGET_PER_POLL * 2 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }

    #[test]
    fn the_budget_runs_out_after_its_operations_then_is_restored() {
        let mut cx = Context::from_waker(Waker::noop());
        let proceeded = with_budget(|| {
            let mut proceeded = 0;
            while poll_proceed(&mut cx).is_ready() {
                proceeded += 1;
            }
            proceeded
        });
        assert_eq!(proceeded, BUDGET_PER_POLL);
        assert_eq!(remaining(), None, "restored after the poll");
    }
}
