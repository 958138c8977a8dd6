//! What does watching cost? Times `Probe::sample()` in a process with N idle threads.
//!
//! ```text
//! cargo run --release -p instruments --example probe_cost -- [THREADS] [SAMPLES]
//! ```
//!
//! THREADS (default 5000) parked threads are started, then SAMPLES (default 10) samples are
//! taken a short pause apart. The dashboard samples once per second, so the mean time of one
//! sample is also the share of one core the probe takes: 10 ms per sample = 1% of a core.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use instruments::probe::Probe;

const DEFAULT_THREADS: usize = 5_000;
const DEFAULT_SAMPLES: usize = 10;
/// The dashboard's tick: the probe runs once per this.
const SAMPLE_PERIOD: Duration = Duration::from_secs(1);
/// Pause between timed samples, long enough for sysinfo's CPU refresh to be meaningful.
const PAUSE: Duration = Duration::from_millis(250);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let threads = match parse_arg(args.next(), DEFAULT_THREADS, "THREADS") {
        Ok(n) => n,
        Err(message) => return usage(&message),
    };
    let samples = match parse_arg(args.next(), DEFAULT_SAMPLES, "SAMPLES") {
        Ok(0) => return usage("SAMPLES must be at least 1"),
        Ok(n) => n,
        Err(message) => return usage(&message),
    };

    if let Err(error) = start_parked_threads(threads) {
        eprintln!("could not start {threads} threads: {error}");
        return ExitCode::FAILURE;
    }

    let mut probe = Probe::new();
    thread::sleep(PAUSE);
    let mut times = Vec::with_capacity(samples);
    let mut seen_threads = None;
    for _ in 0..samples {
        let started = Instant::now();
        let sample = probe.sample();
        times.push(started.elapsed());
        seen_threads = sample.threads;
        thread::sleep(PAUSE);
    }

    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let max = times.iter().max().copied().unwrap_or_default();
    let per_thread = if threads > 0 {
        format!(
            " ({:.2} µs per thread)",
            mean.as_secs_f64() * 1e6 / threads as f64
        )
    } else {
        String::new()
    };
    println!(
        "threads spawned: {threads} (probe saw {})",
        seen_threads.map_or("n/a".to_owned(), |n| n.to_string())
    );
    println!(
        "Probe::sample over {samples} calls: mean {:.2} ms, max {:.2} ms{per_thread}",
        mean.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
    );
    println!(
        "at one sample per {} s that is {:.2}% of one core",
        SAMPLE_PERIOD.as_secs(),
        mean.as_secs_f64() / SAMPLE_PERIOD.as_secs_f64() * 100.0,
    );
    // Returning ends the process, and with it the parked threads.
    ExitCode::SUCCESS
}

/// Starts `count` threads that park forever, and returns once all of them run.
fn start_parked_threads(count: usize) -> std::io::Result<()> {
    let (started, all_started) = mpsc::channel();
    for _ in 0..count {
        let started = started.clone();
        thread::Builder::new()
            .name("parked".to_owned())
            .spawn(move || {
                // The receiver only goes away once main is done waiting. Dropping the sender
                // lets main stop waiting even if some thread never gets this far.
                let _ = started.send(());
                drop(started);
                loop {
                    thread::park();
                }
            })?;
    }
    drop(started);
    all_started.iter().take(count).for_each(drop);
    Ok(())
}

fn parse_arg(arg: Option<String>, default: usize, name: &str) -> Result<usize, String> {
    match arg {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {text:?}")),
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("{message}");
    eprintln!(
        "usage: probe_cost [THREADS (default {DEFAULT_THREADS})] [SAMPLES (default {DEFAULT_SAMPLES})]"
    );
    ExitCode::from(2)
}
