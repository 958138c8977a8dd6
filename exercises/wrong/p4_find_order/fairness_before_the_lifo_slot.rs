//! Wrong: the fairness check comes before the LIFO slot.
//!
//! "Every 61st tick the injector goes first" read literally: first of all. But the LIFO slot
//! holds the task the running one just woke — a message it sent, a response it is waiting
//! for — hot in this core's cache; the fairness check only needs to jump ahead of the *local
//! queue*. On a fairness tick this version leaves a hand-over half done.

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources};

pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    if sources.ticks().is_multiple_of(GLOBAL_QUEUE_INTERVAL)
        && let Some(task) = sources.pop_injector()
    {
        return Some(task);
    }
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
