//! A wake allocates nothing: the task's waker is a pointer and a reference count. Counted with a
//! global allocator that tallies allocations, in its own test binary (the tally is process-wide,
//! so nothing else may run beside it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use part3_wakers::task::{Ran, Schedule, Task};
use part3_wakers::waker::waker;

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to `System` unchanged; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// A run queue with room reserved up front, so queueing itself allocates nothing.
struct Queue(Mutex<Vec<Arc<Task>>>);

impl Schedule for Queue {
    fn spawn(&self, task: Arc<Task>) {
        self.schedule(task);
    }

    fn schedule(&self, task: Arc<Task>) {
        self.0.lock().unwrap().push(task);
    }
}

/// Polls every queued task once; how many were queued.
fn run_queued(queue: &Queue) -> usize {
    let mut ran = 0;
    while let Some(task) = queue.0.lock().unwrap().pop() {
        assert_eq!(Task::run(task), Ran::Pending);
        ran += 1;
    }
    ran
}

#[test]
fn clones_wakes_and_polls_allocate_nothing() {
    const ROUNDS: usize = 1000;
    let queue = Arc::new(Queue(Mutex::new(Vec::with_capacity(4))));
    let scheduler: Arc<dyn Schedule> = queue.clone();
    let (task, _handle) = Task::new(std::future::pending::<()>(), Arc::downgrade(&scheduler));
    queue.spawn(task.clone());
    assert_eq!(run_queued(&queue), 1);
    let task_waker = waker(task);

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut woken = 0;
    for _ in 0..ROUNDS {
        let clone = task_waker.clone();
        clone.wake_by_ref();
        woken += run_queued(&queue);
        clone.wake();
        woken += run_queued(&queue);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;

    assert_eq!(
        woken,
        2 * ROUNDS,
        "every wake queued the task, every poll left it idle"
    );
    assert_eq!(allocations, 0);
}
