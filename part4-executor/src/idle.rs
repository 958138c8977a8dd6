//! Who is asleep and who is looking for work: the bookkeeping that lets a push wake **one**
//! worker, and only when nobody is already searching — without ever leaving work behind while
//! every worker sleeps.
//!
//! A worker is in one of three states:
//!
//! ```text
//!                  found nothing locally,              found a task
//!                  fewer than half searching          (the last searcher wakes another)
//!   RUNNING ───────────────────────────────▶ SEARCHING ──────────────────────────▶ RUNNING
//!      ▲                                         │
//!      │  woken by a push: counted as SEARCHING  │ found nothing anywhere
//!      │  by whoever woke it                     ▼
//!      └──────────────────────────────────── PARKED  (in `sleepers`)
//! ```
//!
//! One atomic word counts the *searching* and the *unparked* workers, so that "wake one" can
//! move a worker from parked to searching in a single step; a mutex guards the list of sleepers.
//!
//! **Pushing work** ([`Idle::worker_to_notify`]): if somebody is searching, do nothing — a
//! searcher will find the work (and if it finds something, it wakes another worker to keep
//! searching, see [`Idle::stop_searching`]). Otherwise, if somebody sleeps, pop one sleeper and
//! count it as searching at once, so that the next push sees a searcher and wakes nobody more:
//! a burst of pushes wakes one worker, not all of them (no thundering herd).
//!
//! **No lost wake-up.** The dangerous moment is a push that lands just as the last searcher
//! gives up. Both sides use `SeqCst`, so one of the two sees the other:
//!
//! ```text
//!   pusher:   push the task;   then read the counts (searching = 0?  → wake a sleeper)
//!   searcher: searching -= 1;  then, if it was the last one, look at every queue again
//!             (work there?  → wake a sleeper, possibly itself)
//! ```
//!
//! Either the pusher reads the count before the decrement (it sees a searcher, and that
//! searcher's final look sees the task), or after it (it sees nobody searching, and wakes
//! someone). `tests/loom.rs` checks this in every interleaving.
//!
//! **At most about half search.** Stealing touches other workers' queues; if every idle worker
//! searched at once they would mostly collide. [`Idle::try_start_searching`] refuses once half
//! the workers search; the check and the increment are two steps, so a few more may slip
//! through, which costs a little contention and nothing else.
//!
//! Tokio: `tokio/src/runtime/scheduler/multi_thread/idle.rs` (the same counts in one word, the
//! same sleepers list) and `worker.rs` (`transition_to_parked`, `notify_if_work_pending`).

use crate::sync::{AtomicUsize, Mutex, MutexGuard, Ordering::SeqCst};

/// Bits of the state word that count searching workers; the bits above count unparked ones.
/// 16 bits allow 65 535 workers, far more than any machine has cores.
const SEARCHING_BITS: u32 = 16;
const SEARCHING_MASK: usize = (1 << SEARCHING_BITS) - 1;
/// One unparked worker, in the state word.
const ONE_UNPARKED: usize = 1 << SEARCHING_BITS;

/// Who is parked, who searches. See the [module docs](self).
#[derive(Debug)]
pub struct Idle {
    /// `unparked << SEARCHING_BITS | searching`.
    state: AtomicUsize,
    /// The parked workers' indexes. The lock also orders "park" against "pop a sleeper".
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

/// The two counts of the state word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub searching: usize,
    pub unparked: usize,
}

impl Counts {
    fn of(word: usize) -> Counts {
        Counts {
            searching: word & SEARCHING_MASK,
            unparked: word >> SEARCHING_BITS,
        }
    }
}

impl Idle {
    /// `workers` workers, all awake (they start by looking for work), none searching.
    pub fn new(workers: usize) -> Idle {
        assert!(
            workers <= SEARCHING_MASK,
            "too many workers for the state word"
        );
        Idle {
            state: AtomicUsize::new(workers * ONE_UNPARKED),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    /// The counts now (a snapshot).
    pub fn counts(&self) -> Counts {
        Counts::of(self.state.load(SeqCst))
    }

    /// Work was pushed: which sleeping worker to unpark, if any. `None` when somebody is
    /// searching (it will find the work) or nobody sleeps. The chosen worker is already
    /// counted as unparked and searching.
    pub fn worker_to_notify(&self) -> Option<usize> {
        // A read-modify-write, not a load: it must be ordered after the push of the task and
        // against the last searcher's decrement (see the module docs).
        if !self.should_wake(Counts::of(self.state.fetch_add(0, SeqCst))) {
            return None;
        }
        let mut sleepers = self.lock();
        // Again under the lock: another pusher may have woken somebody meanwhile.
        if !self.should_wake(self.counts()) {
            return None;
        }
        let woken = sleepers.pop()?;
        self.state.fetch_add(ONE_UNPARKED + 1, SeqCst);
        Some(woken)
    }

    /// A worker that found nothing locally asks to search (steal). Refused when half the
    /// workers already search.
    pub fn try_start_searching(&self) -> bool {
        if 2 * self.counts().searching >= self.workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found a task. `true` if it was the last searcher: it must then wake
    /// another worker, since where there was one task there may be more.
    pub fn stop_searching(&self) -> bool {
        let before = Counts::of(self.state.fetch_sub(1, SeqCst));
        debug_assert!(before.searching > 0, "stop_searching while nobody searches");
        before.searching == 1
    }

    /// Worker `index` found nothing anywhere and goes to sleep. `true` if it was the last
    /// searcher: it must then look at every queue once more (see the module docs).
    pub fn park(&self, index: usize, searching: bool) -> bool {
        let mut sleepers = self.lock();
        let leaving = ONE_UNPARKED + usize::from(searching);
        let before = Counts::of(self.state.fetch_sub(leaving, SeqCst));
        sleepers.push(index);
        searching && before.searching == 1
    }

    /// Worker `index` woke up by itself (its driver turn woke tasks onto its own queue). `true`
    /// if it was still among the sleepers: it is now unparked but *not* searching. `false`: a
    /// pusher popped it meanwhile and counted it as searching.
    pub fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = self.lock();
        let Some(position) = sleepers.iter().position(|&sleeper| sleeper == index) else {
            return false;
        };
        sleepers.swap_remove(position);
        self.state.fetch_add(ONE_UNPARKED, SeqCst);
        true
    }

    /// Whether worker `index` is among the sleepers (a wake that popped it removed it).
    pub fn is_parked(&self, index: usize) -> bool {
        self.lock().contains(&index)
    }

    /// Nobody searches and somebody sleeps.
    fn should_wake(&self, counts: Counts) -> bool {
        counts.searching == 0 && counts.unparked < self.workers
    }

    fn lock(&self) -> MutexGuard<'_, Vec<usize>> {
        // A list of indexes is consistent between any two operations: poisoning means nothing.
        self.sleepers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use super::*;

    #[test]
    fn a_push_wakes_one_sleeper_and_the_next_push_none() {
        let idle = Idle::new(4);
        for worker in 0..3 {
            assert!(!idle.park(worker, false));
        }
        assert_eq!(idle.worker_to_notify(), Some(2), "the last to park");
        assert_eq!(
            idle.counts(),
            Counts {
                searching: 1,
                unparked: 2
            }
        );
        assert_eq!(idle.worker_to_notify(), None, "somebody is searching");
        assert!(idle.stop_searching(), "the only searcher");
        assert_eq!(idle.worker_to_notify(), Some(1));
    }

    #[test]
    fn nobody_is_woken_when_nobody_sleeps() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None);
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.try_start_searching());
        assert!(idle.try_start_searching());
        assert!(!idle.try_start_searching(), "2 of 4 already search");
        assert!(!idle.stop_searching());
        assert!(idle.stop_searching(), "the last searcher");
    }

    #[test]
    fn the_last_searcher_to_park_is_told_to_look_again() {
        let idle = Idle::new(2);
        assert!(idle.try_start_searching());
        assert!(!idle.park(0, false), "not searching: nothing to check");
        assert!(idle.park(1, true), "the last searcher");
    }

    #[test]
    fn a_worker_woken_by_its_driver_leaves_the_sleepers() {
        let idle = Idle::new(2);
        idle.park(1, false);
        assert!(idle.is_parked(1));
        assert!(idle.unpark_self(1));
        assert!(!idle.is_parked(1));
        assert_eq!(
            idle.counts(),
            Counts {
                searching: 0,
                unparked: 2
            }
        );
        idle.park(1, false);
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert!(
            !idle.unpark_self(1),
            "popped by a push: counted as searching"
        );
    }
}
