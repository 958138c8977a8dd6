//! Wrong: `pop_expired` returns `None` when the entry on top was cancelled.
//!
//! It pops the top entry, finds no value for it (the timer was cancelled) and reports "nothing
//! due" — instead of looking at the next entry. The loop calls `pop_expired` until `None`, so
//! every due timer behind a cancelled one waits for the next turn of the loop: requests are
//! answered late, by a whole poll.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

#[derive(Debug)]
pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<(Instant, TimerId)>>,
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

    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let id = TimerId(self.next_id);
        self.next_id += 1;
        self.heap.push(Reverse((deadline, id)));
        self.live.insert(id, value);
        id
    }

    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        self.live.remove(&id)
    }

    pub fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, id))) = self.heap.peek() {
            if self.live.contains_key(id) {
                return Some(*deadline);
            }
            self.heap.pop();
        }
        None
    }

    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        let &Reverse((deadline, id)) = self.heap.peek()?;
        if deadline > now {
            return None;
        }
        self.heap.pop();
        let value = self.live.remove(&id)?;
        Some((id, value))
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
}
