//! The timer queue: what the event loop must do at a given time, nearest first.
//!
//! A reactor waits for two kinds of things: sockets becoming ready, and time passing (a
//! request's `io_ms`, an idle connection's timeout, a retry after `accept` failed). The OS
//! waits for both at once if we ask it to: `epoll_wait` takes a timeout, and the loop passes
//! *the time until the nearest deadline*. So `poll` returns either because a socket is ready or
//! because the next timer is due — and a loop with ten thousand pending timers still makes one
//! system call to wait for all of them and all its sockets.
//!
//! # Why a binary heap with lazy cancellation
//!
//! [`TimerQueue`] keeps deadlines in a binary heap: inserting is O(log n), finding the nearest
//! deadline is O(1), popping it O(log n). Cancelling in the middle of a heap is awkward, so it
//! is *lazy*: [`cancel`](TimerQueue::cancel) forgets the timer's value, and its heap entry is
//! skipped when it reaches the top (or swept out when cancelled entries outnumber live ones,
//! so memory stays proportional to the live timers).
//!
//! Tokio uses a *hierarchical timing wheel* instead (`tokio/src/runtime/time/wheel/mod.rs`):
//! six levels of 64 slots, of 1 ms, 64 ms, ~4 s, ... Inserting and cancelling are O(1) (a
//! timer is an entry in an intrusive linked list of its slot, `wheel/level.rs`), which matters
//! when millions of timeouts are set and cancelled per second — but deadlines are rounded up
//! to the millisecond (`tokio/src/runtime/time/mod.rs`) and the structure takes pages to
//! explain. A heap is exact, short, and fast enough for this workshop's loads.
//!
//! # Order
//!
//! Timers fire in deadline order; timers with the same deadline fire in the order they were
//! inserted (each gets an increasing sequence number, which is also its [`TimerId`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

/// A handle to cancel a timer. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

/// How many cancelled entries may wait in the heap, beyond the live ones, before they are swept
/// out. A small floor avoids sweeping a tiny heap over and over.
const SWEEP_FLOOR: usize = 64;

/// Timers, each with a deadline and a value (what to do when it fires).
#[derive(Debug)]
pub struct TimerQueue<T> {
    /// Deadlines, nearest on top. Entries whose id is not in `live` were cancelled.
    heap: BinaryHeap<Reverse<(Instant, TimerId)>>,
    /// The values of the timers that are still pending.
    live: HashMap<TimerId, T>,
    next_id: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerQueue<T> {
    pub fn new() -> Self {
        TimerQueue {
            heap: BinaryHeap::new(),
            live: HashMap::new(),
            next_id: 0,
        }
    }

    /// Schedules `value` for `deadline`.
    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let id = TimerId(self.next_id);
        self.next_id += 1;
        self.heap.push(Reverse((deadline, id)));
        self.live.insert(id, value);
        id
    }

    /// Cancels a pending timer and returns its value; `None` if it already fired or was
    /// cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        let value = self.live.remove(&id)?;
        if self.heap.len() > 2 * self.live.len() + SWEEP_FLOOR {
            let live = &self.live;
            self.heap.retain(|Reverse((_, id))| live.contains_key(id));
        }
        Some(value)
    }

    /// The nearest deadline of a pending timer.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.discard_cancelled_top();
        self.heap.peek().map(|Reverse((deadline, _))| *deadline)
    }

    /// The next timer due at or before `now` (earliest deadline first, then insertion order),
    /// removed from the queue. Call it until it returns `None`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        self.discard_cancelled_top();
        let Reverse((deadline, id)) = *self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap.pop();
        let value = self
            .live
            .remove(&id)
            .expect("the top entry is live: cancelled ones were just discarded");
        Some((id, value))
    }

    /// How many timers are pending.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// How many entries the queue holds, cancelled ones not swept out yet included: what its
    /// memory grows with. At most about twice [`len`](Self::len) plus [`SWEEP_FLOOR`], however
    /// many timers were cancelled (the exercise's tests check that a queue never keeps every
    /// cancelled entry).
    pub fn entries(&self) -> usize {
        self.heap.len()
    }

    /// Pops cancelled entries off the top, so that the top (if any) is a live timer.
    fn discard_cancelled_top(&mut self) {
        while let Some(Reverse((_, id))) = self.heap.peek() {
            if self.live.contains_key(id) {
                return;
            }
            self.heap.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    fn drain(queue: &mut TimerQueue<&'static str>, now: Instant) -> Vec<&'static str> {
        std::iter::from_fn(|| queue.pop_expired(now).map(|(_, v)| v)).collect()
    }

    #[test]
    fn timers_fire_in_deadline_order_and_only_when_due() {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        queue.insert(at(base, 30), "c");
        queue.insert(at(base, 10), "a");
        queue.insert(at(base, 20), "b");
        assert_eq!(queue.next_deadline(), Some(at(base, 10)));
        assert_eq!(drain(&mut queue, at(base, 5)), Vec::<&str>::new());
        assert_eq!(drain(&mut queue, at(base, 20)), vec!["a", "b"]);
        assert_eq!(queue.next_deadline(), Some(at(base, 30)));
        assert_eq!(drain(&mut queue, at(base, 100)), vec!["c"]);
        assert_eq!(queue.next_deadline(), None);
        assert!(queue.is_empty());
    }

    #[test]
    fn equal_deadlines_fire_in_insertion_order() {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        for name in ["first", "second", "third", "fourth"] {
            queue.insert(at(base, 10), name);
        }
        assert_eq!(
            drain(&mut queue, at(base, 10)),
            vec!["first", "second", "third", "fourth"]
        );
    }

    #[test]
    fn a_cancelled_timer_never_fires_and_no_longer_sets_the_deadline() {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let early = queue.insert(at(base, 10), "early");
        queue.insert(at(base, 20), "late");
        assert_eq!(queue.cancel(early), Some("early"));
        assert_eq!(queue.cancel(early), None, "cancelling twice is harmless");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.next_deadline(), Some(at(base, 20)));
        assert_eq!(drain(&mut queue, at(base, 100)), vec!["late"]);
    }

    #[test]
    fn a_fired_timer_cannot_be_cancelled() {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let id = queue.insert(at(base, 1), "once");
        assert_eq!(queue.pop_expired(at(base, 1)), Some((id, "once")));
        assert_eq!(queue.cancel(id), None);
    }

    #[test]
    fn cancelled_entries_are_swept_out_of_the_heap() {
        let base = Instant::now();
        let mut queue = TimerQueue::new();
        let keep = queue.insert(at(base, 1), "keep");
        for _ in 0..10_000 {
            let id = queue.insert(at(base, 60_000), "cancelled");
            queue.cancel(id);
        }
        assert_eq!(queue.len(), 1);
        assert!(
            queue.heap.len() <= 2 + SWEEP_FLOOR,
            "heap kept {} entries",
            queue.heap.len()
        );
        assert_eq!(queue.pop_expired(at(base, 1)), Some((keep, "keep")));
    }

    proptest! {
        /// Against a model (a list sorted by deadline, then id): any mix of inserts and cancels
        /// fires exactly the live timers, in order.
        #[test]
        fn matches_a_sorted_list(ops in proptest::collection::vec((0u64..50, any::<bool>()), 0..200)) {
            let base = Instant::now();
            let mut queue = TimerQueue::new();
            let mut model: Vec<(u64, TimerId)> = Vec::new();
            for (ms, cancel_one) in ops {
                if cancel_one && !model.is_empty() {
                    let (_, id) = model.remove(ms as usize % model.len());
                    prop_assert!(queue.cancel(id).is_some());
                } else {
                    let id = queue.insert(at(base, ms), ms);
                    model.push((ms, id));
                }
            }
            model.sort();
            let fired: Vec<(u64, TimerId)> =
                std::iter::from_fn(|| queue.pop_expired(at(base, 50)).map(|(id, ms)| (ms, id))).collect();
            prop_assert_eq!(fired, model);
        }
    }
}
