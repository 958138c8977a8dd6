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
    exercise_variant = "p2_timer_queue/reuses_ids",
    path = "../wrong/p2_timer_queue/reuses_ids.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/stops_at_a_cancelled_timer",
    path = "../wrong/p2_timer_queue/stops_at_a_cancelled_timer.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_timer_queue/ties_fire_in_reverse_order",
    path = "../wrong/p2_timer_queue/ties_fire_in_reverse_order.rs"
)]
pub mod p2_timer_queue;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use exercises::harness::within;
use p2_timer_queue::{TimerId, TimerQueue};

/// `ms` milliseconds after `base`: the tests' clock.
fn at(base: Instant, ms: u64) -> Instant {
    base + Duration::from_millis(ms)
}

/// Every timer due at `now`, in the order `pop_expired` gives them. Fails (rather than loop
/// forever) if it gives more than `most`.
fn drain<T>(queue: &mut TimerQueue<T>, now: Instant, most: usize) -> Vec<T> {
    let mut fired = Vec::new();
    while let Some((_, value)) = queue.pop_expired(now) {
        fired.push(value);
        assert!(
            fired.len() <= most,
            "pop_expired returned more than the {most} timer(s) that were due: does it remove \
             the timer it returns?"
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
        assert_eq!(drain(&mut queue, at(base, 100), 1), vec!["c"]);
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
        assert_eq!(queue.next_deadline(), None, "no timer, no deadline");
        queue.insert(at(base, 30), "c");
        queue.insert(at(base, 10), "a");
        queue.insert(at(base, 20), "b");
        assert_eq!(queue.next_deadline(), Some(at(base, 10)));
        assert_eq!(drain(&mut queue, at(base, 10), 1), vec!["a"]);
        assert_eq!(
            queue.next_deadline(),
            Some(at(base, 20)),
            "after the 10 ms timer fired, the nearest deadline is 20 ms"
        );
        drain(&mut queue, at(base, 100), 2);
        assert_eq!(queue.next_deadline(), None, "every timer fired");
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
        assert_eq!(
            drain(&mut queue, at(base, 100), 2),
            vec!["a", "c"],
            "a cancelled timer must never fire"
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
            queue.next_deadline(),
            Some(at(base, 50)),
            "the 10 ms timer was cancelled: the nearest deadline is 50 ms. A cancelled \
             timer that still sets the deadline wakes the loop up for nothing"
        );
        queue.cancel(late);
        assert_eq!(
            queue.next_deadline(),
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
        assert_eq!(
            drain(&mut queue, at(base, 100), 2),
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
        assert_eq!(queue.pop_expired(at(base, 1)), Some((id, "once")));
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
        assert_eq!(drain(&mut queue, at(base, 100), 1), vec!["newer"]);

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
        assert_eq!(queue.len(), 3);
        queue.pop_expired(at(base, 10));
        assert_eq!(queue.len(), 2, "a timer that fired is no longer pending");
        queue.cancel(b);
        assert_eq!(queue.len(), 1, "a cancelled timer is no longer pending");
        assert!(!queue.is_empty());
        queue.pop_expired(at(base, 30));
        assert_eq!(queue.len(), 0);
        assert!(queue.is_empty(), "every timer fired or was cancelled");
    });
}

#[test]
fn any_mix_of_inserts_cancels_and_pops_matches_a_sorted_list() {
    /// A pending timer in the model: (deadline in ms, insertion number, id, value).
    type Pending = (u64, u64, TimerId, u64);

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
        let base = Instant::now();
        for seed in 0..20 {
            let mut random = Lcg(seed);
            let mut queue = TimerQueue::new();
            let mut model: Vec<Pending> = Vec::new();
            let mut now = 0;
            for step in 0..300 {
                let context = format!("seed {seed}, step {step}");
                match random.below(10) {
                    // Insert, a little after now, as the loop does.
                    0..=4 => {
                        let deadline = now + random.below(40);
                        let value = step;
                        let id = queue.insert(at(base, deadline), value);
                        model.push((deadline, step, id, value));
                    }
                    // Cancel a pending timer.
                    5 | 6 if !model.is_empty() => {
                        let index = random.below(model.len() as u64) as usize;
                        let (_, _, id, value) = model.remove(index);
                        assert_eq!(queue.cancel(id), Some(value), "{context}: cancel");
                    }
                    // Time passes; fire what is due.
                    _ => {
                        now += random.below(15);
                        model.sort();
                        let due = model.iter().take_while(|t| t.0 <= now).count();
                        let expected: Vec<(TimerId, u64)> =
                            model.drain(..due).map(|(_, _, id, v)| (id, v)).collect();
                        let mut fired = Vec::new();
                        while let Some(timer) = queue.pop_expired(at(base, now)) {
                            fired.push(timer);
                            assert!(fired.len() <= expected.len(), "{context}: fired too many");
                        }
                        assert_eq!(
                            fired, expected,
                            "{context}: the timers due at {now} ms, by deadline then insertion"
                        );
                    }
                }
                let nearest = model.iter().map(|t| t.0).min().map(|ms| at(base, ms));
                assert_eq!(queue.next_deadline(), nearest, "{context}: next_deadline");
                assert_eq!(queue.len(), model.len(), "{context}: len");
            }
        }
    });
}
