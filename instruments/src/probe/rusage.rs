//! CPU time and context switches of the whole process, from `getrusage(RUSAGE_SELF)`.
//!
//! The kernel keeps these totals per process and adds the counts of threads that have already
//! exited, so nothing is lost when a connection's thread ends between two samples. A
//! *voluntary* switch is a thread giving the CPU up because it blocked (a read with no data
//! yet, a sleep, a lock); an *involuntary* one is the scheduler taking the CPU away because
//! another runnable thread's turn came. Works on every Unix.

use std::time::Duration;

/// The running totals at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct ResourceUsage {
    /// User plus system CPU time of all threads, ever.
    cpu_time: Duration,
    voluntary_switches: u64,
    involuntary_switches: u64,
}

/// Per-second rates between two [`ResourceUsage`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct UsageRates {
    /// CPU time used per second of wall time, in % of one core.
    pub(super) cpu_percent: f32,
    pub(super) voluntary_per_s: f64,
    pub(super) involuntary_per_s: f64,
}

impl ResourceUsage {
    /// The totals now. `getrusage(RUSAGE_SELF)` can only fail for a bad argument or pointer,
    /// so `None` here would be a bug in this function; callers treat it as "no data".
    pub(super) fn now() -> Option<Self> {
        // SAFETY: rusage is plain old data; all zeroes is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is valid for writes and alive during the call.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return None;
        }
        Some(ResourceUsage {
            cpu_time: duration(usage.ru_utime) + duration(usage.ru_stime),
            voluntary_switches: u64::try_from(usage.ru_nvcsw).unwrap_or(0),
            involuntary_switches: u64::try_from(usage.ru_nivcsw).unwrap_or(0),
        })
    }

    /// Rates from `earlier` to `self`, `elapsed` apart (all zero when no time passed).
    pub(super) fn rates_since(&self, earlier: &Self, elapsed: Duration) -> UsageRates {
        let seconds = elapsed.as_secs_f64();
        if seconds <= 0.0 {
            return UsageRates::default();
        }
        let per_s = |now: u64, then: u64| now.saturating_sub(then) as f64 / seconds;
        let cpu = self.cpu_time.saturating_sub(earlier.cpu_time).as_secs_f64();
        UsageRates {
            cpu_percent: (cpu / seconds * 100.0) as f32,
            voluntary_per_s: per_s(self.voluntary_switches, earlier.voluntary_switches),
            involuntary_per_s: per_s(self.involuntary_switches, earlier.involuntary_switches),
        }
    }
}

fn duration(time: libc::timeval) -> Duration {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u32::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_deltas_per_second() {
        let earlier = ResourceUsage {
            cpu_time: Duration::from_millis(1_000),
            voluntary_switches: 10,
            involuntary_switches: 5,
        };
        let later = ResourceUsage {
            cpu_time: Duration::from_millis(1_500),
            voluntary_switches: 210,
            involuntary_switches: 25,
        };
        let rates = later.rates_since(&earlier, Duration::from_secs(2));
        assert_eq!(rates.cpu_percent, 25.0);
        assert_eq!(rates.voluntary_per_s, 100.0);
        assert_eq!(rates.involuntary_per_s, 10.0);
        assert_eq!(
            later.rates_since(&earlier, Duration::ZERO),
            UsageRates::default()
        );
    }
}
