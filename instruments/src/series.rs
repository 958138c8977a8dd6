//! Ring-buffer time series: the last N samples of the run, oldest first.
//!
//! The dashboard keeps a fixed window of history (enough to fill the widest chart), so memory
//! stays constant however long a class runs the demo. When the buffer is full, pushing a new
//! sample drops the oldest one.

use std::collections::VecDeque;

/// How many samples of history the dashboard keeps: ten minutes at one sample a second, which
/// is wider than any terminal is columns.
pub const HISTORY_LEN: usize = 600;

/// A bounded history of values, oldest first.
#[derive(Debug, Clone)]
pub struct Series<T> {
    values: VecDeque<T>,
    capacity: usize,
}

impl<T> Series<T> {
    /// A series that keeps at most `capacity` values (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Series {
            values: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Appends `value`, dropping the oldest value when full.
    pub fn push(&mut self, value: T) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(value);
    }

    pub fn latest(&self) -> Option<&T> {
        self.values.back()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.values.iter()
    }

    /// The most recent `n` values (fewer if the series is shorter), oldest first.
    pub fn last_n(&self, n: usize) -> impl Iterator<Item = &T> {
        self.values.iter().skip(self.values.len().saturating_sub(n))
    }
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Series::with_capacity(HISTORY_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_oldest_when_full() {
        let mut s = Series::with_capacity(3);
        for v in 1..=5 {
            s.push(v);
        }
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(s.latest(), Some(&5));
        assert_eq!(s.last_n(2).copied().collect::<Vec<_>>(), vec![4, 5]);
        assert_eq!(s.last_n(10).count(), 3);
    }
}
