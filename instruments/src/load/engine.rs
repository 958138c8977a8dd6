//! The engine: one supervising loop that owns the load's settings and its crew of connections.
//!
//! [`drive`] waits on four things at once and reacts to whichever comes first:
//!
//! - a **command** (`connections N`, `rate R`, `mode churn`, `quit`): it resizes the crew,
//!   restarts the pacer or tells the connections through `watch` channels;
//! - the **pacer period** (every millisecond, open loop only): the tickets that fell due since
//!   the last period are issued to the shared schedule in one batch;
//! - the **tick**: a [`LoadReport`] is built from the tally and handed to the caller;
//! - the end of the **duration**, if one was given.
//!
//! Connections are tasks in a `JoinSet`, each with a lease; the engine keeps the leases in a
//! stack. More connections: push leases, spawn tasks. Fewer: pop leases; a task whose lease
//! is gone retires after its current request. On `quit` (or when the command channel closes)
//! every lease is dropped and the engine waits — at most a request timeout, plus
//! [`SHUTDOWN_GRACE`] — for requests in flight to finish, so the last report counts every
//! request that was sent. Queued tickets that were never sent stay `outstanding` in it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval, interval_at, sleep_until, timeout};

use super::args::{LoadConfig, MAX_CONNECTIONS};
use super::client::{self, Lease, Shared};
use super::report::{LoadCommand, LoadReport, Pacing};
use super::schedule::Pacer;
use super::tally::{Failure, LoadSummary, Reporter, Settings};

/// How often the pacer issues due tickets. A millisecond is Tokio's timer resolution (the
/// finest level of its timer wheel has 1 ms slots: `tokio/src/runtime/time/wheel/mod.rs`); at
/// 100 000 req/s it makes batches of 100, each ticket still carrying its own intended time.
const PACER_PERIOD: Duration = Duration::from_millis(1);
/// Time allowed at shutdown beyond a request timeout, for tasks to notice and return.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// A run with no end: far enough to never come, near enough for `Instant` arithmetic.
const NO_END: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Runs the load described by `config`, changed by `commands`, handing a report to
/// `on_report` every tick and once more at the end. Returns when `quit` arrives, when the
/// command channel closes, when the duration is over, or when `on_report` fails (its error is
/// returned: nobody is listening any more).
pub async fn drive<F>(
    config: LoadConfig,
    mut commands: mpsc::Receiver<LoadCommand>,
    mut on_report: F,
) -> anyhow::Result<LoadSummary>
where
    F: FnMut(&LoadReport) -> anyhow::Result<()>,
{
    config.check()?;
    let start = Instant::now();
    let (pacing_tx, pacing_rx) = watch::channel(config.pacing);
    let (mode_tx, mode_rx) = watch::channel(config.mode);
    let shared = Arc::new(Shared::new(config.addr, config.timeout, pacing_rx, mode_rx));
    let mut settings = Settings {
        mode: config.mode,
        pacing: config.pacing,
        connections: config.connections,
    };
    shared.sources.plan(settings.connections, settings.mode);
    let mut crew = Crew::default();
    crew.resize(settings.connections, &shared);
    let mut pacer = new_pacer(settings.pacing, start);
    let mut reporter = Reporter::new(start, config.warmup);

    let mut pace = interval(PACER_PERIOD);
    pace.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut ticks = interval_at(start + config.tick, config.tick);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let end = sleep_until(start + config.duration.unwrap_or(NO_END));
    tokio::pin!(end);

    let outcome = loop {
        tokio::select! {
            biased;
            command = commands.recv() => match command {
                None | Some(LoadCommand::Quit) => break Ok(()),
                Some(LoadCommand::Connections(n)) => {
                    settings.connections = n.min(MAX_CONNECTIONS);
                    if n > MAX_CONNECTIONS {
                        eprintln!("load: {n} connections is too many; using {MAX_CONNECTIONS}");
                    }
                    shared.sources.plan(settings.connections, settings.mode);
                    crew.resize(settings.connections, &shared);
                }
                Some(LoadCommand::Pacing(pacing)) => {
                    settings.pacing = pacing;
                    pacer = new_pacer(pacing, Instant::now());
                    pacing_tx.send_replace(pacing);
                }
                Some(LoadCommand::Mode(mode)) => {
                    settings.mode = mode;
                    shared.sources.plan(settings.connections, mode);
                    mode_tx.send_replace(mode);
                }
            },
            () = &mut end => break Ok(()),
            _ = ticks.tick() => {
                let report = reporter.report(&shared.tally, settings, Instant::now());
                if let Err(e) = on_report(&report) {
                    break Err(e);
                }
            }
            _ = pace.tick(), if pacer.is_some() => {
                if let Some(pacer) = &mut pacer {
                    issue_due(pacer, &shared);
                }
            }
            Some(joined) = crew.tasks.join_next() => {
                if let Err(e) = joined {
                    break Err(anyhow!("a connection task failed: {e}"));
                }
            }
        }
    };

    crew.retire_all(shared.timeout + SHUTDOWN_GRACE).await;
    outcome?;
    let last = reporter.report(&shared.tally, settings, Instant::now());
    on_report(&last)?;
    Ok(reporter.summary())
}

fn new_pacer(pacing: Pacing, now: Instant) -> Option<Pacer> {
    match pacing {
        Pacing::Rate(rate) => Some(Pacer::new(rate, now)),
        Pacing::Closed => None,
    }
}

/// Issues the tickets that fell due; those the full backlog cannot take are dropped as errors.
fn issue_due(pacer: &mut Pacer, shared: &Shared) {
    let due = pacer.take_due(Instant::now());
    let count = due.end - due.start;
    if count == 0 {
        return;
    }
    shared.tally.offer(count);
    let dropped = shared
        .schedule
        .issue(count, |i| pacer.intended(due.start + i));
    if dropped > 0 {
        shared.tally.fail_requests(Failure::Other, dropped);
    }
}

/// The connection tasks, and a lease for each one still wanted.
#[derive(Default)]
struct Crew {
    /// Lease `i` belongs to connection `i`; dropping it retires that connection.
    leases: Vec<watch::Sender<()>>,
    tasks: JoinSet<()>,
}

impl Crew {
    fn resize(&mut self, connections: u64, shared: &Arc<Shared>) {
        // MAX_CONNECTIONS fits in usize on every platform tokio runs on.
        let wanted = usize::try_from(connections).unwrap_or(usize::MAX);
        self.leases.truncate(wanted);
        while self.leases.len() < wanted {
            let (keep, lease) = Lease::new();
            let id = self.leases.len() as u64;
            self.tasks.spawn(client::run(id, Arc::clone(shared), lease));
            self.leases.push(keep);
        }
    }

    /// Ends every lease and waits up to `patience` for the tasks to finish their requests;
    /// the ones still running then are aborted.
    async fn retire_all(&mut self, patience: Duration) {
        self.leases.clear();
        let all_done = async { while self.tasks.join_next().await.is_some() {} };
        if timeout(patience, all_done).await.is_err() {
            self.tasks.shutdown().await;
        }
    }
}
