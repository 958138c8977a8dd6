//! The probe: what the operating system says about the server process.
//!
//! A [`Probe`] lives in the server process and is asked once per tick; each
//! [`Probe::sample`] returns a [`ProcessSample`]. Where each number comes from:
//!
//! - **CPU per core** (`cpu_cores`, `cpu_avg`): the whole machine, as htop's bars show it,
//!   through `sysinfo` (on Linux it reads the per-CPU lines of `/proc/stat`). Busy % of each
//!   core since the previous sample.
//! - **Process CPU** (`process_cpu`): `getrusage(RUSAGE_SELF)`, the user + system time of all
//!   the process's threads, including those that have exited, per second of wall time. In %
//!   of *one* core, so two busy cores show 200.
//! - **Context switches** (`ctx_voluntary_per_s`, `ctx_involuntary_per_s`): the same
//!   `getrusage` call. A thread-per-connection server switches about once per request:
//!   every blocking read puts a thread to sleep and the next ready one on the CPU.
//! - **Memory** (`mem_total`, `rss`, `virtual_size`): on Linux `/proc/meminfo` and
//!   `/proc/self/statm`, elsewhere `sysinfo`.
//!   - *RSS* (resident set size) counts the pages of the process that are really in RAM.
//!   - *Virtual size* counts every byte of address space the process has mapped, touched or
//!     not. It is large with many threads because each Rust thread reserves a whole stack
//!     up front (2 MiB unless `RUST_MIN_STACK` says otherwise) while a parked or blocked
//!     thread touches only a few KiB of it; the rest costs address space, not RAM.
//! - **Kernel stacks** (`kernel_stack`, Linux): every thread also has a stack *inside the
//!   kernel* (16 KiB on x86-64), used while it runs a system call or sleeps in one. That
//!   memory belongs to the kernel, not to the process's address space, so it is in no
//!   process's RSS — but it is real RAM, and 10 000 threads hold about 160 MiB of it. The
//!   kernel only reports the machine's total (`KernelStack` in `/proc/meminfo`); when the
//!   server starts thousands of threads, the growth is theirs.
//! - **Threads** and **Top threads** (`threads`, `top_threads`, Linux): the entries of
//!   `/proc/self/task`, each thread's CPU clock, and the `stat` file of the busiest
//!   (`thread_table.rs` explains how, and why that way).
//! - **File descriptors** (`fds`, Linux): the entries of `/proc/self/fd` — one per socket.
//!
//! Another process is watched from outside with [`pid::PidProbe`] (threads, RSS, CPU, context
//! switches from `/proc/<pid>`), which is how `compare` measures servers in processes of their
//! own.
//!
//! # Rates
//!
//! CPU % (per core, per process, per thread) and context switches per second are measured
//! over the time since the previous [`Probe::sample`]; for the first sample, since
//! [`Probe::new`] (which takes the baseline). So sample at a steady pace: rates over a very
//! short interval are coarse (`getrusage` counts CPU time in scheduler ticks, and `sysinfo`
//! asks for at least 200 ms between CPU refreshes).
//!
//! # Cost
//!
//! The probe must not disturb what it measures: part 1 runs up to 16 000 threads. The
//! per-thread scan makes one cheap system call per thread and opens files only for the
//! rows it shows, and `sysinfo` is asked for CPU usage only, never for the list of processes (which on Linux would also
//! walk the threads of every process on the machine). `cargo run --release -p instruments
//! --example probe_cost -- 5000` measures a sample with 5 000 threads.

#[cfg(target_os = "linux")]
mod linux;
pub mod pid;
#[cfg(not(target_os = "linux"))]
mod portable;
mod rusage;
#[cfg(target_os = "linux")]
mod thread_table;

use std::time::Instant;

use sysinfo::{CpuRefreshKind, RefreshKind, System};

#[cfg(target_os = "linux")]
use linux::OsProbe;
#[cfg(not(target_os = "linux"))]
use portable::OsProbe;
use rusage::ResourceUsage;

use crate::sample::ProcessSample;

/// How many rows the "Top threads" table keeps per sample.
pub const TOP_THREADS: usize = 16;

/// Samples this process. Keep one and call [`Probe::sample`] once per tick: rates (CPU %,
/// context switches per second) are computed against the previous call.
pub struct Probe {
    /// Only the CPU part of sysinfo is refreshed.
    cpus: System,
    usage: Option<ResourceUsage>,
    previous_at: Instant,
    os: OsProbe,
}

impl Probe {
    /// A probe, with the baseline for the first sample's rates taken now.
    pub fn new() -> Self {
        let cpus = System::new_with_specifics(
            RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_cpu_usage()),
        );
        Probe {
            cpus,
            usage: ResourceUsage::now(),
            previous_at: Instant::now(),
            os: OsProbe::new(),
        }
    }

    /// What the OS says now, with rates since the previous sample (or since [`Probe::new`]).
    pub fn sample(&mut self) -> ProcessSample {
        let now = Instant::now();
        let elapsed = now.duration_since(self.previous_at);
        self.previous_at = now;

        self.cpus.refresh_cpu_usage();
        let cpu_cores: Vec<f32> = self
            .cpus
            .cpus()
            .iter()
            .map(|cpu| cpu.cpu_usage().clamp(0.0, 100.0))
            .collect();
        let cpu_avg = if cpu_cores.is_empty() {
            0.0
        } else {
            cpu_cores.iter().sum::<f32>() / cpu_cores.len() as f32
        };

        let usage = ResourceUsage::now();
        let rates = match (&usage, &self.usage) {
            (Some(now), Some(before)) => now.rates_since(before, elapsed),
            _ => Default::default(),
        };
        if usage.is_some() {
            self.usage = usage;
        }

        let mut sample = ProcessSample {
            cpu_cores,
            cpu_avg,
            process_cpu: rates.cpu_percent,
            ctx_voluntary_per_s: rates.voluntary_per_s,
            ctx_involuntary_per_s: rates.involuntary_per_s,
            ..ProcessSample::default()
        };
        self.os.fill(&mut sample, elapsed);
        sample
    }
}

impl Default for Probe {
    fn default() -> Self {
        Self::new()
    }
}
