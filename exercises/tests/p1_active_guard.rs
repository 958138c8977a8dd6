//! Tests for `exercises/src/p1_active_guard.rs`: the count must be right on every path out of
//! a scope. Run them with `cargo test -p exercises --test p1_active_guard`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p1_active_guard")),
    path = "../src/p1_active_guard.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p1_active_guard.rs")]
#[cfg_attr(
    exercise_variant = "p1_active_guard/drop_on_the_gauge",
    path = "../wrong/p1_active_guard/drop_on_the_gauge.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_active_guard/load_then_store",
    path = "../wrong/p1_active_guard/load_then_store.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_active_guard/forgets_to_decrement",
    path = "../wrong/p1_active_guard/forgets_to_decrement.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_active_guard/increments_twice",
    path = "../wrong/p1_active_guard/increments_twice.rs"
)]
pub mod p1_active_guard;

use std::panic;
use std::sync::{Arc, Barrier};
use std::thread;

use exercises::harness::within;
use p1_active_guard::Gauge;

/// The error a pretend connection handler returns.
#[derive(Debug)]
struct ClientLeft;

/// A connection handler in miniature: counts itself in, then leaves early through `?` when
/// the client is gone.
fn serve(active: &Gauge, client_gone: bool) -> Result<u64, ClientLeft> {
    let _open = active.enter();
    let seen_inside = active.get();
    read_from(client_gone)?;
    Ok(seen_inside)
}

fn read_from(client_gone: bool) -> Result<(), ClientLeft> {
    if client_gone { Err(ClientLeft) } else { Ok(()) }
}

#[test]
fn enter_counts_one_and_dropping_the_guard_gives_it_back() {
    let gauge = Gauge::new();
    assert_eq!(gauge.get(), 0, "a new gauge starts at 0");
    let guard = gauge.enter();
    assert_eq!(gauge.get(), 1, "enter() must count one more");
    drop(guard);
    assert_eq!(
        gauge.get(),
        0,
        "dropping the guard must give its unit back: does GaugeGuard implement Drop, and does \
         its drop() decrement the gauge it came from?"
    );
}

#[test]
fn an_early_return_through_question_mark_gives_the_unit_back() {
    let gauge = Gauge::new();
    assert_eq!(
        serve(&gauge, false).ok(),
        Some(1),
        "inside the scope, one unit is held"
    );
    assert_eq!(
        gauge.get(),
        0,
        "after a normal return the count is back to 0"
    );
    assert!(
        serve(&gauge, true).is_err(),
        "the pretend handler returns its error through `?` (this checks the test itself)"
    );
    assert_eq!(
        gauge.get(),
        0,
        "after an early return through `?` the count must be back to 0: only Drop runs on \
         that path"
    );
}

#[test]
fn a_panic_gives_the_unit_back() {
    let gauge = Gauge::new();
    let result = panic::catch_unwind(|| {
        let _open = gauge.enter();
        assert_eq!(gauge.get(), 1, "enter() must count one more");
        panic!("a handler failed (this panic is part of the test)");
    });
    let payload = result.expect_err("the handler panicked");
    if let Some(failed_assertion) = payload.downcast_ref::<String>() {
        panic!("{failed_assertion}");
    }
    assert_eq!(
        gauge.get(),
        0,
        "a guard dropped while a panic unwinds must still give its unit back"
    );
}

#[test]
fn nested_guards_count_each_unit_once() {
    let gauge = Gauge::new();
    let outer = gauge.enter();
    let inner = gauge.enter();
    assert_eq!(gauge.get(), 2, "two guards hold two units");
    drop(inner);
    assert_eq!(
        gauge.get(),
        1,
        "dropping one guard gives back exactly one unit"
    );
    let again = gauge.enter();
    assert_eq!(
        gauge.get(),
        2,
        "one guard left and a new one: two units held"
    );
    // Guards need not be dropped in the order they were made.
    drop(outer);
    assert_eq!(
        gauge.get(),
        1,
        "dropping the outer guard first gives back one unit"
    );
    drop(again);
    assert_eq!(gauge.get(), 0, "every unit is given back exactly once");
}

/// Threads that enter and leave at once, in [`contest`].
const THREADS: usize = 8;
/// Guards each thread takes and drops in one contest: enough for threads on different cores
/// to overlap many times, and still a few milliseconds.
const ROUNDS: usize = 50_000;
/// Contests run before the count is called right. Lost updates are a race: one contest on a
/// busy machine may see none, several in a row will not.
const CONTESTS: usize = 4;

/// [`THREADS`] threads each hold a guard together, then enter and leave [`ROUNDS`] times at
/// once. Returns what the gauge read while all held one, and what it reads at the end.
fn contest(gauge: &Arc<Gauge>) -> (u64, u64) {
    // Everyone (the threads and this test) meets here while every thread holds a guard.
    let all_inside = Arc::new(Barrier::new(THREADS + 1));
    let may_leave = Arc::new(Barrier::new(THREADS + 1));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (gauge, all_inside, may_leave) = (
                Arc::clone(gauge),
                Arc::clone(&all_inside),
                Arc::clone(&may_leave),
            );
            thread::spawn(move || {
                let held = gauge.enter();
                all_inside.wait();
                may_leave.wait();
                drop(held);
                for _ in 0..ROUNDS {
                    let _open = gauge.enter();
                }
            })
        })
        .collect();
    all_inside.wait();
    let while_all_inside = gauge.get();
    may_leave.wait();
    for worker in workers {
        if let Err(panic) = worker.join() {
            panic::resume_unwind(panic);
        }
    }
    (while_all_inside, gauge.get())
}

#[test]
fn many_threads_entering_and_leaving_at_once_end_at_zero() {
    within(
        "do enter() or drop() wait on a lock that is never released?",
        || {
            for attempt in 1..=CONTESTS {
                let gauge = Arc::new(Gauge::new());
                let (while_all_inside, at_the_end) = contest(&gauge);
                assert_eq!(
                    while_all_inside, THREADS as u64,
                    "with {THREADS} threads each holding a guard, the gauge must read {THREADS}"
                );
                assert_eq!(
                    at_the_end, 0,
                    "contest {attempt}: after {THREADS} threads each entered and left {ROUNDS} \
                     times at once, the gauge must read 0. If the tests with one thread pass, \
                     updates were lost between threads: are incr and decr each one atomic \
                     read-modify-write (fetch_add/fetch_sub), not a load followed by a store?"
                );
            }
        },
    );
}

#[test]
fn incr_decr_and_set_move_the_count_directly() {
    let gauge = Gauge::new();
    let held = gauge.enter();
    gauge.incr();
    gauge.incr();
    gauge.decr();
    assert_eq!(gauge.get(), 2, "enter, incr, incr, decr: 2");
    gauge.set(7);
    assert_eq!(gauge.get(), 7, "set(7) stores 7");
    drop(held);
    assert_eq!(
        gauge.get(),
        6,
        "the guard gives back one unit, whatever the count is"
    );
}
