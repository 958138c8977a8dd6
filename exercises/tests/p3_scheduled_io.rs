//! Tests for `exercises/src/p3_scheduled_io.rs`: events with and without a waiting task, the
//! two directions, which waker is kept, clears that come late, a long random sequence checked
//! against a model, and a driver thread whose events race a task's polls. Run them with
//! `cargo run -p exercises -- test p3_scheduled_io`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p3_scheduled_io")),
    path = "../src/p3_scheduled_io.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p3_scheduled_io.rs")]
#[cfg_attr(
    exercise_variant = "p3_scheduled_io/clear_ignores_the_tick",
    path = "../wrong/p3_scheduled_io/clear_ignores_the_tick.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_scheduled_io/keeps_the_first_waker",
    path = "../wrong/p3_scheduled_io/keeps_the_first_waker.rs"
)]
#[cfg_attr(
    exercise_variant = "p3_scheduled_io/readiness_needs_a_waiter",
    path = "../wrong/p3_scheduled_io/readiness_needs_a_waiter.rs"
)]
pub mod p3_scheduled_io;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;

use exercises::harness::{CountingWaker, within};
use p3_scheduled_io::{Direction, ReadyEvent, ScheduledIo, Woken};

const IF_STUCK: &str = "does a method wait for a lock it already holds (set_ready and \
                        poll_ready take the waiters' lock; are they called with it held)?";

fn poll(io: &ScheduledIo, direction: Direction, waker: &Waker) -> Poll<ReadyEvent> {
    io.poll_ready(direction, &mut Context::from_waker(waker))
}

/// Wakes what `set_ready` handed back, as the driver does; returns (reader, writer) woken.
fn wake_all(woken: Woken) -> (bool, bool) {
    let reader = woken.reader.map(Waker::wake).is_some();
    let writer = woken.writer.map(Waker::wake).is_some();
    (reader, writer)
}

#[test]
fn readiness_that_arrives_with_no_waiter_is_kept() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (_, waker) = CountingWaker::waker();
        assert!(
            poll(&io, Direction::Read, &waker).is_pending(),
            "a new ScheduledIo is not ready: the OS has reported nothing yet"
        );
        let io = ScheduledIo::new();
        assert_eq!(
            wake_all(io.set_ready(true, false)),
            (false, false),
            "nobody waits, so set_ready has no waker to hand back"
        );
        assert!(
            poll(&io, Direction::Read, &waker).is_ready(),
            "readable was reported while nobody waited: the next poll_ready(Read) must find \
             it (edge-triggered epoll will not report it again — dropped, the task would wait \
             forever)"
        );
        assert!(
            poll(&io, Direction::Read, &waker).is_ready(),
            "poll_ready does not use the readiness up: only clear (after WouldBlock) does"
        );
        assert!(
            poll(&io, Direction::Write, &waker).is_pending(),
            "only readable was reported: writing must wait"
        );
    });
}

#[test]
fn a_task_that_finds_it_not_ready_is_woken_by_the_next_event() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (reader, waker) = CountingWaker::waker();
        assert!(
            poll(&io, Direction::Read, &waker).is_pending(),
            "nothing was reported yet: Pending"
        );
        assert!(
            io.has_waiter(Direction::Read),
            "a task that found the socket not ready must leave its waker for the driver"
        );
        assert!(
            !io.has_waiter(Direction::Write),
            "nobody waits to write: has_waiter(Write) is false"
        );
        let (woke_reader, _) = wake_all(io.set_ready(true, false));
        assert!(
            woke_reader && reader.wakes() == 1,
            "readable was reported: set_ready must hand back the waiting reader's waker (and \
             the driver wakes it)"
        );
        assert!(
            !io.has_waiter(Direction::Read),
            "the waker was handed back: it is no longer stored (take it out of its slot)"
        );
        assert!(
            poll(&io, Direction::Read, &waker).is_ready(),
            "the woken task polls again and finds the readiness"
        );
    });
}

#[test]
fn the_two_directions_are_separate() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (reader, read_waker) = CountingWaker::waker();
        let (writer, write_waker) = CountingWaker::waker();
        assert!(
            poll(&io, Direction::Read, &read_waker).is_pending(),
            "not readable yet"
        );
        assert!(
            poll(&io, Direction::Write, &write_waker).is_pending(),
            "not writable yet"
        );
        assert_eq!(
            wake_all(io.set_ready(false, true)),
            (false, true),
            "writable only: set_ready hands back the writer's waker, and not the reader's"
        );
        assert_eq!(
            (reader.wakes(), writer.wakes()),
            (0, 1),
            "(reader wakes, writer wakes) after a writable event"
        );
        assert!(
            io.has_waiter(Direction::Read),
            "the reader still waits: its waker stays stored"
        );
        assert!(
            poll(&io, Direction::Write, &write_waker).is_ready(),
            "writable now"
        );
        assert!(
            poll(&io, Direction::Read, &read_waker).is_pending(),
            "still not readable"
        );
        assert_eq!(
            wake_all(io.set_ready(true, true)),
            (true, false),
            "readable and writable: the reader waits and is handed back; nobody waits to write"
        );
    });
}

#[test]
fn the_stored_waker_is_replaced_when_another_task_polls() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (first, first_waker) = CountingWaker::waker();
        let (second, second_waker) = CountingWaker::waker();
        for _ in 0..3 {
            assert!(
                poll(&io, Direction::Read, &first_waker).is_pending(),
                "not readable"
            );
        }
        assert!(
            poll(&io, Direction::Read, &second_waker).is_pending(),
            "not readable"
        );
        assert_eq!(
            Arc::strong_count(&first),
            2,
            "the future moved to a second task: the first task's waker must be dropped (the \
             test's reference and the waker it polls with are all that is left)"
        );
        wake_all(io.set_ready(true, false));
        assert_eq!(
            (first.wakes(), second.wakes()),
            (0, 1),
            "(first task wakes, second task wakes): only the task that polled last waits for \
             this socket now. Replace the stored waker when it does not will_wake the new one"
        );
    });
}

#[test]
fn clear_makes_it_not_ready_until_the_next_event() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (reader, waker) = CountingWaker::waker();
        io.set_ready(true, true);
        let Poll::Ready(seen) = poll(&io, Direction::Read, &waker) else {
            panic!("readable was reported: poll_ready(Read) must be Ready");
        };
        io.clear(seen);
        assert!(
            poll(&io, Direction::Read, &waker).is_pending(),
            "the read said WouldBlock and the task cleared readable: not readable any more \
             (its waker is stored now)"
        );
        assert!(
            poll(&io, Direction::Write, &waker).is_ready(),
            "clearing readable must leave writable alone"
        );
        wake_all(io.set_ready(true, false));
        assert_eq!(
            reader.wakes(),
            1,
            "the next readable event wakes the reader"
        );
        assert!(
            poll(&io, Direction::Read, &waker).is_ready(),
            "and it is readable again"
        );
    });
}

#[test]
fn a_clear_does_not_erase_readiness_that_arrived_since() {
    within(IF_STUCK, || {
        let io = ScheduledIo::new();
        let (_, waker) = CountingWaker::waker();
        io.set_ready(true, false);
        let Poll::Ready(seen) = poll(&io, Direction::Read, &waker) else {
            panic!("readable was reported: poll_ready(Read) must be Ready");
        };
        // The task's read said WouldBlock; before it clears, the OS reports new bytes.
        io.set_ready(true, false);
        io.clear(seen);
        let Poll::Ready(fresh) = poll(&io, Direction::Read, &waker) else {
            panic!(
                "new bytes were reported after the readiness the task used, and its clear \
                 erased them: the socket is readable, but the task will wait for an event that \
                 epoll will not send again. Every set_ready must move a tick on, the \
                 ReadyEvent must remember the tick it saw, and clear must do nothing if the \
                 tick has moved"
            );
        };
        io.clear(fresh);
        assert!(
            poll(&io, Direction::Read, &waker).is_pending(),
            "a clear with the latest event's tick does clear"
        );
    });
}

#[test]
fn a_long_random_sequence_matches_a_model() {
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

    /// The model of one direction: ready or not, the readiness generation a clear must match,
    /// and which of the test's tasks waits.
    #[derive(Default, Clone, Copy)]
    struct Side {
        ready: bool,
        waiter: Option<usize>,
    }

    within(IF_STUCK, || {
        let directions = [Direction::Read, Direction::Write];
        for seed in 0..20 {
            let mut random = Lcg(seed);
            let io = ScheduledIo::new();
            let tasks: Vec<(Arc<CountingWaker>, Waker)> =
                (0..3).map(|_| CountingWaker::waker()).collect();
            let mut model = [Side::default(); 2];
            let mut events = 0usize;
            // The last event each direction's poll returned, and the event count then.
            let mut seen: [Option<(ReadyEvent, usize)>; 2] = [None, None];
            let mut done: Vec<String> = Vec::new();
            for _ in 0..400 {
                let side = random.below(2) as usize;
                let direction = directions[side];
                match random.below(3) {
                    0 => {
                        let (readable, writable) = (random.below(2) == 0, random.below(2) == 0);
                        done.push(format!("set_ready({readable}, {writable})"));
                        let woken = io.set_ready(readable, writable);
                        events += 1;
                        for (i, flag, handed) in [
                            (0, readable, woken.reader.is_some()),
                            (1, writable, woken.writer.is_some()),
                        ] {
                            let expected = flag && model[i].waiter.is_some();
                            let recent = done[done.len().saturating_sub(10)..].join("\n  ");
                            assert_eq!(
                                handed, expected,
                                "seed {seed}: set_ready handed back a {:?} waker: {handed}, \
                                 expected {expected} (a waker is handed back when its \
                                 direction is reported and someone waits). The last \
                                 operations:\n  {recent}",
                                directions[i]
                            );
                            if flag {
                                model[i].ready = true;
                                model[i].waiter = None;
                            }
                        }
                        wake_all(woken);
                    }
                    1 => {
                        let who = random.below(3) as usize;
                        done.push(format!("task {who}: poll_ready({direction:?})"));
                        let got = poll(&io, direction, &tasks[who].1);
                        let recent = done[done.len().saturating_sub(10)..].join("\n  ");
                        assert_eq!(
                            got.is_ready(),
                            model[side].ready,
                            "seed {seed}: poll_ready({direction:?}) returned {:?}; the model \
                             says ready = {}. The last operations:\n  {recent}",
                            got.map(|_| ()),
                            model[side].ready
                        );
                        match got {
                            Poll::Ready(event) => seen[side] = Some((event, events)),
                            Poll::Pending => model[side].waiter = Some(who),
                        }
                    }
                    _ => {
                        let Some((event, at)) = seen[side].take() else {
                            continue;
                        };
                        let stale = at != events;
                        done.push(format!(
                            "clear({direction:?} event seen {} set_ready(s) ago)",
                            events - at
                        ));
                        io.clear(event);
                        if !stale {
                            model[side].ready = false;
                        }
                    }
                }
                for (i, direction) in directions.iter().enumerate() {
                    let recent = done[done.len().saturating_sub(10)..].join("\n  ");
                    assert_eq!(
                        io.has_waiter(*direction),
                        model[i].waiter.is_some(),
                        "seed {seed}: has_waiter({direction:?}). The last operations:\n  \
                         {recent}"
                    );
                }
            }
        }
    });
}

/// Waits until `flag` holds `value`: spinning first (the other thread is a few instructions
/// away), then giving the CPU away (it may not be running at all).
fn await_value(flag: &AtomicUsize, value: usize) {
    let mut spins = 0u32;
    while flag.load(Ordering::SeqCst) != value {
        spins += 1;
        if spins < 1_000 {
            std::hint::spin_loop();
        } else {
            thread::yield_now();
        }
    }
}

#[test]
fn an_event_racing_a_poll_is_never_lost() {
    const ROUNDS: usize = 20_000;
    /// The driver waits 0 to this many spins before its event, a different delay each round,
    /// so that over the rounds the event falls at every point of the task's poll.
    const DELAYS: usize = 64;
    within(IF_STUCK, || {
        let io = Arc::new(ScheduledIo::new());
        // Round numbers, from 1: `go` starts a round on both threads (released together, within
        // a few instructions), `done` says the driver has reported and woken.
        let go = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let driver = {
            let (io, go, done) = (io.clone(), go.clone(), done.clone());
            thread::spawn(move || {
                for round in 1..=ROUNDS {
                    await_value(&go, round);
                    for _ in 0..round % DELAYS {
                        std::hint::spin_loop();
                    }
                    wake_all(io.set_ready(true, false));
                    done.store(round, Ordering::SeqCst);
                }
            })
        };
        let mut lost = Vec::new();
        for round in 1..=ROUNDS {
            let (counter, waker) = CountingWaker::waker();
            go.store(round, Ordering::SeqCst);
            // Races the driver's set_ready.
            let first = poll(&io, Direction::Read, &waker);
            await_value(&done, round);
            if first.is_pending() && counter.wakes() == 0 {
                lost.push(round);
            }
            // Back to "not readable" for the next round.
            let Poll::Ready(event) = poll(&io, Direction::Read, &waker) else {
                panic!(
                    "round {round}: set_ready(true, false) has returned, yet poll_ready(Read) \
                     is not Ready"
                );
            };
            io.clear(event);
        }
        driver.join().expect("the driver thread panicked");
        assert!(
            lost.is_empty(),
            "in {} of {ROUNDS} rounds (the first: {:?}) a task's poll_ready raced the driver's \
             set_ready, returned Pending, and was never woken: a lost wake-up, the task waits \
             forever. After storing the waker, look at the readiness once more (under the same \
             lock the driver takes to hand wakers back)",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
    });
}
