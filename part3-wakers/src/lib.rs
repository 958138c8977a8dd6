//! # Part 3 — wakers: the same server as `async fn`, over our own reactor
//!
//! Part 2's server was fast, and its connection was a hand-written state machine. An `async fn`
//! is the same state machine, written by the compiler: a `Future` that, polled, runs until it
//! must wait and returns `Pending`. What is left to us is the *executor* — who polls, and when —
//! and the `Waker` that tells it "poll that one again".
//!
//! ## The smallest complete executor
//!
//! A queue of tasks, a loop that polls them, and a waker that puts a task back in the queue:
//!
//! ```
//! use std::collections::VecDeque;
//! use std::future::Future;
//! use std::pin::Pin;
//! use std::sync::{Arc, Condvar, Mutex};
//! use std::task::{Context, Poll, Wake, Waker};
//! use std::{thread, time::Duration};
//!
//! /// The run queue, and a condition variable to sleep on while it is empty.
//! #[derive(Default)]
//! struct Queue { tasks: Mutex<VecDeque<Arc<Task>>>, not_empty: Condvar }
//!
//! /// A task: its future (`None` once finished) and the queue a wake puts it back on.
//! struct Task {
//!     future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
//!     queue: Arc<Queue>,
//! }
//!
//! impl Wake for Task {
//!     fn wake(self: Arc<Self>) {
//!         let queue = self.queue.clone();
//!         queue.tasks.lock().unwrap().push_back(self);
//!         queue.not_empty.notify_one();
//!     }
//! }
//!
//! fn spawn(queue: &Arc<Queue>, future: impl Future<Output = ()> + Send + 'static) {
//!     let future = Mutex::new(Some(Box::pin(future) as _));
//!     Arc::new(Task { future, queue: queue.clone() }).wake();
//! }
//!
//! /// Polls queued tasks until `tasks` of them have finished.
//! fn run(queue: &Queue, mut tasks: usize) {
//!     while tasks > 0 {
//!         let mut queued = queue.tasks.lock().unwrap();
//!         let task = loop {
//!             match queued.pop_front() {
//!                 Some(task) => break task,
//!                 None => queued = queue.not_empty.wait(queued).unwrap(),
//!             }
//!         };
//!         drop(queued);
//!         let waker = Waker::from(task.clone());
//!         let mut future = task.future.lock().unwrap();
//!         if let Some(running) = future.as_mut() {
//!             if running.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
//!                 *future = None;
//!                 tasks -= 1;
//!             }
//!         }
//!     }
//! }
//!
//! /// A leaf future: ready once another thread says so through the waker.
//! struct Delay { done: Arc<Mutex<bool>>, started: bool }
//!
//! impl Future for Delay {
//!     type Output = ();
//!     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
//!         if *self.done.lock().unwrap() { return Poll::Ready(()) }
//!         if !self.started {
//!             self.started = true;
//!             let (done, waker) = (self.done.clone(), cx.waker().clone());
//!             thread::spawn(move || {
//!                 thread::sleep(Duration::from_millis(10));
//!                 *done.lock().unwrap() = true;
//!                 waker.wake();
//!             });
//!         }
//!         Poll::Pending
//!     }
//! }
//!
//! let queue = Arc::new(Queue::default());
//! let finished = Arc::new(Mutex::new(Vec::new()));
//! for id in 0..3 {
//!     let finished = finished.clone();
//!     spawn(&queue, async move {
//!         Delay { done: Arc::default(), started: false }.await;
//!         finished.lock().unwrap().push(id);
//!     });
//! }
//! run(&queue, 3);
//! assert_eq!(finished.lock().unwrap().len(), 3);
//! ```
//!
//! ## How this crate grows it
//!
//! Each shortcut above, what replaces it here, and what Tokio does:
//!
//! - **`std::task::Wake`** builds the waker. [`waker`] writes the same `RawWakerVTable` by hand
//!   (clone, wake, wake_by_ref, drop, each with its reference-count rule) and polls with a
//!   borrowed waker that costs no count. Tokio: `tokio/src/runtime/task/waker.rs`.
//! - **One future, one thread** is the smallest case, before any queue: [`park::block_on`]
//!   polls it, and parks the thread until its waker unparks it. Tokio:
//!   `tokio/src/runtime/park.rs`.
//! - **A `Mutex` around the future, and every wake queues.** Two wakes queue a task twice, and
//!   a wake during its poll queues it while it runs. [`state`] keeps four bits in one atomic
//!   word: a task is queued at most once, a wake during a poll becomes one re-queue after it,
//!   and one thread at a time may poll it — so the future needs no lock ([`task`]). Tokio:
//!   `tokio/src/runtime/task/state.rs`, which also keeps the reference count in that word.
//! - **Outputs are thrown away, and a panic kills the loop.** [`join`]'s [`JoinHandle`] is a
//!   future of the task's output; a panic is caught and becomes a [`JoinError`]. Tokio:
//!   `tokio/src/runtime/task/join.rs` and `harness.rs`.
//! - **The loop sleeps on a condition variable**, so nothing but a wake can wake it. The
//!   [`executor`] sleeps in the I/O [`driver`] instead — epoll, with the nearest timer as
//!   timeout — and a wake from another thread unparks it. Tokio:
//!   `tokio/src/runtime/scheduler/current_thread/mod.rs` and `tokio/src/runtime/io/driver.rs`.
//! - **The caller counts the tasks, and nothing returns a value.** [`Runtime::block_on`] runs
//!   one main future to completion beside the tasks, polling it only when its own waker fires.
//! - **`spawn` needs the queue in hand.** [`context`] keeps the current runtime in a
//!   thread-local, so [`spawn`] and the leaf futures find it. Tokio:
//!   `tokio/src/runtime/context.rs`.
//! - **A task that is always ready runs forever.** [`coop`] gives each poll a budget that the
//!   leaf futures spend, and [`yield_now()`] gives the thread back by hand. Tokio:
//!   `tokio/src/task/coop/mod.rs`, `tokio/src/task/yield_now.rs`.
//! - **Tasks that never finish leak**, and so do their futures. Dropping the [`Runtime`]
//!   cancels every task still alive. Tokio: `tokio/src/runtime/task/list.rs`.
//!
//! `sync.rs` swaps the task's atomics, cell and reference count for loom's under
//! `--cfg loom_model`, so `tests/loom.rs` can check the waker's reference counting and a wake
//! racing with a poll in every interleaving.

pub mod context;
pub mod coop;
pub mod driver;
pub mod executor;
pub mod join;
pub mod net;
pub mod observe;
pub mod park;
pub mod scheduled_io;
pub mod server;
pub mod state;
mod sync;
pub mod task;
pub mod time;
pub mod waker;
pub mod yield_now;

pub use executor::{Runtime, spawn};
pub use join::{JoinError, JoinHandle};
pub use task::{Schedule, Task, TaskId};
pub use yield_now::yield_now;
