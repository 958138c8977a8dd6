//! The runtime: N worker threads around what they share, `spawn`, `block_on`, and a shutdown
//! that leaves no thread and no task behind.
//!
//! ```text
//!   Runtime ── threads: worker-0 … worker-N-1  (worker.rs: find, run, park)
//!           └─ Shared ── injector            tasks pushed from outside the workers
//!                      ├─ remotes[i]         worker i's stealer, parker, published counters
//!                      ├─ idle               who sleeps, who searches (idle.rs)
//!                      ├─ driver             part 3's driver; the worker that parks first
//!                      │                     sleeps in it (park.rs)
//!                      └─ tasks              every live task, to cancel at shutdown (tasks.rs)
//! ```
//!
//! `Shared` is part 3's [`Schedule`]: the same tasks, wakers and join handles run here. A task
//! scheduled on a worker thread stays on that worker (its LIFO slot or local queue, worker.rs);
//! from any other thread it goes to the injector, and one sleeping worker is woken if nobody is
//! searching (idle.rs).
//!
//! **Shutdown** (dropping the runtime): raise the flag and unpark every worker; each finishes
//! the poll it is in, drops the queue references it holds and exits; join them all. Only then,
//! with no worker left to poll anything, cancel every live task (drop its future, tell its join
//! handle). A task cannot be running elsewhere while it is cancelled, and a wake or a spawn
//! during the cancellation (a future's destructor may do either) is dropped or cancelled at
//! once. A task that never returns from its poll (a blocking loop) keeps its worker, and so
//! the drop, waiting — as in Tokio.
//!
//! Tokio: `tokio/src/runtime/scheduler/multi_thread/mod.rs` (`block_on`), `handle.rs` and
//! `worker.rs` (`Shared`, `schedule_task`, `shutdown`).

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle as ThreadHandle, Thread};

use crossbeam_deque::{Injector, Stealer};
use part3_wakers::JoinHandle;
use part3_wakers::context::{self, Handle};
use part3_wakers::coop;
use part3_wakers::driver::Driver;
use part3_wakers::task::{self, Schedule, Task};

use crate::find;
use crate::idle::Idle;
use crate::metrics::{Published, RuntimeMetrics};
use crate::park::{Parker, SharedDriver};
use crate::sync::Arc;
use crate::tasks::TaskList;
use crate::worker::{self, Worker};

/// Events the driver takes from the kernel per turn, as in part 3.
pub const DEFAULT_EVENTS_CAPACITY: usize = part3_wakers::executor::DEFAULT_EVENTS_CAPACITY;

/// The most workers a runtime accepts: far beyond any core count, low enough that a typo does
/// not start a million threads.
pub const MAX_WORKERS: usize = 1024;

/// The worker threads' names, followed by their index: `worker-0`, `worker-1`, …
pub const WORKER_THREAD_PREFIX: &str = "worker-";

/// The name of the dedicated driver thread, with [`Driving::Thread`].
pub const DRIVER_THREAD_NAME: &str = "driver";

/// Who sleeps in the driver (epoll) and hands out its events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Driving {
    /// A worker that has nothing else to do, as in Tokio (park.rs says why).
    #[default]
    IdleWorker,
    /// A thread of its own, which does nothing else: every event's task goes through the
    /// injector to a worker woken for it. Here to be measured against the default.
    Thread,
}

/// A work-stealing runtime. See the [module docs](self).
pub struct Runtime {
    shared: std::sync::Arc<Shared>,
    /// The workers, and the driver thread with [`Driving::Thread`].
    threads: Vec<ThreadHandle<()>>,
}

/// What the workers, the wakers and the runtime share.
pub(crate) struct Shared {
    pub(crate) injector: Injector<Arc<Task>>,
    remotes: Box<[Remote]>,
    pub(crate) idle: Idle,
    pub(crate) driver: SharedDriver<Driver>,
    pub(crate) tasks: TaskList,
    shutdown: AtomicBool,
}

/// What the others need of one worker.
struct Remote {
    stealer: Stealer<Arc<Task>>,
    parker: Parker,
    published: Published,
}

impl Runtime {
    /// A runtime with `workers` worker threads, started at once.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for 0 workers or more than [`MAX_WORKERS`]; the operating system's error
    /// if the driver or a thread cannot be created.
    pub fn new(workers: usize) -> io::Result<Runtime> {
        Runtime::with_events_capacity(workers, DEFAULT_EVENTS_CAPACITY)
    }

    /// The same, with a driver that takes up to `events_capacity` events per turn.
    ///
    /// # Errors
    ///
    /// As [`Runtime::new`].
    pub fn with_events_capacity(workers: usize, events_capacity: usize) -> io::Result<Runtime> {
        Runtime::with_driving(workers, events_capacity, Driving::IdleWorker)
    }

    /// The same, choosing who drives I/O (see [`Driving`]).
    ///
    /// # Errors
    ///
    /// As [`Runtime::new`].
    pub fn with_driving(
        workers: usize,
        events_capacity: usize,
        driving: Driving,
    ) -> io::Result<Runtime> {
        if !(1..=MAX_WORKERS).contains(&workers) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a runtime needs between 1 and {MAX_WORKERS} workers, not {workers}"),
            ));
        }
        let queues: Vec<_> = (0..workers)
            .map(|_| crossbeam_deque::Worker::new_fifo())
            .collect();
        let remotes = queues
            .iter()
            .map(|queue| Remote {
                stealer: queue.stealer(),
                parker: Parker::new(),
                published: Published::default(),
            })
            .collect();
        let shared = std::sync::Arc::new(Shared {
            injector: Injector::new(),
            remotes,
            idle: Idle::new(workers),
            driver: SharedDriver::new(Driver::new(events_capacity)?),
            tasks: TaskList::new(workers),
            shutdown: AtomicBool::new(false),
        });
        // Built up one thread at a time: if one cannot start, dropping `runtime` stops the
        // others.
        let mut runtime = Runtime {
            shared,
            threads: Vec::with_capacity(workers + 1),
        };
        if driving == Driving::Thread {
            let shared = std::sync::Arc::clone(&runtime.shared);
            let thread = thread::Builder::new()
                .name(DRIVER_THREAD_NAME.into())
                .spawn(move || shared.driver.drive(|| shared.is_shutdown()))?;
            runtime.threads.push(thread);
        }
        for (index, queue) in queues.into_iter().enumerate() {
            let shared = std::sync::Arc::clone(&runtime.shared);
            let thread = thread::Builder::new()
                .name(format!("{WORKER_THREAD_PREFIX}{index}"))
                .spawn(move || {
                    let _entered = context::enter(shared.handle());
                    worker::run(Worker::new(index, shared, queue));
                })?;
            runtime.threads.push(thread);
        }
        Ok(runtime)
    }

    /// Runs `future` to completion on this thread while the workers run the spawned tasks, and
    /// returns its output. Inside, `spawn` and part 3's futures find this runtime. The thread
    /// sleeps (`thread::park`) whenever the future waits.
    ///
    /// # Panics
    ///
    /// If `future` panics (the runtime stays usable), or if called on one of this runtime's
    /// own workers (it would stop that worker while it waits).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert!(
            !worker::is_worker_of(&self.shared),
            "part4_executor::Runtime::block_on called on one of the runtime's own workers: \
             await the future instead"
        );
        let _entered = context::enter(self.shared.handle());
        let main = std::sync::Arc::new(ThreadWaker {
            woken: AtomicBool::new(true),
            thread: thread::current(),
        });
        let waker = Waker::from(std::sync::Arc::clone(&main));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) = coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                    return output;
                }
            } else {
                // Returns on `unpark` (or spuriously: the flag says which).
                thread::park();
            }
        }
    }

    /// Spawns `future` as a task of this runtime; the workers run it at once.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let scheduler: std::sync::Arc<dyn Schedule> = self.shared.clone();
        task::spawn_on(&scheduler, future)
    }

    /// What the workers did, and the queues now (see metrics.rs for how it is kept cheap).
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics {
            workers: self
                .shared
                .remotes
                .iter()
                .map(|remote| remote.published.load())
                .collect(),
            injector_depth: self.shared.injector.len(),
            tasks_alive: self.shared.tasks.len(),
        }
    }

    /// How many worker threads the runtime has.
    pub fn workers(&self) -> usize {
        self.shared.workers()
    }

    /// Tasks spawned and not yet complete.
    pub fn alive_tasks(&self) -> usize {
        self.shared.tasks.len()
    }

    /// The runtime's I/O driver.
    pub fn driver(&self) -> &std::sync::Arc<Driver> {
        self.shared.driver.reactor()
    }
}

impl Drop for Runtime {
    /// Shuts down (see the module docs): stop and join the workers, then cancel every task.
    ///
    /// # Panics
    ///
    /// On one of the runtime's own workers, which cannot wait for itself to stop.
    fn drop(&mut self) {
        assert!(
            !worker::is_worker_of(&self.shared),
            "a part4_executor::Runtime was dropped on one of its own workers, which cannot \
             wait for itself: drop it outside the runtime"
        );
        self.shared.shutdown.store(true, Ordering::SeqCst);
        for remote in &self.shared.remotes {
            remote.parker.unpark(&self.shared.driver);
        }
        // The driver thread, if there is one, sleeps in the driver.
        self.shared.driver.reactor().unpark();
        for thread in self.threads.drain(..) {
            // A worker only panics if the driver failed (it said so already); the others
            // still have to be joined.
            let _ = thread.join();
        }
        // Entered: a future's destructor may need the runtime (a socket deregistering).
        let _entered = context::enter(self.shared.handle());
        for task in self.shared.tasks.close() {
            task.cancel();
        }
        drop(find::take_all(|| self.shared.injector.steal()));
    }
}

impl Shared {
    pub(crate) fn workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    pub(crate) fn stealer(&self, index: usize) -> &Stealer<Arc<Task>> {
        &self.remotes[index].stealer
    }

    pub(crate) fn parker(&self, index: usize) -> &Parker {
        &self.remotes[index].parker
    }

    pub(crate) fn published(&self, index: usize) -> &Published {
        &self.remotes[index].published
    }

    /// Work was pushed: unpark one sleeping worker, if nobody is searching (idle.rs).
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.parker(index).unpark(&self.driver);
        }
    }

    /// Whether any task waits in the injector or in a worker's queue (not the LIFO slots,
    /// which only their worker runs).
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|remote| !remote.stealer.is_empty())
    }

    /// From a thread that is not one of our workers: into the injector, and wake a worker.
    fn push_remote(&self, task: Arc<Task>) {
        if self.is_shutdown() {
            // The task was (or is being) cancelled: drop this reference.
            return;
        }
        self.injector.push(task);
        self.notify_parked();
    }

    fn handle(self: &std::sync::Arc<Self>) -> Handle {
        Handle {
            driver: std::sync::Arc::clone(self.driver.reactor()),
            scheduler: self.clone(),
        }
    }
}

impl Schedule for Shared {
    fn spawn(&self, task: Arc<Task>) {
        match self.tasks.insert(task.clone()) {
            Ok(()) => self.schedule(task),
            // The runtime shut down: cancelled at once, its handle says so.
            Err(task) => {
                task.cancel();
            }
        }
    }

    fn schedule(&self, task: Arc<Task>) {
        if let Some(task) = worker::schedule_on_this_worker(self, task) {
            self.push_remote(task);
        }
    }
}

/// `block_on`'s waker: a flag, and the blocked thread to unpark.
struct ThreadWaker {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for ThreadWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}
