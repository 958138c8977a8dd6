//! Wrong: the fairness check compares the tick with the interval instead of testing for a
//! multiple of it.
//!
//! `ticks() == GLOBAL_QUEUE_INTERVAL` is right on tick 61 and never again: the first task from
//! outside gets its turn, and every later one starves behind a local queue that refills. Only a
//! worker that runs more than 122 ticks shows it.

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources};

pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    if let Some(task) = sources.pop_lifo_slot() {
        return Some(task);
    }
    if sources.ticks() == GLOBAL_QUEUE_INTERVAL
        && let Some(task) = sources.pop_injector()
    {
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
