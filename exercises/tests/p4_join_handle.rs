//! Tests for `exercises/src/p4_join_handle.rs`. The tests play the executor: they poll the
//! task side by hand, and poll the handle with wakers that count their wakes. Then a race, many
//! rounds over: the task finishes on one thread while the handle is polled on another, and no
//! wake may be lost. Run them with `cargo run -p exercises -- test p4_join_handle`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p4_join_handle")),
    path = "../src/p4_join_handle.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p4_join_handle.rs")]
#[cfg_attr(
    exercise_variant = "p4_join_handle/checks_then_registers",
    path = "../wrong/p4_join_handle/checks_then_registers.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_join_handle/keeps_the_first_waker",
    path = "../wrong/p4_join_handle/keeps_the_first_waker.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_join_handle/keeps_the_output_of_a_dropped_handle",
    path = "../wrong/p4_join_handle/keeps_the_output_of_a_dropped_handle.rs"
)]
#[cfg_attr(
    exercise_variant = "p4_join_handle/lets_the_panic_through",
    path = "../wrong/p4_join_handle/lets_the_panic_through.rs"
)]
pub mod p4_join_handle;

use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;

use exercises::harness::{CountingWaker, recv_within, within};
use p4_join_handle::{BoxFuture, JoinHandle, TaskId, joined};

const IF_STUCK: &str = "does polling the task side or the handle wait for something (a lock \
                        held across a wake, a loop)?";

/// A waker's probe: the wakes it counted; whether it has been cloned (the handle's poll is under
/// way: the race test finishes the task then); whether the task has finished.
#[derive(Default)]
struct SlowClone {
    wakes: AtomicUsize,
    cloned: AtomicBool,
    task_finished: AtomicBool,
}

/// How long a clone of a [`SlowClone`] waker waits for the task to finish, in turns of a spin
/// loop that lets other threads run now and then: a clone that takes a while, as one that
/// allocates or touches a contended cache line may. A handle that clones between looking for
/// the output and storing its waker lets the task finish unseen in the meantime; one that
/// clones under the lock keeps the task waiting for it, and the clone gives up.
const CLONE_PATIENCE: u32 = 1 << 12;

static SLOW_CLONE_VTABLE: RawWakerVTable =
    RawWakerVTable::new(slow_clone, slow_wake, slow_wake_by_ref, slow_drop);

/// A waker that counts its wakes and is slow to clone. Each `RawWaker` of it owns one reference
/// of the `Arc<SlowClone>` its data pointer came from.
fn slow_clone_waker() -> (Arc<SlowClone>, Waker) {
    let probe = Arc::new(SlowClone::default());
    let raw = RawWaker::new(Arc::into_raw(probe.clone()).cast(), &SLOW_CLONE_VTABLE);
    // SAFETY: the vtable's functions keep RawWakerVTable's contract for this data pointer: each
    // RawWaker owns one reference (see the functions), and `SlowClone` is `Send + Sync`.
    let waker = unsafe { Waker::from_raw(raw) };
    (probe, waker)
}

unsafe fn slow_clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned owns a reference, so the `SlowClone` is alive.
    let probe = unsafe { &*data.cast::<SlowClone>() };
    probe.cloned.store(true, Ordering::SeqCst);
    let mut turns = 0;
    while turns < CLONE_PATIENCE && !probe.task_finished.load(Ordering::SeqCst) {
        turns += 1;
        if turns.is_multiple_of(1 << 6) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    // SAFETY: `data` is an `Arc<SlowClone>` from `Arc::into_raw`, and the waker being cloned
    // still owns its reference; the new RawWaker owns the one added here.
    unsafe { Arc::increment_strong_count(data.cast::<SlowClone>()) };
    RawWaker::new(data, &SLOW_CLONE_VTABLE)
}

unsafe fn slow_wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker: its reference is taken back here, and dropped.
    let probe = unsafe { Arc::from_raw(data.cast::<SlowClone>()) };
    probe.wakes.fetch_add(1, Ordering::SeqCst);
}

unsafe fn slow_wake_by_ref(data: *const ()) {
    // SAFETY: the waker is borrowed and still owns its reference, so the `SlowClone` is alive.
    let probe = unsafe { &*data.cast::<SlowClone>() };
    probe.wakes.fetch_add(1, Ordering::SeqCst);
}

unsafe fn slow_drop(data: *const ()) {
    // SAFETY: the waker is dropped: its reference is taken back here, and dropped.
    drop(unsafe { Arc::from_raw(data.cast::<SlowClone>()) });
}

/// Polls the task side once, as a worker does.
fn run_task(task: &mut BoxFuture) -> Poll<()> {
    task.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls the handle once with `waker`.
fn poll_handle<T>(
    handle: &mut JoinHandle<T>,
    waker: &Waker,
) -> Poll<Result<T, p4_join_handle::JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(waker))
}

/// A future that is `Pending` until `gate` is opened (the test opens it; the task side is
/// polled again by hand).
fn gated<T: Send + 'static>(gate: Arc<AtomicBool>, output: T) -> impl Future<Output = T> + Send {
    let mut output = Some(output);
    poll_fn(move |_| {
        if gate.load(Ordering::SeqCst) {
            Poll::Ready(output.take().expect("polled after Ready"))
        } else {
            Poll::Pending
        }
    })
}

/// A value that counts how often it was dropped.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_output_reaches_the_handle() {
    within(IF_STUCK, || {
        let id = TaskId::next();
        let (mut task, mut handle) = joined(id, async { 7 });
        assert_eq!(handle.id(), id, "the handle's id is the task's id");
        assert!(
            !handle.is_finished(),
            "the task has not been polled: is_finished must be false"
        );
        assert!(
            run_task(&mut task).is_ready(),
            "the task side's poll returns Ready once the user's future is finished"
        );
        assert!(
            handle.is_finished(),
            "the task finished: is_finished must be true"
        );
        let (_, waker) = CountingWaker::waker();
        match poll_handle(&mut handle, &waker) {
            Poll::Ready(Ok(7)) => {}
            Poll::Ready(Ok(other)) => panic!("the handle gave {other}, the task returned 7"),
            Poll::Ready(Err(error)) => panic!("the handle gave an error ({error}) for Ok(7)"),
            Poll::Pending => panic!("the task finished, but the handle says Pending"),
        }
    });
}

#[test]
fn a_waiting_handle_is_woken_once_the_task_finishes() {
    within(IF_STUCK, || {
        let gate = Arc::new(AtomicBool::new(false));
        let (mut task, mut handle) = joined(TaskId::next(), gated(gate.clone(), "done"));
        let (wakes, waker) = CountingWaker::waker();
        assert!(
            poll_handle(&mut handle, &waker).is_pending(),
            "the task has not run: the handle must say Pending"
        );
        assert!(
            run_task(&mut task).is_pending(),
            "the user's future is Pending, so the task side is Pending"
        );
        assert_eq!(
            wakes.wakes(),
            0,
            "the task made progress but did not finish: nothing to wake the handle for"
        );
        gate.store(true, Ordering::SeqCst);
        assert!(run_task(&mut task).is_ready(), "now the task finishes");
        assert_eq!(
            wakes.wakes(),
            1,
            "the task finished while the handle waited: the waker from the handle's poll must \
             be woken, once"
        );
        assert!(
            matches!(poll_handle(&mut handle, &waker), Poll::Ready(Ok("done"))),
            "once woken, the handle gives the task's output"
        );
    });
}

#[test]
fn the_waker_of_the_latest_poll_is_the_one_woken() {
    within(IF_STUCK, || {
        let gate = Arc::new(AtomicBool::new(false));
        let (mut task, mut handle) = joined(TaskId::next(), gated(gate.clone(), 1));
        let (first, first_waker) = CountingWaker::waker();
        let (second, second_waker) = CountingWaker::waker();
        assert!(
            poll_handle(&mut handle, &first_waker).is_pending(),
            "not finished: Pending"
        );
        // The handle moves to another task (a `select!`, a handle passed on), which polls it.
        assert!(
            poll_handle(&mut handle, &second_waker).is_pending(),
            "not finished: Pending"
        );
        gate.store(true, Ordering::SeqCst);
        assert!(run_task(&mut task).is_ready(), "the task finishes");
        assert_eq!(
            second.wakes(),
            1,
            "the handle was last polled with a second task's waker: that waker must be woken \
             (the first task has moved on; was the first waker kept? compare them with \
             will_wake and replace the stored one when they differ). first waker woken {} \
             times",
            first.wakes()
        );
        assert!(
            matches!(poll_handle(&mut handle, &second_waker), Poll::Ready(Ok(1))),
            "once woken, the handle gives the task's output"
        );
    });
}

#[test]
fn a_panic_in_the_task_is_an_error_through_the_handle() {
    within(IF_STUCK, || {
        let (mut task, mut handle) = joined(TaskId::next(), async {
            if true {
                panic!("the task's own panic");
            }
            5
        });
        let (wakes, waker) = CountingWaker::waker();
        assert!(
            poll_handle(&mut handle, &waker).is_pending(),
            "not run yet: Pending"
        );
        let polled = panic::catch_unwind(AssertUnwindSafe(|| run_task(&mut task)));
        let Ok(polled) = polled else {
            panic!(
                "the task's panic came out of the task side's poll: it would kill the worker \
                 polling it. Catch it there (catch_unwind) and give it to the handle as an error"
            );
        };
        assert!(
            polled.is_ready(),
            "a task that panicked is finished: the task side's poll returns Ready"
        );
        assert_eq!(
            wakes.wakes(),
            1,
            "a panic finishes the task too: the waiting handle must be woken"
        );
        match poll_handle(&mut handle, &waker) {
            Poll::Ready(Err(error)) => {
                assert!(error.is_panic(), "the error must say panic, not {error}");
                let payload = error.try_into_panic().expect("a panic has its payload");
                assert_eq!(
                    payload.downcast_ref::<&str>(),
                    Some(&"the task's own panic"),
                    "the error carries the panic's own payload (what catch_unwind returned)"
                );
            }
            Poll::Ready(Ok(_)) => panic!("the task panicked, yet the handle gave Ok"),
            Poll::Pending => panic!("the task panicked, yet the handle says Pending"),
        }
    });
}

#[test]
fn a_task_dropped_unfinished_reports_cancelled() {
    within(IF_STUCK, || {
        let dropped = Arc::new(AtomicUsize::new(0));
        let held = Counted(dropped.clone());
        let (mut task, mut handle) = joined(TaskId::next(), async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        let (wakes, waker) = CountingWaker::waker();
        assert!(run_task(&mut task).is_pending(), "the task waits forever");
        assert!(
            poll_handle(&mut handle, &waker).is_pending(),
            "not finished: Pending"
        );
        // The runtime shuts down and drops its tasks.
        drop(task);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "dropping the task side must drop the user's future (and what it holds)"
        );
        assert_eq!(
            wakes.wakes(),
            1,
            "the task will never finish now: the waiting handle must be woken to hear it"
        );
        match poll_handle(&mut handle, &waker) {
            Poll::Ready(Err(error)) => assert!(
                error.is_cancelled(),
                "a task dropped unfinished is cancelled, not {error}"
            ),
            Poll::Ready(Ok(())) => panic!("the task never finished, yet the handle gave Ok"),
            Poll::Pending => panic!(
                "the task side was dropped unfinished: the handle must give Err(cancelled), \
                 not wait forever"
            ),
        }
    });
}

#[test]
fn dropping_the_handle_detaches_the_task() {
    within(IF_STUCK, || {
        // Dropped before the task finishes: the output, once there, goes at once.
        let dropped = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(AtomicBool::new(false));
        let output = Counted(dropped.clone());
        let (mut task, mut handle) = joined(TaskId::next(), gated(gate.clone(), output));
        let (waker_count, waker) = CountingWaker::waker();
        assert!(
            poll_handle(&mut handle, &waker).is_pending(),
            "not finished: Pending"
        );
        drop(waker);
        drop(handle);
        assert_eq!(
            Arc::strong_count(&waker_count),
            1,
            "the handle is gone: the waker it kept must go with it (nobody waits any more)"
        );
        gate.store(true, Ordering::SeqCst);
        assert!(
            run_task(&mut task).is_ready(),
            "a detached task still runs to the end"
        );
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "the handle was dropped, so nobody will read the output: the task side must drop \
             it at once, not keep it until the task itself is freed (a server's detached \
             tasks would keep every response)"
        );
        drop(task);

        // Dropped after the task finished, without reading: the output goes with the handle.
        let dropped = Arc::new(AtomicUsize::new(0));
        let output = Counted(dropped.clone());
        let (mut task, handle) = joined(TaskId::next(), async move { output });
        assert!(run_task(&mut task).is_ready(), "the task finishes");
        assert_eq!(dropped.load(Ordering::SeqCst), 0, "the output waits");
        drop(handle);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "a handle dropped without reading the output must drop it"
        );
    });
}

#[test]
fn a_task_finishing_on_another_thread_loses_no_wake() {
    /// Rounds of the race.
    const ROUNDS: usize = 300;
    /// Once the handle's poll is under way (it clones the waker), the task's side waits up to
    /// this many spins, a different number each round, so that the task finishes at every
    /// point of the handle's poll: while it clones, just after, much later.
    const OFFSETS: usize = 64;

    /// One round, for the thread that plays the worker: the task side, the probe of the waker
    /// the handle is polled with, and whether that poll has returned.
    struct Round {
        task: BoxFuture,
        probe: Arc<SlowClone>,
        handle_polled: Arc<AtomicBool>,
    }

    /// Both threads arrive, then go: spinning, so that they start within a few nanoseconds.
    fn rendezvous(arrived: &AtomicUsize, round: usize) {
        arrived.fetch_add(1, Ordering::SeqCst);
        wait_for(|| arrived.load(Ordering::SeqCst) >= 2 * (round + 1));
    }

    /// Spins until `ready()`; lets the other thread have the core now and then (it may have
    /// none: the machine is busy).
    fn wait_for(ready: impl Fn() -> bool) {
        let mut spins = 0u32;
        while !ready() {
            spins += 1;
            if spins.is_multiple_of(1 << 10) {
                thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }

    within(IF_STUCK, || {
        let arrived = Arc::new(AtomicUsize::new(0));
        let (to_worker, rounds) = mpsc::channel::<Round>();
        let (finished, worker_done) = mpsc::channel::<()>();
        let worker = {
            let arrived = arrived.clone();
            thread::spawn(move || {
                for (number, mut round) in rounds.into_iter().enumerate() {
                    rendezvous(&arrived, number);
                    // The handle's poll is under way (or over, if it never clones the waker).
                    wait_for(|| {
                        round.probe.cloned.load(Ordering::SeqCst)
                            || round.handle_polled.load(Ordering::SeqCst)
                    });
                    for _ in 0..number % OFFSETS {
                        std::hint::spin_loop();
                    }
                    assert!(
                        run_task(&mut round.task).is_ready(),
                        "the task is ready at once"
                    );
                    round.probe.task_finished.store(true, Ordering::SeqCst);
                    if finished.send(()).is_err() {
                        return;
                    }
                }
            })
        };
        let mut lost = Vec::new();
        let mut pending_polls = 0;
        for number in 0..ROUNDS {
            let (task, mut handle) = joined(TaskId::next(), async move { number });
            let (probe, waker) = slow_clone_waker();
            let handle_polled = Arc::new(AtomicBool::new(false));
            let round = Round {
                task,
                probe: probe.clone(),
                handle_polled: handle_polled.clone(),
            };
            to_worker.send(round).expect("the worker thread is running");
            rendezvous(&arrived, number);
            let first = poll_handle(&mut handle, &waker);
            handle_polled.store(true, Ordering::SeqCst);
            recv_within(
                &worker_done,
                "the worker thread did not finish polling the task side",
            );
            match first {
                Poll::Ready(Ok(output)) => assert_eq!(
                    output, number,
                    "round {number}: the handle gave another task's output"
                ),
                Poll::Ready(Err(error)) => panic!("round {number}: the handle gave {error}"),
                Poll::Pending => {
                    pending_polls += 1;
                    // The task has finished by now: a Pending handle must have been woken.
                    if probe.wakes.load(Ordering::SeqCst) == 0 {
                        lost.push(number);
                    }
                    assert!(
                        matches!(poll_handle(&mut handle, &waker), Poll::Ready(Ok(_))),
                        "round {number}: the task has finished, and a second poll of the \
                         handle must give its output"
                    );
                }
            }
        }
        drop(to_worker);
        worker.join().expect("the worker thread panicked");
        assert!(
            lost.is_empty(),
            "lost wake-ups: in {} of {ROUNDS} rounds (the first: {:?}) the handle said Pending \
             and the task then finished on the other thread without waking it — a task \
             awaiting this handle would wait forever. ({pending_polls} first polls were \
             Pending in all.) The handle must look for the output and store its waker in one \
             step, under the same lock the task side takes to store the output and take the \
             waker",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
    });
}
