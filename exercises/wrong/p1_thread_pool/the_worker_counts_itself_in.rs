//! Wrong: a worker counts itself in when it starts running, so `submit` checks a count that
//! is not up to date yet.
//!
//! The plausible thought: "the thread knows best when it exists". `submit` reads the count,
//! sees room, and starts a thread; but the new thread increments the count only once the OS
//! has scheduled it, some microseconds later. Jobs submitted in between see the old count and
//! start threads of their own: a burst of connections makes far more than `max_threads`
//! threads. One submit at a time or one thread at a time never shows it. The count must be
//! reserved by `submit` itself, checked and incremented in one atomic step, before the spawn.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use part1_threads::spawn::try_spawn;

pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};

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

    pub fn submit(&mut self, job: T) -> Result<(), SpawnRefused<T>> {
        if self.shared.threads.load(Ordering::Acquire) >= self.max_threads {
            self.sender
                .send(job)
                .expect("the pool owns a receiver, so the channel is open");
            return Ok(());
        }
        let shared = Arc::clone(&self.shared);
        try_spawn(&self.spec, job, move |first| {
            // The worker counts itself in once it runs.
            shared.threads.fetch_add(1, Ordering::AcqRel);
            work(&shared, first);
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
