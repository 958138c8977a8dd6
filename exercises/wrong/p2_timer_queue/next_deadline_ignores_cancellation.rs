//! Wrong: `next_deadline` looks at the top of the heap without skipping cancelled timers.
//!
//! With lazy cancellation a cancelled timer's entry stays in the heap until it reaches the top
//! and is skipped. `pop_expired` skips it; this `next_deadline` forgets to. Nothing fires that
//! should not, so the mistake hides — but the loop wakes up at the deadline of a timer that no
//! longer exists (every closed connection's idle timer, for instance) and finds nothing to do.

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
        self.heap.peek().map(|Reverse((deadline, _))| *deadline)
    }

    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        while let Some(&Reverse((deadline, id))) = self.heap.peek() {
            if !self.live.contains_key(&id) {
                self.heap.pop();
                continue;
            }
            if deadline > now {
                return None;
            }
            self.heap.pop();
            return self.live.remove(&id).map(|value| (id, value));
        }
        None
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
