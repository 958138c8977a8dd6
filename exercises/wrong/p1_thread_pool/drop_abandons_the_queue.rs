//! Wrong: dropping the pool tells the workers to stop, and the queued jobs are never run.
//!
//! A stop flag is a common way to end workers, and it does end them. But the jobs already
//! queued were accepted connections: abandoning them drops clients the server had promised
//! to serve. Closing the channel instead lets each worker drain the queue before it exits.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use part1_threads::spawn::try_spawn;

pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};

pub struct ThreadPool<T> {
    sender: Sender<T>,
    receiver: Receiver<T>,
    handler: Arc<dyn Fn(T) + Send + Sync>,
    threads: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
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
            stop: Arc::new(AtomicBool::new(false)),
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
        let stop = Arc::clone(&self.stop);
        try_spawn(&self.spec, job, move |first| {
            let run = |job| {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| handler(job)));
            };
            run(first);
            while !stop.load(Ordering::Acquire) {
                match jobs.recv() {
                    Ok(job) if !stop.load(Ordering::Acquire) => run(job),
                    _ => break,
                }
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

impl<T> Drop for ThreadPool<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
