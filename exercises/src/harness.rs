//! What the exercise tests share: a way to wait that cannot hang.
//!
//! An unfinished exercise often waits forever: a job never reaches a worker, a loop never sees
//! the end of the input, a worker never learns that the pool is gone. A test that hangs tells
//! the learner nothing, so every wait in the tests goes through this module: it gives up after
//! a limit and fails with a message that says what was probably forgotten.
//!
//! These are not timed assertions. Nothing here measures speed: a correct solution finishes in
//! milliseconds, and the limit is only there to turn "stuck forever" into a readable failure.
//! Tests synchronise with channels and barriers, never with sleeps.
//!
//! A randomised test has the same problem with panics: when the code under test panics (an
//! index out of bounds, an `unwrap` on `None`) the panic says where, but not which operations
//! led there. [`explain_panic`] runs each operation so that the failure says both.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::task::{Wake, Waker};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long one wait (for a job to run, for a message) lasts before the solution is called
/// stuck. Generous, because CI machines are small and busy; a correct solution needs
/// milliseconds.
pub const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// How long a whole test may take. Longer than [`WAIT_LIMIT`], so that a stuck wait inside the
/// test fails first, with its own, more precise message.
pub const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Runs `test` on a thread of its own and returns its result, or fails with `if_stuck` when it
/// has not finished within [`TEST_LIMIT`].
///
/// A panic inside `test` (a failed assertion, a `todo!()`) fails the calling test with the
/// original message. A stuck thread is left behind; it ends with the test process.
pub fn within<T, F>(if_stuck: &str, test: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (done, finished) = mpsc::channel();
    // The same name as the test's thread, so that panic messages name the test.
    let name = thread::current()
        .name()
        .unwrap_or("exercise-test")
        .to_string();
    let runner = thread::Builder::new()
        .name(name)
        .spawn(move || {
            let value = test();
            // The receiver is gone only if the test already failed on the safety net.
            let _ = done.send(());
            value
        })
        .expect("a test can start one thread");
    match finished.recv_timeout(TEST_LIMIT) {
        // Finished, or panicked (which drops `done` and disconnects the channel).
        Ok(()) | Err(RecvTimeoutError::Disconnected) => match runner.join() {
            Ok(value) => value,
            Err(panic) => panic::resume_unwind(panic),
        },
        Err(RecvTimeoutError::Timeout) => panic!(
            "stuck: the test did not finish within {} s. {if_stuck}",
            TEST_LIMIT.as_secs()
        ),
    }
}

/// What `todo!()` panics with.
const TODO_MESSAGE: &str = "not yet implemented";

/// Runs `run`, one operation of a randomised test. If the code under test panics, fails with
/// the operation's name, the panic's own message and `context()` (the operations that led
/// there, the seed): the panic alone names a line, not how to get there again. A `todo!()`
/// passes on unchanged: an unfinished stub needs no history, and the runner recognises it.
pub fn explain_panic<R>(
    operation: &str,
    context: impl FnOnce() -> String,
    run: impl FnOnce() -> R,
) -> R {
    // Unwind safety: after a panic the test only formats its log and fails; the state the
    // closure touched is never used again.
    match panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(value) => value,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".to_string());
            if message.starts_with(TODO_MESSAGE) {
                panic::resume_unwind(payload);
            }
            panic!("{operation} panicked: {message}{}", context())
        }
    }
}

/// The next message from `receiver`, or a failure with `if_missing` when none arrives within
/// [`WAIT_LIMIT`] (or every sender is gone without sending one).
pub fn recv_within<T>(receiver: &Receiver<T>, if_missing: &str) -> T {
    receiver
        .recv_timeout(WAIT_LIMIT)
        .unwrap_or_else(|error| nothing_arrived(error, if_missing))
}

/// Like [`recv_within`], for a message that `sender`, the thread that runs the code under test,
/// sends. If that thread panicked instead, its panic ends the test as it is (a `todo!()` stays
/// a `todo!()` at the stub's line) rather than as "nothing arrived".
pub fn recv_from<T>(
    sender: &mut Option<JoinHandle<()>>,
    receiver: &Receiver<T>,
    if_missing: &str,
) -> T {
    receiver.recv_timeout(WAIT_LIMIT).unwrap_or_else(|error| {
        // Disconnected: every sender is gone, so the thread ended or is unwinding from a panic.
        if error == RecvTimeoutError::Disconnected
            && let Some(thread) = sender.take()
            && let Err(panic) = thread.join()
        {
            panic::resume_unwind(panic);
        }
        nothing_arrived(error, if_missing)
    })
}

fn nothing_arrived(error: RecvTimeoutError, if_missing: &str) -> ! {
    match error {
        RecvTimeoutError::Timeout => panic!(
            "nothing arrived within {} s: {if_missing}",
            WAIT_LIMIT.as_secs()
        ),
        RecvTimeoutError::Disconnected => panic!(
            "nothing arrived, and nothing can arrive any more (every sender is gone): {if_missing}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_returns_the_value() {
        assert_eq!(within("unused", || 6 * 7), 42);
    }

    #[test]
    fn within_passes_a_panic_on() {
        let result = panic::catch_unwind(|| within("unused", || panic!("the test's own failure")));
        let payload = result.expect_err("the panic reaches the caller");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"the test's own failure")
        );
    }

    #[test]
    fn explain_panic_adds_the_operation_and_its_context() {
        assert_eq!(explain_panic("f()", || unreachable!(), || 7), 7);
        let unfinished = panic::catch_unwind(|| explain_panic("f()", String::new, || todo!()));
        let payload = unfinished.expect_err("todo!() panics");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"not yet implemented"),
            "a todo!() reaches the runner as it is"
        );
        let items: Vec<u8> = Vec::new();
        let result = panic::catch_unwind(|| {
            explain_panic(
                "first()",
                || "\nafter: insert, remove".to_string(),
                || items[0],
            )
        });
        let payload = result.expect_err("the operation panicked");
        let message = payload.downcast_ref::<String>().map(String::as_str);
        assert!(
            message.is_some_and(|m| m.starts_with("first() panicked: index out of bounds")
                && m.ends_with("\nafter: insert, remove")),
            "{message:?}"
        );
    }

    #[test]
    fn recv_from_passes_the_sender_s_panic_on() {
        let (sender, receiver) = mpsc::channel::<()>();
        let mut thread = Some(thread::spawn(move || {
            let _sender = sender;
            todo!()
        }));
        let failed = panic::catch_unwind(AssertUnwindSafe(|| {
            recv_from(&mut thread, &receiver, "unused")
        }));
        let payload = failed.expect_err("the sender panicked, so nothing arrives");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"not yet implemented"),
            "the sender's todo!() reaches the test as it is, not as \"nothing arrived\""
        );
    }

    #[test]
    fn recv_within_names_what_is_missing_when_senders_are_gone() {
        let (sender, receiver) = mpsc::channel::<()>();
        drop(sender);
        let result = panic::catch_unwind(|| recv_within(&receiver, "did the job run?"));
        let payload = result.expect_err("no message can come");
        let message = payload.downcast_ref::<String>().map(String::as_str);
        assert!(message.is_some_and(|m| m.ends_with("did the job run?")));
    }
}

/// A waker that counts its wakes: the tests' way to tell whether, and which, waker was woken.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    /// A fresh counter, and the `Waker` that bumps it.
    pub fn waker() -> (Arc<CountingWaker>, Waker) {
        let count = Arc::new(CountingWaker::default());
        (count.clone(), Waker::from(count))
    }

    /// Wakes so far.
    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
