//! The one-thread runtime from the outside: tasks, wakes from other threads, join handles,
//! the cooperative budget, shutdown.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use part3_wakers::{JoinHandle, Runtime, coop, spawn, yield_now};

/// How long a helper thread waits before it sends: long enough that the receiver is parked.
/// No assertion depends on it.
const SEND_AFTER: Duration = Duration::from_millis(50);

/// A one-shot channel: the value and the receiver's waker, behind a lock.
struct Oneshot<T>(Mutex<(Option<T>, Option<Waker>)>);

impl<T> Oneshot<T> {
    fn new() -> Arc<Self> {
        Arc::new(Oneshot(Mutex::new((None, None))))
    }

    /// Stores the value and wakes the receiver, from any thread.
    fn send(&self, value: T) {
        let waker = {
            let mut slot = self.0.lock().unwrap();
            slot.0 = Some(value);
            slot.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.lock().unwrap();
        match slot.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    async fn recv(self: Arc<Self>) -> T {
        poll_fn(|cx| self.poll_recv(cx)).await
    }
}

/// Sends `value` on `channel` from a new thread, after a while.
fn send_later<T: Send + 'static>(channel: &Arc<Oneshot<T>>, value: T) -> thread::JoinHandle<()> {
    let channel = channel.clone();
    thread::spawn(move || {
        thread::sleep(SEND_AFTER);
        channel.send(value);
    })
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs the tasks queued so far (and whatever they queue ahead of this one).
fn run_queued_tasks(runtime: &Runtime) {
    runtime.block_on(runtime.spawn(async {})).unwrap();
}

/// Polls a join handle once from outside any runtime.
fn poll_once<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, part3_wakers::JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_join_handle_returns_the_task_output() {
    let runtime = Runtime::new().unwrap();
    let handle = runtime.spawn(async { "done".to_string() });
    assert_eq!(runtime.block_on(handle).unwrap(), "done");
}

#[test]
fn a_panicking_task_is_reported_through_its_join_handle_and_the_others_run_on() {
    let runtime = Runtime::new().unwrap();
    let (failed, fine) = runtime.block_on(async {
        let failed = spawn(async {
            yield_now().await;
            panic!("task failed on purpose");
        });
        let fine = spawn(async {
            yield_now().await;
            yield_now().await;
            1 + 1
        });
        (failed.await, fine.await)
    });
    let error = failed.unwrap_err();
    assert!(error.is_panic());
    assert!(
        error.to_string().contains("task failed on purpose"),
        "{error}"
    );
    let payload = error.try_into_panic().unwrap();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"task failed on purpose")
    );
    assert_eq!(fine.unwrap(), 2);
}

#[test]
fn dropping_a_join_handle_detaches_the_task_which_runs_on() {
    let runtime = Runtime::new().unwrap();
    let done = Oneshot::new();
    let tell = done.clone();
    drop(runtime.spawn(async move {
        yield_now().await;
        tell.send("ran");
    }));
    assert_eq!(runtime.block_on(done.recv()), "ran");
}

#[test]
fn a_task_woken_from_another_thread_runs() {
    let runtime = Runtime::new().unwrap();
    let channel = Oneshot::new();
    let receiver = channel.clone();
    let task = runtime.spawn(async move { receiver.recv().await * 2 });
    let sender = send_later(&channel, 21);
    assert_eq!(runtime.block_on(task).unwrap(), 42);
    sender.join().unwrap();
}

#[test]
fn wakes_from_many_threads_at_once_are_never_lost() {
    const THREADS: usize = 4;
    const WAKES: usize = 2_000;
    let runtime = Runtime::new().unwrap();
    let counted = Arc::new(AtomicUsize::new(0));
    let wakers: Arc<Mutex<Option<Waker>>> = Arc::default();
    let (count, slot) = (counted.clone(), wakers.clone());
    let task = runtime.spawn(poll_fn(move |cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        if count.load(Ordering::SeqCst) == THREADS * WAKES {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }));
    run_queued_tasks(&runtime);
    let waker = wakers.lock().unwrap().clone().expect("polled once");
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (waker, counted) = (waker.clone(), counted.clone());
            thread::spawn(move || {
                for _ in 0..WAKES {
                    counted.fetch_add(1, Ordering::SeqCst);
                    waker.wake_by_ref();
                }
            })
        })
        .collect();
    // Completes only if the last wake (after the last increment) led to one more poll.
    runtime.block_on(task).unwrap();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn block_on_polls_its_future_only_when_woken() {
    let runtime = Runtime::new().unwrap();
    let channel = Oneshot::new();
    let sender = send_later(&channel, 7);
    let mut polls = 0;
    let value = runtime.block_on(poll_fn(|cx| {
        polls += 1;
        channel.poll_recv(cx)
    }));
    sender.join().unwrap();
    assert_eq!(value, 7);
    // Once before the value, once when woken (or once, on a machine so slow that the value came
    // first): a busy loop would poll thousands of times.
    assert!(polls <= 2, "{polls} polls");
}

#[test]
fn ten_thousand_spawned_tasks_all_complete() {
    const TASKS: u64 = 10_000;
    let runtime = Runtime::new().unwrap();
    let sum = runtime.block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|i| {
                spawn(async move {
                    yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    assert_eq!(runtime.alive_tasks(), 0);
}

#[test]
fn a_task_that_wakes_itself_twice_in_one_poll_is_polled_once_more() {
    let runtime = Runtime::new().unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let task = runtime.spawn(poll_fn(move |cx| {
        if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            cx.waker().wake_by_ref();
            let by_value = cx.waker().clone();
            by_value.wake();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    let other = runtime.spawn(async {
        // Gives the loop more turns, in which a second queue entry would show up.
        for _ in 0..3 {
            yield_now().await;
        }
    });
    runtime.block_on(async {
        task.await.unwrap();
        other.await.unwrap();
    });
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_waker_kept_after_its_task_completed_is_harmless() {
    let runtime = Runtime::new().unwrap();
    let kept = Arc::new(Mutex::new(None));
    let keep = kept.clone();
    let task = runtime.spawn(poll_fn(move |cx| {
        *keep.lock().unwrap() = Some(cx.waker().clone());
        Poll::Ready(())
    }));
    runtime.block_on(task).unwrap();
    let waker = kept.lock().unwrap().take().unwrap();
    waker.wake_by_ref();
    let by_value = waker.clone();
    by_value.wake();
    assert_eq!(runtime.alive_tasks(), 0);
    // The runtime goes on, and nothing of the old task runs again.
    assert_eq!(runtime.block_on(runtime.spawn(async { 3 })).unwrap(), 3);
    drop(runtime);
    waker.wake();
}

#[test]
fn dropping_the_runtime_cancels_waiting_tasks_and_their_wakers_stay_harmless() {
    let runtime = Runtime::new().unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let channel: Arc<Oneshot<()>> = Oneshot::new();
    let guard = DropCount(drops.clone());
    let receiver = channel.clone();
    let mut waiting = runtime.spawn(async move {
        let _guard = guard;
        receiver.recv().await;
    });
    run_queued_tasks(&runtime);
    assert!(poll_once(&mut waiting).is_pending());
    drop(runtime);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the future was dropped");
    match poll_once(&mut waiting) {
        Poll::Ready(Err(error)) => assert!(error.is_cancelled(), "{error}"),
        other => panic!(
            "expected a cancellation, got {:?}",
            other.map(|r| r.is_ok())
        ),
    }
    // Its waker is still in the channel: waking it, here and from another thread, does nothing.
    let waker = channel
        .0
        .lock()
        .unwrap()
        .1
        .clone()
        .expect("the task left its waker");
    waker.wake_by_ref();
    thread::spawn(move || waker.wake()).join().unwrap();
}

/// Spawns a task when dropped, and hands over the spawned task's join handle.
struct SpawnOnDrop {
    handle: Arc<Mutex<Option<JoinHandle<()>>>>,
    spawned_drops: Arc<AtomicUsize>,
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let guard = DropCount(self.spawned_drops.clone());
        let handle = spawn(async move {
            let _guard = guard;
        });
        *self.handle.lock().unwrap() = Some(handle);
    }
}

#[test]
fn a_task_spawned_during_shutdown_is_cancelled_not_lost() {
    let runtime = Runtime::new().unwrap();
    let handle = Arc::new(Mutex::new(None));
    let spawned_drops = Arc::new(AtomicUsize::new(0));
    let spawns_on_drop = SpawnOnDrop {
        handle: handle.clone(),
        spawned_drops: spawned_drops.clone(),
    };
    runtime.spawn(async move {
        let _spawns_on_drop = spawns_on_drop;
        std::future::pending::<()>().await;
    });
    run_queued_tasks(&runtime);
    drop(runtime);
    let mut spawned = handle
        .lock()
        .unwrap()
        .take()
        .expect("spawned while shutting down");
    assert_eq!(
        spawned_drops.load(Ordering::SeqCst),
        1,
        "its future was dropped"
    );
    match poll_once(&mut spawned) {
        Poll::Ready(Err(error)) => assert!(error.is_cancelled(), "{error}"),
        other => panic!(
            "expected a cancellation, got {:?}",
            other.map(|r| r.is_ok())
        ),
    }
}

#[test]
#[should_panic(expected = "part3_wakers::Runtime::block_on")]
fn spawn_outside_a_runtime_is_a_clear_panic() {
    spawn(async {});
}

#[test]
fn a_panic_in_the_main_future_leaves_the_runtime_usable() {
    let runtime = Runtime::new().unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async { panic!("main") })
    }));
    assert!(panicked.is_err());
    assert_eq!(
        runtime.block_on(async { spawn(async { 5 }).await.unwrap() }),
        5
    );
}

/// A leaf that is always ready, as a socket under load: it only spends budget.
async fn always_ready() {
    poll_fn(coop::poll_proceed).await
}

#[test]
fn the_budget_makes_an_always_ready_task_yield_to_the_others() {
    const OPERATIONS: u32 = 1000;
    let runtime = Runtime::new().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let polls = Arc::new(AtomicUsize::new(0));
    let (busy_order, quick_order, counted) = (order.clone(), order.clone(), polls.clone());
    let busy = async move {
        for _ in 0..OPERATIONS {
            always_ready().await;
        }
        busy_order.lock().unwrap().push("busy");
    };
    let mut busy = Box::pin(busy);
    let busy = runtime.spawn(poll_fn(move |cx| {
        counted.fetch_add(1, Ordering::SeqCst);
        busy.as_mut().poll(cx)
    }));
    let quick = runtime.spawn(async move { quick_order.lock().unwrap().push("quick") });
    runtime.block_on(async {
        busy.await.unwrap();
        quick.await.unwrap();
    });
    assert_eq!(*order.lock().unwrap(), ["quick", "busy"]);
    // 128 operations per poll, the 129th finds the budget spent: 7 full polls, then the rest.
    let expected = 1 + OPERATIONS / coop::BUDGET_PER_POLL;
    assert_eq!(polls.load(Ordering::SeqCst), expected as usize);
}

#[test]
fn yield_now_lets_the_other_runnable_tasks_go_first() {
    let runtime = Runtime::new().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (first, second) = (order.clone(), order.clone());
    let yielding = runtime.spawn(async move {
        first.lock().unwrap().push("a: before");
        yield_now().await;
        first.lock().unwrap().push("a: after");
    });
    let other = runtime.spawn(async move { second.lock().unwrap().push("b") });
    runtime.block_on(async {
        yielding.await.unwrap();
        other.await.unwrap();
    });
    assert_eq!(*order.lock().unwrap(), ["a: before", "b", "a: after"]);
}

#[test]
fn a_main_future_that_keeps_waking_itself_does_not_starve_the_tasks() {
    let runtime = Runtime::new().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let set = done.clone();
    runtime.spawn(async move { set.store(1, Ordering::SeqCst) });
    let mut yields = 0;
    runtime.block_on(async {
        while done.load(Ordering::SeqCst) == 0 {
            yield_now().await;
            yields += 1;
        }
    });
    assert_eq!(yields, 1, "the task ran right after the first yield");
}

#[test]
fn the_main_future_can_await_a_pinned_local_future() {
    let runtime = Runtime::new().unwrap();
    let value = runtime.block_on(async {
        let mut local = pin!(async { spawn(async { 1 }).await.unwrap() + 1 });
        local.as_mut().await
    });
    assert_eq!(value, 2);
}
