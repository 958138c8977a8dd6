//! loom models of the task machinery: every interleaving of a few threads that wake, clone, drop,
//! poll and cancel one task, checked for lost wake-ups, double queueing, two polls at once
//! (loom's `UnsafeCell` panics on overlapping accesses), and reference counts (loom's `Arc`
//! reports a leak or an extra release).
//!
//! ```text
//! RUSTFLAGS="--cfg loom_model" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p part3-wakers --release --test loom
//! ```
//!
//! `loom_model` rather than the usual `loom`: see part3-wakers/Cargo.toml.
#![cfg(loom_model)]

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

use part3_wakers::state::{NOTIFIED, State};
use part3_wakers::task::{Ran, Schedule, Task};
use part3_wakers::waker::waker;
use part3_wakers::{JoinError, JoinHandle};

/// A run queue that refuses to hold a task twice.
#[derive(Default)]
struct Queue(Mutex<VecDeque<Arc<Task>>>);

impl Schedule for Queue {
    fn spawn(&self, task: Arc<Task>) {
        self.schedule(task);
    }

    fn schedule(&self, task: Arc<Task>) {
        let mut queue = self.0.lock().unwrap();
        assert!(
            !queue.iter().any(|queued| Arc::ptr_eq(queued, &task)),
            "a task was queued twice"
        );
        queue.push_back(task);
    }
}

impl Queue {
    /// Pops and runs one task, as a worker thread would; `false` if the queue was empty.
    fn run_one(&self) -> bool {
        let task = self.0.lock().unwrap().pop_front();
        match task {
            Some(task) => {
                Task::run(task);
                true
            }
            None => false,
        }
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A task for `future` on a new queue (not yet queued), the queue, and the task's join handle.
fn task_on_queue<F>(future: F) -> (Arc<Task>, std::sync::Arc<Queue>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let queue = std::sync::Arc::new(Queue::default());
    let scheduler: std::sync::Arc<dyn Schedule> = queue.clone();
    let (task, handle) = Task::new(future, std::sync::Arc::downgrade(&scheduler));
    (task, queue, handle)
}

/// Polls a join handle once, outside any runtime.
fn poll_once<T>(handle: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(Waker::noop()))
}

/// Clones, wakes (by value and by reference) and drops of one idle task's wakers, from two
/// threads: the task is queued exactly once, and every reference comes back.
#[test]
fn waker_reference_counting() {
    loom::model(|| {
        let (task, queue, _handle) = task_on_queue(std::future::pending::<()>());
        assert_eq!(Task::run(task.clone()), Ran::Pending, "now IDLE");
        let mine = waker(task.clone());
        let theirs = mine.clone();

        let other = thread::spawn(move || {
            let again = theirs.clone();
            theirs.wake();
            again.wake_by_ref();
        });
        mine.wake_by_ref();
        drop(mine.clone());
        mine.wake();
        other.join().unwrap();

        assert_eq!(queue.len(), 1, "woken from IDLE: queued once, whoever won");
        assert_eq!(Arc::strong_count(&task), 2, "ours and the queue's");
        while queue.run_one() {}
        assert_eq!(
            Arc::strong_count(&task),
            1,
            "every waker gave its reference back"
        );
    });
}

/// A future that is ready once `ready` is set, counting its polls.
fn ready_when(ready: Arc<AtomicBool>, polls: Arc<AtomicUsize>) -> impl Future<Output = ()> {
    poll_fn(move |_| {
        polls.fetch_add(1, Ordering::Relaxed);
        if ready.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

/// A wake from another thread races with the poll, and both threads run tasks from the queue
/// (part 4's workers do): no lost wake-up (the task completes), no double queueing, never two
/// polls at once, at most one poll more than needed.
#[test]
fn a_wake_racing_with_a_poll() {
    loom::model(|| {
        let ready = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicUsize::new(0));
        let (task, queue, mut handle) = task_on_queue(ready_when(ready.clone(), polls.clone()));
        let task_waker = waker(task.clone());
        queue.spawn(task);

        // Both sides on threads of their own: each starts with a fresh view of memory.
        let worker = queue.clone();
        let waking = thread::spawn(move || {
            ready.store(true, Ordering::Release);
            task_waker.wake();
            worker.run_one();
        });
        let worker = queue.clone();
        let polling = thread::spawn(move || {
            worker.run_one();
        });
        waking.join().unwrap();
        polling.join().unwrap();
        while queue.run_one() {}

        // A lost wake-up leaves the task IDLE with no waker left: it is freed, and its handle
        // reports a cancellation rather than the output.
        assert!(
            matches!(poll_once(&mut handle), Poll::Ready(Ok(()))),
            "the wake-up was lost"
        );
        let polls = polls.load(Ordering::Relaxed);
        assert!((1..=2).contains(&polls), "{polls} polls");
    });
}

/// Runtime shutdown cancels a task while another thread wakes it: the future is dropped once, by
/// one thread; the handle reports the cancellation; a leftover queue entry is skipped.
#[test]
fn a_wake_racing_with_a_cancel() {
    loom::model(|| {
        let (task, queue, mut handle) = task_on_queue(std::future::pending::<()>());
        assert_eq!(Task::run(task.clone()), Ran::Pending, "now IDLE");
        let task_waker = waker(task.clone());

        let other = thread::spawn(move || task_waker.wake());
        assert!(task.cancel(), "nobody else runs or cancels it");
        other.join().unwrap();
        while queue.run_one() {}

        match poll_once(&mut handle) {
            Poll::Ready(Err(error)) => assert!(error.is_cancelled()),
            _ => panic!("the handle does not report the cancellation"),
        }
        assert_eq!(Arc::strong_count(&task), 1);
    });
}

/// The state word alone: a wake that finds the task SCHEDULED does nothing, so the poll that
/// follows must see what the waker wrote before waking. It does because even that wake writes the
/// word (state.rs): with a plain read, the poll could miss it (store buffering) and the wake-up
/// would be lost.
#[test]
fn a_wake_that_finds_the_task_queued_is_seen_by_the_next_poll() {
    loom::model(|| {
        let written = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State::new_scheduled());

        let (data, word) = (written.clone(), state.clone());
        let waker = thread::spawn(move || {
            data.store(true, Ordering::Release);
            let _ = word.wake();
        });
        let (data, word) = (written.clone(), state.clone());
        let poller = thread::spawn(move || {
            assert!(word.start_running());
            data.load(Ordering::Acquire)
        });
        waker.join().unwrap();
        let poll_saw_it = poller.join().unwrap();

        let poll_follows = state.snapshot() & NOTIFIED != 0;
        assert!(poll_saw_it || poll_follows, "the wake-up was lost");
    });
}
