//! Wrong: timers with the same deadline fire last-inserted first.
//!
//! A vector kept sorted with the *latest* deadline first, so that the next timer to fire is at
//! the end, where `pop` is cheap. The sort is stable, so equal deadlines keep their insertion
//! order — and popping from the end reverses it. Two requests of one client that wait the same
//! `io_ms` are then answered in the wrong order (on a pipelined connection, the responses
//! would be mismatched with their requests).

use std::cmp::Reverse;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

#[derive(Debug)]
pub struct TimerQueue<T> {
    /// Latest deadline first: the next to fire is the last.
    timers: Vec<(Instant, TimerId, T)>,
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
            timers: Vec::new(),
            next_id: 0,
        }
    }

    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let id = TimerId(self.next_id);
        self.next_id += 1;
        self.timers.push((deadline, id, value));
        self.timers.sort_by_key(|timer| Reverse(timer.0));
        id
    }

    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        let index = self.timers.iter().position(|timer| timer.1 == id)?;
        Some(self.timers.remove(index).2)
    }

    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.timers.last().map(|timer| timer.0)
    }

    pub fn pop_expired(&mut self, now: Instant) -> Option<(TimerId, T)> {
        if self.timers.last()?.0 > now {
            return None;
        }
        self.timers.pop().map(|(_, id, value)| (id, value))
    }

    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    pub fn entries(&self) -> usize {
        self.timers.len()
    }
}
