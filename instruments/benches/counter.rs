//! What one counter update costs a server (`cargo bench -p instruments --bench counter`).
//!
//! A server bumps a handful of [`Counter`]s and [`Gauge`](instruments::metrics::Gauge)s per
//! request (BENCHMARKS.md, "What measuring costs"). Here one thread bumps one counter: one
//! atomic add on a cache line its core already holds. When two workers bump the same counters
//! at once, as part 4's and Tokio's do, each bump may first have to take the line back from the
//! other core, which costs more; that needs two quiet cores to measure, and is left out.

use divan::Bencher;
use instruments::metrics::Counter;

fn main() {
    divan::main();
}

#[divan::bench]
fn bump(bencher: Bencher) {
    let counter = Counter::new();
    bencher.bench_local(|| counter.incr());
}
