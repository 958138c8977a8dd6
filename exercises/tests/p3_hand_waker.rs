//! Tests for `exercises/src/p3_hand_waker.rs`: the task's reference count after each clone,
//! wake and drop of your waker (from one thread, then from many), whether a wake queues the
//! task, and whether your waker does exactly what `std`'s `Waker::from(task)` does. Run them
//! with `cargo run -p exercises -- test p3_hand_waker`.
//!
//! A waker that gives back a reference it does not own would free the task while others still
//! use it. So each test first takes many extra references ([`Padding`]) and never gives them
//! back: a count that goes too low shows as a failed assertion, never as a crash (the tasks of
//! these tests are leaked on purpose).

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p3_hand_waker")),
    path = "../src/p3_hand_waker.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p3_hand_waker.rs")]
#[cfg_attr(
    exercise_variant = "p3_hand_waker/clone_forgets_the_count",
    path = "../wrong/p3_hand_waker/clone_forgets_the_count.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_hand_waker/wake_by_ref_gives_the_reference_away",
    path = "../wrong/p3_hand_waker/wake_by_ref_gives_the_reference_away.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_hand_waker/wake_keeps_its_reference",
    path = "../wrong/p3_hand_waker/wake_keeps_its_reference.rs"
)]
pub mod p3_hand_waker;

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

use exercises::harness::within;
use p3_hand_waker::{Ran, Schedule, Task, waker};
use part3_wakers::state::{IDLE, SCHEDULED};

const IF_STUCK: &str = "does a wake (or a clone, or a drop) wait for something that never \
                        comes, such as a lock it already holds?";

/// Extra references that the test holds while it runs, so that a waker that gives back
/// references it does not own cannot bring the count to zero (and free the task) before an
/// assertion sees it. More than any test's number of clones and wakes.
const PADDING: usize = 200_000;

/// Holds [`PADDING`] references, and leaks them when dropped: with a waker that gives back more
/// references than it took, the count would otherwise reach zero while wakers still point to
/// the task — also at the end of a test that passed.
struct Padding(Vec<Arc<Task>>);

impl Padding {
    fn new(task: &Arc<Task>) -> Padding {
        Padding((0..PADDING).map(|_| Arc::clone(task)).collect())
    }
}

impl Drop for Padding {
    fn drop(&mut self) {
        self.0.drain(..).for_each(mem::forget);
    }
}

/// The task's references, apart from the padding: the test's own, one per waker alive, one
/// per queue entry.
fn references(task: &Arc<Task>) -> usize {
    Arc::strong_count(task).saturating_sub(PADDING)
}

/// The run queue: keeps what it is given, so that the test can count queueings.
#[derive(Default)]
struct Queue(Mutex<Vec<Arc<Task>>>);

impl Schedule for Queue {
    fn spawn(&self, task: Arc<Task>) {
        self.0.lock().unwrap().push(task);
    }
    fn schedule(&self, task: Arc<Task>) {
        self.0.lock().unwrap().push(task);
    }
}

impl Queue {
    fn take(&self) -> Vec<Arc<Task>> {
        mem::take(&mut self.0.lock().unwrap())
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A future that counts its polls and never finishes.
struct CountPolls(Arc<AtomicUsize>);

impl Future for CountPolls {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

/// A task polled once and waiting (IDLE), its queue, its poll count and the padding (bind it,
/// `_padding`, so that it lives until the end of the test).
struct Setup {
    task: Arc<Task>,
    queue: Arc<Queue>,
    polls: Arc<AtomicUsize>,
    _padding: Padding,
}

fn idle_task() -> Setup {
    let queue = Arc::new(Queue::default());
    let scheduler: Arc<dyn Schedule> = queue.clone();
    let polls = Arc::new(AtomicUsize::new(0));
    let (task, _join) = Task::new(CountPolls(polls.clone()), Arc::downgrade(&scheduler));
    assert_eq!(
        Task::run(task.clone()),
        Ran::Pending,
        "the first poll of the task"
    );
    assert_eq!(
        task.state(),
        IDLE,
        "after its first poll the task waits, IDLE"
    );
    let padding = Padding::new(&task);
    Setup {
        task,
        queue,
        polls,
        _padding: padding,
    }
}

#[test]
fn clone_adds_a_reference_and_drop_gives_it_back() {
    within(IF_STUCK, || {
        let Setup { task, _padding, .. } = idle_task();
        let first = waker(task.clone());
        assert_eq!(
            references(&task),
            2,
            "the test's Arc and the Waker's: waker(task) must keep the reference it is given \
             (Arc::into_raw), not add one nor drop it"
        );
        let second = first.clone();
        assert_eq!(
            references(&task),
            3,
            "a clone is a new Waker that will be dropped on its own: clone must add a reference \
             (Arc::increment_strong_count)"
        );
        let many: Vec<Waker> = (0..100).map(|_| second.clone()).collect();
        assert_eq!(
            references(&task),
            103,
            "100 more clones, 100 more references"
        );
        drop(many);
        assert_eq!(
            references(&task),
            3,
            "dropping a Waker must give its reference back (Arc::from_raw, then drop it)"
        );
        drop(second);
        drop(first);
        assert_eq!(
            references(&task),
            1,
            "every Waker is gone: only the test's reference is left"
        );
    });
}

#[test]
fn wake_hands_its_reference_to_the_queue() {
    within(IF_STUCK, || {
        let Setup {
            task,
            queue,
            _padding,
            ..
        } = idle_task();
        let waker = waker(task.clone());
        waker.wake();
        assert_eq!(
            queue.len(),
            1,
            "waking an IDLE task must queue it once: does wake call Task::wake_by_val (or \
             wake_by_ref) on the task?"
        );
        assert_eq!(task.state(), SCHEDULED, "a woken IDLE task is SCHEDULED");
        assert_eq!(
            references(&task),
            2,
            "wake consumes the Waker: its reference is now the queue entry's (test + queue = \
             2). More means wake kept the Waker's reference as well (borrowed it instead of \
             taking it back with Arc::from_raw)"
        );
        let entries = queue.take();
        assert!(
            Arc::ptr_eq(&entries[0], &task),
            "the queue got another task than the one the waker was made for"
        );
        drop(entries);
        assert_eq!(
            references(&task),
            1,
            "only the test's reference is left (fewer: a reference was given back twice; \
             more: one was never given back)"
        );
    });
}

#[test]
fn wake_of_a_queued_task_drops_its_reference() {
    within(IF_STUCK, || {
        let Setup {
            task,
            queue,
            _padding,
            ..
        } = idle_task();
        let first = waker(task.clone());
        let second = first.clone();
        first.wake();
        assert_eq!(
            queue.len(),
            1,
            "the first wake must queue the IDLE task (does wake call Task::wake_by_val?)"
        );
        second.wake();
        assert_eq!(
            queue.len(),
            1,
            "the task was already queued: the second wake must not queue it again"
        );
        assert_eq!(
            references(&task),
            2,
            "test + queue entry. The second wake found nothing to do, but it still consumed \
             its Waker, whose reference must be dropped"
        );
    });
}

#[test]
fn wake_by_ref_borrows_the_reference() {
    within(IF_STUCK, || {
        let Setup {
            task,
            queue,
            _padding,
            ..
        } = idle_task();
        let waker = waker(task.clone());
        waker.wake_by_ref();
        assert_eq!(
            queue.len(),
            1,
            "wake_by_ref of an IDLE task must queue it (does it call Task::wake_by_ref?)"
        );
        assert_eq!(
            references(&task),
            3,
            "test + Waker + queue entry: the Waker lives on after wake_by_ref, so the queue \
             needs a reference of its own (2 means wake_by_ref gave the Waker's reference to \
             the queue: borrow it with ManuallyDrop and let Task::wake_by_ref clone it)"
        );
        for _ in 0..10 {
            waker.wake_by_ref();
        }
        assert_eq!(
            queue.len(),
            1,
            "the task was already queued: nothing more to queue"
        );
        assert_eq!(
            references(&task),
            3,
            "wake_by_ref on a queued task must leave the count alone (lower: it dropped a \
             reference it only borrowed; higher: it cloned one and never gave it back)"
        );
        drop(waker);
        drop(queue.take());
        assert_eq!(
            references(&task),
            1,
            "only the test's reference is left (fewer: a reference was given back twice; \
             more: one was never given back)"
        );
    });
}

#[test]
fn a_woken_task_is_polled_again() {
    within(IF_STUCK, || {
        let Setup {
            task,
            queue,
            polls,
            _padding,
            ..
        } = idle_task();
        let waker = waker(task.clone());
        for round in 1..=3 {
            waker.wake_by_ref();
            let entries = queue.take();
            assert_eq!(
                entries.len(),
                1,
                "round {round}: wake_by_ref of the IDLE task must queue it, once (does it call \
                 Task::wake_by_ref?)"
            );
            for entry in entries {
                assert_eq!(
                    Task::run(entry),
                    Ran::Pending,
                    "round {round}: the queued task can be run: the wake made it SCHEDULED"
                );
            }
            assert_eq!(
                polls.load(Ordering::SeqCst),
                round + 1,
                "round {round}: each wake leads to one more poll"
            );
        }
        drop(waker);
        assert_eq!(
            references(&task),
            1,
            "the Waker and every queue entry are gone: only the test's reference is left \
             (fewer: a reference was given back twice; more: one was never given back)"
        );
    });
}

#[test]
fn clones_of_one_waker_will_wake_each_other() {
    within(IF_STUCK, || {
        let Setup { task, _padding, .. } = idle_task();
        let other = idle_task();
        let first = waker(task.clone());
        let clone = first.clone();
        assert!(
            first.will_wake(&clone),
            "a clone must be recognised by will_wake: same data pointer and same vtable (make \
             the vtable a `static`, so that its address is the same everywhere)"
        );
        let second = waker(task.clone());
        assert!(
            first.will_wake(&second),
            "two wakers made for one task must will_wake each other (same task pointer, same \
             static vtable): a future that moves keeps its stored waker only if will_wake says \
             it is the same"
        );
        let stranger = waker(other.task.clone());
        assert!(
            !first.will_wake(&stranger),
            "a waker of another task must not pass for this one"
        );
    });
}

/// What `script` saw: the reference count after each step, and how many queue entries.
type Trace = (Vec<usize>, usize);

/// The same clones, wakes and drops on a waker made by `make`: the count after each step and
/// how many times the task was queued.
fn script(make: fn(Arc<Task>) -> Waker) -> Trace {
    let Setup {
        task,
        queue,
        _padding,
        ..
    } = idle_task();
    let mut counts = Vec::new();
    let mut queued = 0;
    let mut step = |counts: &mut Vec<usize>| {
        let entries = queue.take();
        queued += entries.len();
        drop(entries);
        counts.push(references(&task));
    };
    let waker = make(task.clone());
    step(&mut counts);
    let second = waker.clone();
    step(&mut counts);
    waker.wake_by_ref();
    step(&mut counts);
    second.wake_by_ref();
    let third = second.clone();
    step(&mut counts);
    drop(second);
    step(&mut counts);
    third.wake();
    step(&mut counts);
    let fourth = waker.clone();
    fourth.wake();
    step(&mut counts);
    drop(waker);
    step(&mut counts);
    (counts, queued)
}

#[test]
fn it_counts_and_wakes_like_the_std_wake_shortcut() {
    within(IF_STUCK, || {
        let shortcut = script(Waker::from);
        let yours = script(waker);
        assert_eq!(
            yours, shortcut,
            "the same steps (new waker, clone, wake_by_ref, wake_by_ref + clone, drop, wake, \
             clone + wake, drop) on your waker and on std's Waker::from(task): (references \
             after each step, times queued) differ"
        );
    });
}

#[test]
fn many_threads_clone_wake_and_drop_and_every_reference_comes_back() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 5_000;
    within(IF_STUCK, || {
        let Setup {
            task,
            queue,
            polls,
            _padding,
            ..
        } = idle_task();
        let original = waker(task.clone());
        let start = Arc::new(Barrier::new(THREADS + 1));
        let mut threads = Vec::new();
        for _ in 0..THREADS {
            let (mine, start) = (original.clone(), start.clone());
            threads.push(thread::spawn(move || {
                start.wait();
                for round in 0..ROUNDS {
                    let clone = mine.clone();
                    clone.wake_by_ref();
                    // A clone woken at once: the clone's reference goes to the queue.
                    let second = mine.clone();
                    second.wake();
                    if round % 2 == 0 {
                        drop(clone);
                    } else {
                        clone.wake();
                    }
                }
            }));
        }
        // Meanwhile, this thread runs the task whenever it is queued, as an executor would.
        start.wait();
        let mut runs = 0;
        while threads.iter().any(|t| !t.is_finished()) || queue.len() > 0 {
            for entry in queue.take() {
                Task::run(entry);
                runs += 1;
            }
            thread::yield_now();
        }
        for thread in threads {
            thread.join().expect("a waking thread panicked");
        }
        let what = format!(
            "{THREADS} threads each did {ROUNDS} rounds of: clone, wake_by_ref, clone + wake, \
             then wake or drop the first clone; the task was run {runs} times and polled {} \
             times meanwhile",
            polls.load(Ordering::SeqCst)
        );
        assert_eq!(
            references(&task),
            2,
            "every clone was woken or dropped, and every queue entry run: the references \
             should be back to 2 (the test's and the original Waker's) — more means a \
             reference leaked (a clone or a wake that never gave one back), fewer means one \
             was given back twice (freed while in use). {what}"
        );
        drop(original);
        assert_eq!(
            references(&task),
            1,
            "the last Waker is gone: only the test's reference is left. {what}"
        );
    });
}
