//! Wrong: no fairness check — the injector is only asked once the local queue is empty.
//!
//! Locality first, and every test where the local queue empties now and then passes. But a
//! worker whose local queue always refills (tasks that yield, a chain of spawns) never gets to
//! step 4, and a task pushed from outside — a new connection, a wake from another thread —
//! waits in the injector forever.

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources};

pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    if let Some(task) = sources.pop_lifo_slot() {
        return Some(task);
    }
    if let Some(task) = sources.pop_local_queue() {
        return Some(task);
    }
    if let Some(task) = sources.pop_injector_batch() {
        return Some(task);
    }
    sources.steal()
}
