//! Wrong: `park` never asks the worker to look at the queues once more.
//!
//! A worker parks because it has just looked everywhere and found nothing, so looking again
//! seems pointless, and a push wakes a sleeper anyway. Except the push that came while this
//! worker was the last searcher: it saw somebody searching and woke nobody, and that somebody
//! goes to sleep. The task then waits while every worker sleeps.

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
        self.state.fetch_add(ONE_UNPARKED + 1, SeqCst);
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
        self.state.fetch_sub(leaving, SeqCst);
        sleepers.push(index);
        false
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
