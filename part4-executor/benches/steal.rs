//! Where a worker's next task comes from, and what it costs: its own queue or another worker's
//! (`cargo bench -p part4-executor --bench steal`).
//!
//! The queues are crossbeam-deque's, used as part 4 uses them (`runtime.rs`, `find.rs`): a FIFO
//! `Worker` per worker thread, whose owner pushes and pops; the others hold its `Stealer`. Each
//! iteration pushes [`QUEUED`] tasks onto one worker's queue, then takes them all back:
//!
//! - `local_pop`: the owner pops them (find.rs step 3);
//! - `steal_batch`: another worker takes them as part 4's `steal` does, about half at a time
//!   into its own queue (`steal_batch_and_pop`), then pops those (find.rs step 5);
//! - `steal_one`: another worker takes them one steal at a time (`steal`), to show what the
//!   batch saves.
//!
//! One thread plays both workers, so this measures the queue's atomic protocol, not the cache
//! misses a thief on another core pays on top (the task's memory moves with it). Divan's
//! throughput column is per task, push included.

use crossbeam_deque::{Stealer, Worker};
use divan::Bencher;
use divan::counter::ItemsCount;
use part4_executor::find::retry;

/// Tasks queued per iteration: a busy worker's queue under the lesson's spawn storm is far
/// longer, but a steal takes at most 32 tasks, so 64 already needs several steals.
const QUEUED: usize = 64;

/// Stands for part 4's `Arc<Task>`: a pointer-sized value.
type Task = Box<u64>;

fn main() {
    divan::main();
}

/// A victim's queue with [`QUEUED`] tasks ready to be pushed, and a thief's empty queue.
struct Queues {
    victim: Worker<Task>,
    stealer: Stealer<Task>,
    thief: Worker<Task>,
    tasks: Vec<Task>,
}

impl Queues {
    fn new() -> Queues {
        let victim = Worker::new_fifo();
        Queues {
            stealer: victim.stealer(),
            victim,
            thief: Worker::new_fifo(),
            tasks: (0..QUEUED as u64).map(Box::new).collect(),
        }
    }

    fn push_all(&mut self) {
        for task in self.tasks.drain(..) {
            self.victim.push(task);
        }
    }
}

#[divan::bench(sample_count = 100)]
fn local_pop(bencher: Bencher) {
    let mut queues = Queues::new();
    bencher.counter(ItemsCount::new(QUEUED)).bench_local(|| {
        queues.push_all();
        while let Some(task) = queues.victim.pop() {
            queues.tasks.push(task);
        }
    });
}

#[divan::bench(sample_count = 100)]
fn steal_batch(bencher: Bencher) {
    let mut queues = Queues::new();
    bencher.counter(ItemsCount::new(QUEUED)).bench_local(|| {
        queues.push_all();
        while let Some(task) = retry(|| queues.stealer.steal_batch_and_pop(&queues.thief)) {
            queues.tasks.push(task);
            while let Some(task) = queues.thief.pop() {
                queues.tasks.push(task);
            }
        }
    });
}

#[divan::bench(sample_count = 100)]
fn steal_one(bencher: Bencher) {
    let mut queues = Queues::new();
    bencher.counter(ItemsCount::new(QUEUED)).bench_local(|| {
        queues.push_all();
        while let Some(task) = retry(|| queues.stealer.steal()) {
            queues.tasks.push(task);
        }
    });
}
