//! Watching the workers: what the executor panel shows, from either runtime.
//!
//! Both runtimes count per worker and publish now and then: Tokio's workers keep a
//! `MetricsBatch` of plain fields and store it into shared atomics when they park
//! (`tokio/src/runtime/metrics/batch.rs`), ours keep theirs the same way. Reading is therefore
//! cheap and never slows a worker. Each tick, the sampler reads the runtime's totals into
//! one shape, [`RuntimeCounters`](sample::RuntimeCounters) — from Tokio's `RuntimeMetrics`
//! ([`tokio`](mod@tokio)) or from ours ([`ours`]) — and turns two of them into rates, an
//! [`ExecutorSample`](sample::ExecutorSample), which the [`panel`] draws.
//!
//! ```text
//!   Tokio's RuntimeMetrics ─▶ tokio::counters ─┐
//!                                              ├─▶ RuntimeCounters (totals)
//!   our RuntimeMetrics     ─▶ ours::counters  ─┘          │ once a tick
//!                                                          ▼
//!                                  ExecutorSampler ─▶ ExecutorSample (rates) ─▶ panel, --record
//! ```

pub mod charts;
pub mod ours;
pub mod panel;
pub mod sample;
pub mod tokio;

pub use sample::{ExecutorSample, ExecutorSampler, RuntimeCounters, RuntimeKind, WorkerRow};
