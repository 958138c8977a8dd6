//! Wrong: the worker a push wakes is counted as unparked, but not as searching.
//!
//! It seems natural that a worker counts itself as searching once it is awake and starts to
//! search. But until it runs, the next push sees nobody searching and wakes another sleeper,
//! and the next another: a burst of pushes wakes every worker (the thundering herd), and the
//! woken workers, which believe a push counted them, leave a searching count that was never
//! added.

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
        self.state.fetch_add(ONE_UNPARKED, SeqCst);
        Some(woken)
    }

    pub fn try_start_searching(&self) -> bool {
        if 2 * self.counts().searching >= self.workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    pub fn stop_searching(&self) -> bool {
        counts_of(self.state.fetch_sub(1, SeqCst)).searching == 1
    }

    pub fn park(&self, index: usize, searching: bool) -> bool {
        let mut sleepers = self.lock();
        let leaving = ONE_UNPARKED + usize::from(searching);
        let before = counts_of(self.state.fetch_sub(leaving, SeqCst));
        sleepers.push(index);
        searching && before.searching == 1
    }

    pub fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = self.lock();
        let Some(position) = sleepers.iter().position(|&sleeper| sleeper == index) else {
            return false;
        };
        sleepers.swap_remove(position);
        self.state.fetch_add(ONE_UNPARKED, SeqCst);
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
