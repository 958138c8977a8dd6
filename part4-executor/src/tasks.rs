//! The list of live tasks: every task spawned and not yet complete, so that shutdown can cancel
//! them (drop their futures) wherever they are — queued, waiting on I/O, held by a waker.
//!
//! Part 3 kept one map behind one lock. Here every worker adds (spawn) and removes (a task
//! completes) at once, so the list is cut into shards, each with its own lock, chosen by the
//! task's number: two workers rarely want the same shard at the same moment.
//!
//! ```text
//!   spawn:    shard[id % shards].insert(task)   (refused once closed: the task is cancelled)
//!   complete: shard[id % shards].remove(id)
//!   shutdown: close every shard, take what is in them, cancel each
//! ```
//!
//! Tokio: `tokio/src/runtime/task/list.rs` (`OwnedTasks`, over `tokio/src/util/sharded_list.rs`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use part3_wakers::task::{Task, TaskId};

use crate::sync::Arc;

/// Shards per worker: enough that workers spawning and completing at once rarely meet on a
/// lock, few enough to sum quickly for the metrics. Tokio chooses four per core, rounded up to a
/// power of two (`gen_sharded_list_size` in `tokio/src/runtime/task/list.rs`).
const SHARDS_PER_WORKER: usize = 4;

/// Every task not yet complete. See the [module docs](self).
pub(crate) struct TaskList {
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    alive: HashMap<TaskId, Arc<Task>>,
    /// Shut down: no task gets in any more.
    closed: bool,
}

impl TaskList {
    pub(crate) fn new(workers: usize) -> TaskList {
        let shards = workers.next_power_of_two() * SHARDS_PER_WORKER;
        TaskList {
            shards: (0..shards).map(|_| Mutex::default()).collect(),
        }
    }

    /// Adds `task`; gives it back if the list is closed (the runtime shut down).
    pub(crate) fn insert(&self, task: Arc<Task>) -> Result<(), Arc<Task>> {
        let mut shard = self.shard(task.id());
        if shard.closed {
            return Err(task);
        }
        shard.alive.insert(task.id(), task);
        Ok(())
    }

    /// Forgets a completed task.
    pub(crate) fn remove(&self, id: TaskId) {
        let removed = self.shard(id).alive.remove(&id);
        // Outside the lock: this may be the task's last reference.
        drop(removed);
    }

    /// Closes the list and takes every task in it.
    pub(crate) fn close(&self) -> Vec<Arc<Task>> {
        let mut all = Vec::new();
        for shard in &self.shards {
            let mut shard = lock(shard);
            shard.closed = true;
            all.extend(shard.alive.drain().map(|(_, task)| task));
        }
        all
    }

    /// Tasks alive now (each shard's count at the moment it is read).
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).alive.len())
            .sum()
    }

    fn shard(&self, id: TaskId) -> MutexGuard<'_, Shard> {
        // The number of shards is a power of two: the low bits of the id choose.
        lock(&self.shards[id.as_u64() as usize & (self.shards.len() - 1)])
    }
}

/// Locks a shard. A map and a flag are consistent between any two operations, and no user code
/// runs under the lock, so a poisoned lock holds a valid shard.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}
