//! Wrong: the worker steals from another worker before looking at the injector.
//!
//! Both are "somewhere else", so the order between them seems not to matter. But a steal
//! takes another worker's tasks — work that worker would have run itself, cache lines moved
//! between cores — while the injector holds work that belongs to nobody yet.

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
    if let Some(task) = sources.pop_local_queue() {
        return Some(task);
    }
    if let Some(task) = sources.steal() {
        return Some(task);
    }
    sources.pop_injector_batch()
}
