//! # Exercise: a bounded thread pool that reports its queue
//!
//! **Task.** Write [`ThreadPool`]: at most `max_threads` threads that run `handler` on the jobs
//! given to [`ThreadPool::submit`]; jobs that find every thread busy wait in a queue, and
//! [`ThreadPool::queue_depth`] says how many are waiting.
//!
//! **Why it matters.** Capping the threads is the classic answer to "one thread per connection
//! does not scale": the thread wall goes away. The server uses this pool for `--max-threads`.
//! But the failure moves rather than vanishes: with keep-alive connections a thread is held
//! for a connection's whole life, so client N+1 waits in the queue, however idle the N
//! threads are. The queue depth is how the dashboard shows it.
//!
//! **Lesson:** `part1-threads/README.md`, section "Capping the threads". The real piece is
//! `part1_threads::pool::ThreadPool`.
//!
//! **Test:** `cargo run -p exercises -- test p1_thread_pool`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p1_thread_pool`.
//!
//! What the tests expect:
//!
//! - Threads start lazily: none until the first job; while fewer than `max_threads` exist,
//!   `submit` starts one more. Never more than `max_threads` at once.
//! - Jobs that find every thread busy wait in a queue (a `crossbeam_channel` is a good queue:
//!   many threads can receive from it, and `len()` is the queue depth). Every job runs exactly
//!   once, whenever it was submitted.
//! - Threads are named after [`ThreadSpec::name`] (htop and the dashboard show the name) and
//!   use its stack size.
//! - A job that panics does not take its thread down with it (`std::panic::catch_unwind`).
//! - Dropping the pool does not wait for anything. The workers finish the jobs already queued,
//!   then exit on their own.
//! - If the OS refuses a thread, `submit` hands the job back inside [`SpawnRefused`] instead of
//!   panicking or losing it. `part1_threads::spawn::try_spawn` does exactly that spawn.
//!
//! The fields are yours to design; keep the public API as it is.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::marker::PhantomData;

pub use part1_threads::spawn::{SpawnRefused, ThreadSpec};

/// A pool of at most `max_threads` threads that each run `handler` on jobs of type `T`.
pub struct ThreadPool<T> {
    // TODO: replace this placeholder with the pool's state. What do the workers share? What
    // must `submit` know to decide between starting a thread and queueing the job?
    _todo: PhantomData<T>,
}

impl<T: Send + 'static> ThreadPool<T> {
    /// A pool that starts no thread until the first job. `max_threads` of 0 is raised to 1.
    pub fn new(
        max_threads: usize,
        spec: ThreadSpec,
        handler: impl Fn(T) + Send + Sync + 'static,
    ) -> Self {
        // TODO: set up the queue and what the workers will share. Start no thread yet.
        todo!()
    }

    /// Runs `job` on a new worker if the pool may still grow, or else on the next worker to
    /// become free. Fails only if a new worker was needed and the OS refused the thread.
    pub fn submit(&mut self, job: T) -> Result<(), SpawnRefused<T>> {
        // TODO: fewer than max_threads workers? Start one (it runs this job first, then takes
        // jobs from the queue until the pool is dropped). Otherwise queue the job.
        todo!()
    }

    /// Jobs waiting for a free worker.
    pub fn queue_depth(&self) -> usize {
        // TODO: how many jobs are queued and not yet taken by a worker.
        todo!()
    }

    /// Workers alive.
    pub fn threads(&self) -> usize {
        // TODO: how many workers exist right now.
        todo!()
    }

    /// The most workers this pool will have at once.
    pub fn max_threads(&self) -> usize {
        // TODO: the limit given to `new` (at least 1).
        todo!()
    }
}
