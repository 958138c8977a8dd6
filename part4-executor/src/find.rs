//! Where a worker looks for its next task, in order. The first source that has one wins; when
//! none has, the worker parks.
//!
//! ```text
//!   1. the LIFO slot        the task the last one woke: hot in this core's cache
//!                           (at most MAX_LIFO_POLLS_PER_TICK in a row)
//!   2. the injector         but only every GLOBAL_QUEUE_INTERVAL-th tick: so that a local
//!                           queue that never empties cannot starve the global one
//!   3. the local queue      FIFO: the oldest of this worker's tasks
//!   4. the injector         a batch: one to run, a fair share more into the local queue
//!   5. another worker       if fewer than half the workers search already: about half of
//!                           a random victim's queue (a batch of at most 32), then the
//!                           injector once more
//!   (nothing)               → park (worker.rs)
//! ```
//!
//! Each source is one method of [`Sources`], and [`find_task`] is the order. The order trades locality against fairness: the
//! worker prefers what is already its own (1, 3) — no other core's cache lines — and looks
//! outside (4, 5) only when it has nothing; step 2 bounds how long a task pushed from outside
//! (a new connection, a wake from another thread) can wait behind local work.
//!
//! Tokio: `tokio/src/runtime/scheduler/multi_thread/worker.rs`, `next_task` (2–4), `steal_work`
//! (5) and `run_task` (1, where the LIFO slot is drained right after each poll). smol's
//! `async-executor` (`Runner::runnable` in `src/lib.rs`) has the same shape without a LIFO
//! slot: local queue, global queue, the other runners' queues; and every 64 ticks it moves a
//! batch from the global queue into the local one, for the same fairness as step 2.

use crossbeam_deque::Steal;
use part3_wakers::task::Task;

use crate::sync::Arc;
use crate::worker::{MAX_LIFO_POLLS_PER_TICK, Worker};

/// Every this many ticks, the injector is looked at before the local queue. Tokio's default
/// `global_queue_interval` (`tokio/src/runtime/scheduler/multi_thread/worker.rs`, since tuned
/// from the mean poll time; Go's scheduler uses the same 61). A prime, so it does not fall
/// into step with a program's own periods.
pub const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// Where a worker can take its next task from, one method per source; [`find_task`] puts them
/// in order. Each method takes the task it returns out of its source, so a source asked for
/// one is a source that gave one up. The worker implements it (below); the `p4_find_order`
/// exercise's tests implement it with sources that record what was asked of them.
pub trait Sources {
    type Task;
    /// Turns of the worker's loop so far (counted before each search).
    fn ticks(&self) -> u32;
    /// The LIFO slot's task (and the slot's cap, [`MAX_LIFO_POLLS_PER_TICK`]).
    fn pop_lifo_slot(&self) -> Option<Self::Task>;
    /// One task from the injector.
    fn pop_injector(&self) -> Option<Self::Task>;
    /// The local queue's oldest task.
    fn pop_local_queue(&self) -> Option<Self::Task>;
    /// One task from the injector to run now, and a fair share more into the local queue.
    fn pop_injector_batch(&self) -> Option<Self::Task>;
    /// A batch from another worker's queue into ours, one of them to run now (if this worker
    /// may search), then the injector once more.
    fn steal(&self) -> Option<Self::Task>;
}

/// The next task to poll, or `None`: nothing anywhere, park.
pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    // 1. The LIFO slot: the task the previous one just woke.
    if let Some(task) = sources.pop_lifo_slot() {
        return Some(task);
    }
    // 2. Every GLOBAL_QUEUE_INTERVAL-th tick, the injector before the local queue.
    if sources.ticks().is_multiple_of(GLOBAL_QUEUE_INTERVAL)
        && let Some(task) = sources.pop_injector()
    {
        return Some(task);
    }
    // 3. The local queue, oldest first.
    if let Some(task) = sources.pop_local_queue() {
        return Some(task);
    }
    // 4. The injector: one task, and a fair share more into the local queue.
    if let Some(task) = sources.pop_injector_batch() {
        return Some(task);
    }
    // 5. Another worker's queue.
    sources.steal()
}

impl Sources for Worker {
    type Task = Arc<Task>;

    fn ticks(&self) -> u32 {
        self.tick.get()
    }

    /// The LIFO slot's task, unless it already ran [`MAX_LIFO_POLLS_PER_TICK`] tasks in a row:
    /// then the task goes to the back of the queue and the chain is broken.
    fn pop_lifo_slot(&self) -> Option<Arc<Task>> {
        let Some(task) = self.lifo.take() else {
            self.lifo_polls.set(0);
            return None;
        };
        if self.lifo_polls.get() >= MAX_LIFO_POLLS_PER_TICK {
            self.queue.push(task);
            self.lifo_polls.set(0);
            return None;
        }
        self.lifo_polls.set(self.lifo_polls.get() + 1);
        self.metrics.borrow_mut().lifo_hits += 1;
        Some(task)
    }

    fn pop_injector(&self) -> Option<Arc<Task>> {
        retry(|| self.shared.injector.steal())
    }

    fn pop_local_queue(&self) -> Option<Arc<Task>> {
        self.queue.pop()
    }

    /// One task from the injector to run now, and up to a fair share of the rest into the
    /// local queue: the injector's length divided among the workers (and at most half of it,
    /// crossbeam's batch), so that one worker does not take what the others could run.
    fn pop_injector_batch(&self) -> Option<Arc<Task>> {
        let injector = &self.shared.injector;
        if injector.is_empty() {
            return None;
        }
        let fair_share = injector.len() / self.shared.workers() + 1;
        retry(|| injector.steal_batch_with_limit_and_pop(&self.queue, fair_share))
    }

    /// Steals about half of a random victim's queue — at most 32 tasks, crossbeam's batch
    /// limit — if this worker may search (at most about half the workers do, idle.rs); then
    /// looks at the injector once more, which may have filled meanwhile.
    fn steal(&self) -> Option<Arc<Task>> {
        if !self.start_searching() {
            return None;
        }
        let workers = self.shared.workers();
        let first = self.random_below(workers);
        let victims = (0..workers)
            .map(|i| (first + i) % workers)
            .filter(|&victim| victim != self.index);
        for victim in victims {
            let before = self.queue.len();
            let stealer = self.shared.stealer(victim);
            if let Some(task) = retry(|| stealer.steal_batch_and_pop(&self.queue)) {
                let mut metrics = self.metrics.borrow_mut();
                metrics.steal_ops += 1;
                // The one returned, and those that went into our queue (which others may be
                // stealing from already: hence the saturation).
                metrics.steals += 1 + self.queue.len().saturating_sub(before) as u64;
                return Some(task);
            }
        }
        self.pop_injector()
    }
}

impl Worker {
    /// Counts this worker among the searchers, if fewer than half the workers search.
    fn start_searching(&self) -> bool {
        if !self.searching.get() {
            self.searching.set(self.shared.idle.try_start_searching());
        }
        self.searching.get()
    }
}

/// Runs a steal until it gives an answer: `Retry` means it lost a race with another thief or
/// the owner, and trying again is cheap.
pub fn retry<T>(mut steal: impl FnMut() -> Steal<T>) -> Option<T> {
    loop {
        match steal() {
            Steal::Success(task) => return Some(task),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

/// What [`retry`] does, for the runtime's shutdown (draining the injector).
pub(crate) fn take_all<T>(mut steal: impl FnMut() -> Steal<T>) -> Vec<T> {
    std::iter::from_fn(|| retry(&mut steal)).collect()
}
