//! Tests for `exercises/src/p1_thread_pool.rs`. The jobs are closures that report over
//! channels and block on a "gate" until the test opens it, so the test always knows which jobs
//! are running and which are waiting; nothing sleeps. Run them with
//! `cargo test -p exercises --test p1_thread_pool`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p1_thread_pool")),
    path = "../src/p1_thread_pool.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p1_thread_pool.rs")]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/a_panic_kills_the_worker",
    path = "../wrong/p1_thread_pool/a_panic_kills_the_worker.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/counts_running_jobs_as_queued",
    path = "../wrong/p1_thread_pool/counts_running_jobs_as_queued.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/drop_abandons_the_queue",
    path = "../wrong/p1_thread_pool/drop_abandons_the_queue.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/drops_jobs_when_the_queue_is_full",
    path = "../wrong/p1_thread_pool/drops_jobs_when_the_queue_is_full.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/ignores_max_threads",
    path = "../wrong/p1_thread_pool/ignores_max_threads.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_thread_pool/the_worker_counts_itself_in",
    path = "../wrong/p1_thread_pool/the_worker_counts_itself_in.rs"
)]
pub mod p1_thread_pool;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread::{self, ThreadId};

use exercises::harness::{recv_within, within};
use p1_thread_pool::{ThreadPool, ThreadSpec};

/// The jobs in these tests: any closure, run by a handler that just calls it.
type Job = Box<dyn FnOnce() + Send>;

const WORKER_NAME: &str = "exercise-worker";

fn closure_pool(max_threads: usize) -> ThreadPool<Job> {
    let spec = ThreadSpec {
        name: WORKER_NAME.to_string(),
        stack_size: None,
    };
    ThreadPool::new(max_threads, spec, |job: Job| job())
}

fn submit(pool: &mut ThreadPool<Job>, job: impl FnOnce() + Send + 'static) {
    if let Err(refused) = pool.submit(Box::new(job)) {
        panic!("submit failed: the OS refused a thread ({})", refused.error);
    }
}

/// A gate that jobs wait at: each job holds a clone of the receiver, and dropping the sender
/// (the gate) opens it for every job at once, for good.
fn gate() -> (
    crossbeam_channel::Sender<()>,
    crossbeam_channel::Receiver<()>,
) {
    crossbeam_channel::bounded(0)
}

/// A job that reports when it starts (with the thread it runs on), waits at the gate, then
/// reports that it is done.
fn gated_job(
    started: &Sender<ThreadId>,
    gate: &crossbeam_channel::Receiver<()>,
    done: &Sender<()>,
) -> impl FnOnce() + Send + 'static {
    let (started, gate, done) = (started.clone(), gate.clone(), done.clone());
    move || {
        // The test may have stopped listening after a failure; that is fine.
        let _ = started.send(thread::current().id());
        // Returns when the gate is opened (its sender dropped).
        let _ = gate.recv();
        let _ = done.send(());
    }
}

const IF_NO_JOB_RUNS: &str = "does submit() start a worker thread while fewer than \
                              max_threads exist, and does that worker run the job?";
const IF_QUEUED_JOBS_STAY: &str = "jobs queued while every worker was busy never ran: do \
                                   workers take the next job from the queue when they finish \
                                   one? Or were jobs lost on the way (a full queue)?";

#[test]
fn threads_start_lazily_and_never_exceed_max_threads() {
    const MAX: usize = 3;
    /// A burst: each submit is one more chance to overshoot the limit.
    const JOBS: usize = 50;
    within(IF_NO_JOB_RUNS, || {
        let mut pool = closure_pool(MAX);
        assert_eq!(
            pool.max_threads(),
            MAX,
            "max_threads() must return the limit given to new()"
        );
        assert_eq!(
            pool.threads(),
            0,
            "a new pool starts no thread until the first job"
        );

        let running = Arc::new(AtomicUsize::new(0));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let (started_tx, started) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let (gate, waiter) = gate();
        for submitted in 1..=JOBS {
            let job = gated_job(&started_tx, &waiter, &done_tx);
            let (running, most_at_once) = (Arc::clone(&running), Arc::clone(&most_at_once));
            submit(&mut pool, move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most_at_once.fetch_max(now, Ordering::SeqCst);
                job();
                running.fetch_sub(1, Ordering::SeqCst);
            });
            let threads = pool.threads();
            assert!(
                threads <= MAX,
                "after a submit the pool has {threads} threads, more than max_threads = {MAX}"
            );
            // Every job so far is held at the gate, so no worker is free and none exits.
            assert!(
                threads == submitted.min(MAX),
                "after {submitted} submit(s), each job still running, the pool must count \
                 {} worker(s) as soon as submit returns, but threads() says {threads}. Does \
                 submit reserve the worker (check the count and add one, in one atomic step) \
                 before it spawns? A count that the new thread raises itself lags behind, and \
                 the submits that follow start threads beyond max_threads",
                submitted.min(MAX)
            );
        }
        drop(started_tx);
        drop(done_tx);
        let mut workers = HashSet::new();
        for _ in 0..MAX {
            workers.insert(recv_within(&started, IF_NO_JOB_RUNS));
        }
        assert_eq!(
            pool.threads(),
            MAX,
            "{JOBS} jobs were submitted: the pool should have grown to max_threads"
        );

        drop(gate);
        for _ in MAX..JOBS {
            workers.insert(recv_within(&started, IF_QUEUED_JOBS_STAY));
        }
        for _ in 0..JOBS {
            recv_within(&done, IF_QUEUED_JOBS_STAY);
        }
        assert!(
            most_at_once.load(Ordering::SeqCst) <= MAX,
            "{} jobs ran at once with max_threads = {MAX}: does submit reserve its thread \
             (check the count and add one, in one atomic step) before it spawns? A count that \
             the new thread raises itself lags behind the submits that follow",
            most_at_once.load(Ordering::SeqCst)
        );
        assert!(
            workers.len() <= MAX,
            "the jobs ran on {} different threads; the pool may only ever have {MAX}: does \
             submit reserve its thread (check the count and add one, in one atomic step) \
             before it spawns?",
            workers.len()
        );
    });
}

#[test]
fn queue_depth_counts_the_jobs_waiting_for_a_free_worker() {
    within(IF_NO_JOB_RUNS, || {
        let mut pool = closure_pool(2);
        let (started_tx, started) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let (gate, waiter) = gate();
        for _ in 0..2 {
            submit(&mut pool, gated_job(&started_tx, &waiter, &done_tx));
        }
        for _ in 0..2 {
            recv_within(&started, IF_NO_JOB_RUNS);
        }
        assert_eq!(
            pool.queue_depth(),
            0,
            "two workers are running two jobs and nothing waits: the queue is empty (running \
             jobs are not queued)"
        );
        for _ in 0..3 {
            submit(&mut pool, gated_job(&started_tx, &waiter, &done_tx));
        }
        assert_eq!(
            pool.queue_depth(),
            3,
            "both workers are busy, so the three jobs submitted since must all be waiting (not \
             run on threads beyond max_threads, and not counted twice)"
        );
        drop(started_tx);
        drop(done_tx);
        drop(gate);
        for _ in 0..5 {
            recv_within(&done, IF_QUEUED_JOBS_STAY);
        }
        assert_eq!(pool.queue_depth(), 0, "every job has run: nothing waits");
    });
}

#[test]
fn a_thousand_jobs_can_wait_while_every_worker_is_busy() {
    /// Clients waiting at once: far more than any "reasonable" fixed queue size.
    const WAITING: usize = 1_000;
    within(
        "submit blocked while every worker was busy: a full (bounded) queue makes the accept \
         loop wait; the queue must take every job",
        || {
            let mut pool = closure_pool(2);
            let (started_tx, started) = mpsc::channel();
            let (done_tx, done) = mpsc::channel();
            let (gate, waiter) = gate();
            for _ in 0..2 {
                submit(&mut pool, gated_job(&started_tx, &waiter, &done_tx));
            }
            for _ in 0..2 {
                recv_within(&started, IF_NO_JOB_RUNS);
            }
            for _ in 0..WAITING {
                let done_tx = done_tx.clone();
                submit(&mut pool, move || {
                    let _ = done_tx.send(());
                });
            }
            let depth = pool.queue_depth();
            assert!(
                depth == WAITING,
                "both workers are busy, so all {WAITING} jobs submitted since must be waiting \
                 in the queue, but queue_depth says {depth}: {}",
                if depth > WAITING {
                    "it counts jobs that are not waiting (the running ones?)"
                } else {
                    "jobs are missing from the queue. Were some dropped (a bounded queue that \
                     was full?), or taken by threads beyond max_threads?"
                }
            );
            drop(done_tx);
            drop(gate);
            for finished in 0..WAITING + 2 {
                recv_within(
                    &done,
                    &format!(
                        "only {finished} of the {} jobs ran: jobs submitted while every \
                         worker was busy were lost",
                        WAITING + 2
                    ),
                );
            }
        },
    );
}

#[test]
fn every_job_runs_exactly_once() {
    const WAVE: usize = 100;
    within(IF_QUEUED_JOBS_STAY, || {
        let mut pool = closure_pool(4);
        let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..2 * WAVE).map(|_| 0.into()).collect());
        let (done_tx, done) = mpsc::channel();
        // Two waves: the second finds the workers idle, waiting for work.
        for wave in [0..WAVE, WAVE..2 * WAVE] {
            for job in wave {
                let (runs, done_tx) = (Arc::clone(&runs), done_tx.clone());
                submit(&mut pool, move || {
                    runs[job].fetch_add(1, Ordering::SeqCst);
                    let _ = done_tx.send(());
                });
            }
            for _ in 0..WAVE {
                recv_within(&done, IF_QUEUED_JOBS_STAY);
            }
        }
        let wrong: Vec<(usize, usize)> = runs
            .iter()
            .map(|n| n.load(Ordering::SeqCst))
            .enumerate()
            .filter(|&(_, n)| n != 1)
            .collect();
        assert!(
            wrong.is_empty(),
            "every job must run exactly once; (job, times run): {wrong:?}"
        );
    });
}

#[test]
fn workers_carry_the_name_from_the_thread_spec() {
    within(IF_NO_JOB_RUNS, || {
        let mut pool = closure_pool(2);
        let (names_tx, names) = mpsc::channel();
        for _ in 0..4 {
            let names_tx = names_tx.clone();
            submit(&mut pool, move || {
                let _ = names_tx.send(thread::current().name().map(str::to_string));
            });
        }
        for _ in 0..4 {
            assert_eq!(
                recv_within(&names, IF_NO_JOB_RUNS).as_deref(),
                Some(WORKER_NAME),
                "workers must be named after ThreadSpec::name (htop and the dashboard show it)"
            );
        }
    });
}

#[test]
fn a_panicking_job_does_not_shrink_the_pool() {
    within(IF_NO_JOB_RUNS, || {
        let mut pool = closure_pool(1);
        // The panic message this prints belongs to the test.
        submit(&mut pool, || {
            panic!("a job failed (this panic is part of the test)")
        });
        let (done_tx, done) = mpsc::channel();
        for _ in 0..3 {
            let done_tx = done_tx.clone();
            submit(&mut pool, move || {
                let _ = done_tx.send(());
            });
        }
        drop(done_tx);
        for _ in 0..3 {
            recv_within(
                &done,
                "after a job panicked, the jobs behind it never ran: does a panic in a job end \
                 its worker? (std::panic::catch_unwind keeps the worker alive)",
            );
        }
        assert_eq!(
            pool.threads(),
            1,
            "a pool of one thread must still have its one worker: fewer, and the panic ended \
             it; more, and the pool grew beyond max_threads"
        );
    });
}

#[test]
fn dropping_the_pool_lets_the_workers_finish_the_queue_and_exit() {
    within(
        "dropping the pool blocked: drop must not wait for the running jobs (a worker may serve \
         one client for minutes); the workers finish on their own",
        || {
            let (handler_dropped_tx, handler_dropped) = mpsc::channel::<()>();
            // Sends when dropped, that is, when the handler is dropped: once every worker has
            // exited and let go of it.
            struct DropSignal(Sender<()>);
            impl Drop for DropSignal {
                fn drop(&mut self) {
                    let _ = self.0.send(());
                }
            }
            let signal = DropSignal(handler_dropped_tx);
            let spec = ThreadSpec {
                name: WORKER_NAME.to_string(),
                stack_size: None,
            };
            let (started_tx, started) = mpsc::channel();
            let (done_tx, done) = mpsc::channel();
            let (gate, waiter) = gate();
            {
                let mut pool = ThreadPool::new(2, spec, move |job: Job| {
                    let _keep_alive_with_the_handler = &signal;
                    job();
                });
                for _ in 0..5 {
                    submit(&mut pool, gated_job(&started_tx, &waiter, &done_tx));
                }
                for _ in 0..2 {
                    recv_within(&started, IF_NO_JOB_RUNS);
                }
                // Two jobs run, three wait in the queue: the pool is dropped here.
            }
            drop(started_tx);
            drop(done_tx);
            drop(waiter);
            drop(gate);
            for _ in 0..5 {
                recv_within(
                    &done,
                    "jobs queued before the pool was dropped never ran: the workers should \
                     finish the queue, then exit",
                );
            }
            recv_within(
                &handler_dropped,
                "the workers did not exit after the pool was dropped and the queue was empty: \
                 does dropping the pool close the channel the workers wait on?",
            );
        },
    );
}

#[test]
fn max_threads_of_zero_is_raised_to_one() {
    within(IF_NO_JOB_RUNS, || {
        let mut pool = closure_pool(0);
        assert_eq!(
            pool.max_threads(),
            1,
            "a pool of 0 threads could run nothing"
        );
        let (done_tx, done) = mpsc::channel();
        submit(&mut pool, move || {
            let _ = done_tx.send(());
        });
        recv_within(&done, IF_NO_JOB_RUNS);
        assert_eq!(
            pool.threads(),
            1,
            "the job ran, so the pool raised to one thread has exactly one worker"
        );
    });
}

#[test]
fn a_refused_thread_hands_the_job_back() {
    // No machine can map a stack of half the address space, so the OS refuses the thread.
    const IMPOSSIBLE_STACK: usize = usize::MAX / 2;
    within(IF_NO_JOB_RUNS, || {
        let spec = ThreadSpec {
            name: WORKER_NAME.to_string(),
            stack_size: Some(IMPOSSIBLE_STACK),
        };
        let mut pool = ThreadPool::new(2, spec, |job: Job| job());
        let (ran_tx, ran) = mpsc::channel();
        let job: Job = Box::new(move || {
            let _ = ran_tx.send(());
        });
        let refused = match pool.submit(job) {
            Ok(()) => panic!(
                "submit returned Ok, but no thread with a stack of {IMPOSSIBLE_STACK} bytes can \
                 exist: is ThreadSpec::stack_size used?"
            ),
            Err(refused) => refused,
        };
        assert_eq!(
            pool.threads(),
            0,
            "the thread was refused, so the pool has no worker (was its slot given back?)"
        );
        // The job came back whole: the caller can still run it (or answer 503).
        (refused.value)();
        recv_within(
            &ran,
            "the job handed back in SpawnRefused is not the one submitted",
        );
    });
}
