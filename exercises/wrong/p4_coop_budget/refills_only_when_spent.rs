//! Wrong: the budget is refilled where it runs out (in `poll_proceed`), not at the start of
//! each poll.
//!
//! It looks economical: `with_budget` only marks "inside a poll", and the count lives on from
//! poll to poll, topped up to 128 whenever a task hits zero and yields. Every task still
//! yields now and then, and the always-ready one lets the others run. But a poll no longer
//! gets a budget of its own: it starts with whatever the previous poll — another task's —
//! left, and a task that did 3 operations leaves the next one only 125. Which task yields, and
//! when, then depends on the tasks before it.

use std::cell::Cell;
use std::task::{Context, Poll};

pub use part3_wakers::coop::BUDGET_PER_POLL;

thread_local! {
    static IN_POLL: Cell<bool> = const { Cell::new(false) };
    static LEFT: Cell<u32> = const { Cell::new(BUDGET_PER_POLL) };
}

pub fn with_budget<R>(poll: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_POLL.set(self.0);
        }
    }
    let _restore = Restore(IN_POLL.replace(true));
    poll()
}

pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    if !IN_POLL.get() {
        return Poll::Ready(());
    }
    match LEFT.get() {
        0 => {
            LEFT.set(BUDGET_PER_POLL);
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        left => {
            LEFT.set(left - 1);
            Poll::Ready(())
        }
    }
}

pub fn remaining() -> Option<u32> {
    IN_POLL.get().then(|| LEFT.get())
}
