//! Wrong: the queue is bounded, and a job that finds it full is dropped.
//!
//! The plausible thought: "a bounded channel keeps memory in check, and `try_send` keeps
//! `submit` from ever blocking the accept loop". Both are true, and with a handful of waiting
//! jobs nothing shows. But when more clients wait than the queue holds (the situation the pool
//! exists for: every worker busy with a keep-alive connection), `try_send` fails with `Full`
//! and the job, an accepted connection, is silently dropped. Backpressure must be a decision
//! the caller sees (refuse, answer 503), never a lost job; this pool's queue is unbounded.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use part1_threads::spawn::try_spawn;

pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};

/// Jobs that may wait at once: generous, and still a number that a busy server exceeds.
const QUEUE_CAPACITY: usize = 256;

struct Shared<T> {
    jobs: Receiver<T>,
    handler: Box<dyn Fn(T) + Send + Sync>,
    threads: AtomicUsize,
}

pub struct ThreadPool<T> {
    sender: Sender<T>,
    shared: Arc<Shared<T>>,
    max_threads: usize,
    spec: ThreadSpec,
}

impl<T: Send + 'static> ThreadPool<T> {
    pub fn new(
        max_threads: usize,
        spec: ThreadSpec,
        handler: impl Fn(T) + Send + Sync + 'static,
    ) -> Self {
        let (sender, jobs) = crossbeam_channel::bounded(QUEUE_CAPACITY);
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

    pub fn submit(&mut self, job: T) -> Result<(), SpawnRefused<T>> {
        let reserved = self
            .shared
            .threads
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_threads).then_some(n + 1)
            })
            .is_ok();
        if !reserved {
            // Never blocks; a full queue loses the job.
            let _ = self.sender.try_send(job);
            return Ok(());
        }
        let shared = Arc::clone(&self.shared);
        try_spawn(&self.spec, job, move |first| work(&shared, first)).inspect_err(|_| {
            self.shared.threads.fetch_sub(1, Ordering::AcqRel);
        })
    }

    pub fn queue_depth(&self) -> usize {
        self.sender.len()
    }

    pub fn threads(&self) -> usize {
        self.shared.threads.load(Ordering::Acquire)
    }

    pub fn max_threads(&self) -> usize {
        self.max_threads
    }
}

fn work<T>(shared: &Shared<T>, first: T) {
    run(shared, first);
    while let Ok(job) = shared.jobs.recv() {
        run(shared, job);
    }
    shared.threads.fetch_sub(1, Ordering::AcqRel);
}

fn run<T>(shared: &Shared<T>, job: T) {
    let _ = panic::catch_unwind(AssertUnwindSafe(|| (shared.handler)(job)));
}
