//! A bounded thread pool: at most N threads, and a queue for the rest.
//!
//! This is the classic answer to "one thread per connection does not scale": cap the threads,
//! and let accepted connections wait in a queue until a thread is free. The server uses it when
//! started with `--max-threads N`. It trades the thread wall for a different failure: with
//! keep-alive connections a thread is held for the whole life of a connection, so once N
//! clients are connected, client N+1 waits — possibly forever — however idle the N threads
//! are. The dashboard shows that queue growing while the CPU is idle.
//!
//! # How it works
//!
//! Jobs travel over an unbounded `crossbeam_channel`; its length *is* the queue depth.
//! Threads are started lazily: while fewer than `max_threads` exist, [`ThreadPool::submit`]
//! starts a new worker and hands it the job directly; after that, jobs are queued and the
//! next worker to finish takes the oldest. Workers never exit while the pool lives; when the
//! pool is dropped the channel closes, and each worker finishes the queue and exits.
//!
//! # Invariants
//!
//! - At most `max_threads` workers exist: a slot in `threads` is reserved (compare-and-swap)
//!   *before* spawning, and released if the spawn fails.
//! - No job is lost: a job is either handed to a new worker, queued (and some worker exists to
//!   take it), or returned to the caller inside [`SpawnRefused`]. This needs one submitter at
//!   a time — with two, one could queue its job while the other's spawn of the last worker
//!   fails — so [`ThreadPool::submit`] takes `&mut self` and the compiler enforces it.
//! - A panicking job does not shrink the pool: each job runs under `catch_unwind`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::spawn::{SpawnRefused, ThreadSpec, try_spawn};

/// What the workers share.
struct Shared<T> {
    jobs: Receiver<T>,
    handler: Box<dyn Fn(T) + Send + Sync>,
    /// Workers alive.
    threads: AtomicUsize,
}

/// A pool of at most `max_threads` threads that each run `handler` on jobs of type `T`.
pub struct ThreadPool<T> {
    /// Dropping the pool drops the only sender, which closes the channel and ends the workers.
    sender: Sender<T>,
    shared: Arc<Shared<T>>,
    max_threads: usize,
    spec: ThreadSpec,
}

impl<T: Send + 'static> ThreadPool<T> {
    /// A pool that starts no thread until the first job. `max_threads` of 0 is raised to 1.
    pub fn new(
        max_threads: usize,
        spec: ThreadSpec,
        handler: impl Fn(T) + Send + Sync + 'static,
    ) -> Self {
        let (sender, jobs) = crossbeam_channel::unbounded();
        ThreadPool {
            sender,
            shared: Arc::new(Shared {
                jobs,
                handler: Box::new(handler),
                threads: AtomicUsize::new(0),
            }),
            max_threads: max_threads.max(1),
            spec,
        }
    }

    /// Runs `job` on a new worker if the pool may still grow, or else on the next worker to
    /// become free. Fails only if a new worker was needed and the OS refused the thread.
    pub fn submit(&mut self, job: T) -> Result<(), SpawnRefused<T>> {
        if !reserve_below(&self.shared.threads, self.max_threads) {
            // Full: wait in the queue for a worker to finish its current job.
            self.sender
                .send(job)
                .expect("the pool owns a receiver, so the channel is open");
            return Ok(());
        }
        let shared = Arc::clone(&self.shared);
        try_spawn(&self.spec, job, move |first| work(&shared, first)).inspect_err(|_| {
            self.shared.threads.fetch_sub(1, Ordering::AcqRel);
        })
    }

    /// Jobs waiting for a free worker.
    pub fn queue_depth(&self) -> usize {
        self.sender.len()
    }

    /// Workers alive.
    pub fn threads(&self) -> usize {
        self.shared.threads.load(Ordering::Acquire)
    }

    pub fn max_threads(&self) -> usize {
        self.max_threads
    }
}

/// A worker's life: its first job, then every job it can get until the channel closes.
fn work<T>(shared: &Shared<T>, first: T) {
    run(shared, first);
    // `recv` fails once the pool is dropped and the queue is empty.
    while let Ok(job) = shared.jobs.recv() {
        run(shared, job);
    }
    shared.threads.fetch_sub(1, Ordering::AcqRel);
}

fn run<T>(shared: &Shared<T>, job: T) {
    // A panic in one job must not take the worker (and a slot of the pool) with it. The default
    // panic hook has already printed the message.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| (shared.handler)(job)));
}

/// Increments `count` if it is below `limit`; true if it did.
fn reserve_below(count: &AtomicUsize, limit: usize) -> bool {
    count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit).then_some(n + 1)
        })
        .is_ok()
}
