//! Wrong: a job that panics takes its worker down, and the pool never notices.
//!
//! Without `catch_unwind` the panic unwinds out of the worker's loop and ends the thread; the
//! count of workers is never decremented, so the pool believes it is full and starts no
//! replacement. After `max_threads` panics, queued jobs wait forever.

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
        let below_max = self
            .threads
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_threads).then_some(n + 1)
            })
            .is_ok();
        if !below_max {
            self.sender
                .send(job)
                .expect("the pool owns a receiver, so the channel is open");
            return Ok(());
        }
        let jobs = self.receiver.clone();
        let handler = Arc::clone(&self.handler);
        let threads = Arc::clone(&self.threads);
        try_spawn(&self.spec, job, move |first| {
            handler(first);
            while let Ok(job) = jobs.recv() {
                handler(job);
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
