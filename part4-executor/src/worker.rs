//! One worker thread: find a task, run it, and when there is none, park.
//!
//! ```text
//!   loop until shutdown {
//!     tick += 1;  every EVENT_INTERVAL ticks: publish the counters, look at the driver
//!     find_task()                      (find.rs: LIFO slot → local queue → injector → steal,
//!                                       the injector first every 61st tick)
//!       found   → stop searching (the last searcher wakes another), poll it once
//!       nothing → park                 (idle.rs says so, park.rs sleeps: driver or condvar)
//!   }
//! ```
//!
//! **Where a wake on a worker thread goes.** Every wake calls part 3's `Schedule::schedule`;
//! when it runs on one of our worker threads, the task stays on that worker
//! (`Worker::schedule`):
//!
//! ```text
//!   woken by the task being polled          → the LIFO slot: it runs next, while what it
//!     (a message it just sent, a spawn)       needs is hot in this core's cache; the task it
//!                                             displaces goes to the back of the queue
//!   the polled task woke itself (yield_now,  → the back of the local queue: the others go
//!     its budget spent)                        first
//!   woken while no task is polled (by this   → the back of the local queue; once the turn
//!     worker's own driver turn)                is over, a sleeper is woken to share them
//! ```
//!
//! The LIFO slot is capped: after [`MAX_LIFO_POLLS_PER_TICK`] polls from it in a row, the slot's
//! task goes to the back of the queue, so two tasks that wake each other cannot keep the rest
//! of the queue waiting forever.
//!
//! The worker keeps its state in a thread-local (`CURRENT`), so that a wake deep inside a
//! poll finds it: plain `Cell`s, since only this thread touches them; only the queue's other
//! end (the [`Stealer`](crossbeam_deque::Stealer)) and the parker are shared.
//!
//! Tokio: `tokio/src/runtime/scheduler/multi_thread/worker.rs` (`Context::run`, `run_task`,
//! `schedule_local`, `park`, `maintenance`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use part3_wakers::coop;
use part3_wakers::task::{Ran, Task, TaskId};

use crate::find;
use crate::metrics::WorkerMetrics;
use crate::runtime::Shared;
use crate::sync::Arc;

/// Ticks (tasks run or parks) between two maintenances: publish the counters, look at the
/// driver without sleeping. Tokio's default `event_interval` (`tokio/src/runtime/builder.rs`),
/// and part 3's.
pub const EVENT_INTERVAL: u32 = part3_wakers::executor::EVENT_INTERVAL;

/// Polls from the LIFO slot in a row after which its task goes to the back of the queue.
/// Tokio's `MAX_LIFO_POLLS_PER_TICK` in `tokio/src/runtime/scheduler/multi_thread/worker.rs`:
/// enough for a request/response pair to hand over a few times while hot, few enough that a
/// ping-pong pair cannot starve the queue.
pub const MAX_LIFO_POLLS_PER_TICK: u32 = 3;

/// A worker's own state. Lives on its thread (see the module docs).
pub(crate) struct Worker {
    pub(crate) index: usize,
    pub(crate) shared: std::sync::Arc<Shared>,
    /// Our end of the local run queue (FIFO); the other workers hold its `Stealer`.
    pub(crate) queue: crossbeam_deque::Worker<Arc<Task>>,
    /// The task woken by the running task: it runs next. Not stealable.
    pub(crate) lifo: Cell<Option<Arc<Task>>>,
    /// Polls from the LIFO slot in a row (see [`MAX_LIFO_POLLS_PER_TICK`]).
    pub(crate) lifo_polls: Cell<u32>,
    /// The task being polled, if any.
    running: Cell<Option<TaskId>>,
    /// Counted among the searching workers (idle.rs).
    pub(crate) searching: Cell<bool>,
    /// Turns of the loop, for the fairness check and maintenance.
    pub(crate) tick: Cell<u32>,
    /// A xorshift generator's state, to pick a victim at random.
    rng: Cell<u32>,
    pub(crate) metrics: RefCell<WorkerMetrics>,
    /// When `metrics.busy` was last brought up to date (or the worker last woke).
    busy_since: Cell<Instant>,
}

thread_local! {
    /// The worker running on this thread, if it is one.
    static CURRENT: RefCell<Option<Rc<Worker>>> = const { RefCell::new(None) };
}

/// Runs `worker`'s loop on this thread until shutdown, then drops the tasks it still holds
/// (the runtime cancels them: their queue references just go).
pub(crate) fn run(worker: Worker) {
    let worker = Rc::new(worker);
    CURRENT.set(Some(Rc::clone(&worker)));
    worker.run_loop();
    CURRENT.set(None);
    worker.publish();
    drop(worker.lifo.take());
    while worker.queue.pop().is_some() {}
}

/// If this thread is one of `shared`'s workers, queues `task` there and returns `None`; else
/// gives it back, for the injector.
pub(crate) fn schedule_on_this_worker(shared: &Shared, task: Arc<Task>) -> Option<Arc<Task>> {
    let mut task = Some(task);
    // `try_with`: a wake may come from a thread-local's destructor, when ours is gone.
    let _ = CURRENT.try_with(|current| {
        if let Some(worker) = current.borrow().as_ref()
            && std::ptr::eq(&*worker.shared, shared)
            && let Some(task) = task.take()
        {
            worker.schedule(task);
        }
    });
    task
}

/// Whether this thread is one of `shared`'s workers.
pub(crate) fn is_worker_of(shared: &Shared) -> bool {
    CURRENT
        .try_with(|current| {
            current
                .borrow()
                .as_ref()
                .is_some_and(|worker| std::ptr::eq(&*worker.shared, shared))
        })
        .unwrap_or(false)
}

/// Multiplied by the worker's number (and made odd, so never zero, which xorshift needs) to
/// seed its generator: two workers then pick their victims in different orders. The golden
/// ratio's bits, a usual choice for spreading small numbers.
const RNG_SEED: u32 = 0x9E37_79B9;

impl Worker {
    pub(crate) fn new(
        index: usize,
        shared: std::sync::Arc<Shared>,
        queue: crossbeam_deque::Worker<Arc<Task>>,
    ) -> Worker {
        Worker {
            index,
            shared,
            queue,
            lifo: Cell::new(None),
            lifo_polls: Cell::new(0),
            running: Cell::new(None),
            searching: Cell::new(false),
            tick: Cell::new(0),
            rng: Cell::new((index as u32 + 1).wrapping_mul(RNG_SEED) | 1),
            metrics: RefCell::new(WorkerMetrics::default()),
            busy_since: Cell::new(Instant::now()),
        }
    }

    fn run_loop(&self) {
        while !self.shared.is_shutdown() {
            self.tick();
            match find::find_task(self) {
                Some(task) => self.run_task(task),
                None => self.park(),
            }
        }
    }

    fn tick(&self) {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick.is_multiple_of(EVENT_INTERVAL) {
            self.maintenance();
        }
    }

    /// Now and then: publish the counters, and look at the driver without sleeping if no
    /// worker is in it (while every worker is busy, nobody parks there).
    fn maintenance(&self) {
        self.publish();
        if self.shared.driver.poll_now_if_free() {
            self.share_surplus();
        }
    }

    /// Polls `task` once within a fresh cooperative budget.
    fn run_task(&self, task: Arc<Task>) {
        // Found work: no longer searching. If we were the last searcher, wake another to go
        // on searching: where there was one task, there may be more (idle.rs).
        if self.searching.replace(false) && self.shared.idle.stop_searching() {
            self.shared.notify_parked();
        }
        let id = task.id();
        self.running.set(Some(id));
        let ran = coop::with_budget(|| Task::run(task));
        self.running.set(None);
        if ran != Ran::Skipped {
            self.metrics.borrow_mut().polls += 1;
        }
        if ran == Ran::Complete {
            self.shared.tasks.remove(id);
        }
    }

    /// Where a wake on this thread puts the task (see the module docs).
    fn schedule(&self, task: Arc<Task>) {
        match self.running.get() {
            // Our own driver turn woke it: queue it; `share_surplus` follows the turn.
            None => self.queue.push(task),
            // The running task woke itself (a yield): behind the others.
            Some(running) if running == task.id() => {
                self.queue.push(task);
                self.shared.notify_parked();
            }
            // Woken (or spawned) by the running task: it runs next.
            Some(_) => {
                if let Some(displaced) = self.lifo.replace(Some(task)) {
                    self.queue.push(displaced);
                    self.shared.notify_parked();
                }
            }
        }
    }

    /// More than one task in our queue: wake a sleeper to steal some (if nobody searches).
    fn share_surplus(&self) {
        if self.queue.len() > 1 {
            self.shared.notify_parked();
        }
    }

    /// Nothing anywhere: sleep until there is (see idle.rs and park.rs).
    fn park(&self) {
        let shared = &*self.shared;
        // The last searcher to give up looks at every queue once more: a push may have seen
        // it searching and woken nobody.
        if shared.idle.park(self.index, self.searching.replace(false)) && shared.has_work() {
            shared.notify_parked();
        }
        loop {
            self.metrics.borrow_mut().parks += 1;
            self.publish();
            shared.parker(self.index).park(&shared.driver);
            self.metrics.borrow_mut().unparks += 1;
            self.busy_since.set(Instant::now());
            if shared.is_shutdown() {
                return;
            }
            if !self.queue.is_empty() {
                // Our driver turn woke tasks onto our queue. We are searching only if a push
                // popped us from the sleepers meanwhile (it counted us so).
                self.searching.set(!shared.idle.unpark_self(self.index));
                self.share_surplus();
                return;
            }
            if !shared.idle.is_parked(self.index) {
                // A push popped us from the sleepers, and counted us as searching.
                self.searching.set(true);
                return;
            }
            // Woken with nothing for us (the driver woke a task of a thread outside the
            // runtime, or an old unpark): sleep again.
        }
    }

    /// Brings `busy` up to date and stores the counters where readers see them (metrics.rs).
    fn publish(&self) {
        let now = Instant::now();
        let mut metrics = self.metrics.borrow_mut();
        metrics.busy += now - self.busy_since.replace(now);
        metrics.local_queue_depth = self.queue.len();
        self.shared.published(self.index).store(&metrics);
    }

    /// A number in `0..n`, from a xorshift generator (Tokio: `tokio/src/util/rand.rs`).
    pub(crate) fn random_below(&self, n: usize) -> usize {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x as usize % n
    }
}
