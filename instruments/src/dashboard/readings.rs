//! The few numbers the dashboard derives from a sample, defined once so that the counters, the
//! chart and the diagnosis agree.
//!
//! Where a load generator runs, its view counts: it sees every request, including those the
//! server has not even accepted yet. Without one (`serve`, with a learner's own `curl` or `wrk`
//! as the client) the server's own counters stand in.

use crate::sample::Sample;

/// Requests per second the clients wanted answered.
pub fn offered_per_s<X>(s: &Sample<X>) -> f64 {
    s.load
        .as_ref()
        .map_or(s.server.per_s.served, |l| l.offered_per_s)
}

/// Requests per second answered: the throughput.
pub fn completed_per_s<X>(s: &Sample<X>) -> f64 {
    s.load
        .as_ref()
        .map_or(s.server.per_s.served, |l| l.completed_per_s)
}

/// Requests waiting: due at the clients and not answered yet (or, without a load generator,
/// connections the server accepted that wait for a thread).
pub fn queue<X>(s: &Sample<X>) -> u64 {
    s.load
        .as_ref()
        .map_or(s.server.totals.queued, |l| l.outstanding)
}

/// OS threads of the server process, or the server's own count where the OS cannot tell.
pub fn threads<X>(s: &Sample<X>) -> u64 {
    s.process.threads.unwrap_or(s.server.totals.threads)
}

/// Context switches per completed request: about one or two for a thread that blocks on each
/// request, a few hundredths for an event loop that serves many requests per wake-up. `None`
/// when nothing completed.
pub fn switches_per_request<X>(s: &Sample<X>) -> Option<f64> {
    let completed = completed_per_s(s);
    (completed > 0.0).then(|| s.process.ctx_switches_per_s() / completed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadReport;

    #[test]
    fn the_load_generator_view_wins_over_the_server_view() {
        let mut s = Sample::<()>::default();
        s.server.per_s.served = 90.0;
        s.server.totals.queued = 4;
        s.process.ctx_voluntary_per_s = 150.0;
        s.process.ctx_involuntary_per_s = 30.0;
        assert_eq!(offered_per_s(&s), 90.0);
        assert_eq!(queue(&s), 4);
        assert_eq!(switches_per_request(&s), Some(2.0));

        s.load = Some(LoadReport {
            offered_per_s: 200.0,
            completed_per_s: 180.0,
            outstanding: 20,
            ..LoadReport::default()
        });
        assert_eq!(offered_per_s(&s), 200.0);
        assert_eq!(completed_per_s(&s), 180.0);
        assert_eq!(queue(&s), 20);
        assert_eq!(switches_per_request(&s), Some(1.0));
    }

    #[test]
    fn no_requests_no_ratio() {
        let mut s = Sample::<()>::default();
        s.process.ctx_voluntary_per_s = 10.0;
        assert_eq!(switches_per_request(&s), None);
    }
}
