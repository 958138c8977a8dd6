//! Tests for `exercises/src/p3_block_on.rs`. Your `block_on` runs on a thread of its own; the
//! test thread plays the outside world: it receives the future's waker when the future is
//! polled, and decides when to wake it (or to unpark the thread without waking it). The future
//! counts its polls and the polls that came without a wake. Nothing sleeps. Run them with
//! `cargo run -p exercises -- test p3_block_on`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p3_block_on")),
    path = "../src/p3_block_on.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p3_block_on.rs")]
#[cfg_attr(
    exercise_variant = "p3_block_on/clears_the_flag_after_the_poll",
    path = "../wrong/p3_block_on/clears_the_flag_after_the_poll.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_block_on/polls_on_every_unpark",
    path = "../wrong/p3_block_on/polls_on_every_unpark.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_block_on/spins",
    path = "../wrong/p3_block_on/spins.rs"
)]
pub mod p3_block_on;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::Duration;

use exercises::harness::{recv_from, within};
use p3_block_on::block_on;

const IF_STUCK: &str = "block_on never returned: after Pending, does it sleep until the waker is \
                        called, and does the waker wake that very thread?";

/// What the probe future and the test share.
#[derive(Default)]
struct Shared {
    /// Polls so far.
    polls: AtomicUsize,
    /// Wakes the test has made so far (counted *before* calling the waker).
    wakes: AtomicUsize,
    /// Polls that came although nobody had woken the future since its previous poll.
    unwoken_polls: AtomicUsize,
    /// The test's signal: the next poll returns Ready.
    done: AtomicBool,
}

impl Shared {
    /// Wakes the future through `waker`, as the outside world does.
    fn wake(&self, waker: &Waker) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        waker.wake_by_ref();
    }

    fn finish(&self, waker: &Waker) {
        self.done.store(true, Ordering::SeqCst);
        self.wake(waker);
    }

    fn summary(&self) -> String {
        format!(
            "the future was polled {} times, woken {} times, and polled {} times without a \
             wake since its previous poll",
            self.polls.load(Ordering::SeqCst),
            self.wakes.load(Ordering::SeqCst),
            self.unwoken_polls.load(Ordering::SeqCst),
        )
    }
}

/// What the probe reports at each `Pending` poll: its waker and the thread it runs on.
struct Polled {
    waker: Waker,
    thread: Thread,
}

/// A future that is Pending until the test says `done`, reporting each poll.
struct Probe {
    shared: Arc<Shared>,
    reports: Sender<Polled>,
    /// The wake count at the previous poll.
    wakes_seen: Option<usize>,
}

impl Future for Probe {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let polls = self.shared.polls.fetch_add(1, Ordering::SeqCst) + 1;
        let wakes = self.shared.wakes.load(Ordering::SeqCst);
        if self.wakes_seen == Some(wakes) {
            self.shared.unwoken_polls.fetch_add(1, Ordering::SeqCst);
        }
        self.wakes_seen = Some(wakes);
        if self.shared.done.load(Ordering::SeqCst) {
            return Poll::Ready(polls);
        }
        // The test may have stopped listening after a failure.
        let _ = self.reports.send(Polled {
            waker: cx.waker().clone(),
            thread: thread::current(),
        });
        Poll::Pending
    }
}

/// Runs `block_on(probe)` on a new thread: the shared counters, the poll reports, the channel
/// its output arrives on, and the thread (for `recv_from`, which passes its panic on).
fn start_probe() -> (
    Arc<Shared>,
    Receiver<Polled>,
    Receiver<usize>,
    Option<JoinHandle<()>>,
) {
    let shared = Arc::new(Shared::default());
    let (reports_tx, reports) = mpsc::channel();
    let (output_tx, output) = mpsc::channel();
    let probe = Probe {
        shared: shared.clone(),
        reports: reports_tx,
        wakes_seen: None,
    };
    let thread = thread::spawn(move || {
        let _ = output_tx.send(block_on(probe));
    });
    (shared, reports, output, Some(thread))
}

const IF_NOT_POLLED: &str = "the future was never polled: does block_on poll it at once?";
const IF_NOT_REPOLLED: &str = "the future was woken but never polled again: does the waker \
                               unpark the thread that runs block_on, and does block_on poll \
                               after it wakes up?";

#[test]
fn a_ready_future_is_polled_once_and_its_output_returned() {
    within(IF_STUCK, || {
        let mut polls = 0;
        let output = block_on(poll_fn(|_| {
            polls += 1;
            Poll::Ready("done")
        }));
        assert_eq!(output, "done", "block_on must return the future's output");
        assert_eq!(polls, 1, "a future that is Ready at once is polled once");
        assert_eq!(
            block_on(async { 6 * 7 }),
            42,
            "an async block's output comes back"
        );
    });
}

#[test]
fn a_wake_from_another_thread_is_followed_by_one_poll() {
    within(IF_STUCK, || {
        let (shared, reports, output, mut thread) = start_probe();
        let first = recv_from(&mut thread, &reports, IF_NOT_POLLED);
        shared.finish(&first.waker);
        let polls = recv_from(&mut thread, &output, IF_NOT_REPOLLED);
        assert_eq!(
            shared.unwoken_polls.load(Ordering::SeqCst),
            0,
            "the future was polled again before anyone woke it: after Pending, block_on must \
             wait for the waker, not poll in a loop. {}",
            shared.summary()
        );
        assert_eq!(
            polls,
            2,
            "one poll, one wake, one more poll. {}",
            shared.summary()
        );
    });
}

#[test]
fn it_never_polls_without_a_wake() {
    const ROUNDS: usize = 50;
    within(IF_STUCK, || {
        let (shared, reports, output, mut thread) = start_probe();
        for round in 0..ROUNDS {
            let polled = recv_from(&mut thread, &reports, IF_NOT_REPOLLED);
            let unwoken = shared.unwoken_polls.load(Ordering::SeqCst);
            assert_eq!(
                unwoken,
                0,
                "round {round}: the future was polled {unwoken} times without a wake: after \
                 Pending, block_on must sleep (thread::park) until the waker is called, not \
                 poll again at once. {}",
                shared.summary()
            );
            shared.wake(&polled.waker);
        }
        let last = recv_from(&mut thread, &reports, IF_NOT_REPOLLED);
        shared.finish(&last.waker);
        recv_from(&mut thread, &output, IF_NOT_REPOLLED);
        assert_eq!(
            shared.unwoken_polls.load(Ordering::SeqCst),
            0,
            "after {ROUNDS} rounds of poll, wake: every poll must follow a wake. {}",
            shared.summary()
        );
        assert_eq!(
            shared.polls.load(Ordering::SeqCst),
            ROUNDS + 2,
            "{ROUNDS} + 1 wakes, so {} polls. {}",
            ROUNDS + 2,
            shared.summary()
        );
    });
}

#[test]
fn an_unpark_that_is_not_a_wake_does_not_poll() {
    const UNPARKS: usize = 200;
    /// How long to give the thread to react to one unpark. Not a measurement: a correct
    /// block_on never reacts, and a wrong one is caught in the first rounds where it does.
    const REACTION: Duration = Duration::from_millis(1);
    within(IF_STUCK, || {
        let (shared, reports, output, mut thread) = start_probe();
        let first = recv_from(&mut thread, &reports, IF_NOT_POLLED);
        let mut polled_after_unpark = None;
        for unpark in 1..=UNPARKS {
            // Another part of the program unparks the thread (std's channels park and unpark
            // threads too), or park returns spuriously, as its documentation allows.
            first.thread.unpark();
            match reports.recv_timeout(REACTION) {
                Ok(_) => {
                    polled_after_unpark = Some(unpark);
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        shared.finish(&first.waker);
        recv_from(&mut thread, &output, IF_NOT_REPOLLED);
        if let Some(unpark) = polled_after_unpark {
            panic!(
                "the thread was unparked without a wake (unpark {unpark} of {UNPARKS}), and \
                 block_on polled the future: thread::park can return without your waker having \
                 been called, so block_on must check that the waker was called (a flag the \
                 waker sets) and park again if not. {}",
                shared.summary()
            );
        }
        assert_eq!(
            shared.unwoken_polls.load(Ordering::SeqCst),
            0,
            "polls without a wake: each poll after the first must follow a call to the waker. {}",
            shared.summary()
        );
    });
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    within(IF_STUCK, || {
        let (output_tx, output) = mpsc::channel();
        let mut thread = Some(thread::spawn(move || {
            let mut polls = 0;
            let polled = block_on(poll_fn(|cx| {
                polls += 1;
                if polls == 4 {
                    return Poll::Ready(polls);
                }
                // Like yield_now: wake first, then return Pending.
                cx.waker().wake_by_ref();
                Poll::Pending
            }));
            let _ = output_tx.send(polled);
        }));
        let polls = recv_from(
            &mut thread,
            &output,
            "a future that woke itself during its poll was never polled again: the wake came \
             before block_on went to sleep, and was lost. Remember a wake in a flag that only \
             the decision to poll again clears, never the end of a poll",
        );
        assert_eq!(polls, 4, "three self-wakes, then Ready on the fourth poll");
    });
}

#[test]
fn wakes_that_race_the_park_are_never_lost() {
    const ROUNDS: usize = 2_000;
    within(IF_STUCK, || {
        let (shared, reports, output, mut thread) = start_probe();
        for round in 0..ROUNDS {
            let polled = recv_from(
                &mut thread,
                &reports,
                &format!(
                    "round {round}: the future was woken at once after its poll, while \
                     block_on was about to sleep, and it was never polled again: that wake was \
                     lost. Is a flag cleared after the poll (it must be cleared only when \
                     deciding to poll), or a condition variable waited on without a flag?"
                ),
            );
            // At once: this wake races the blocked thread's way from the poll to its park.
            shared.wake(&polled.waker);
        }
        let last = recv_from(&mut thread, &reports, IF_NOT_REPOLLED);
        shared.finish(&last.waker);
        recv_from(&mut thread, &output, IF_NOT_REPOLLED);
        assert_eq!(
            shared.unwoken_polls.load(Ordering::SeqCst),
            0,
            "after {ROUNDS} rounds of poll and an immediate wake: {}",
            shared.summary()
        );
    });
}
