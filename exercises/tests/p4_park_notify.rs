//! Tests for `exercises/src/p4_park_notify.rs`: each rule on one thread (a burst of pushes
//! wakes one worker; the last searcher to park looks again), then the whole protocol with real
//! threads — workers that search, park and are woken, pushers that push thousands of tasks —
//! where no task may be left in the queue while every worker sleeps, and the counts must come
//! back to zero once everyone sleeps. Run them with `cargo run -p exercises -- test
//! p4_park_notify`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p4_park_notify")),
    path = "../src/p4_park_notify.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p4_park_notify.rs")]
#[cfg_attr(
    exercise_variant = "p4_park_notify/load_then_store",
    path = "../wrong/p4_park_notify/load_then_store.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_park_notify/parks_without_looking_again",
    path = "../wrong/p4_park_notify/parks_without_looking_again.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_park_notify/the_woken_is_not_searching",
    path = "../wrong/p4_park_notify/the_woken_is_not_searching.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_park_notify/wakes_while_someone_searches",
    path = "../wrong/p4_park_notify/wakes_while_someone_searches.rs"
)]
pub mod p4_park_notify;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::Instant;

use exercises::harness::{WAIT_LIMIT, within};
use p4_park_notify::{Counts, Idle};

const IF_STUCK: &str = "does a method wait for a lock it already holds, or loop forever?";

fn counts(searching: usize, unparked: usize) -> Counts {
    Counts {
        searching,
        unparked,
    }
}

#[test]
fn at_the_start_everyone_is_awake_and_nobody_is_woken() {
    within(IF_STUCK, || {
        let idle = Idle::new(3);
        assert_eq!(
            idle.counts(),
            counts(0, 3),
            "new(3): all three workers awake (unparked), none searching"
        );
        assert_eq!(
            idle.worker_to_notify(),
            None,
            "nobody sleeps: a push has nobody to wake"
        );
        assert_eq!(idle.counts(), counts(0, 3), "and changes nothing");
        for worker in 0..3 {
            assert!(!idle.is_parked(worker), "worker {worker} has not parked");
        }
    });
}

#[test]
fn a_burst_of_pushes_wakes_one_worker() {
    within(IF_STUCK, || {
        let idle = Idle::new(4);
        for worker in 0..3 {
            assert!(
                !idle.park(worker, false),
                "a worker that was not searching has nothing to look at again: park returns \
                 false"
            );
            assert!(idle.is_parked(worker), "worker {worker} parked");
        }
        assert_eq!(
            idle.counts(),
            counts(0, 1),
            "three of four parked: one unparked, none searching"
        );
        let woken = idle.worker_to_notify();
        let Some(woken) = woken else {
            panic!("three workers sleep and nobody searches: a push must wake one");
        };
        assert!(
            woken < 3,
            "worker {woken} was woken, but only 0, 1 and 2 sleep"
        );
        assert!(
            !idle.is_parked(woken),
            "the woken worker {woken} must be taken off the sleepers"
        );
        assert_eq!(
            idle.counts(),
            counts(1, 2),
            "the woken worker is unparked and counted as searching at once, by the pusher: the \
             next push must see a searcher"
        );
        for push in 2..=100 {
            assert_eq!(
                idle.worker_to_notify(),
                None,
                "push {push} of a burst: a worker is already searching (the one just woken) and \
                 will find the work. Waking more is the thundering herd"
            );
        }
        assert_eq!(idle.counts(), counts(1, 2), "the burst changed nothing");
        assert!(
            idle.stop_searching(),
            "the woken worker found a task: it was the only searcher, so stop_searching is true"
        );
        assert_eq!(idle.counts(), counts(0, 2), "nobody searches now");
        let next = idle.worker_to_notify();
        assert!(
            next.is_some_and(|next| next != woken && next < 3),
            "nobody searches and two sleep: a push must wake one of the two still asleep, not \
             {next:?}"
        );
    });
}

#[test]
fn at_most_half_the_workers_search() {
    within(IF_STUCK, || {
        let idle = Idle::new(4);
        assert!(idle.try_start_searching(), "0 of 4 search: allowed");
        assert!(idle.try_start_searching(), "1 of 4 search: allowed");
        assert!(
            !idle.try_start_searching(),
            "2 of 4 search already (half): refused, they would mostly collide"
        );
        assert_eq!(
            idle.counts(),
            counts(2, 4),
            "a refused search counts nothing"
        );
        assert!(
            !idle.stop_searching(),
            "one of two searchers found work: not the last, stop_searching is false"
        );
        assert!(
            idle.stop_searching(),
            "the last searcher found work: stop_searching is true (it must wake another)"
        );
        assert_eq!(idle.counts(), counts(0, 4), "nobody searches");
        let one = Idle::new(1);
        assert!(one.try_start_searching(), "a lone worker may search");
        assert!(
            !one.try_start_searching(),
            "1 of 1 searches: a second search is refused"
        );
    });
}

#[test]
fn the_last_searcher_to_park_must_look_again() {
    within(IF_STUCK, || {
        let idle = Idle::new(3);
        assert!(idle.try_start_searching(), "worker 1 searches");
        assert!(idle.try_start_searching(), "worker 2 searches");
        assert!(
            !idle.park(0, false),
            "worker 0 was not searching: nothing to look at again"
        );
        assert_eq!(idle.counts(), counts(2, 2), "worker 0 parked");
        assert!(
            !idle.park(1, true),
            "worker 1 parks, but worker 2 still searches (and will see any push): false"
        );
        assert!(
            idle.park(2, true),
            "worker 2 is the last searcher to give up: a push that saw it searching woke \
             nobody, so park must return true and the worker look at every queue once more — \
             or that push's task waits while every worker sleeps"
        );
        assert_eq!(
            idle.counts(),
            counts(0, 0),
            "everyone asleep, nobody searching"
        );
        assert_eq!(
            idle.worker_to_notify().map(|worker| worker < 3),
            Some(true),
            "everyone sleeps and nobody searches: a push must wake one"
        );
    });
}

#[test]
fn a_worker_that_wakes_by_itself_leaves_the_sleepers() {
    within(IF_STUCK, || {
        let idle = Idle::new(2);
        assert!(!idle.park(1, false), "worker 1 parks");
        assert!(
            idle.unpark_self(1),
            "worker 1 woke by itself while still among the sleepers: true"
        );
        assert!(!idle.is_parked(1), "and it is off the list");
        assert_eq!(
            idle.counts(),
            counts(0, 2),
            "a worker that wakes by itself is unparked but not searching"
        );
        assert!(!idle.park(1, false), "worker 1 parks again");
        assert_eq!(idle.worker_to_notify(), Some(1), "a push wakes it");
        assert!(
            !idle.unpark_self(1),
            "a push took worker 1 off the list already (and counted it): unpark_self must say \
             false and count nothing"
        );
        assert_eq!(
            idle.counts(),
            counts(1, 2),
            "counted once, by the push: unparked and searching"
        );
    });
}

#[test]
fn counts_stay_right_when_threads_change_them_at_once() {
    /// Two threads: as many as a small machine runs at once.
    const THREADS: usize = 2;
    /// The threads go on until they have changed the counts this many times while the other
    /// was changing them too (the other's progress counter moved during the change): on a busy
    /// 2-core machine most changes happen while the other thread has no core. A count changed by
    /// a read and a separate write loses an update well within this many.
    const OVERLAPS: usize = 2_000;

    within(IF_STUCK, || {
        let idle = Arc::new(Idle::new(THREADS));
        let progress: Arc<[AtomicUsize; THREADS]> = Arc::default();
        let overlaps = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(std::sync::Barrier::new(THREADS));
        let began = Instant::now();
        let threads: Vec<_> = (0..THREADS)
            .map(|me| {
                let (idle, progress, overlaps, start) = (
                    idle.clone(),
                    progress.clone(),
                    overlaps.clone(),
                    start.clone(),
                );
                thread::spawn(move || {
                    start.wait();
                    let other = &progress[1 - me];
                    let mut round = 0;
                    // On a machine too busy to run both threads at once there is no race to
                    // see: give up after a while (the test then cannot tell).
                    while overlaps.load(Ordering::Relaxed) < OVERLAPS
                        && began.elapsed() < WAIT_LIMIT
                    {
                        let other_before = other.load(Ordering::SeqCst);
                        // Search and stop, as a worker that finds a task does.
                        if idle.try_start_searching() {
                            idle.stop_searching();
                        }
                        // Now and then, park and wake by itself, as a worker whose driver had
                        // events does.
                        if round % 8 == 0 {
                            idle.park(me, false);
                            idle.unpark_self(me);
                        }
                        round += 1;
                        progress[me].store(round, Ordering::SeqCst);
                        if other.load(Ordering::SeqCst) != other_before {
                            overlaps.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("a thread panicked");
        }
        let rounds: usize = progress.iter().map(|p| p.load(Ordering::SeqCst)).sum();
        assert_eq!(
            idle.counts(),
            counts(0, THREADS),
            "{THREADS} threads started and stopped searches, and parked and woke by themselves, \
             {rounds} times in all ({} times while the other thread was at it too): every change \
             was undone, so the counts must be back to 0 searching, {THREADS} unparked. Counts \
             that drifted mean two threads' changes overwrote each other: each change must be \
             one atomic step (fetch_add, fetch_sub), never a load followed by a store",
            overlaps.load(Ordering::SeqCst)
        );
    });
}

/// How long a steal takes in the model below, in spins: about what looking at a few other
/// workers' queues costs.
const STEAL_SPINS: usize = 200;

/// The whole protocol, as the runtime runs it, with a `Mutex<VecDeque>` for the queues and
/// `thread::park` for sleeping (whose unpark is never lost: an unpark before the park makes the
/// park return at once). Only `Idle` can lose a task here.
struct Runtime {
    idle: Idle,
    queue: Mutex<VecDeque<usize>>,
    threads: Mutex<Vec<Thread>>,
    done: AtomicUsize,
    /// Workers inside their sleep loop.
    asleep: AtomicUsize,
    shutdown: AtomicBool,
    /// Wakes made by pushes, by the last searcher, by a parking worker's final look.
    wakes: AtomicUsize,
    /// A pusher waited in vain for the queue to drain, and stopped.
    gave_up: AtomicBool,
}

impl Runtime {
    fn notify(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            self.threads.lock().unwrap()[worker].unpark();
        }
    }

    fn push(&self, task: usize) {
        self.queue.lock().unwrap().push_back(task);
        self.notify();
    }

    fn pop(&self) -> Option<usize> {
        self.queue.lock().unwrap().pop_front()
    }

    fn has_work(&self) -> bool {
        !self.queue.lock().unwrap().is_empty()
    }

    /// One worker's loop: find a task, run it; nothing? search; nothing anywhere? park.
    fn work(&self, me: usize) {
        let mut searching = false;
        loop {
            // Steps 1–3, the worker's own queues (this model has none), then the shared one.
            let mut task = self.pop();
            if task.is_none() && !searching {
                searching = self.idle.try_start_searching();
            }
            if task.is_none() && searching {
                task = self.pop();
                if task.is_none() {
                    // Step 5, stealing from the other workers: this model has no other queues,
                    // only the time a steal takes, during which pushes land.
                    for _ in 0..STEAL_SPINS {
                        std::hint::spin_loop();
                    }
                }
            }
            if let Some(_task) = task {
                if searching {
                    searching = false;
                    if self.idle.stop_searching() {
                        self.notify();
                    }
                }
                self.done.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            // Nothing anywhere: park, and look once more if this was the last searcher.
            if self.idle.park(me, searching) && self.has_work() {
                self.notify();
            }
            self.asleep.fetch_add(1, Ordering::SeqCst);
            loop {
                thread::park();
                if self.shutdown.load(Ordering::SeqCst) {
                    self.asleep.fetch_sub(1, Ordering::SeqCst);
                    return;
                }
                if !self.idle.is_parked(me) {
                    // A push took us off the list, and counted us as searching.
                    searching = true;
                    break;
                }
                // Spurious: nobody woke us. Sleep again.
            }
            self.asleep.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn thousands_of_pushes_to_workers_that_park_lose_no_task() {
    const WORKERS: usize = 3;
    const PUSHERS: usize = 2;
    /// Tasks each pusher pushes. A mistake that shows only when two threads change the counts
    /// at the same instant shows within a few thousand parks.
    const TASKS_EACH: usize = 20_000;
    /// Pushes in a row, after which a pusher lets the workers drain the queue and park: every
    /// burst then races a worker going to sleep.
    const BURST: usize = 4;

    within(IF_STUCK, || {
        let runtime = Arc::new(Runtime {
            idle: Idle::new(WORKERS),
            queue: Mutex::new(VecDeque::new()),
            threads: Mutex::new(Vec::new()),
            done: AtomicUsize::new(0),
            asleep: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            wakes: AtomicUsize::new(0),
            gave_up: AtomicBool::new(false),
        });
        // The threads are registered before any worker runs, so that a push can unpark any.
        let registered = Arc::new(std::sync::Barrier::new(WORKERS + 1));
        let workers: Vec<_> = (0..WORKERS)
            .map(|me| {
                let (runtime, registered) = (runtime.clone(), registered.clone());
                thread::spawn(move || {
                    registered.wait();
                    runtime.work(me);
                })
            })
            .collect();
        runtime
            .threads
            .lock()
            .unwrap()
            .extend(workers.iter().map(|worker| worker.thread().clone()));
        registered.wait();
        let pushers: Vec<_> = (0..PUSHERS)
            .map(|_| {
                let runtime = runtime.clone();
                thread::spawn(move || {
                    for task in 0..TASKS_EACH {
                        runtime.push(task);
                        if task % BURST == BURST - 1 {
                            let waiting_since = Instant::now();
                            while runtime.has_work() {
                                if waiting_since.elapsed() > WAIT_LIMIT {
                                    runtime.gave_up.store(true, Ordering::SeqCst);
                                    return;
                                }
                                thread::yield_now();
                            }
                        }
                    }
                })
            })
            .collect();
        for pusher in pushers {
            pusher.join().expect("a pushing thread panicked");
        }
        // Every task run, every worker asleep, and the counts back to zero — or, after a
        // while, whatever is left of that.
        let total = PUSHERS * TASKS_EACH;
        let settled = || {
            runtime.done.load(Ordering::SeqCst) == total
                && runtime.asleep.load(Ordering::SeqCst) == WORKERS
                && runtime.idle.counts() == counts(0, 0)
        };
        let waiting_since = Instant::now();
        while !settled()
            && !runtime.gave_up.load(Ordering::SeqCst)
            && waiting_since.elapsed() < WAIT_LIMIT
        {
            thread::yield_now();
        }
        let done = runtime.done.load(Ordering::SeqCst);
        let asleep = runtime.asleep.load(Ordering::SeqCst);
        let queued = runtime.queue.lock().unwrap().len();
        let final_counts = runtime.idle.counts();
        runtime.shutdown.store(true, Ordering::SeqCst);
        for worker in &workers {
            worker.thread().unpark();
        }
        for worker in workers {
            worker.join().expect("a worker thread panicked");
        }
        let summary = format!(
            "what happened: {PUSHERS} threads pushed {total} tasks to {WORKERS} workers; {done} \
             were run, {queued} are still queued, {asleep} workers are asleep, the pushes and \
             the searchers woke a worker {} times, and the counts are {final_counts:?}",
            runtime.wakes.load(Ordering::SeqCst)
        );
        assert!(
            !(queued > 0 && asleep == WORKERS),
            "lost wake-up: tasks wait in the queue while every worker sleeps. A push that saw \
             a searcher woke nobody, and that searcher then parked without looking again (park \
             must return true for the last searcher), or the counts went wrong. {summary}"
        );
        assert_eq!(
            done,
            total,
            "not every task ran within {} s. {summary}",
            WAIT_LIMIT.as_secs()
        );
        assert_eq!(
            final_counts,
            counts(0, 0),
            "every worker sleeps, so the counts must be 0 searching, 0 unparked. Counts that \
             drifted mean two threads' changes overwrote each other: each change must be one \
             atomic step (fetch_add, fetch_sub), never a load followed by a store. {summary}"
        );
    });
}
