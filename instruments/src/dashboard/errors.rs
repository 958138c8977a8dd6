//! Errors by kind, from both ends of the connection, with their rates and what they mean.
//!
//! The server counts why it gave up on a request (it could not spawn a thread, `accept`
//! failed...); the load generator counts what the client saw (refused, reset, timeout, an error
//! status). The two views overlap — a thread that cannot be spawned is a `spawn_failed` on the
//! server and a `503` (`error_status`) on the client — and the dashboard shows both, because each
//! alone can mislead.
//!
//! Samples carry running totals; a rate is the difference between two consecutive samples
//! divided by the time between them. With a single sample there is no rate yet (it reads 0).

use crate::load::ClientErrors;
use crate::metrics::ServerError;
use crate::sample::Sample;

/// Which end of the connection counted an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Server,
    Client,
}

/// One kind of error, as seen at the latest sample.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRate {
    pub side: Side,
    /// The counter's name (`spawn_failed`, `refused`...).
    pub kind: String,
    /// Per second, between the previous sample and the latest.
    pub per_s: f64,
    /// Since the start of the run.
    pub total: u64,
}

impl ErrorRate {
    /// What a learner should read: a plural noun for the rate ("spawn failures") and the
    /// likely cause ("the OS refuses new threads"). Unknown kinds read as their own name.
    pub fn meaning(&self) -> (&str, &'static str) {
        let known = match self.side {
            Side::Server => ServerError::from_name(&self.kind).map(ServerError::meaning),
            Side::Client => ClientErrors::KINDS
                .iter()
                .find(|(name, _, _)| *name == self.kind)
                .map(|&(_, plural, cause)| (plural, cause)),
        };
        known.unwrap_or((self.kind.as_str(), ""))
    }
}

/// Every error kind with a nonzero total at the latest sample: server kinds first (in the
/// server's order), then client kinds. Empty when `history` is.
pub fn error_rates<'a, X: 'a>(
    history: impl DoubleEndedIterator<Item = &'a Sample<X>>,
) -> Vec<ErrorRate> {
    let mut newest_first = history.rev();
    let Some(latest) = newest_first.next() else {
        return Vec::new();
    };
    let previous = newest_first.next();
    let seconds = previous.map_or(0.0, |p| latest.t - p.t);
    let per_s = |now: u64, before: Option<u64>| match before {
        Some(before) if seconds > 0.0 => now.saturating_sub(before) as f64 / seconds,
        _ => 0.0,
    };

    let mut rates = Vec::new();
    for (kind, total) in &latest.server.totals.errors {
        let before = previous.map(|p| {
            p.server
                .totals
                .errors
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(0, |(_, n)| *n)
        });
        rates.push(ErrorRate {
            side: Side::Server,
            kind: kind.clone(),
            per_s: per_s(*total, before),
            total: *total,
        });
    }
    if let Some(load) = &latest.load {
        let before = previous
            .and_then(|p| p.load.as_ref())
            .map(|l| &l.errors_total);
        let now = load.errors_total.counts();
        let before = before.map(ClientErrors::counts);
        for (i, (kind, _, _)) in ClientErrors::KINDS.iter().enumerate() {
            let (total, before) = (now[i], before.map(|b| b[i]));
            rates.push(ErrorRate {
                side: Side::Client,
                kind: kind.to_string(),
                per_s: per_s(total, before),
                total,
            });
        }
    }
    rates.retain(|e| e.total > 0);
    rates
}

/// The kind failing fastest right now, if any is failing. On a tie the server's kind wins: it
/// is usually the cause, and the client's the consequence.
pub fn dominant(rates: &[ErrorRate]) -> Option<&ErrorRate> {
    rates
        .iter()
        .filter(|e| e.per_s > 0.0)
        .fold(None, |best: Option<&ErrorRate>, e| match best {
            Some(b) if b.per_s >= e.per_s => Some(b),
            _ => Some(e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadReport;

    fn sample(t: f64, spawn_failed: u64, http: u64) -> Sample {
        let mut s = Sample {
            t,
            ..Sample::default()
        };
        s.server.totals.errors = vec![
            ("bad_request".to_string(), 0),
            ("spawn_failed".to_string(), spawn_failed),
        ];
        let mut load = LoadReport::default();
        load.errors_total.error_status = http;
        s.load = Some(load);
        s
    }

    #[test]
    fn rates_come_from_the_last_two_samples() {
        let history = [sample(1.0, 100, 90), sample(3.0, 724, 710)];
        let rates = error_rates(history.iter());
        assert_eq!(rates.len(), 2, "zero-total kinds are left out: {rates:?}");
        assert_eq!(rates[0].side, Side::Server);
        assert_eq!(rates[0].kind, "spawn_failed");
        assert_eq!(rates[0].per_s, 312.0);
        assert_eq!(rates[0].total, 724);
        assert_eq!(rates[1].side, Side::Client);
        assert_eq!(rates[1].per_s, 310.0);
        assert_eq!(
            dominant(&rates).map(|e| e.kind.as_str()),
            Some("spawn_failed")
        );
        assert_eq!(rates[0].meaning().1, "the OS refuses new threads");
    }

    #[test]
    fn one_sample_has_totals_but_no_rate() {
        let history = [sample(1.0, 5, 0)];
        let rates = error_rates(history.iter());
        assert_eq!(rates.len(), 1);
        assert_eq!(rates[0].per_s, 0.0);
        assert_eq!(dominant(&rates), None);
    }

    #[test]
    fn ties_go_to_the_server() {
        let history = [sample(1.0, 0, 0), sample(2.0, 10, 10)];
        let rates = error_rates(history.iter());
        assert_eq!(dominant(&rates).map(|e| e.side), Some(Side::Server));
    }

    #[test]
    fn no_history_no_errors() {
        let history: [Sample; 0] = [];
        assert!(error_rates(history.iter()).is_empty());
    }
}
