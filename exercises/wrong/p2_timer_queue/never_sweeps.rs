//! Wrong: cancelled entries are never cleared out of the heap.
//!
//! Cancelling is lazy: it forgets the value and leaves the heap entry, to be skipped when it
//! reaches the top. Every answer is right. But a server sets a timeout per request and cancels
//! most of them (the request finished first), with deadlines far in the future: those entries
//! reach the top only when their deadline comes, so the heap grows with every timer ever
//! cancelled rather than with the pending ones, until the server runs out of memory.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

/// A handle to cancel a timer. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

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
        // Lazy, and never swept: the entry stays in the heap until it reaches the top.
        self.live.remove(&id)
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
