//! Wrong: every change of the counts reads the word, then stores the new one — two steps.
//!
//! Each method follows the rules to the letter, and on one thread it is perfect: every test
//! that calls the methods one after another passes. But workers search, find work and park at
//! the same moments, and a store made from a stale read erases another thread's change: a
//! searcher that never stops counting, a parked worker counted awake. The counts drift, a push
//! then sees a searcher that is not there and wakes nobody, and tasks wait while every worker
//! sleeps. Only threads racing each other, thousands of times, show it.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard};

pub use part4_executor::idle::Counts;

const SEARCHING_MASK: usize = 0xFFFF;
const ONE_UNPARKED: usize = 1 << 16;

fn counts_of(word: usize) -> Counts {
    Counts {
        searching: word & SEARCHING_MASK,
        unparked: word >> 16,
    }
}

#[derive(Debug)]
pub struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

impl Idle {
    pub fn new(workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(workers * ONE_UNPARKED),
            sleepers: Mutex::new(Vec::new()),
            workers,
        }
    }

    pub fn counts(&self) -> Counts {
        counts_of(self.state.load(SeqCst))
    }

    pub fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake(counts_of(self.state.fetch_add(0, SeqCst))) {
            return None;
        }
        let mut sleepers = self.lock();
        if !self.should_wake(self.counts()) {
            return None;
        }
        let woken = sleepers.pop()?;
        let word = self.state.load(SeqCst);
        self.state.store(word + ONE_UNPARKED + 1, SeqCst);
        Some(woken)
    }

    pub fn try_start_searching(&self) -> bool {
        if 2 * self.counts().searching >= self.workers {
            return false;
        }
        let word = self.state.load(SeqCst);
        self.state.store(word + 1, SeqCst);
        true
    }

    pub fn stop_searching(&self) -> bool {
        let word = self.state.load(SeqCst);
        self.state.store(word - 1, SeqCst);
        counts_of(word).searching == 1
    }

    pub fn park(&self, index: usize, searching: bool) -> bool {
        let mut sleepers = self.lock();
        let leaving = ONE_UNPARKED + usize::from(searching);
        let before = self.state.load(SeqCst);
        self.state.store(before - leaving, SeqCst);
        sleepers.push(index);
        searching && counts_of(before).searching == 1
    }

    pub fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = self.lock();
        let Some(position) = sleepers.iter().position(|&sleeper| sleeper == index) else {
            return false;
        };
        sleepers.swap_remove(position);
        let word = self.state.load(SeqCst);
        self.state.store(word + ONE_UNPARKED, SeqCst);
        true
    }

    pub fn is_parked(&self, index: usize) -> bool {
        self.lock().contains(&index)
    }

    fn should_wake(&self, counts: Counts) -> bool {
        counts.searching == 0 && counts.unparked < self.workers
    }

    fn lock(&self) -> MutexGuard<'_, Vec<usize>> {
        self.sleepers.lock().unwrap()
    }
}
