//! The one app every server in the workshop serves, so that every comparison is fair.
//!
//! `GET /` answers `200 hello`. Each request stands for real work of two kinds:
//!
//! - **waiting** for `io_ms` milliseconds, as if calling a database or another service. What a
//!   server does while it waits is the whole lesson: part 1 *blocks its thread* in
//!   `thread::sleep`; parts 2–4 set a timer on a reactor and let the thread serve others.
//! - **computing** for `cpu_us` microseconds of real CPU work ([`burn_cpu`]). Nothing can hide
//!   this cost: it shows how many runnable threads compete for the cores.
//!
//! Both come from the server's flags (`--io-ms`, `--cpu-us`) and can be overridden per request
//! with `?io_ms=N&cpu_us=N`. [`plan`] turns a request into the work to do and the response to
//! send; each server then does the work in its own way.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::http::{Method, Request, Response, Status};

/// The longest wait a request may ask for with `?io_ms=`: long enough for any experiment,
/// short enough that a typo cannot park a connection for hours.
pub const MAX_IO_MS: u64 = 60_000;

/// The most CPU a request may ask for with `?cpu_us=` (one second).
pub const MAX_CPU_US: u64 = 1_000_000;

/// The app's defaults, from the server's command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppConfig {
    /// How long each request waits (its "backend call").
    pub io: Duration,
    /// How much CPU each request burns.
    pub cpu: Duration,
}

impl AppConfig {
    pub fn new(io_ms: u64, cpu_us: u64) -> Self {
        AppConfig {
            io: Duration::from_millis(io_ms),
            cpu: Duration::from_micros(cpu_us),
        }
    }
}

/// What a server must do for one request: wait, compute, then send the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub io: Duration,
    pub cpu: Duration,
    pub response: Response,
}

impl Plan {
    /// A plan with no work: answer at once.
    fn answer(response: Response) -> Self {
        Plan {
            io: Duration::ZERO,
            cpu: Duration::ZERO,
            response,
        }
    }
}

/// Decides what a request costs and what it gets back.
pub fn plan(request: &Request, defaults: &AppConfig) -> Plan {
    let keep_alive = request.keep_alive;
    let response = |status, body| Response {
        status,
        body,
        keep_alive,
        head_only: request.method == Method::Head,
    };
    if request.path() != "/" {
        return Plan::answer(response(Status::NotFound, "not found\n"));
    }
    if !matches!(request.method, Method::Get | Method::Head) {
        return Plan::answer(response(Status::MethodNotAllowed, "only GET and HEAD\n"));
    }
    let io_ms = query_number(request, "io_ms", MAX_IO_MS);
    let cpu_us = query_number(request, "cpu_us", MAX_CPU_US);
    match (io_ms, cpu_us) {
        (Ok(io_ms), Ok(cpu_us)) => Plan {
            io: io_ms.map_or(defaults.io, Duration::from_millis),
            cpu: cpu_us.map_or(defaults.cpu, Duration::from_micros),
            response: response(Status::Ok, "hello"),
        },
        _ => Plan::answer(response(
            Status::BadRequest,
            "io_ms must be 0..=60000 and cpu_us 0..=1000000\n",
        )),
    }
}

/// `Ok(None)` when absent, `Ok(Some(n))` when a number within `max`, `Err` otherwise.
fn query_number(request: &Request, name: &str, max: u64) -> Result<Option<u64>, ()> {
    match request.query_param(name) {
        None => Ok(None),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n <= max => Ok(Some(n)),
            _ => Err(()),
        },
    }
}

/// Spins of the work loop used to measure its speed: a couple of milliseconds on a laptop,
/// short enough to be rarely preempted.
const CALIBRATION_SPINS: u64 = 1_000_000;

/// Calibration runs; the fastest one is kept, since preemption only ever makes a run slower.
const CALIBRATION_RUNS: usize = 5;

/// Does `cpu` worth of real computation on the calling thread.
///
/// It is a fixed *amount of work* (a number of loop iterations, measured once by
/// [`calibrate`]), not "spin until the clock says so". That matters: a thread that is
/// preempted half-way still owes the rest of its work, exactly as a real request would, so
/// competition for the CPU shows up as longer latency instead of being silently absorbed.
pub fn burn_cpu(cpu: Duration) {
    if cpu.is_zero() {
        return;
    }
    let spins = (cpu.as_nanos() as f64 * calibrate()).round() as u64;
    black_box(spin(spins));
}

/// Measures, once per process, how many work-loop iterations the CPU does per nanosecond.
///
/// Servers call this at start-up so that the first request does not pay for it.
pub fn calibrate() -> f64 {
    static SPINS_PER_NANO: OnceLock<f64> = OnceLock::new();
    *SPINS_PER_NANO.get_or_init(|| {
        let fastest = (0..CALIBRATION_RUNS)
            .map(|_| {
                let started = thread_cpu_time();
                black_box(spin(black_box(CALIBRATION_SPINS)));
                thread_cpu_time().saturating_sub(started)
            })
            .min()
            .unwrap_or(Duration::from_millis(1))
            .max(Duration::from_nanos(1));
        CALIBRATION_SPINS as f64 / fastest.as_nanos() as f64
    })
}

/// How long the calling thread has run on a CPU so far: unlike the wall clock, it does not
/// advance while the thread waits for a CPU, so a busy machine cannot make the calibration
/// believe the CPU is slower than it is (and every request then burn too little).
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write to, and the clock id is a constant of libc.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if rc != 0 {
        return wall_clock_since_start();
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    wall_clock_since_start()
}

/// The fallback where a thread's CPU clock cannot be read: time since the first call.
fn wall_clock_since_start() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// The work itself: a linear congruential generator, which the compiler cannot skip or fold
/// because each step needs the last one's result.
fn spin(iterations: u64) -> u64 {
    // Knuth's MMIX LCG constants.
    const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
    const INCREMENT: u64 = 1_442_695_040_888_963_407;
    let mut state = iterations;
    for _ in 0..iterations {
        state = state.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
    }
    state
}
