//! One tick of the whole experiment, as a value.
//!
//! Every second the sampler gathers what the OS says about the server process
//! ([`ProcessSample`], from the probe), what the server counted ([`ServerSample`]), what the load
//! generator saw from the client side ([`LoadReport`]) and whatever the part adds (`X`: the
//! reactor's counters in part 2, and so on). The dashboard draws it, `--headless` prints it as
//! one JSON line, `--record` writes the same line to a file and `replay` reads it back — so a
//! recorded run and a live one are drawn by the very same code.

use serde::{Deserialize, Serialize};

use crate::load::LoadReport;
use crate::metrics::ServerCounters;

/// Everything known at one tick. `X` is the part's own panel data (`()` when it has none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample<X = ()> {
    /// Seconds since the run started.
    pub t: f64,
    pub process: ProcessSample,
    pub server: ServerSample,
    /// The client's view; absent when no load generator runs (e.g. `serve`).
    pub load: Option<LoadReport>,
    /// The scenario stage playing now, if a scenario runs.
    pub stage: Option<String>,
    /// While a scenario plays, when it next opens connections (`opens 10 connections at 5s`).
    #[serde(default)]
    pub scenario_next: Option<String>,
    #[serde(default)]
    pub part: X,
}

/// What the operating system says about the server process (and the machine's CPUs).
///
/// Fields that only Linux can tell are `Option`s or empty, so the same code runs on macOS
/// with those rows absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessSample {
    /// Busy % of each CPU core, whole machine (as htop shows it).
    pub cpu_cores: Vec<f32>,
    /// Mean of `cpu_cores`.
    pub cpu_avg: f32,
    /// This process's CPU use, in % of one core (so 2 busy cores = 200).
    pub process_cpu: f32,
    /// Physical memory of the machine, bytes.
    pub mem_total: u64,
    /// Resident set size of this process, bytes: the memory its pages really occupy.
    pub rss: u64,
    /// Virtual size of this process, bytes: everything mapped, touched or not (thread stacks
    /// are reserved here in full).
    pub virtual_size: u64,
    /// Memory the kernel holds for the stacks of all threads on the machine (`KernelStack` in
    /// `/proc/meminfo`); it is not part of any process's RSS. Linux only.
    pub kernel_stack: Option<u64>,
    /// OS threads in this process. Linux only.
    pub threads: Option<u64>,
    /// Open file descriptors of this process. Linux only.
    pub fds: Option<u64>,
    /// Context switches per second of this process: the thread blocked and gave the CPU up.
    pub ctx_voluntary_per_s: f64,
    /// Context switches per second of this process: the scheduler took the CPU away.
    pub ctx_involuntary_per_s: f64,
    /// The busiest threads, most CPU first. Linux only (empty elsewhere).
    pub top_threads: Vec<ThreadRow>,
}

impl ProcessSample {
    pub fn ctx_switches_per_s(&self) -> f64 {
        self.ctx_voluntary_per_s + self.ctx_involuntary_per_s
    }
}

/// One row of the "Top threads" table, as htop would print it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadRow {
    pub tid: u32,
    pub user: String,
    /// Kernel scheduling priority (htop's PR).
    pub priority: i64,
    /// Nice value (htop's NI).
    pub nice: i64,
    /// CPU use since the previous sample, % of one core.
    pub cpu: f32,
    /// The process's resident memory as % of the machine's (threads share one address space,
    /// so every thread of a process shows the same value, as in htop).
    pub mem: f32,
    /// The thread's name (`http-conn`, `http-accept`, ...).
    pub cmd: String,
}

/// What the server counted: the running totals at this tick, and rates since the previous one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerSample {
    pub totals: ServerCounters,
    pub per_s: ServerRates,
}

/// Per-second rates of the server's counters over the last tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerRates {
    pub accepted: f64,
    pub served: f64,
    pub errors: f64,
    pub reads: f64,
    pub writes: f64,
    pub would_block_reads: f64,
    pub polls: f64,
}

impl ServerRates {
    /// Rates from two snapshots taken `seconds` apart.
    pub fn between(before: &ServerCounters, after: &ServerCounters, seconds: f64) -> Self {
        let rate = |a: u64, b: u64| Interval(seconds).per_s(a, b);
        ServerRates {
            accepted: rate(before.accepted, after.accepted),
            served: rate(before.served, after.served),
            errors: rate(before.errors_total(), after.errors_total()),
            reads: rate(before.reads, after.reads),
            writes: rate(before.writes, after.writes),
            would_block_reads: rate(before.would_block_reads, after.would_block_reads),
            polls: rate(before.polls, after.polls),
        }
    }
}

/// The seconds between two readings of running totals, which turns their difference into rates.
/// Every part's sampler reads its counters once a tick and divides by this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval(pub f64);

impl Interval {
    /// How many per second a total grew by between `before` and `after` (0 for an empty tick;
    /// a total that went down, as after a restart, counts as no growth).
    pub fn per_s(self, before: u64, after: u64) -> f64 {
        if self.0 > 0.0 {
            after.saturating_sub(before) as f64 / self.0
        } else {
            0.0
        }
    }

    /// A total of nanoseconds, as a share of the tick in %, at most 100.
    pub fn percent(self, before_nanos: u64, after_nanos: u64) -> f64 {
        (self.per_s(before_nanos, after_nanos) / 1e9 * 100.0).min(100.0)
    }
}

/// The last line of a headless run or a recording: what the run amounted to, over the samples
/// after the warm-up (`--warmup`), so that ramping up does not blur the steady state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Seconds between the first and the last sample counted.
    pub duration_s: f64,
    pub samples: usize,
    pub peak_connections: u64,
    pub peak_threads: u64,
    pub peak_rss: u64,
    pub peak_virtual_size: u64,
    /// Machine-wide (see [`ProcessSample::kernel_stack`]).
    pub peak_kernel_stack: Option<u64>,
    /// Responses the server wrote.
    pub served: u64,
    pub mean_completed_per_s: f64,
    pub mean_offered_per_s: f64,
    pub mean_ctx_switches_per_s: f64,
    /// The server process's context switches per response it wrote.
    pub ctx_switches_per_request: f64,
    /// The median of the per-tick p99 latencies the client saw, microseconds: a typical tick.
    pub median_p99_us: u64,
    /// The worst per-tick p99, microseconds.
    pub worst_p99_us: u64,
    /// Errors the server counted, all kinds.
    pub server_errors: u64,
    /// Errors the client counted, all kinds.
    pub client_errors: u64,
}

/// Builds a [`Summary`] one sample at a time.
#[derive(Debug, Clone, Default)]
pub struct SummaryBuilder {
    summary: Summary,
    first: Option<Tick>,
    last: Option<Tick>,
    /// Integrals of per-second rates over time, i.e. totals.
    completed: f64,
    offered: f64,
    ctx_switches: f64,
    p99s: Vec<u64>,
}

/// The running totals of one sample, to subtract the first counted from the last.
#[derive(Debug, Clone, Copy)]
struct Tick {
    t: f64,
    served: u64,
    server_errors: u64,
    client_errors: u64,
}

impl SummaryBuilder {
    pub fn add<X>(&mut self, sample: &Sample<X>) {
        let tick = Tick {
            t: sample.t,
            served: sample.server.totals.served,
            server_errors: sample.server.totals.errors_total(),
            client_errors: sample.load.as_ref().map_or(0, |l| l.errors_total.total()),
        };
        // Rates describe the tick that ends at this sample; the first one counted only marks
        // where the counting starts.
        if let Some(last) = self.last {
            let dt = tick.t - last.t;
            self.ctx_switches += sample.process.ctx_switches_per_s() * dt;
            if let Some(load) = &sample.load {
                self.completed += load.completed_per_s * dt;
                self.offered += load.offered_per_s * dt;
            }
        }
        self.first.get_or_insert(tick);
        self.last = Some(tick);

        let s = &mut self.summary;
        s.samples += 1;
        let p = &sample.process;
        s.peak_threads = s.peak_threads.max(p.threads.unwrap_or(0));
        s.peak_rss = s.peak_rss.max(p.rss);
        s.peak_virtual_size = s.peak_virtual_size.max(p.virtual_size);
        if let Some(kernel_stack) = p.kernel_stack {
            s.peak_kernel_stack = Some(s.peak_kernel_stack.unwrap_or(0).max(kernel_stack));
        }
        s.peak_connections = s
            .peak_connections
            .max(sample.server.totals.active_connections);
        if let Some(load) = &sample.load
            && load.completed_per_s > 0.0
        {
            self.p99s.push(load.latency_us.p99);
            s.worst_p99_us = s.worst_p99_us.max(load.latency_us.p99);
        }
    }

    pub fn finish(&self) -> Summary {
        let mut summary = self.summary.clone();
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return summary;
        };
        let duration = last.t - first.t;
        summary.duration_s = duration;
        summary.served = last.served - first.served;
        summary.server_errors = last.server_errors - first.server_errors;
        summary.client_errors = last.client_errors - first.client_errors;
        if duration > 0.0 {
            summary.mean_completed_per_s = self.completed / duration;
            summary.mean_offered_per_s = self.offered / duration;
            summary.mean_ctx_switches_per_s = self.ctx_switches / duration;
        }
        if summary.served > 0 {
            summary.ctx_switches_per_request = self.ctx_switches / summary.served as f64;
        }
        let mut p99s = self.p99s.clone();
        p99s.sort_unstable();
        summary.median_p99_us = p99s.get(p99s.len() / 2).copied().unwrap_or(0);
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadReport;

    fn sample(t: f64, served: u64, p99: u64) -> Sample {
        let mut sample = Sample {
            t,
            ..Sample::default()
        };
        sample.server.totals.served = served;
        sample.process.ctx_voluntary_per_s = 2.0 * 100.0;
        sample.load = Some(LoadReport {
            completed_per_s: 100.0,
            offered_per_s: 110.0,
            latency_us: crate::load::Percentiles {
                p99,
                ..Default::default()
            },
            ..LoadReport::default()
        });
        sample
    }

    #[test]
    fn a_summary_counts_from_its_first_sample() {
        let mut builder = SummaryBuilder::default();
        for (i, p99) in [900, 100, 300, 200].into_iter().enumerate() {
            builder.add(&sample(10.0 + i as f64, 1000 + 100 * i as u64, p99));
        }
        let summary = builder.finish();
        assert_eq!(summary.samples, 4);
        assert_eq!(summary.duration_s, 3.0);
        assert_eq!(summary.served, 300);
        assert_eq!(summary.mean_completed_per_s, 100.0);
        assert_eq!(summary.mean_offered_per_s, 110.0);
        assert_eq!(summary.ctx_switches_per_request, 2.0);
        assert_eq!(summary.median_p99_us, 300);
        assert_eq!(summary.worst_p99_us, 900);
    }

    #[test]
    fn an_empty_summary_is_zero() {
        assert_eq!(SummaryBuilder::default().finish(), Summary::default());
    }
}
