//! Tests for `exercises/src/p2_timer_queue.rs`: the order timers fire in, cancelling, and the
//! deadline the loop sleeps until, with a made-up clock (deadlines are a fixed instant plus
//! some milliseconds; nothing waits). Run them with
//! `cargo test -p exercises --test p2_timer_queue`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p2_timer_queue")),
    path = "../src/p2_timer_queue.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p2_timer_queue.rs")]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/next_deadline_ignores_cancellation",
    path = "../wrong/p2_timer_queue/next_deadline_ignores_cancellation.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/never_sweeps",
    path = "../wrong/p2_timer_queue/never_sweeps.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/reuses_ids",
    path = "../wrong/p2_timer_queue/reuses_ids.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/stops_at_a_cancelled_timer",
    path = "../wrong/p2_timer_queue/stops_at_a_cancelled_timer.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/sweep_keeps_the_cancelled_ones",
    path = "../wrong/p2_timer_queue/sweep_keeps_the_cancelled_ones.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/ties_fire_in_reverse_order",
    path = "../wrong/p2_timer_queue/ties_fire_in_reverse_order.rs"
)]
pub mod p2_timer_queue;

use std::collections::HashSet;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use exercises::harness::{explain_panic, within};
use p2_timer_queue::{TimerId, TimerQueue};

/// `ms` milliseconds after `base`: the tests' clock.
fn at(base: Instant, ms: u64) -> Instant {
    base + Duration::from_millis(ms)
}

/// `instant` as milliseconds after `base`, for messages a learner can read.
fn in_ms(base: Instant, instant: Option<Instant>) -> Option<u128> {
    instant.map(|instant| (instant - base).as_millis())
}

/// `Some(ms)` as "`ms` ms", `None` as "none", for messages.
fn shown(ms: Option<u128>) -> String {
    ms.map_or("none".to_string(), |ms| format!("{ms} ms"))
}

/// Every timer due at `now`, in the order `pop_expired` gives them. Fails (rather than loop
/// forever) if it gives more than `most`.
fn drain<T: Debug>(queue: &mut TimerQueue<T>, now: Instant, most: usize) -> Vec<T> {
    let mut fired = Vec::new();
    while let Some((_, value)) = queue.pop_expired(now) {
        fired.push(value);
        assert!(
            fired.len() <= most,
            "pop_expired kept returning timers: more than the {most} that could be due \
             ({fired:?}). Does it remove the timer it returns? Does a cancelled timer still \
             fire?"
        );
    }
    fired
}

const IF_STUCK: &str = "does every loop in the queue end (for example, one that skips \
                        cancelled entries)?";

#[test]
fn due_timers_come_out_in_deadline_order() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        queue.insert(at(base, 30), "c");
        queue.insert(at(base, 10), "a");
        queue.insert(at(base, 20), "b");
        assert_eq!(
            drain(&mut queue, at(base, 5), 3),
            Vec::<&str>::new(),
            "at 5 ms nothing is due yet"
        );
        assert_eq!(
            drain(&mut queue, at(base, 20), 3),
            vec!["a", "b"],
            "at 20 ms the timers for 10 and 20 ms are due, earliest first (whatever the order \
             they were inserted in)"
        );
        assert_eq!(
            drain(&mut queue, at(base, 100), 1),
            vec!["c"],
            "at 100 ms the last timer (30 ms) is due, and only it: the others fired already"
        );
    });
}

#[test]
fn a_timer_is_due_at_its_deadline_not_before() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let id = queue.insert(at(base, 10), "ten");
        assert_eq!(
            queue.pop_expired(at(base, 9)),
            None,
            "a timer for 10 ms is not due at 9 ms"
        );
        assert_eq!(queue.len(), 1, "asking early must not remove the timer");
        assert_eq!(
            queue.pop_expired(at(base, 10)),
            Some((id, "ten")),
            "a timer is due at its deadline (deadline <= now), with the id insert returned"
        );
        assert_eq!(queue.pop_expired(at(base, 10)), None, "and it fires once");
    });
}

#[test]
fn equal_deadlines_fire_in_insertion_order() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        // Twenty timers for 10 ms, inserted among timers for other deadlines.
        for i in 0..20 {
            queue.insert(at(base, 10), i);
            queue.insert(at(base, 5 + (i % 3) * 10), 100 + i);
        }
        let fired = drain(&mut queue, at(base, 10), 40);
        let ties: Vec<u64> = fired.into_iter().filter(|&value| value < 100).collect();
        assert_eq!(
            ties,
            (0..20).collect::<Vec<u64>>(),
            "timers with the same deadline must fire in the order they were inserted (the \
             requests of one client were answered in order in part 1; they must be here too)"
        );
    });
}

#[test]
fn next_deadline_is_the_nearest_pending_one() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            None,
            "no timer, no deadline"
        );
        queue.insert(at(base, 30), "c");
        queue.insert(at(base, 10), "a");
        queue.insert(at(base, 20), "b");
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            Some(10),
            "timers for 30, 10 and 20 ms: the nearest deadline is 10 ms, whatever the order \
             they were inserted in"
        );
        assert_eq!(
            drain(&mut queue, at(base, 10), 1),
            vec!["a"],
            "at 10 ms only the 10 ms timer is due"
        );
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            Some(20),
            "after the 10 ms timer fired, the nearest deadline is 20 ms"
        );
        drain(&mut queue, at(base, 100), 2);
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            None,
            "every timer fired"
        );
    });
}

#[test]
fn a_cancelled_timer_never_fires() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        queue.insert(at(base, 10), "a");
        let b = queue.insert(at(base, 20), "b");
        queue.insert(at(base, 30), "c");
        assert_eq!(
            queue.cancel(b),
            Some("b"),
            "cancel returns the timer's value"
        );
        assert_eq!(queue.cancel(b), None, "cancelling twice returns None");
        assert_eq!(queue.len(), 2, "two timers are still pending");
        let fired = drain(&mut queue, at(base, 100), 3);
        assert!(
            !fired.contains(&"b"),
            "the cancelled timer b fired (all that fired: {fired:?}): cancel must make sure a \
             timer never fires"
        );
        assert_eq!(
            fired,
            vec!["a", "c"],
            "a and c were never cancelled and are due at 100 ms: both must fire, in deadline \
             order. If one is missing: does pop_expired return None at the cancelled entry in \
             front of it instead of skipping it, or was the timer lost when b was cancelled?"
        );
    });
}

#[test]
fn a_cancelled_timer_does_not_set_the_deadline() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let early = queue.insert(at(base, 10), "early");
        let late = queue.insert(at(base, 50), "late");
        queue.cancel(early);
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            Some(50),
            "the 10 ms timer was cancelled: the nearest deadline is 50 ms. A cancelled \
             timer that still sets the deadline wakes the loop up for nothing"
        );
        queue.cancel(late);
        assert_eq!(
            in_ms(base, queue.next_deadline()),
            None,
            "every timer was cancelled: there is no deadline, the loop may sleep until a \
             socket is ready"
        );
    });
}

#[test]
fn cancelled_timers_do_not_hold_back_the_due_ones() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let first = queue.insert(at(base, 5), "cancelled");
        queue.insert(at(base, 10), "a");
        let middle = queue.insert(at(base, 15), "cancelled");
        queue.insert(at(base, 20), "b");
        queue.cancel(first);
        queue.cancel(middle);
        let fired = drain(&mut queue, at(base, 100), 4);
        assert!(
            !fired.contains(&"cancelled"),
            "a cancelled timer fired (all that fired: {fired:?})"
        );
        assert_eq!(
            fired,
            vec!["a", "b"],
            "cancelled timers sat in front of due ones: pop_expired must skip them and return \
             the due timers behind, not None"
        );
    });
}

#[test]
fn a_fired_timer_cannot_be_cancelled() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let id = queue.insert(at(base, 1), "once");
        assert_eq!(
            queue.pop_expired(at(base, 1)),
            Some((id, "once")),
            "the timer is due at its deadline, with the id insert returned"
        );
        assert_eq!(
            queue.cancel(id),
            None,
            "the timer already fired: cancelling it returns None"
        );
    });
}

#[test]
fn ids_are_never_reused() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let fired = queue.insert(at(base, 10), "fired");
        drain(&mut queue, at(base, 10), 1);
        let newer = queue.insert(at(base, 20), "newer");
        assert_ne!(fired, newer, "a new timer got the id of one that fired");
        assert_eq!(
            queue.cancel(fired),
            None,
            "an old id (its timer fired) must not cancel a newer timer: a connection that \
             cancels its old io timer would cancel someone else's"
        );
        assert_eq!(
            drain(&mut queue, at(base, 100), 1),
            vec!["newer"],
            "the newer timer is still pending and fires at its deadline"
        );

        let mut queue = TimerQueue::new();
        let mut seen = HashSet::new();
        for round in 0..50 {
            let kept = queue.insert(at(base, 200), round);
            let cancelled = queue.insert(at(base, 100), round);
            queue.cancel(cancelled);
            for id in [kept, cancelled] {
                assert!(seen.insert(id), "the id {id:?} was given out twice");
            }
            if round % 2 == 0 {
                drain(&mut queue, at(base, 300), 50);
            }
        }
    });
}

#[test]
fn len_counts_the_pending_timers() {
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        assert_eq!(queue.len(), 0, "a new queue holds nothing");
        assert!(queue.is_empty(), "a new queue is empty");
        queue.insert(at(base, 10), 'a');
        let b = queue.insert(at(base, 20), 'b');
        queue.insert(at(base, 30), 'c');
        assert_eq!(queue.len(), 3, "three timers were inserted");
        assert_eq!(
            queue.pop_expired(at(base, 10)).map(|(_, value)| value),
            Some('a'),
            "at 10 ms the timer a is due"
        );
        assert_eq!(queue.len(), 2, "a timer that fired is no longer pending");
        queue.cancel(b);
        assert_eq!(queue.len(), 1, "a cancelled timer is no longer pending");
        assert!(!queue.is_empty(), "one timer is still pending");
        assert_eq!(
            queue.pop_expired(at(base, 30)).map(|(_, value)| value),
            Some('c'),
            "at 30 ms the pending timer c is due; b, in front of it, was cancelled: pop_expired \
             must skip b's entry and return c"
        );
        assert_eq!(queue.len(), 0, "c fired: nothing is pending");
        assert!(queue.is_empty(), "every timer fired or was cancelled");
    });
}

#[test]
fn many_cancellations_lose_no_pending_timer() {
    /// Timers that stay pending throughout, with deadlines among the cancelled ones'.
    const PENDING: u64 = 10;
    /// Timers inserted and cancelled at once, as a server does when requests end before
    /// their timeout: far more than any clean-up threshold.
    const CANCELLED: u64 = 5_000;
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let pending: Vec<(TimerId, u64)> = (0..PENDING)
            .map(|i| (queue.insert(at(base, 100 + 10 * i), i), i))
            .collect();
        for round in 0..CANCELLED {
            // Deadlines before, among and after the pending timers'.
            let id = queue.insert(at(base, 50 + round % 200), 1_000 + round);
            assert_eq!(
                queue.cancel(id),
                Some(1_000 + round),
                "cancel of a timer just inserted must return its value"
            );
            if round % 1_000 == 999 {
                assert_eq!(
                    queue.len(),
                    PENDING as usize,
                    "after {} timers were inserted and cancelled, {PENDING} are still pending",
                    round + 1
                );
                let next = in_ms(base, queue.next_deadline());
                assert!(
                    next == Some(100),
                    "after {} timers were inserted and cancelled, the nearest pending deadline \
                     is still 100 ms, but next_deadline is {}: {}",
                    round + 1,
                    shown(next),
                    if next.is_some_and(|ms| ms < 100) {
                        "a cancelled timer still sets the deadline"
                    } else {
                        "pending timers were lost. A clean-up of cancelled entries must keep \
                         every pending one (`retain` keeps the entries its closure returns \
                         true for)"
                    }
                );
            }
        }
        let fired: Vec<(TimerId, u64)> =
            std::iter::from_fn(|| queue.pop_expired(at(base, 1_000))).collect();
        assert_eq!(
            fired, pending,
            "{CANCELLED} timers were inserted and cancelled around {PENDING} pending ones: \
             exactly the pending ones must fire, in deadline order. Missing ones were held \
             back by a cancelled entry in front of them or lost by a clean-up of cancelled \
             entries; extra ones are cancelled timers that fired"
        );
    });
}

#[test]
fn cancelled_timers_do_not_pile_up() {
    /// Timers that stay pending throughout.
    const PENDING: u64 = 10;
    /// Timers inserted and cancelled, with deadlines after the pending ones', as a server's
    /// timeouts are when requests end first.
    const CANCELLED: u64 = 5_000;
    /// Entries a queue may hold for 10 pending timers: any clean-up that runs now and then
    /// stays far below; a queue that keeps every cancelled entry holds 5 010.
    const MOST_ENTRIES: usize = 1_000;
    within(IF_STUCK, || {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        for i in 0..PENDING {
            queue.insert(at(base, 100 + i), i);
        }
        for round in 0..CANCELLED {
            let id = queue.insert(at(base, 10_000 + round), 1_000 + round);
            assert_eq!(
                queue.cancel(id),
                Some(1_000 + round),
                "cancel of a timer just inserted must return its value"
            );
        }
        assert_eq!(
            queue.len(),
            PENDING as usize,
            "{PENDING} timers are pending"
        );
        let entries = queue.entries();
        assert!(
            entries <= MOST_ENTRIES,
            "{CANCELLED} timers were inserted and cancelled around {PENDING} pending ones, and \
             the queue still holds {entries} entries: cancelled entries that never reach the \
             top (their deadline is far away) are never skipped, so they must be cleared out \
             now and then, e.g. with BinaryHeap::retain once they outnumber the pending ones. \
             (Or does entries() count something else than what the queue stores?)"
        );
    });
}

/// What went wrong when `fired` (values, in order) is not `due`: the cancelled timers that
/// fired, the due timers that did not, the timers that fired early, or only the order.
fn explain(fired: &[u64], due: &[u64], cancelled: &HashSet<u64>, pending: &[u64]) -> String {
    let mut causes = Vec::new();
    let mut seen = HashSet::new();
    let repeated: Vec<u64> = fired.iter().copied().filter(|v| !seen.insert(*v)).collect();
    if !repeated.is_empty() {
        causes.push(format!(
            "timers fired more than once: {repeated:?} (does pop_expired remove the timer it \
             returns?)"
        ));
    }
    let wrongly_fired: Vec<u64> = fired
        .iter()
        .copied()
        .filter(|v| cancelled.contains(v))
        .collect();
    if !wrongly_fired.is_empty() {
        causes.push(format!("cancelled timers fired: {wrongly_fired:?}"));
    }
    let early: Vec<u64> = fired
        .iter()
        .copied()
        .filter(|v| pending.contains(v))
        .collect();
    if !early.is_empty() {
        causes.push(format!("timers fired before their deadline: {early:?}"));
    }
    let missing: Vec<u64> = due.iter().copied().filter(|v| !fired.contains(v)).collect();
    if !missing.is_empty() {
        causes.push(format!(
            "due timers did not fire: {missing:?} (were they lost, or held back by a \
             cancelled entry in front of them?)"
        ));
    }
    if causes.is_empty() {
        causes.push(
            "the right timers fired, in the wrong order (deadline first, then the \
                     order of insertion)"
                .to_string(),
        );
    }
    causes.join("; ")
}

#[test]
fn any_mix_of_inserts_cancels_and_pops_matches_a_sorted_list() {
    /// A pending timer in the model: (deadline in ms, insertion number, id, value).
    type Pending = (u64, u64, TimerId, u64);
    const SEEDS: u64 = 20;
    const STEPS: u64 = 300;

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

    /// The operations of one seed so far, to replay a failure by hand.
    fn history(seed: u64, log: &[String]) -> String {
        format!(
            "\nThe operations that led here (seed {seed}; timers are named by their value):\n  {}",
            log.join("\n  ")
        )
    }

    within(IF_STUCK, || {
        let base = Instant::now();
        for seed in 0..SEEDS {
            let mut random = Lcg(seed);
            let mut queue = TimerQueue::new();
            let mut model: Vec<Pending> = Vec::new();
            let mut cancelled = HashSet::new();
            let mut ids = HashSet::new();
            let mut log = Vec::new();
            let mut now = 0;
            for step in 0..STEPS {
                match random.below(10) {
                    // Insert, a little after now, as the loop does.
                    0..=4 => {
                        let deadline = now + random.below(40);
                        let id = explain_panic(
                            &format!("insert timer {step} for {deadline} ms"),
                            || history(seed, &log),
                            || queue.insert(at(base, deadline), step),
                        );
                        log.push(format!("insert timer {step} for {deadline} ms"));
                        assert!(
                            ids.insert(id),
                            "insert returned {id:?} for timer {step}, an id it gave out before: \
                             ids are never reused (an old id must not cancel a newer timer){}",
                            history(seed, &log)
                        );
                        model.push((deadline, step, id, step));
                    }
                    // Cancel a pending timer.
                    5 | 6 if !model.is_empty() => {
                        let index = random.below(model.len() as u64) as usize;
                        let (_, _, id, value) = model.remove(index);
                        let got = explain_panic(
                            &format!("cancel timer {value}"),
                            || history(seed, &log),
                            || queue.cancel(id),
                        );
                        log.push(format!("cancel timer {value} → {got:?}"));
                        cancelled.insert(value);
                        assert_eq!(
                            got,
                            Some(value),
                            "cancel of pending timer {value} must return its value{}",
                            history(seed, &log)
                        );
                    }
                    // Time passes; fire what is due.
                    _ => {
                        now += random.below(15);
                        model.sort();
                        let due = model.iter().take_while(|t| t.0 <= now).count();
                        let expected: Vec<u64> = model.drain(..due).map(|(_, _, _, v)| v).collect();
                        let mut fired = Vec::new();
                        while let Some((_, value)) = explain_panic(
                            &format!("pop_expired at {now} ms (after it fired {fired:?})"),
                            || history(seed, &log),
                            || queue.pop_expired(at(base, now)),
                        ) {
                            fired.push(value);
                            if fired.len() > expected.len() + cancelled.len() + model.len() {
                                break;
                            }
                        }
                        log.push(format!("pop_expired until None at {now} ms → {fired:?}"));
                        let pending: Vec<u64> = model.iter().map(|t| t.3).collect();
                        assert!(
                            fired == expected,
                            "at {now} ms the due timers are {expected:?} (by deadline, then \
                             insertion), but {fired:?} fired: {}{}",
                            explain(&fired, &expected, &cancelled, &pending),
                            history(seed, &log)
                        );
                    }
                }
                let nearest = model.iter().map(|t| t.0).min();
                let next = in_ms(
                    base,
                    explain_panic(
                        "next_deadline()",
                        || history(seed, &log),
                        || queue.next_deadline(),
                    ),
                );
                assert!(
                    next == nearest.map(u128::from),
                    "next_deadline is {}, but the nearest pending timer is due at {}: {}{}",
                    shown(next),
                    shown(nearest.map(u128::from)),
                    match (next, nearest) {
                        (Some(got), Some(want)) if got < u128::from(want) =>
                            "a cancelled or fired timer still sets the deadline",
                        (None, Some(_)) | (Some(_), Some(_)) => "a pending timer is missing",
                        _ => "no timer is pending: there is no deadline",
                    },
                    history(seed, &log)
                );
                let len = explain_panic("len()", || history(seed, &log), || queue.len());
                assert_eq!(
                    len,
                    model.len(),
                    "len must count the pending timers{}",
                    history(seed, &log)
                );
            }
        }
    });
}
