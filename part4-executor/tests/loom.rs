//! loom models: every interleaving of small programs built on the runtime's real parts.
//!
//! ```text
//! RUSTFLAGS="--cfg loom_model" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p part4-executor --release --test loom
//! ```
//!
//! - **No lost wake-up**: work is pushed while two workers go through the real [`Idle`] and
//!   [`Parker`] protocol (search, give up, park in the driver or on a condvar). If any
//!   interleaving left the work queued with both workers asleep, loom would report a deadlock.
//! - **A task is never polled by two workers at once**: part 3's real `Task` (its state bits,
//!   its waker) on two worker threads sharing a queue, woken from a third thread and by itself
//!   while running. loom's `UnsafeCell` fails the model if two polls ever overlap, and the
//!   queue checks that the task is never in it twice.
#![cfg(loom_model)]

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use part3_wakers::task::{Schedule, Task, spawn_on};
use part4_executor::idle::Idle;
use part4_executor::park::{Parker, Reactor, SharedDriver};

/// Interleavings are explored up to this many preemptions each: enough for every bug of this
/// size that loom's authors report finding, small enough to finish in seconds.
const PREEMPTIONS: usize = 3;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTIONS);
    builder.check(f);
}

/// The driver, reduced to what parking needs of it: a sleep that a wake ends, and a wake that
/// sticks if it comes first (as the driver's eventfd does).
#[derive(Default)]
struct FakeDriver {
    woken: Mutex<bool>,
    condvar: Condvar,
}

impl Reactor for FakeDriver {
    fn sleep(&self) {
        let mut woken = self.woken.lock().unwrap();
        while !*woken {
            woken = self.condvar.wait(woken).unwrap();
        }
        *woken = false;
    }

    fn poll_now(&self) {}

    fn wake(&self) {
        *self.woken.lock().unwrap() = true;
        self.condvar.notify_one();
    }
}

/// What the workers of the park/notify model share.
struct Pool {
    idle: Idle,
    parkers: [Parker; 2],
    driver: SharedDriver<FakeDriver>,
    /// The injector, reduced to a count of tasks.
    queued: AtomicUsize,
    /// Tasks run.
    ran: Mutex<usize>,
    ran_changed: Condvar,
    shutdown: AtomicBool,
}

impl Pool {
    /// What `Shared::notify_parked` does.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.parkers[index].unpark(&self.driver);
        }
    }

    fn take_task(&self) -> bool {
        self.queued
            .fetch_update(SeqCst, SeqCst, |queued| queued.checked_sub(1))
            .is_ok()
    }

    fn run_task(&self) {
        *self.ran.lock().unwrap() += 1;
        self.ran_changed.notify_all();
    }

    /// A worker's loop, as worker.rs and find.rs run it, with one queue for all.
    fn work(&self, index: usize) {
        let mut searching = false;
        while !self.shutdown.load(SeqCst) {
            // find_task: the queue; then, as a searcher, the queue once more.
            if !self.take_task() {
                if !searching {
                    searching = self.idle.try_start_searching();
                }
                if !(searching && self.take_task()) {
                    self.park(index, &mut searching);
                    continue;
                }
            }
            // run_task: stop searching (the last searcher wakes another), run.
            if std::mem::take(&mut searching) && self.idle.stop_searching() {
                self.notify_parked();
            }
            self.run_task();
        }
    }

    /// worker.rs's `park`.
    fn park(&self, index: usize, searching: &mut bool) {
        if self.idle.park(index, std::mem::take(searching)) && self.queued.load(SeqCst) > 0 {
            self.notify_parked();
        }
        loop {
            self.parkers[index].park(&self.driver);
            if self.shutdown.load(SeqCst) {
                return;
            }
            if !self.idle.is_parked(index) {
                *searching = true;
                return;
            }
        }
    }
}

#[test]
fn a_push_never_leaves_work_with_every_worker_asleep() {
    model(|| {
        let pool = Arc::new(Pool {
            idle: Idle::new(2),
            parkers: [Parker::new(), Parker::new()],
            driver: SharedDriver::new(std::sync::Arc::new(FakeDriver::default())),
            queued: AtomicUsize::new(0),
            ran: Mutex::new(0),
            ran_changed: Condvar::new(),
            shutdown: AtomicBool::new(false),
        });
        let workers: Vec<_> = (0..2)
            .map(|index| {
                let pool = Arc::clone(&pool);
                thread::spawn(move || pool.work(index))
            })
            .collect();
        // Push from outside the workers: Shared::push_remote.
        pool.queued.fetch_add(1, SeqCst);
        pool.notify_parked();
        // Wait until a worker ran it: if no worker ever wakes, loom reports the deadlock.
        let mut ran = pool.ran.lock().unwrap();
        while *ran == 0 {
            ran = pool.ran_changed.wait(ran).unwrap();
        }
        drop(ran);
        // Shut down, as Runtime::drop does.
        pool.shutdown.store(true, SeqCst);
        for parker in &pool.parkers {
            parker.unpark(&pool.driver);
        }
        for worker in workers {
            worker.join().unwrap();
        }
    });
}

/// A run queue shared by two workers, which checks that a task is never in it twice.
#[derive(Default)]
struct Queue(Mutex<VecDeque<Arc<Task>>>);

impl Queue {
    fn pop(&self) -> Option<Arc<Task>> {
        self.0.lock().unwrap().pop_front()
    }
}

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

#[test]
fn a_task_is_never_polled_by_two_workers_at_once() {
    model(|| {
        let queue = std::sync::Arc::new(Queue::default());
        let scheduler: std::sync::Arc<dyn Schedule> = queue.clone();
        let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let mut polls = 0;
        let handle = {
            let waker_slot = Arc::clone(&waker_slot);
            spawn_on(
                &scheduler,
                poll_fn(move |cx: &mut Context<'_>| {
                    polls += 1;
                    match polls {
                        // First poll: leave a waker for another thread.
                        1 => *waker_slot.lock().unwrap() = Some(cx.waker().clone()),
                        // Second: wake itself while running (a yield).
                        2 => cx.waker().wake_by_ref(),
                        _ => return Poll::Ready(polls),
                    }
                    Poll::Pending
                }),
            )
        };
        Task::run(queue.pop().expect("spawned"));
        // Two workers poll whatever is queued; this thread wakes the task meanwhile.
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        if let Some(task) = queue.pop() {
                            Task::run(task);
                        }
                    }
                })
            })
            .collect();
        let waker = waker_slot
            .lock()
            .unwrap()
            .take()
            .expect("left by the first poll");
        waker.wake();
        for worker in workers {
            worker.join().unwrap();
        }
        while let Some(task) = queue.pop() {
            Task::run(task);
        }
        let mut handle = std::pin::pin!(handle);
        let polled = handle
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(
            matches!(polled, Poll::Ready(Ok(3))),
            "three polls, then the output"
        );
    });
}
