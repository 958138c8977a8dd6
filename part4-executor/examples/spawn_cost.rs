//! What a task costs to spawn, on our runtime and on Tokio's, with the same number of workers.
//!
//! ```text
//! cargo run --release -p part4-executor --example spawn_cost -- --workers 2 --tasks 200000
//! ```
//!
//! One task (inside `block_on`) spawns `--tasks` empty tasks and then awaits every handle: the
//! time per task covers the allocation(s), queueing, one poll, the output handed to the join
//! handle, and the join itself. The two runtimes take turns, `--rounds` times, so that a machine
//! that slows down during the run slows both; each round prints both figures and their ratio.

use std::time::{Duration, Instant};

use clap::Parser;
use part4_executor::Runtime;

#[derive(Parser)]
struct Args {
    /// Worker threads of each runtime.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Empty tasks spawned per measurement.
    #[arg(long, default_value_t = 200_000)]
    tasks: usize,
    /// Rounds, each measuring ours then Tokio's.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let ours = Runtime::new(args.workers)?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .build()?;
    for round in 1..=args.rounds {
        let ours_time = ours.block_on(spawn_and_join_ours(args.tasks));
        let tokio_time = tokio.block_on(spawn_and_join_tokio(args.tasks));
        let per_task = |time: Duration| time.as_nanos() as f64 / args.tasks as f64;
        println!(
            "round {round}: ours {:.0} ns/task · tokio {:.0} ns/task · ours ÷ tokio {:.2}",
            per_task(ours_time),
            per_task(tokio_time),
            per_task(ours_time) / per_task(tokio_time)
        );
    }
    Ok(())
}

async fn spawn_and_join_ours(tasks: usize) -> Duration {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| part4_executor::spawn(async {}))
        .collect();
    for handle in handles {
        handle.await.expect("an empty task cannot fail");
    }
    started.elapsed()
}

async fn spawn_and_join_tokio(tasks: usize) -> Duration {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("an empty task cannot fail");
    }
    started.elapsed()
}
