//! The numbers: counted by the connections as they work, turned into a report once a tick.
//!
//! Connections only bump counters (atomics) and record latencies into one shared histogram;
//! the engine reads them once a tick. Every request that is offered ends exactly once, either
//! completed or failed, so at any moment
//!
//! ```text
//! offered = completed + failed requests + outstanding
//! ```
//!
//! where *outstanding* is what is due but not answered yet: queued tickets plus requests in
//! flight. Some failures are not requests (a keep-alive connect that was refused): they count as
//! errors, but not in that sum.

use std::io::{self, ErrorKind};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::report::{ClientErrors, ConnectionMode, LoadReport, Pacing, Percentiles};
use crate::metrics::{Counter, Gauge};

/// The longest latency told apart from longer ones: an hour, in microseconds.
const MAX_LATENCY_US: u64 = 3_600_000_000;
/// Three significant figures: 0.1% precision, as wrk and most load generators report.
const LATENCY_SIGFIG: u8 = 3;

/// Why a request or a connect failed, as [`ClientErrors`] counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Refused,
    Reset,
    Timeout,
    Http,
    Other,
}

impl Failure {
    pub fn of(err: &io::Error) -> Self {
        match err.kind() {
            ErrorKind::ConnectionRefused => Failure::Refused,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => Failure::Reset,
            ErrorKind::TimedOut => Failure::Timeout,
            _ => Failure::Other,
        }
    }
}

/// Failures by kind, bumped concurrently.
#[derive(Debug, Default)]
struct ErrorCounters {
    refused: Counter,
    reset: Counter,
    timeout: Counter,
    error_status: Counter,
    other: Counter,
}

impl ErrorCounters {
    fn add(&self, failure: Failure, n: u64) {
        let counter = match failure {
            Failure::Refused => &self.refused,
            Failure::Reset => &self.reset,
            Failure::Timeout => &self.timeout,
            Failure::Http => &self.error_status,
            Failure::Other => &self.other,
        };
        counter.add(n);
    }

    fn get(&self) -> ClientErrors {
        ClientErrors {
            refused: self.refused.get(),
            reset: self.reset.get(),
            timeout: self.timeout.get(),
            error_status: self.error_status.get(),
            other: self.other.get(),
        }
    }
}

/// What the connections count.
#[derive(Debug)]
pub struct Tally {
    offered: Counter,
    /// Requests that ended, well or badly.
    finished: Counter,
    completed: Counter,
    errors: ErrorCounters,
    connect_us: Counter,
    connects: Counter,
    latency_us: Mutex<Histogram<u64>>,
    /// Connections open right now.
    pub open: Gauge,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            offered: Counter::new(),
            finished: Counter::new(),
            completed: Counter::new(),
            errors: ErrorCounters::default(),
            connect_us: Counter::new(),
            connects: Counter::new(),
            latency_us: Mutex::new(latency_histogram()),
            open: Gauge::new(),
        }
    }
}

impl Tally {
    /// `n` requests became due (open loop) or are about to be sent (closed loop).
    pub fn offer(&self, n: u64) {
        self.offered.add(n);
    }

    /// A request was answered `200`; `intended` is when it was due.
    pub fn complete(&self, intended: Instant) {
        let us = u64::try_from(intended.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.latency().saturating_record(us);
        self.completed.incr();
        self.finished.incr();
    }

    /// `n` requests failed.
    pub fn fail_requests(&self, failure: Failure, n: u64) {
        self.errors.add(failure, n);
        self.finished.add(n);
    }

    /// Something failed that was not a request (a keep-alive connection could not connect).
    pub fn fail(&self, failure: Failure) {
        self.errors.add(failure, 1);
    }

    pub fn connected(&self, took: Duration) {
        self.connect_us
            .add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        self.connects.incr();
    }

    fn latency(&self) -> MutexGuard<'_, Histogram<u64>> {
        // Recording never panics; a poisoned histogram would still be a valid one.
        self.latency_us
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn totals(&self) -> Totals {
        Totals {
            offered: self.offered.get(),
            finished: self.finished.get(),
            completed: self.completed.get(),
            errors: self.errors.get(),
            connect_us: self.connect_us.get(),
            connects: self.connects.get(),
        }
    }
}

fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_max(MAX_LATENCY_US, LATENCY_SIGFIG)
        .expect("constant histogram bounds are valid")
}

/// The counters at one moment.
#[derive(Debug, Clone, Default)]
struct Totals {
    offered: u64,
    finished: u64,
    completed: u64,
    errors: ClientErrors,
    connect_us: u64,
    connects: u64,
}

/// The load as the engine has set it, for the report.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub mode: ConnectionMode,
    pub pacing: Pacing,
    pub connections: u64,
}

/// A whole run in a few numbers, printed last by the standalone load generator. After a
/// warm-up, only what happened after it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// The time counted: the run less its warm-up.
    pub seconds: f64,
    pub offered_total: u64,
    pub completed_total: u64,
    /// Successful responses per second over the time counted.
    pub completed_per_s: f64,
    pub errors_total: ClientErrors,
    /// Latency over the time counted, microseconds.
    pub latency_us: Percentiles,
}

/// Turns the tally into one [`LoadReport`] per tick: differences since the last tick, rates per
/// second over the time that really passed, and the tick's latency histogram (then reset).
///
/// The summary counts from the end of the warm-up: the first tick that ends after it marks
/// the baseline (its totals and the moment), and only the ticks after that add their latencies.
/// The counting therefore starts on a tick boundary, as the demo's summary does.
#[derive(Debug)]
pub struct Reporter {
    start: Instant,
    warmup: Duration,
    last_at: Instant,
    last: Totals,
    /// When the summary started counting, and the totals then; `None` during the warm-up.
    counted_from: Option<(Instant, Totals)>,
    tick_latency: Histogram<u64>,
    run_latency: Histogram<u64>,
}

impl Reporter {
    pub fn new(start: Instant, warmup: Duration) -> Self {
        Reporter {
            start,
            warmup,
            last_at: start,
            last: Totals::default(),
            counted_from: warmup.is_zero().then(|| (start, Totals::default())),
            tick_latency: latency_histogram(),
            run_latency: latency_histogram(),
        }
    }

    pub fn report(&mut self, tally: &Tally, settings: Settings, now: Instant) -> LoadReport {
        // Swap in the empty histogram: the lock is held for a pointer swap, not a copy.
        self.tick_latency.reset();
        std::mem::swap(&mut *tally.latency(), &mut self.tick_latency);
        if self.counted_from.is_some() {
            self.run_latency
                .add(&self.tick_latency)
                .expect("histograms with the same bounds add up");
        }
        let totals = tally.totals();
        let seconds = now.saturating_duration_since(self.last_at).as_secs_f64();
        let per_s = |now: u64, before: u64| {
            if seconds > 0.0 {
                now.saturating_sub(before) as f64 / seconds
            } else {
                0.0
            }
        };
        let connects = totals.connects - self.last.connects;
        let report = LoadReport {
            t: now.saturating_duration_since(self.start).as_secs_f64(),
            mode: settings.mode,
            pacing: settings.pacing,
            connections_target: settings.connections,
            connections_open: tally.open.get(),
            offered_per_s: per_s(totals.offered, self.last.offered),
            completed_per_s: per_s(totals.completed, self.last.completed),
            outstanding: totals.offered.saturating_sub(totals.finished),
            errors: difference(&totals.errors, &self.last.errors),
            errors_total: totals.errors.clone(),
            completed_total: totals.completed,
            offered_total: totals.offered,
            connect_us_mean: (totals.connect_us - self.last.connect_us)
                .checked_div(connects)
                .unwrap_or(0),
            latency_us: percentiles(&self.tick_latency),
        };
        if self.counted_from.is_none() && now.saturating_duration_since(self.start) >= self.warmup {
            self.counted_from = Some((now, totals.clone()));
        }
        self.last = totals;
        self.last_at = now;
        report
    }

    /// The run so far, after its warm-up; call after the last [`report`](Self::report).
    pub fn summary(&self) -> LoadSummary {
        let Some((from, before)) = &self.counted_from else {
            return LoadSummary::default(); // the run ended during its warm-up
        };
        let seconds = self.last_at.saturating_duration_since(*from).as_secs_f64();
        let completed = self.last.completed - before.completed;
        LoadSummary {
            seconds,
            offered_total: self.last.offered - before.offered,
            completed_total: completed,
            completed_per_s: if seconds > 0.0 {
                completed as f64 / seconds
            } else {
                0.0
            },
            errors_total: difference(&self.last.errors, &before.errors),
            latency_us: percentiles(&self.run_latency),
        }
    }
}

fn difference(now: &ClientErrors, before: &ClientErrors) -> ClientErrors {
    ClientErrors {
        refused: now.refused - before.refused,
        reset: now.reset - before.reset,
        timeout: now.timeout - before.timeout,
        error_status: now.error_status - before.error_status,
        other: now.other - before.other,
    }
}

fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    if histogram.is_empty() {
        return Percentiles::default();
    }
    Percentiles {
        p50: histogram.value_at_quantile(0.50),
        p90: histogram.value_at_quantile(0.90),
        p99: histogram.value_at_quantile(0.99),
        max: histogram.max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings = Settings {
        mode: ConnectionMode::KeepAlive,
        pacing: Pacing::Rate(100.0),
        connections: 4,
    };

    #[test]
    fn a_report_holds_the_tick_and_the_totals() {
        let start = Instant::now();
        let tally = Tally::default();
        let mut reporter = Reporter::new(start, Duration::ZERO);

        tally.offer(10);
        for _ in 0..6 {
            tally.complete(Instant::now());
        }
        tally.fail_requests(Failure::Http, 1);
        tally.fail(Failure::Refused);
        tally.connected(Duration::from_micros(100));
        tally.connected(Duration::from_micros(300));
        let first = reporter.report(&tally, SETTINGS, start + Duration::from_secs(2));
        assert_eq!(first.offered_per_s, 5.0);
        assert_eq!(first.completed_per_s, 3.0);
        assert_eq!(first.outstanding, 3, "10 offered, 6 done, 1 failed");
        assert_eq!(first.errors.error_status, 1);
        assert_eq!(first.errors.refused, 1);
        assert_eq!(first.connect_us_mean, 200);
        assert_eq!(first.completed_total, 6);

        tally.fail_requests(Failure::Timeout, 3);
        let second = reporter.report(&tally, SETTINGS, start + Duration::from_secs(3));
        assert_eq!(second.outstanding, 0);
        assert_eq!(second.errors.total(), 3);
        assert_eq!(second.errors_total.total(), 5);
        assert_eq!(second.completed_per_s, 0.0);
        assert_eq!(second.connect_us_mean, 0, "no connects this tick");
        assert_eq!(second.latency_us, Percentiles::default(), "reset each tick");

        let summary = reporter.summary();
        assert_eq!(summary.completed_total, 6);
        assert_eq!(summary.completed_per_s, 2.0);
    }

    #[test]
    fn the_summary_leaves_out_the_warmup() {
        let start = Instant::now();
        let tally = Tally::default();
        let mut reporter = Reporter::new(start, Duration::from_secs(2));
        let second = |n| start + Duration::from_secs(n);

        // Warm-up: slow answers and an error, none of which may count.
        tally.offer(4);
        tally.latency().record(900_000).unwrap();
        tally.complete(Instant::now());
        tally.fail_requests(Failure::Reset, 1);
        reporter.report(&tally, SETTINGS, second(1));
        assert_eq!(
            reporter.summary(),
            LoadSummary::default(),
            "still warming up"
        );
        reporter.report(&tally, SETTINGS, second(2)); // the baseline

        tally.offer(30);
        for _ in 0..30 {
            tally.latency().record(100).unwrap();
            tally.completed.incr();
        }
        reporter.report(&tally, SETTINGS, second(5));
        let summary = reporter.summary();
        assert_eq!(summary.seconds, 3.0);
        assert_eq!(summary.completed_total, 30);
        assert_eq!(summary.offered_total, 30);
        assert_eq!(summary.completed_per_s, 10.0);
        assert_eq!(
            summary.errors_total.total(),
            0,
            "the reset was in the warm-up"
        );
        assert_eq!(
            summary.latency_us.max, 100,
            "the warm-up's slow answer is left out"
        );
    }

    #[test]
    fn latency_percentiles_come_from_the_tick() {
        let tally = Tally::default();
        let start = Instant::now();
        for us in 1..=1000 {
            tally.latency().record(us).unwrap();
        }
        let report = Reporter::new(start, Duration::ZERO).report(&tally, SETTINGS, start);
        assert_eq!(report.latency_us.p50, 500);
        assert_eq!(report.latency_us.p99, 990);
        assert_eq!(report.latency_us.max, 1000);
        assert_eq!(report.offered_per_s, 0.0, "no time passed: no rate");
    }

    #[test]
    fn io_errors_map_to_kinds() {
        let kind = |k: ErrorKind| Failure::of(&io::Error::from(k));
        assert_eq!(kind(ErrorKind::ConnectionRefused), Failure::Refused);
        assert_eq!(kind(ErrorKind::ConnectionReset), Failure::Reset);
        assert_eq!(kind(ErrorKind::UnexpectedEof), Failure::Reset);
        assert_eq!(kind(ErrorKind::TimedOut), Failure::Timeout);
        assert_eq!(
            Failure::of(&io::Error::from_raw_os_error(libc::EMFILE)),
            Failure::Other
        );
    }
}
