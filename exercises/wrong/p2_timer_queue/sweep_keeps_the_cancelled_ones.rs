//! Wrong: the clean-up of cancelled entries keeps the cancelled ones and throws away the
//! pending ones.
//!
//! Cancelling is lazy, so cancelled entries pile up in the heap; once they outnumber the live
//! ones, `cancel` sweeps them out with `BinaryHeap::retain`. But `retain` *keeps* the entries
//! its closure returns true for, and this closure answers "is it cancelled?" (it reads like
//! "remove the cancelled ones"). Everything works until a server has cancelled a few dozen
//! timers more than it has pending: then the sweep drops every pending timer from the heap.
//! Their values stay in the map, so `len` still counts them, but they never fire and no longer
//! set the deadline: requests wait forever.

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
            self.heap.retain(|Reverse((_, id))| !live.contains_key(id));
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
