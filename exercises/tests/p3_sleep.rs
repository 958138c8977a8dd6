//! Tests for `exercises/src/p3_sleep.rs`, on part 3's runtime: when a `Sleep` ends, how often
//! it is polled, which waker its timer wakes, and how many timers it leaves in the driver
//! (`Runtime::driver().load()`). Sleeps are short (tens of milliseconds); the only time checked
//! is "not before the deadline". Run them with `cargo run -p exercises -- test p3_sleep`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p3_sleep")),
    path = "../src/p3_sleep.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p3_sleep.rs")]
#[cfg_attr(
    exercise_variant = "p3_sleep/keeps_its_timer_when_ready",
    path = "../wrong/p3_sleep/keeps_its_timer_when_ready.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_sleep/leaks_its_timer_when_dropped",
    path = "../wrong/p3_sleep/leaks_its_timer_when_dropped.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_sleep/never_rearms_for_a_new_waker",
    path = "../wrong/p3_sleep/never_rearms_for_a_new_waker.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_sleep/rearms_without_cancelling_the_old_timer",
    path = "../wrong/p3_sleep/rearms_without_cancelling_the_old_timer.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_sleep/spins_instead_of_setting_a_timer",
    path = "../wrong/p3_sleep/spins_instead_of_setting_a_timer.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_sleep/trusts_the_wake",
    path = "../wrong/p3_sleep/trusts_the_wake.rs"
)]
pub mod p3_sleep;

use std::future::{Future, poll_fn};
use std::panic;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use exercises::harness::{CountingWaker, WAIT_LIMIT, within};
use p3_sleep::{Sleep, sleep, sleep_until};
use part3_wakers::time::timeout;
use part3_wakers::{JoinError, Runtime};

const IF_STUCK: &str = "a task waiting on your Sleep was never woken: does the first poll set a \
                        timer (driver.add_timer) with the waker of that poll?";

/// Long enough to be clearly in the future when the next line runs; short enough for a test.
const SHORT: Duration = Duration::from_millis(30);

fn runtime() -> Runtime {
    Runtime::new().expect("a runtime (an epoll instance and an eventfd)")
}

/// Timers set in `runtime`'s driver right now.
fn timers(runtime: &Runtime) -> usize {
    runtime.driver().load().1
}

/// Fails with `why` unless `runtime`'s driver holds exactly `expected` timers.
#[track_caller]
fn assert_timers(runtime: &Runtime, expected: usize, why: &str) {
    let timers = timers(runtime);
    assert!(
        timers == expected,
        "timers in the driver: {timers}, expected {expected}. {why}"
    );
}

/// Polls `sleep` once with `cx` and returns what it said.
fn poll_once(sleep: &mut Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<()> {
    sleep.as_mut().poll(cx)
}

/// Wraps a future and counts its polls.
struct CountPolls<F> {
    future: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.future.as_mut().poll(cx)
    }
}

/// A task's output. If the task panicked, its panic ends the test as it is (a `todo!()` stays
/// a `todo!()` at the stub's line).
fn output_of<T>(result: Result<T, JoinError>) -> T {
    result.unwrap_or_else(|error| match error.try_into_panic() {
        Ok(panic) => panic::resume_unwind(panic),
        Err(error) => panic!("a task that sleeps must finish, but: {error}"),
    })
}

#[test]
fn a_sleep_ends_after_its_deadline_and_leaves_no_timer() {
    within(IF_STUCK, || {
        let runtime = runtime();
        let start = Instant::now();
        let deadline = start + SHORT;
        let woke_at = runtime.block_on(async {
            let sleep = sleep_until(deadline);
            assert_eq!(
                sleep.deadline(),
                deadline,
                "deadline() must return the instant given to sleep_until"
            );
            sleep.await;
            Instant::now()
        });
        assert!(
            woke_at >= deadline,
            "sleep_until returned {:?} before its deadline: Ready only once Instant::now() has \
             reached the deadline",
            deadline - woke_at
        );
        assert_timers(
            &runtime,
            0,
            "the Sleep is over: its timer fired, and nothing of it may be left in the driver",
        );
        let later = runtime.block_on(async { sleep(SHORT).deadline() });
        assert!(
            later >= deadline,
            "sleep(d).deadline() must be Instant::now() + d at the time of the call"
        );
    });
}

#[test]
fn a_deadline_already_passed_is_ready_at_once_without_a_timer() {
    within(IF_STUCK, || {
        let runtime = runtime();
        runtime.block_on(async {
            let (_, waker) = CountingWaker::waker();
            let mut cx = Context::from_waker(&waker);
            let mut sleep = pin!(sleep_until(Instant::now()));
            assert_eq!(
                poll_once(&mut sleep, &mut cx),
                Poll::Ready(()),
                "a Sleep whose deadline has passed is Ready on its first poll"
            );
        });
        assert_timers(
            &runtime,
            0,
            "a Sleep that was Ready at once must set no timer (or cancel it at once)",
        );
    });
}

#[test]
fn the_first_poll_sets_one_timer_and_later_polls_keep_it() {
    within(IF_STUCK, || {
        let runtime = runtime();
        runtime.block_on(async {
            let mut sleep = pin!(sleep(SHORT));
            assert_timers(
                &runtime,
                0,
                "a Sleep that was never polled must not have set a timer: a future does \
                 nothing until it is polled",
            );
            poll_fn(|cx| {
                assert_eq!(
                    poll_once(&mut sleep, cx),
                    Poll::Pending,
                    "the deadline is ahead: the first poll returns Pending"
                );
                assert_timers(
                    &runtime,
                    1,
                    "the first poll must set exactly one timer in the driver \
                     (context::driver().add_timer(deadline, cx.waker().clone()))",
                );
                for poll in 2..=5 {
                    assert_eq!(
                        poll_once(&mut sleep, cx),
                        Poll::Pending,
                        "poll {poll}, before the deadline: still Pending. A task is polled \
                         for other reasons than its timer; compare Instant::now() with the \
                         deadline instead of trusting that a poll means the time is up"
                    );
                }
                assert_timers(
                    &runtime,
                    1,
                    "polled again by the same task (a waker for which will_wake is true), the \
                     Sleep must keep its one timer, not add another",
                );
                Poll::Ready(())
            })
            .await;
            sleep.await;
        });
        assert_timers(
            &runtime,
            0,
            "the Sleep is over: no timer of it may be left in the driver",
        );
    });
}

#[test]
fn ready_before_its_timer_fired_it_leaves_no_timer() {
    within(IF_STUCK, || {
        let runtime = runtime();
        runtime.block_on(async {
            let (_, waker) = CountingWaker::waker();
            let mut cx = Context::from_waker(&waker);
            let mut sleep = pin!(sleep(SHORT));
            assert_eq!(
                poll_once(&mut sleep, &mut cx),
                Poll::Pending,
                "the deadline is ahead: the first poll returns Pending"
            );
            assert_timers(&runtime, 1, "the first poll must set one timer");
            // The runtime's thread is held here, so the driver cannot fire the timer: the next
            // poll sees the deadline passed before the timer did (the task was polled for
            // another reason).
            std::thread::sleep(sleep.deadline().saturating_duration_since(Instant::now()));
            assert_eq!(
                poll_once(&mut sleep, &mut cx),
                Poll::Ready(()),
                "polled after its deadline: Ready"
            );
            assert_timers(
                &runtime,
                0,
                "the Sleep is Ready (and not dropped yet) but its timer, which has not fired, \
                 is still in the driver: cancel the timer when returning Ready, else it fires \
                 later and wakes a task that no longer waits on it",
            );
        });
    });
}

#[test]
fn a_sleep_is_polled_twice_not_spun() {
    within(IF_STUCK, || {
        let runtime = runtime();
        let polls = Arc::new(AtomicUsize::new(0));
        runtime.block_on(CountPolls {
            future: Box::pin(sleep(SHORT)),
            polls: polls.clone(),
        });
        let polls = polls.load(Ordering::SeqCst);
        assert!(
            polls >= 2,
            "a sleep of {SHORT:?} was Ready on its first poll ({polls} poll): was the \
             deadline computed from the time of the call?"
        );
        assert!(
            polls <= 3,
            "a sleep of {SHORT:?} was polled {polls} times: once to set its timer, once when \
             the timer fired is all it needs. Does it wake itself (cx.waker().wake_by_ref()) \
             instead of letting the timer do it? That is spinning: a whole core busy to wait"
        );
    });
}

#[test]
fn dropping_a_sleep_early_cancels_its_timer() {
    within(IF_STUCK, || {
        let runtime = runtime();
        runtime.block_on(async {
            let mut sleep = Box::pin(sleep(Duration::from_secs(3600)));
            poll_fn(|cx| {
                assert_eq!(
                    sleep.as_mut().poll(cx),
                    Poll::Pending,
                    "an hour's sleep is Pending"
                );
                Poll::Ready(())
            })
            .await;
            assert_timers(
                &runtime,
                1,
                "the first poll of an hour's sleep must set one timer (driver.add_timer)",
            );
            drop(sleep);
            assert_timers(
                &runtime,
                0,
                "a Sleep dropped before its deadline (a request cut short by a timeout) must \
                 cancel its timer in Drop (driver.cancel_timer): else every cancelled sleep \
                 leaves a timer that wakes a task that no longer waits",
            );
        });
    });
}

#[test]
fn polled_by_another_waker_it_wakes_that_one() {
    within(IF_STUCK, || {
        let runtime = runtime();
        let (first_count, first) = CountingWaker::waker();
        let (second_count, second) = CountingWaker::waker();
        runtime.block_on(async {
            let mut sleep = pin!(sleep(SHORT));
            assert_eq!(
                poll_once(&mut sleep, &mut Context::from_waker(&first)),
                Poll::Pending,
                "the first poll, before the deadline, is Pending"
            );
            assert_eq!(
                poll_once(&mut sleep, &mut Context::from_waker(&second)),
                Poll::Pending,
                "polled with another waker before the deadline: still Pending"
            );
            assert_timers(
                &runtime,
                1,
                "polled with a new waker, the Sleep replaces its timer: the old one must be \
                 cancelled, or it fires for nothing (and wakes a task that no longer waits)",
            );
            // Wait past the deadline with part 3's own sleep, so that the driver fires timers.
            part3_wakers::time::sleep(SHORT * 2).await;
            assert!(
                second_count.wakes() >= 1,
                "the timer fired, but the waker of the latest poll was not woken: when \
                 will_wake says the new waker is not the stored one (the future moved to \
                 another task), the Sleep must set its timer again with the new waker"
            );
            assert_eq!(
                first_count.wakes(),
                0,
                "the first waker was woken, though the Sleep had been polled with another \
                 since: its timer should have been cancelled when the new one was set"
            );
            assert_eq!(
                poll_once(&mut sleep, &mut Context::from_waker(&second)),
                Poll::Ready(()),
                "past the deadline: Ready"
            );
        });
        assert_timers(
            &runtime,
            0,
            "the Sleep is over: no timer of it may be left (cancel the timer when Ready)",
        );
    });
}

#[test]
fn a_sleep_moved_to_another_task_wakes_that_task() {
    within(IF_STUCK, || {
        let runtime = runtime();
        let handed_over: Arc<Mutex<Option<Pin<Box<Sleep>>>>> = Arc::default();
        let finished = runtime.block_on(async {
            let slot = handed_over.clone();
            // The first task polls the Sleep once (its timer now holds this task's waker),
            // then hands it over and ends.
            let first = part3_wakers::spawn(async move {
                let mut sleep = Box::pin(sleep(SHORT));
                poll_fn(|cx| {
                    assert!(
                        sleep.as_mut().poll(cx).is_pending(),
                        "the first poll, before the deadline, is Pending"
                    );
                    Poll::Ready(())
                })
                .await;
                *slot.lock().unwrap() = Some(sleep);
            });
            output_of(first.await);
            let sleep = handed_over.lock().unwrap().take().expect("handed over");
            // The second task awaits it: only a timer with the second task's waker wakes it.
            let second = part3_wakers::spawn(sleep);
            timeout(WAIT_LIMIT, second).await
        });
        assert!(
            finished.is_ok(),
            "the task that awaited a Sleep first polled by another task was never woken \
             (waited {WAIT_LIMIT:?}): the Sleep kept the timer with the first task's waker. \
             Compare the stored waker with cx.waker() (will_wake) and set the timer again when \
             they differ"
        );
        assert_timers(
            &runtime,
            0,
            "every Sleep is over: no timer may be left (did re-arming cancel the old timer?)",
        );
    });
}

#[test]
fn many_tasks_that_sleep_and_time_out_leave_no_timer_behind() {
    const TASKS: usize = 200;
    const SLEEPS: usize = 3;
    within(IF_STUCK, || {
        let runtime = runtime();
        let polls = Arc::new(AtomicUsize::new(0));
        let timed_out = runtime.block_on(async {
            let mut handles = Vec::new();
            for task in 0..TASKS {
                let polls = polls.clone();
                handles.push(part3_wakers::spawn(async move {
                    for round in 0..SLEEPS {
                        let millis = 1 + ((task * 7 + round * 3) % 5) as u64;
                        CountPolls {
                            future: Box::pin(sleep(Duration::from_millis(millis))),
                            polls: polls.clone(),
                        }
                        .await;
                    }
                    // An hour's sleep cut short by a 2 ms timeout: dropped while pending.
                    timeout(Duration::from_millis(2), sleep(Duration::from_secs(3600)))
                        .await
                        .is_err()
                }));
            }
            let mut timed_out = 0;
            for handle in handles {
                if output_of(handle.await) {
                    timed_out += 1;
                }
            }
            timed_out
        });
        let polls = polls.load(Ordering::SeqCst);
        let what = format!(
            "{TASKS} tasks each slept {SLEEPS} times for 1 to 5 ms, then started an hour's \
             sleep that a 2 ms timeout cut short; the short sleeps were polled {polls} times \
             in all"
        );
        assert_eq!(
            timed_out, TASKS,
            "every hour's sleep must still be pending after 2 ms. {what}"
        );
        assert_timers(
            &runtime,
            0,
            &format!(
                "every sleep ended or was dropped, yet timers are left in the driver: a Sleep \
             must cancel its timer when dropped early, and when it sets a new one. {what}"
            ),
        );
        assert!(
            polls <= TASKS * SLEEPS * 3,
            "the short sleeps were polled more than 3 times each on average: does a Sleep \
             wake itself instead of waiting for its timer? {what}"
        );
    });
}
