//! Tests for `exercises/src/p3_task_state.rs`: each move of the table, a long random sequence
//! checked against a model of the table, and threads that wake and poll one task at once,
//! counting how often it is queued and how many threads poll it at a time. Run them with
//! `cargo run -p exercises -- test p3_task_state`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p3_task_state")),
    path = "../src/p3_task_state.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p3_task_state.rs")]
#[cfg_attr(
    exercise_variant = "p3_task_state/load_then_store",
    path = "../wrong/p3_task_state/load_then_store.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_task_state/stop_running_forgets_notified",
    path = "../wrong/p3_task_state/stop_running_forgets_notified.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_task_state/wake_queues_a_scheduled_task",
    path = "../wrong/p3_task_state/wake_queues_a_scheduled_task.rs"
)]
pub mod p3_task_state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use exercises::harness::{WAIT_LIMIT, within};
use p3_task_state::{AfterPoll, COMPLETE, IDLE, NOTIFIED, RUNNING, SCHEDULED, State, WakeAction};

const IF_STUCK: &str = "does every compare-and-swap loop end? (On failure, retry with the \
                        value compare_exchange returned, not with a value read before.)";

/// The bits as text, for messages: `RUNNING|NOTIFIED`.
fn bits(word: usize) -> String {
    if word == IDLE {
        return "IDLE".to_string();
    }
    let names = [
        (SCHEDULED, "SCHEDULED"),
        (RUNNING, "RUNNING"),
        (NOTIFIED, "NOTIFIED"),
        (COMPLETE, "COMPLETE"),
    ];
    let mut set: Vec<String> = names
        .iter()
        .filter(|(bit, _)| word & bit != 0)
        .map(|(_, name)| name.to_string())
        .collect();
    let unknown = word & !(SCHEDULED | RUNNING | NOTIFIED | COMPLETE);
    if unknown != 0 {
        set.push(format!("{unknown:#b}?"));
    }
    set.join("|")
}

/// A task that was polled once and is waiting for a wake (IDLE).
fn idle() -> State {
    let state = State::new_scheduled();
    assert!(
        state.start_running(),
        "a new task is SCHEDULED: start_running must let the first poller in"
    );
    assert_eq!(
        state.stop_running(),
        AfterPoll::Idle,
        "nobody woke the task during its first poll: stop_running must return Idle"
    );
    assert_eq!(
        bits(state.snapshot()),
        "IDLE",
        "after a poll nobody woke, the task waits: IDLE"
    );
    state
}

#[test]
fn a_new_task_is_scheduled_and_one_thread_may_poll_it() {
    within(IF_STUCK, || {
        let state = State::new_scheduled();
        assert_eq!(
            bits(state.snapshot()),
            "SCHEDULED",
            "new_scheduled: spawning hands the task to the queue, so it starts SCHEDULED"
        );
        assert!(
            state.start_running(),
            "start_running on a SCHEDULED task must return true (SCHEDULED → RUNNING)"
        );
        assert_eq!(
            bits(state.snapshot()),
            "RUNNING",
            "start_running replaces SCHEDULED with RUNNING (the task has left the queue)"
        );
        assert!(
            !state.start_running(),
            "a second start_running while RUNNING must return false: two threads would poll \
             one future at once"
        );
        assert_eq!(
            bits(state.snapshot()),
            "RUNNING",
            "a refused start_running changes nothing"
        );
    });
}

#[test]
fn a_wake_queues_an_idle_task_once() {
    within(IF_STUCK, || {
        let state = idle();
        assert_eq!(
            state.wake(),
            WakeAction::Schedule,
            "waking an IDLE task must return Schedule: someone has to queue it"
        );
        assert_eq!(
            bits(state.snapshot()),
            "SCHEDULED",
            "a wake of an IDLE task makes it SCHEDULED"
        );
        for n in 2..=5 {
            assert_eq!(
                state.wake(),
                WakeAction::Nothing,
                "wake number {n} found the task already SCHEDULED: it is in the queue, and \
                 queueing it again would poll it twice for one reason. Return Nothing"
            );
        }
        assert_eq!(
            bits(state.snapshot()),
            "SCHEDULED",
            "wakes of a SCHEDULED task change nothing"
        );
    });
}

#[test]
fn an_idle_task_is_not_polled_without_a_wake() {
    within(IF_STUCK, || {
        let state = idle();
        assert!(
            !state.start_running(),
            "start_running on an IDLE task must return false: nobody woke it, so it is not \
             in any queue (only SCHEDULED may become RUNNING)"
        );
        assert_eq!(
            bits(state.snapshot()),
            "IDLE",
            "a refused start_running changes nothing"
        );
    });
}

#[test]
fn wakes_during_a_poll_become_exactly_one_requeue() {
    within(IF_STUCK, || {
        let state = State::new_scheduled();
        assert!(state.start_running(), "the first poll may start");
        for n in 1..=3 {
            assert_eq!(
                state.wake(),
                WakeAction::Nothing,
                "wake number {n} came during the poll: it must not queue the task now (it is \
                 RUNNING; another thread could pop it and poll it at the same time). Return \
                 Nothing and set NOTIFIED instead"
            );
        }
        assert_eq!(
            bits(state.snapshot()),
            "RUNNING|NOTIFIED",
            "a wake during a poll is remembered as NOTIFIED (three wakes, one bit)"
        );
        assert_eq!(
            state.stop_running(),
            AfterPoll::Reschedule,
            "the poll ended Pending but the task was woken meanwhile: stop_running must return \
             Reschedule, or the wake is lost and the task may wait forever"
        );
        assert_eq!(
            bits(state.snapshot()),
            "SCHEDULED",
            "after Reschedule the task goes back in the queue once: SCHEDULED, NOTIFIED cleared"
        );
        assert_eq!(
            state.wake(),
            WakeAction::Nothing,
            "the task is SCHEDULED again: a wake now must not queue it a second time"
        );
        assert!(state.start_running(), "the re-queued task may be polled");
        assert_eq!(
            state.stop_running(),
            AfterPoll::Idle,
            "nobody woke it during this second poll: Idle (was NOTIFIED left set?)"
        );
        assert_eq!(bits(state.snapshot()), "IDLE", "it waits for the next wake");
    });
}

#[test]
fn complete_is_final() {
    within(IF_STUCK, || {
        let state = State::new_scheduled();
        assert!(state.start_running(), "the first poll may start");
        let _ = state.wake();
        state.complete();
        assert_eq!(
            bits(state.snapshot()),
            "COMPLETE",
            "complete clears every other bit (a NOTIFIED from a wake during the last poll too)"
        );
        assert!(state.is_complete(), "is_complete after complete()");
        assert_eq!(
            state.wake(),
            WakeAction::Nothing,
            "a complete task must never be queued again: its future is gone"
        );
        assert!(
            !state.start_running(),
            "a complete task must never be polled again"
        );
        assert!(
            !state.start_cancel(),
            "a complete task has nothing left to cancel"
        );
        assert_eq!(
            bits(state.snapshot()),
            "COMPLETE",
            "nothing changes a COMPLETE word"
        );
        assert!(
            !idle().is_complete(),
            "an IDLE task is not complete: is_complete must look at the COMPLETE bit only"
        );
    });
}

#[test]
fn cancel_only_takes_a_task_that_nobody_polls() {
    within(IF_STUCK, || {
        let queued = State::new_scheduled();
        assert!(
            queued.start_cancel(),
            "start_cancel on a SCHEDULED task must return true"
        );
        assert_eq!(
            bits(queued.snapshot()),
            "RUNNING",
            "cancelling holds RUNNING, so that no poll starts while the future is dropped"
        );
        assert!(
            !queued.start_running(),
            "the task's queue entry must not start a poll while it is being cancelled"
        );
        queued.complete();
        assert!(queued.is_complete(), "a cancelled task ends COMPLETE");

        let waiting = idle();
        assert!(
            waiting.start_cancel(),
            "start_cancel on an IDLE task must return true"
        );

        let polled = State::new_scheduled();
        assert!(polled.start_running(), "the first poll may start");
        assert!(
            !polled.start_cancel(),
            "start_cancel while another thread polls must return false: the poller owns the \
             future until its poll returns"
        );
        assert_eq!(
            bits(polled.snapshot()),
            "RUNNING",
            "a refused start_cancel changes nothing"
        );
    });
}

/// The table of the exercise, as a model: what each call returns and the word after it.
mod model {
    use super::*;

    pub fn wake(word: usize) -> (WakeAction, usize) {
        if word & COMPLETE != 0 {
            (WakeAction::Nothing, word)
        } else if word & RUNNING != 0 {
            (WakeAction::Nothing, word | NOTIFIED)
        } else if word & SCHEDULED != 0 {
            (WakeAction::Nothing, word)
        } else {
            (WakeAction::Schedule, SCHEDULED)
        }
    }

    pub fn start_running(word: usize) -> (bool, usize) {
        if word == SCHEDULED {
            (true, RUNNING)
        } else {
            (false, word)
        }
    }

    pub fn stop_running(word: usize) -> (AfterPoll, usize) {
        if word & NOTIFIED != 0 {
            (AfterPoll::Reschedule, SCHEDULED)
        } else {
            (AfterPoll::Idle, IDLE)
        }
    }

    pub fn start_cancel(word: usize) -> (bool, usize) {
        if word & (RUNNING | COMPLETE) == 0 {
            (true, RUNNING)
        } else {
            (false, word)
        }
    }
}

#[test]
fn a_long_random_sequence_follows_the_table() {
    /// A linear congruential generator (Knuth's MMIX constants): the same "random" operations
    /// on every run.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    within(IF_STUCK, || {
        for seed in 0..20 {
            let mut random = Lcg(seed);
            let mut state = State::new_scheduled();
            let mut word = SCHEDULED;
            let mut done: Vec<String> = vec!["new_scheduled()".to_string()];
            for _ in 0..500 {
                // Only the thread holding RUNNING may call stop_running or complete; a
                // cancelled task is completed at once, as the runtime does.
                let op = random.below(10);
                let (call, got, expected, next) = match op {
                    0..=3 => {
                        let (expected, next) = model::wake(word);
                        (
                            "wake()",
                            format!("{:?}", state.wake()),
                            format!("{expected:?}"),
                            next,
                        )
                    }
                    4 | 5 => {
                        let (expected, next) = model::start_running(word);
                        let got = state.start_running();
                        (
                            "start_running()",
                            got.to_string(),
                            expected.to_string(),
                            next,
                        )
                    }
                    6 | 7 if word & RUNNING != 0 => {
                        let (expected, next) = model::stop_running(word);
                        let got = format!("{:?}", state.stop_running());
                        ("stop_running()", got, format!("{expected:?}"), next)
                    }
                    8 if word & RUNNING != 0 => {
                        state.complete();
                        ("complete()", "()".into(), "()".into(), COMPLETE)
                    }
                    9 => {
                        let (expected, next) = model::start_cancel(word);
                        let got = state.start_cancel();
                        (
                            "start_cancel()",
                            got.to_string(),
                            expected.to_string(),
                            next,
                        )
                    }
                    _ => continue,
                };
                let before = bits(word);
                done.push(format!("{before}: {call} -> {got}"));
                let recent = done[done.len().saturating_sub(12)..].join("\n  ");
                assert_eq!(
                    got, expected,
                    "seed {seed}: in state {before}, {call} returned {got}, the table says \
                     {expected}. The last calls (state before: call -> result):\n  {recent}"
                );
                assert_eq!(
                    bits(state.snapshot()),
                    bits(next),
                    "seed {seed}: after {call} in state {before} the word should be {}. The \
                     last calls (state before: call -> result):\n  {recent}",
                    bits(next)
                );
                word = next;
                if word == COMPLETE || (call == "start_cancel()" && got == "true") {
                    // Finished (or being cancelled): start over with a fresh task.
                    state = State::new_scheduled();
                    word = SCHEDULED;
                    done.push("-- a new task: new_scheduled()".to_string());
                }
            }
        }
    });
}

#[test]
fn wakes_from_many_threads_queue_the_task_at_most_once_and_lose_none() {
    const WAKERS: usize = 3;
    const RUNNERS: usize = 2;
    /// The wakers go on until the task has been polled this often. A state whose transitions
    /// are a read and a separate write breaks after a few thousand polls on a busy 2-core
    /// machine (it takes a thread interrupted between its read and its write); this is many
    /// times that.
    const POLLS: usize = 100_000;
    /// ... and until this many wakes have overlapped a poll's start or end (a poller changed
    /// the state while the wake was changing it), since only those can go wrong. On a machine
    /// so busy that the threads seldom run at once, 100 000 polls can pass with few of them.
    const OVERLAPS: usize = 20_000;
    /// Wakes one thread makes per poll at most, so that the wakes are spread over the polls
    /// (on a busy machine the pollers may get no CPU for a while).
    const WAKES_PER_POLL: usize = 100;
    /// How long the wakers wait for the next poll before they decide that the task can no
    /// longer run (a broken state), and stop. Not a measurement: it only ends the test.
    const STALLED: Duration = Duration::from_secs(1);
    /// How long a poll lasts, in spins: long enough that wakes often find the task RUNNING,
    /// short enough that polls often end (each end races with the wakes).
    const POLL_SPINS: usize = 50;

    /// A counter alone on its cache line.
    #[repr(align(128))]
    #[derive(Default)]
    struct Padded(AtomicUsize);

    /// A run queue that only counts its entries of the one task, and the test's findings.
    #[derive(Default)]
    struct Executor {
        /// Entries of the task in the queue right now.
        queued: AtomicUsize,
        /// Threads inside a poll right now.
        polling: AtomicUsize,
        /// Wakes started so far by each waking thread (counted *before* calling `wake`), each
        /// on a cache line of its own so that counting does not slow the wakes down.
        wakes: [Padded; WAKERS],
        /// The `wakes` count that the latest poll saw when it started.
        seen_by_last_poll: Mutex<usize>,
        pushes: AtomicUsize,
        polls: AtomicUsize,
        /// Polls started plus polls ended: a wake during which it moves overlapped one.
        poll_edges: AtomicUsize,
        /// Wakes that overlapped a poll's start or end.
        overlaps: AtomicUsize,
        reschedules: AtomicUsize,
        /// Pushes that found the task already in the queue.
        queued_twice: AtomicUsize,
        /// Polls that started while another was running.
        polled_twice: AtomicUsize,
        wakers_done: AtomicBool,
    }

    impl Executor {
        fn push(&self) {
            self.pushes.fetch_add(1, Ordering::SeqCst);
            if self.queued.fetch_add(1, Ordering::SeqCst) != 0 {
                self.queued_twice.fetch_add(1, Ordering::SeqCst);
            }
        }

        fn pop(&self) -> bool {
            self.queued
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        }

        /// What a worker thread does with one popped entry: `Task::run`, without a future.
        fn run(&self, state: &State) {
            if !state.start_running() {
                return;
            }
            if self.polling.fetch_add(1, Ordering::SeqCst) != 0 {
                self.polled_twice.fetch_add(1, Ordering::SeqCst);
            }
            self.polls.fetch_add(1, Ordering::SeqCst);
            self.poll_edges.fetch_add(1, Ordering::SeqCst);
            // The poll: it looks at everything woken so far, and takes a little time, during
            // which more wakes arrive.
            *self.seen_by_last_poll.lock().unwrap() = self.wakes();
            for _ in 0..POLL_SPINS {
                std::hint::spin_loop();
            }
            self.polling.fetch_sub(1, Ordering::SeqCst);
            let after = state.stop_running();
            self.poll_edges.fetch_add(1, Ordering::SeqCst);
            if after == AfterPoll::Reschedule {
                self.reschedules.fetch_add(1, Ordering::SeqCst);
                self.push();
            }
        }

        fn wakes(&self) -> usize {
            self.wakes.iter().map(|w| w.0.load(Ordering::SeqCst)).sum()
        }

        fn summary(&self, state: &State) -> String {
            format!(
                "what happened: {WAKERS} threads called wake() {} times in all while \
                 {RUNNERS} threads popped and polled the task ({} wakes while a poll started \
                 or ended); {} queue pushes ({} of them by stop_running's Reschedule), {} polls, \
                 {} pushes that found the task already queued, {} polls that overlapped \
                 another, final state {}",
                self.wakes(),
                self.overlaps.load(Ordering::SeqCst),
                self.pushes.load(Ordering::SeqCst),
                self.reschedules.load(Ordering::SeqCst),
                self.polls.load(Ordering::SeqCst),
                self.queued_twice.load(Ordering::SeqCst),
                self.polled_twice.load(Ordering::SeqCst),
                bits(state.snapshot()),
            )
        }
    }

    within(IF_STUCK, || {
        let state = Arc::new(idle());
        let executor = Arc::new(Executor::default());
        let start = Arc::new(Barrier::new(WAKERS + RUNNERS));
        let began = Instant::now();
        let mut wakers = Vec::new();
        for thread in 0..WAKERS {
            let (state, executor, start) = (state.clone(), executor.clone(), start.clone());
            wakers.push(thread::spawn(move || {
                start.wait();
                let (mut woken, mut since_last_poll) = (0, 0);
                let (mut last_polls, mut last_progress) = (0, Instant::now());
                loop {
                    let polls = executor.polls.load(Ordering::SeqCst);
                    // On a machine too busy to run the threads at once for long, give up on the
                    // overlaps after a while (the test then tells less).
                    let overlapped = executor.overlaps.load(Ordering::SeqCst) >= OVERLAPS
                        || began.elapsed() > WAIT_LIMIT;
                    if polls >= POLLS && overlapped {
                        return;
                    }
                    if polls != last_polls {
                        (last_polls, last_progress, since_last_poll) = (polls, Instant::now(), 0);
                    } else if since_last_poll >= WAKES_PER_POLL {
                        if last_progress.elapsed() > STALLED {
                            return;
                        }
                        thread::yield_now();
                        continue;
                    }
                    since_last_poll += 1;
                    woken += 1;
                    executor.wakes[thread].0.store(woken, Ordering::SeqCst);
                    let edges_before = executor.poll_edges.load(Ordering::SeqCst);
                    let action = state.wake();
                    if executor.poll_edges.load(Ordering::SeqCst) != edges_before {
                        executor.overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    if action == WakeAction::Schedule {
                        executor.push();
                    }
                }
            }));
        }
        let mut runners = Vec::new();
        for _ in 0..RUNNERS {
            let (state, executor, start) = (state.clone(), executor.clone(), start.clone());
            runners.push(thread::spawn(move || {
                start.wait();
                loop {
                    if executor.pop() {
                        executor.run(&state);
                    } else if executor.wakers_done.load(Ordering::SeqCst)
                        && executor.queued.load(Ordering::SeqCst) == 0
                        && executor.polling.load(Ordering::SeqCst) == 0
                    {
                        return;
                    } else {
                        thread::yield_now();
                    }
                }
            }));
        }
        for waker in wakers {
            waker.join().expect("a waking thread panicked");
        }
        executor.wakers_done.store(true, Ordering::SeqCst);
        for runner in runners {
            runner.join().expect("a polling thread panicked");
        }
        // Runners leave only when nothing is queued or polling; a push by a runner's own
        // reschedule keeps that runner in its loop, so the queue is empty here.
        let summary = executor.summary(&state);
        assert_eq!(
            executor.queued_twice.load(Ordering::SeqCst),
            0,
            "the task was pushed while it was already in the queue. wake() may return Schedule \
             only to the one caller that changed IDLE into SCHEDULED: a read followed by a \
             separate write lets two threads both read IDLE (use compare_exchange in a loop). \
             {summary}"
        );
        assert_eq!(
            executor.polled_twice.load(Ordering::SeqCst),
            0,
            "two threads polled the task at the same time: only one start_running may win \
             (SCHEDULED → RUNNING in one atomic step). {summary}"
        );
        assert_eq!(
            bits(state.snapshot()),
            "IDLE",
            "every wake was handled and the queue is empty, so the task should wait, IDLE. A \
             word left with RUNNING or NOTIFIED means one thread's write overwrote another's: \
             for example a wake read RUNNING, stop_running stored IDLE, and the wake then stored \
             RUNNING|NOTIFIED — a task nobody polls and nobody can queue again. Each transition \
             must be one atomic step (compare_exchange in a loop). {summary}"
        );
        let wakes = executor.wakes();
        let seen = *executor.seen_by_last_poll.lock().unwrap();
        assert_eq!(
            seen, wakes,
            "a wake was lost: the last poll started after only {seen} of the {wakes} wakes, and \
             no poll followed the others. A wake during a poll must lead to one more poll \
             (NOTIFIED → Reschedule). {summary}"
        );
        assert_eq!(
            state.wake(),
            WakeAction::Schedule,
            "after all that, one more wake of the IDLE task must queue it. {summary}"
        );
    });
}
