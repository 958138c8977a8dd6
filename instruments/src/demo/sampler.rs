//! The sampler: the one place where the three views of a tick — the OS's, the server's and
//! the client's — are put together into one [`Sample`].

use std::sync::Arc;
use std::time::Instant;

use crate::demo::controller::ScenarioNow;
use crate::load::LoadReport;
use crate::metrics::ServerCounters;
use crate::part::RunningServer;
use crate::probe::Probe;
use crate::sample::{Sample, ServerRates, ServerSample};

/// Turns the three views of a tick — OS, server, client — into one [`Sample`].
pub(super) struct Sampler<S> {
    server: Arc<S>,
    probe: Probe,
    started: Instant,
    before: (Instant, ServerCounters),
}

impl<S> Sampler<S> {
    pub(super) fn new<X>(server: Arc<S>) -> Self
    where
        S: RunningServer<X>,
    {
        let before = (Instant::now(), server.stats().snapshot());
        Sampler {
            server,
            probe: Probe::new(),
            started: Instant::now(),
            before,
        }
    }

    /// The running server (to hand it the part keys a scenario presses).
    pub(super) fn server(&self) -> &S {
        &self.server
    }

    pub(super) fn sample<X>(&mut self, load: Option<LoadReport>, scenario: ScenarioNow) -> Sample<X>
    where
        S: RunningServer<X>,
    {
        let now = Instant::now();
        let totals = self.server.stats().snapshot();
        let per_s = ServerRates::between(
            &self.before.1,
            &totals,
            now.duration_since(self.before.0).as_secs_f64(),
        );
        self.before = (now, totals.clone());
        Sample {
            t: now.duration_since(self.started).as_secs_f64(),
            process: self.probe.sample(),
            server: ServerSample { totals, per_s },
            load,
            stage: scenario.stage,
            scenario_next: scenario.next,
            part: self.server.sample_part(),
        }
    }
}
