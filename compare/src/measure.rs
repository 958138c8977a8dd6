//! One row of the race: the load against one running server, and the server watched from
//! outside meanwhile.
//!
//! The load generator runs in this process, on its own one-worker runtime
//! ([`instruments::load::run_here`]), the very engine the demos run as their child: same
//! client, same pacing, same latency counting. A sampler thread reads the server's
//! `/proc/<pid>` every [`SAMPLE_EVERY`] meanwhile.
//!
//! ```text
//!  0 ─────── warm-up ───────┬──────────── measured ────────────┐ end
//!                           │ counting starts (load summary,  ──┤ context switches read
//!                           │ context switches read, peaks)     │ again, a sample before
//! ```
//!
//! Throughput, latency and errors are the load generator's summary of the measured part;
//! threads and RSS are the peaks over it, CPU its mean; context switches are the difference
//! between the two reads, per second, over the load's responses per second.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use instruments::load::{self, LoadCommand, LoadConfig, LoadSummary, Pacing};
use instruments::probe::pid::{ContextSwitches, PidProbe};
use tokio::sync::mpsc as tokio_mpsc;

use crate::interrupt;
use crate::server::ServerProcess;

/// How often the server's process is sampled: often enough to catch a peak of threads, rarely
/// enough to cost it nothing (one `stat` read).
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// The load of one row.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub connections: u64,
    pub pacing: Pacing,
    pub warmup: Duration,
    pub duration: Duration,
}

/// What one row measured.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// The client's view of the measured part.
    pub load: LoadSummary,
    pub peak_threads: u64,
    /// Bytes.
    pub peak_rss: u64,
    /// Mean CPU over the measured part, % of one core.
    pub cpu_percent: f32,
    /// The server's context switches per second over the measured part; `None` if they could
    /// not be read at both ends.
    pub context_switches_per_s: Option<f64>,
    /// Why the server stopped during the run, if it did.
    pub died: Option<String>,
}

impl Measurement {
    /// Both rates are over the measured part (their windows differ by a sample period at most).
    pub fn context_switches_per_request(&self) -> Option<f64> {
        let per_s = self.context_switches_per_s?;
        (self.load.completed_per_s > 0.0).then(|| per_s / self.load.completed_per_s)
    }
}

/// Runs `load` against `server`, calling `on_progress` with the time elapsed about every
/// [`SAMPLE_EVERY`]. Stops early on Ctrl-C (see [`interrupt`]) or when the server dies.
pub fn measure(
    server: &mut ServerProcess,
    load: Load,
    on_progress: impl Fn(Duration) + Send,
) -> anyhow::Result<Measurement> {
    let config = LoadConfig {
        connections: load.connections,
        pacing: load.pacing,
        duration: Some(load.warmup + load.duration),
        warmup: load.warmup,
        ..LoadConfig::new(server.addr())
    };
    let (commands, received) = tokio_mpsc::channel(1);
    let (stop, stopped) = mpsc::channel::<()>();
    let probe = PidProbe::new(server.pid());
    let (summary, watched) = std::thread::scope(|scope| {
        let sampler = scope.spawn(move || watch(probe, load, &stopped, &commands, &on_progress));
        let summary = load::run_here(config, received, |_report| Ok(()));
        let _ = stop.send(());
        (summary, sampler.join())
    });
    let mut measurement = watched.map_err(|_| anyhow::anyhow!("the sampler thread panicked"))?;
    measurement.load = summary?;
    if let Some(death) = server.death() {
        measurement.died = Some(death);
    }
    Ok(measurement)
}

/// The sampler thread: samples until told to stop; on Ctrl-C or a dead server it ends the load.
fn watch(
    mut probe: PidProbe,
    load: Load,
    stopped: &mpsc::Receiver<()>,
    commands: &tokio_mpsc::Sender<LoadCommand>,
    on_progress: &impl Fn(Duration),
) -> Measurement {
    let start = Instant::now();
    let end = load.warmup + load.duration;
    let mut measurement = Measurement::default();
    let (mut cpu_sum, mut cpu_samples) = (0.0, 0u32);
    // Read at the first sample after the warm-up, and at the last one before the load ends:
    // once it has ended, its connections close and the threads that served them, with their
    // counts, may be gone (see `instruments::probe::pid`).
    let mut switches_at_warmup: Option<(ContextSwitches, Instant)> = None;
    let mut switches_at_end: Option<(ContextSwitches, Instant)> = None;
    let read_switches =
        |probe: &mut PidProbe| Some((probe.context_switches().ok()?, Instant::now()));
    let quit = || {
        // The load may have ended already; then there is nobody to tell.
        let _ = commands.blocking_send(LoadCommand::Quit);
    };
    // Until the load has ended (a message, or the sender dropped).
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(SAMPLE_EVERY) {
        if interrupt::requested() {
            quit();
        }
        let elapsed = start.elapsed();
        on_progress(elapsed);
        let sample = match probe.sample() {
            Ok(sample) => sample,
            Err(e) => {
                measurement.died = Some(format!("could not be watched any more: {e}"));
                quit();
                break;
            }
        };
        if elapsed < load.warmup {
            continue;
        }
        if switches_at_warmup.is_none() {
            switches_at_warmup = read_switches(&mut probe);
            continue; // this sample's CPU belongs to the warm-up
        }
        measurement.peak_threads = measurement.peak_threads.max(sample.threads);
        measurement.peak_rss = measurement.peak_rss.max(sample.rss);
        cpu_sum += sample.cpu_percent;
        cpu_samples += 1;
        if elapsed + SAMPLE_EVERY >= end && switches_at_end.is_none() {
            switches_at_end = read_switches(&mut probe);
        }
    }
    measurement.cpu_percent = if cpu_samples > 0 {
        cpu_sum / cpu_samples as f32
    } else {
        0.0
    };
    measurement.context_switches_per_s = switches_at_warmup
        .zip(switches_at_end)
        .map(|((before, from), (after, to))| {
            after.since(&before).total() as f64 / to.duration_since(from).as_secs_f64()
        })
        .filter(|per_s| per_s.is_finite());
    measurement
}
