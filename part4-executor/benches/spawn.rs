//! What starting a unit of work and waiting for it costs: an OS thread, a task on part 3's
//! one-thread runtime, a task on ours (part 4), and a task on Tokio's, with the same number of
//! workers (`cargo bench -p part4-executor --bench spawn`).
//!
//! Each iteration spawns [`SPAWNED`] empty tasks (or threads) and then waits for every one of
//! them, the way a server spawns a connection and a join handle is awaited: the time per item
//! covers the allocation(s), queueing, one poll (or the thread's start), handing the output
//! over, and the join. Divan's throughput column is per item.

use std::thread;

use divan::Bencher;
use divan::counter::ItemsCount;

/// Tasks or threads spawned per iteration, all alive at once before the joins: as many as a
/// server's connections, and few enough that the tasks' memory stays in the caches, as a
/// server's would.
const SPAWNED: usize = 1_000;
/// Worker threads of our multi-thread runtime and of Tokio's: the course machine's cores.
const WORKERS: usize = 2;

fn main() {
    divan::main();
}

/// `thread::spawn` and `join`: what part 1 pays per connection.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn thread(bencher: Bencher) {
    bencher.counter(ItemsCount::new(SPAWNED)).bench_local(|| {
        let threads: Vec<_> = (0..SPAWNED).map(|_| thread::spawn(|| {})).collect();
        for thread in threads {
            thread.join().expect("an empty thread cannot fail");
        }
    });
}

/// Part 3's one-thread runtime.
#[divan::bench(sample_count = 100)]
fn task_part3(bencher: Bencher) {
    let runtime = part3_wakers::Runtime::new().expect("a runtime");
    bencher
        .counter(ItemsCount::new(SPAWNED))
        .bench_local(|| runtime.block_on(spawn_and_join_ours()));
}

/// Part 4's work-stealing runtime.
#[divan::bench(sample_count = 100)]
fn task_part4(bencher: Bencher) {
    let runtime = part4_executor::Runtime::new(WORKERS).expect("a runtime");
    bencher
        .counter(ItemsCount::new(SPAWNED))
        .bench_local(|| runtime.block_on(spawn_and_join_ours()));
}

/// Tokio's multi-thread runtime.
#[divan::bench(sample_count = 100)]
fn task_tokio(bencher: Bencher) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("a runtime");
    bencher.counter(ItemsCount::new(SPAWNED)).bench_local(|| {
        runtime.block_on(async {
            let handles: Vec<_> = (0..SPAWNED).map(|_| tokio::spawn(async {})).collect();
            for handle in handles {
                handle.await.expect("an empty task cannot fail");
            }
        })
    });
}

/// Spawns [`SPAWNED`] empty tasks on the current runtime (part 3's or part 4's: the same
/// `spawn`), then awaits every handle.
async fn spawn_and_join_ours() {
    let handles: Vec<_> = (0..SPAWNED)
        .map(|_| part4_executor::spawn(async {}))
        .collect();
    for handle in handles {
        handle.await.expect("an empty task cannot fail");
    }
}
