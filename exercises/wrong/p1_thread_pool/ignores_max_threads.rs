//! Wrong: every job starts a new thread; `max_threads` is kept but never consulted.
//!
//! Everything else is right, so the pool works in a quick demo. Under load it is exactly the
//! thread-per-connection server it was meant to replace.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use part1_threads::spawn::try_spawn;

pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};

pub struct ThreadPool<T> {
    sender: Sender<T>,
    receiver: Receiver<T>,
    handler: Arc<dyn Fn(T) + Send + Sync>,
    threads: Arc<AtomicUsize>,
    max_threads: usize,
    spec: ThreadSpec,
}

impl<T: Send + 'static> ThreadPool<T> {
    pub fn new(
        max_threads: usize,
        spec: ThreadSpec,
        handler: impl Fn(T) + Send + Sync + 'static,
    ) -> Self {
        let (sender, receiver) = crossbeam_channel::unbounded();
        ThreadPool {
            sender,
            receiver,
            handler: Arc::new(handler),
            threads: Arc::new(AtomicUsize::new(0)),
            max_threads: max_threads.max(1),
            spec,
        }
    }

    pub fn submit(&mut self, job: T) -> Result<(), SpawnRefused<T>> {
        self.threads.fetch_add(1, Ordering::AcqRel);
        let jobs = self.receiver.clone();
        let handler = Arc::clone(&self.handler);
        let threads = Arc::clone(&self.threads);
        try_spawn(&self.spec, job, move |first| {
            let run = |job| {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| handler(job)));
            };
            run(first);
            while let Ok(job) = jobs.recv() {
                run(job);
            }
            threads.fetch_sub(1, Ordering::AcqRel);
        })
        .inspect_err(|_| {
            self.threads.fetch_sub(1, Ordering::AcqRel);
        })
    }

    pub fn queue_depth(&self) -> usize {
        self.sender.len()
    }

    pub fn threads(&self) -> usize {
        self.threads.load(Ordering::Acquire)
    }

    pub fn max_threads(&self) -> usize {
        self.max_threads
    }
}
