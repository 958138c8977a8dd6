//! Tests for `exercises/src/p4_coop_budget.rs`: the budget outside and inside a poll, a fresh
//! one for every poll, what is left after a poll (and after a panicking one), and a small
//! executor where a task whose resource is always ready runs beside others that must finish.
//! Run them with `cargo run -p exercises -- test p4_coop_budget`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p4_coop_budget")),
    path = "../src/p4_coop_budget.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p4_coop_budget.rs")]
#[cfg_attr(
    exercise_variant = "p4_coop_budget/never_restores",
    path = "../wrong/p4_coop_budget/never_restores.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_coop_budget/refills_only_when_spent",
    path = "../wrong/p4_coop_budget/refills_only_when_spent.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_coop_budget/restores_only_on_return",
    path = "../wrong/p4_coop_budget/restores_only_on_return.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_coop_budget/yields_without_waking",
    path = "../wrong/p4_coop_budget/yields_without_waking.rs"
)]
pub mod p4_coop_budget;

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use exercises::harness::{CountingWaker, within};
use p4_coop_budget::{BUDGET_PER_POLL, poll_proceed, remaining, with_budget};

const IF_STUCK: &str = "does poll_proceed ever return Pending inside with_budget?";

/// Calls `poll_proceed` until it returns `Pending` (or `limit` times): how many were `Ready`.
fn spend_all(cx: &mut Context<'_>, limit: u32) -> u32 {
    let mut proceeded = 0;
    while proceeded < limit && poll_proceed(cx).is_ready() {
        proceeded += 1;
    }
    proceeded
}

#[test]
fn outside_a_poll_every_operation_proceeds() {
    within(IF_STUCK, || {
        let (wakes, waker) = CountingWaker::waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(
            remaining(),
            None,
            "outside with_budget there is no budget: remaining() must be None"
        );
        let limit = BUDGET_PER_POLL * 4;
        assert_eq!(
            spend_all(&mut cx, limit),
            limit,
            "outside a poll (no with_budget around it) poll_proceed must always return Ready: \
             a plain thread is not a task, and nobody would poll it again"
        );
        assert_eq!(
            wakes.wakes(),
            0,
            "outside a poll, poll_proceed must not wake anyone"
        );
    });
}

#[test]
fn a_poll_may_do_its_budget_then_must_yield_and_wake_itself() {
    within(IF_STUCK, || {
        let (wakes, waker) = CountingWaker::waker();
        let mut cx = Context::from_waker(&waker);
        with_budget(|| {
            assert_eq!(
                remaining(),
                Some(BUDGET_PER_POLL),
                "at the start of a poll, the whole budget is left"
            );
            assert_eq!(
                spend_all(&mut cx, BUDGET_PER_POLL * 4),
                BUDGET_PER_POLL,
                "inside with_budget, poll_proceed must return Ready exactly BUDGET_PER_POLL \
                 times, then Pending"
            );
            assert_eq!(remaining(), Some(0), "the budget is spent: Some(0) left");
            assert_eq!(
                wakes.wakes(),
                1,
                "poll_proceed returned Pending once, and must have woken the task once with \
                 cx.waker(): a yield is not a wait, and nobody else will ever wake the task"
            );
            assert!(
                poll_proceed(&mut cx).is_pending(),
                "once spent, the budget stays spent until the poll ends"
            );
            assert_eq!(
                wakes.wakes(),
                2,
                "each Pending from poll_proceed wakes the task"
            );
        });
    });
}

#[test]
fn the_budget_there_was_before_is_back_after_the_poll() {
    within(IF_STUCK, || {
        let output = with_budget(|| 42);
        assert_eq!(output, 42, "with_budget returns what the poll returned");
        assert_eq!(
            remaining(),
            None,
            "after with_budget the thread is outside any poll again: remaining() must be None \
             (was the budget left in place?)"
        );
        let (_, waker) = CountingWaker::waker();
        let mut cx = Context::from_waker(&waker);
        with_budget(|| {
            for _ in 0..10 {
                let _ = poll_proceed(&mut cx);
            }
            with_budget(|| {
                assert_eq!(
                    remaining(),
                    Some(BUDGET_PER_POLL),
                    "a poll inside a poll (block_on inside a task) gets a budget of its own"
                );
            });
            assert_eq!(
                remaining(),
                Some(BUDGET_PER_POLL - 10),
                "after an inner with_budget, the outer poll's budget must be as it was: put \
                 back the value there was before, not a fresh budget nor none"
            );
        });
        assert_eq!(remaining(), None, "outside every poll again");
    });
}

#[test]
fn a_panicking_poll_puts_the_budget_back_too() {
    within(IF_STUCK, || {
        let (_, waker) = CountingWaker::waker();
        let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
            with_budget(|| {
                let mut cx = Context::from_waker(&waker);
                let _ = poll_proceed(&mut cx);
                panic!("the task's poll panicked");
            })
        }));
        assert!(panicked.is_err(), "the poll's panic reaches the caller");
        assert_eq!(
            remaining(),
            None,
            "a task's poll panicked inside with_budget (the executor catches it and goes on): \
             the budget there was before must still be put back, or this thread keeps a spent \
             budget outside any poll. Restore it in a Drop, which runs while unwinding"
        );
    });
}

#[test]
fn every_poll_gets_a_fresh_budget() {
    within(IF_STUCK, || {
        let (_, waker) = CountingWaker::waker();
        let mut cx = Context::from_waker(&waker);
        let mut spent = Vec::new();
        // Polls that spend a little, and polls that spend everything, in turn: each must get
        // the whole budget, whatever the previous one left.
        for poll in 0..20 {
            let limit = if poll % 2 == 0 {
                3
            } else {
                BUDGET_PER_POLL * 2
            };
            spent.push(with_budget(|| spend_all(&mut cx, limit)));
        }
        let expected: Vec<u32> = (0..20)
            .map(|poll| if poll % 2 == 0 { 3 } else { BUDGET_PER_POLL })
            .collect();
        assert_eq!(
            spent, expected,
            "operations done by 20 polls in a row, each either stopping after 3 or going on \
             until Pending: every poll must start with the whole budget (BUDGET_PER_POLL), \
             whatever the poll before it spent"
        );
    });
}

/// One step of a resource that is always ready (a socket with data waiting): it spends budget
/// like a leaf future, and counts the operations it allowed.
struct AlwaysReady<'a> {
    operations: &'a AtomicUsize,
}

impl Future for AlwaysReady<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        self.operations.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(())
    }
}

/// A task of the small executor below: its future, boxed.
type TaskFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The run queue: task numbers, woken tasks at the back.
type Queue = Arc<Mutex<VecDeque<usize>>>;

/// Wakes task `index` by queueing it, once per wake.
struct QueueWaker {
    index: usize,
    queue: Queue,
}

impl Wake for QueueWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.lock().unwrap().push_back(self.index);
    }
}

#[test]
fn a_task_that_is_always_ready_lets_the_others_finish() {
    /// Tasks beside the hog, each with this many operations to do before it finishes.
    const OTHERS: usize = 10;
    const OPERATIONS_EACH: usize = 300;
    /// How many polls the executor makes before it gives up: many times what it needs.
    const MAX_POLLS: usize = 10_000;
    /// Operations after which the hog stops for good, so that the test ends even if nothing
    /// ever makes it yield: far more than it does while the others finish.
    const HOG_LIMIT: usize = BUDGET_PER_POLL as usize * 20;

    within(IF_STUCK, || {
        static HOG_OPERATIONS: AtomicUsize = AtomicUsize::new(0);
        static OTHER_OPERATIONS: AtomicUsize = AtomicUsize::new(0);
        let finished = Arc::new(AtomicUsize::new(0));
        // The hog: reads from a resource that is always ready, without end (but for
        // HOG_LIMIT, after which it waits for a wake that never comes).
        let hog: TaskFuture = Box::pin(async {
            while HOG_OPERATIONS.load(Ordering::SeqCst) < HOG_LIMIT {
                AlwaysReady {
                    operations: &HOG_OPERATIONS,
                }
                .await;
            }
            std::future::pending::<()>().await;
        });
        let mut tasks: Vec<Option<TaskFuture>> = vec![Some(hog)];
        for _ in 0..OTHERS {
            let finished = finished.clone();
            tasks.push(Some(Box::pin(async move {
                for _ in 0..OPERATIONS_EACH {
                    AlwaysReady {
                        operations: &OTHER_OPERATIONS,
                    }
                    .await;
                }
                finished.fetch_add(1, Ordering::SeqCst);
            })));
        }
        let queue: Queue = Arc::new(Mutex::new((0..tasks.len()).collect()));
        let mut hog_polls = 0;
        let mut most_in_one_hog_poll = 0;
        let mut polls = 0;
        while polls < MAX_POLLS && finished.load(Ordering::SeqCst) < OTHERS {
            let Some(index) = queue.lock().unwrap().pop_front() else {
                break;
            };
            let Some(future) = tasks[index].as_mut() else {
                continue;
            };
            let waker = Waker::from(Arc::new(QueueWaker {
                index,
                queue: queue.clone(),
            }));
            let mut cx = Context::from_waker(&waker);
            let before = HOG_OPERATIONS.load(Ordering::SeqCst);
            polls += 1;
            if with_budget(|| future.as_mut().poll(&mut cx)).is_ready() {
                tasks[index] = None;
            }
            if index == 0 {
                hog_polls += 1;
                most_in_one_hog_poll =
                    most_in_one_hog_poll.max(HOG_OPERATIONS.load(Ordering::SeqCst) - before);
            }
        }
        let summary = format!(
            "what happened: {polls} polls, the hog polled {hog_polls} times with at most \
             {most_in_one_hog_poll} operations in one poll, {} of the {OTHERS} other tasks \
             finished ({} of their {} operations done)",
            finished.load(Ordering::SeqCst),
            OTHER_OPERATIONS.load(Ordering::SeqCst),
            OTHERS * OPERATIONS_EACH,
        );
        assert!(
            most_in_one_hog_poll <= BUDGET_PER_POLL as usize,
            "a task whose resource is always ready did more than BUDGET_PER_POLL operations in \
             one poll: poll_proceed must return Pending once the poll's budget is spent. \
             {summary}"
        );
        assert_eq!(
            finished.load(Ordering::SeqCst),
            OTHERS,
            "the tasks beside an always-ready one must all finish: does every poll get a fresh \
             budget (with_budget), and does a task that yielded get polled again (the wake in \
             poll_proceed)? {summary}"
        );
        assert!(
            hog_polls >= 2,
            "the always-ready task must keep running, a budget's worth of operations per poll, \
             while the others run: after it yielded, was it woken so that it is polled again? \
             {summary}"
        );
    });
}
