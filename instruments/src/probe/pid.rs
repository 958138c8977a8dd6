//! Another process, watched from outside through `/proc/<pid>` (Linux): how `compare` sees a
//! server that runs as its own process, where the in-process [`Probe`](super::Probe) cannot
//! reach (it asks `getrusage(RUSAGE_SELF)` and reads `/proc/self`).
//!
//! | number             | file                                                    | unit       |
//! |--------------------|---------------------------------------------------------|------------|
//! | `threads`          | `/proc/<pid>/stat`, field 20                            | threads    |
//! | `rss`              | `/proc/<pid>/stat`, field 24                            | pages      |
//! | CPU %              | `/proc/<pid>/stat`, fields 14 + 15 (user + system)      | clock ticks|
//! | context switches   | `/proc/<pid>/task/*/status`, `voluntary_ctxt_switches`, `nonvoluntary_ctxt_switches` | switches |
//!
//! The CPU fields of the process's `stat` include the threads that have already exited, like
//! `getrusage`. The context switches do not: the kernel keeps them per thread
//! (`/proc/<pid>/status` shows the main thread's only), and the counts of an exited thread are
//! folded into a total that only the process itself, or its parent once it has been reaped,
//! can read. So [`PidProbe::context_switches`] sums the threads alive now, and a difference
//! between two calls misses the threads that ended in between: measure over a window in which
//! the server's threads stay (keep-alive connections), and read it once at each end, not every
//! tick (it opens one file per thread).

use std::io;
use std::time::{Duration, Instant};

/// Field numbers of `/proc/<pid>/stat`, counted from 1 as in `man 5 proc`.
#[cfg(target_os = "linux")]
mod field {
    pub(super) const UTIME: usize = 14;
    pub(super) const STIME: usize = 15;
    pub(super) const NUM_THREADS: usize = 20;
    pub(super) const RSS: usize = 24;
}

/// The process now: a `stat` read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PidSample {
    pub threads: u64,
    /// Resident set size, bytes.
    pub rss: u64,
    /// CPU time used since the previous sample (or since [`PidProbe::new`]) per second of wall
    /// time, in % of one core: two busy cores show 200.
    pub cpu_percent: f32,
}

/// Context switches of the threads alive now, since each started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextSwitches {
    /// The thread gave the CPU up: it blocked on a read, a lock, a sleep.
    pub voluntary: u64,
    /// The scheduler took the CPU away: another runnable thread's turn came.
    pub involuntary: u64,
}

impl ContextSwitches {
    pub fn total(&self) -> u64 {
        self.voluntary + self.involuntary
    }

    /// The switches from `earlier` to `self`, by the threads alive at both.
    pub fn since(&self, earlier: &ContextSwitches) -> ContextSwitches {
        ContextSwitches {
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }
}

/// Watches process `pid` from outside. Errors mean the process is gone (or, off Linux, that
/// there is no `/proc` to read).
pub struct PidProbe {
    pid: u32,
    /// Every file is read into this one buffer.
    buffer: Vec<u8>,
    page_size: u64,
    clock_ticks_per_s: u64,
    /// CPU time at the previous sample, and when it was taken.
    previous: Option<(Duration, Instant)>,
}

impl PidProbe {
    /// A probe of `pid`, with the baseline for the first sample's CPU % taken now (if the
    /// process can be read).
    pub fn new(pid: u32) -> Self {
        let mut probe = PidProbe {
            pid,
            buffer: Vec::new(),
            page_size: os::page_size(),
            clock_ticks_per_s: os::clock_ticks_per_s(),
            previous: None,
        };
        probe.previous = probe
            .read_stat()
            .ok()
            .map(|stat| (stat.cpu_time, Instant::now()));
        probe
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Threads, RSS, and CPU % since the previous sample.
    pub fn sample(&mut self) -> io::Result<PidSample> {
        let stat = self.read_stat()?;
        let now = Instant::now();
        let cpu_percent = match self.previous {
            Some((cpu_before, at)) if now > at => {
                let cpu = stat.cpu_time.saturating_sub(cpu_before).as_secs_f64();
                (cpu / now.duration_since(at).as_secs_f64() * 100.0) as f32
            }
            _ => 0.0,
        };
        self.previous = Some((stat.cpu_time, now));
        Ok(PidSample {
            threads: stat.threads,
            rss: stat.rss_pages * self.page_size,
            cpu_percent,
        })
    }
}

/// What one read of `/proc/<pid>/stat` gives.
struct Stat {
    cpu_time: Duration,
    threads: u64,
    rss_pages: u64,
}

#[cfg(target_os = "linux")]
mod os {
    use super::super::linux::{FALLBACK_PAGE_SIZE, sysconf_or};

    /// What `sysconf(_SC_CLK_TCK)` says on every Linux build: the unit of the `stat` CPU
    /// fields is fixed at 100 per second for user space, whatever the kernel's own tick.
    const FALLBACK_CLOCK_TICKS: u64 = 100;

    pub(super) fn page_size() -> u64 {
        sysconf_or(libc::_SC_PAGESIZE, FALLBACK_PAGE_SIZE)
    }

    pub(super) fn clock_ticks_per_s() -> u64 {
        sysconf_or(libc::_SC_CLK_TCK, FALLBACK_CLOCK_TICKS)
    }
}

#[cfg(target_os = "linux")]
impl PidProbe {
    fn read_stat(&mut self) -> io::Result<Stat> {
        use super::linux::{StatLine, parse_u64, read_file};

        let path = format!("/proc/{}/stat", self.pid);
        let line = read_file(&path, &mut self.buffer)?;
        let unreadable = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{path}: not a stat line"),
            )
        };
        let stat = StatLine::split(line).ok_or_else(unreadable)?;
        let (mut utime, mut stime, mut threads) = (None, None, None);
        for (number, text) in stat.fields() {
            match number {
                field::UTIME => utime = parse_u64(text),
                field::STIME => stime = parse_u64(text),
                field::NUM_THREADS => threads = parse_u64(text),
                field::RSS => {
                    let ticks = utime.zip(stime).ok_or_else(unreadable)?;
                    let nanos = (ticks.0 + ticks.1) * 1_000_000_000 / self.clock_ticks_per_s;
                    return Ok(Stat {
                        cpu_time: Duration::from_nanos(nanos),
                        threads: threads.ok_or_else(unreadable)?,
                        rss_pages: parse_u64(text).ok_or_else(unreadable)?,
                    });
                }
                _ => {}
            }
        }
        Err(unreadable())
    }

    /// The context switches of the threads alive now (see the module docs for what this
    /// misses). Reads one file per thread.
    pub fn context_switches(&mut self) -> io::Result<ContextSwitches> {
        use super::linux::{labelled_number, read_file};

        let mut total = ContextSwitches::default();
        for entry in std::fs::read_dir(format!("/proc/{}/task", self.pid))?.flatten() {
            let path = entry.path().join("status");
            let Some(path) = path.to_str() else { continue };
            let Ok(status) = read_file(path, &mut self.buffer) else {
                continue; // the thread ended since the listing
            };
            total.voluntary += labelled_number(status, "voluntary_ctxt_switches:").unwrap_or(0);
            total.involuntary +=
                labelled_number(status, "nonvoluntary_ctxt_switches:").unwrap_or(0);
        }
        Ok(total)
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    pub(super) fn page_size() -> u64 {
        0
    }

    pub(super) fn clock_ticks_per_s() -> u64 {
        0
    }
}

#[cfg(not(target_os = "linux"))]
impl PidProbe {
    fn read_stat(&mut self) -> io::Result<Stat> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "watching another process needs Linux's /proc",
        ))
    }

    pub fn context_switches(&mut self) -> io::Result<ContextSwitches> {
        self.read_stat().map(|_| ContextSwitches::default())
    }
}
