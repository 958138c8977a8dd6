//! Wrong: the injector is asked before the local queue.
//!
//! Tasks from outside are often the older ones, so taking them first looks fair. But every
//! worker then goes to the shared injector on every tick — the contention a local queue exists
//! to avoid — and its own tasks, hot in its cache, wait.

pub use part4_executor::find::{GLOBAL_QUEUE_INTERVAL, Sources};

pub fn find_task<S: Sources>(sources: &S) -> Option<S::Task> {
    if let Some(task) = sources.pop_lifo_slot() {
        return Some(task);
    }
    if sources.ticks().is_multiple_of(GLOBAL_QUEUE_INTERVAL)
        && let Some(task) = sources.pop_injector()
    {
        return Some(task);
    }
    if let Some(task) = sources.pop_injector_batch() {
        return Some(task);
    }
    if let Some(task) = sources.pop_local_queue() {
        return Some(task);
    }
    sources.steal()
}
