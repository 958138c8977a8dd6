//! Wrong: a timer's id is the number of timers pending when it was inserted.
//!
//! Unique among the pending timers at that moment, so it looks fine — until a timer fires and
//! the next one inserted gets an id already in use. The new value then replaces a pending
//! timer's value, and an old id (a connection cancelling the timer it no longer needs) cancels
//! somebody else's. The same trap as reusing a slab slot as a token without a generation.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

#[derive(Debug)]
pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<(Instant, TimerId)>>,
    live: HashMap<TimerId, T>,
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
        }
    }

    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let id = TimerId(self.live.len() as u64);
        self.heap.push(Reverse((deadline, id)));
        self.live.insert(id, value);
        id
    }

    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        self.live.remove(&id)
    }

    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.discard_cancelled_top();
        self.heap.peek().map(|Reverse((deadline, _))| *deadline)
    }

    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        self.discard_cancelled_top();
        let &Reverse((deadline, id)) = self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap.pop();
        self.live.remove(&id).map(|value| (id, value))
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    pub fn entries(&self) -> usize {
        self.heap.len()
    }

    fn discard_cancelled_top(&mut self) {
        while let Some(Reverse((_, id))) = self.heap.peek() {
            if self.live.contains_key(id) {
                return;
            }
            self.heap.pop();
        }
    }
}
