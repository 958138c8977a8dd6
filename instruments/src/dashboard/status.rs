//! The system status line: one sentence that says what the numbers add up to.
//!
//! [`diagnose`] is a pure function of the recent history, so every rule can be tested with a
//! hand-made history. The rules are tried in order and the first that holds wins:
//!
//! 0. **the part's own state** — a part may know better than the numbers (part 2's event loop
//!    paused in step mode answers nothing on purpose): [`PartView::status`] wins when it speaks.
//! 1. **idle** — nothing is offered ([`IDLE_BELOW_PER_S`]). While a scenario plays, say when it
//!    opens connections, rather than invite the learner to (nor in a replay, where keys cannot).
//! 2. **failing** — some kind of error happens every second; the fastest kind is named with its
//!    likely cause. Errors come first because they make every other number lie: a refused
//!    request is never queued and never completed.
//! 3. **the machine is busy with other programs** — the CPUs are busy ([`CPU_BUSY_PERCENT`])
//!    but mostly not with the server ([`SERVER_SHARE_OF_BUSY`]): whatever the numbers say, they
//!    are not the server's best, and may contradict the lesson.
//! 4. **saturated, queue growing** — the server completed well under what is offered
//!    ([`KEEPING_UP_SHARE`]) in each of the last [`BEHIND_SAMPLES`] samples, and the request
//!    queue rose over the last [`QUEUE_TREND_SAMPLES`] samples ([`QUEUE_GROWTH_SHARE`]): each
//!    new request waits longer than the one before. One short tick is not enough: when a
//!    stage opens connections, each sends its first request at once and the server answers
//!    them within the next tick.
//! 5. **context-switch bound** — the server keeps the CPUs busy (its own CPU time, not the
//!    machine's: [`server_busy`]) and every request costs many context switches
//!    ([`MANY_SWITCHES_PER_REQUEST`]): a good part of the CPU goes to moving between threads.
//! 6. **catching up** — the server completes more than is offered, and a backlog (at least
//!    [`QUEUE_GROWTH_SHARE`] of a second's offered load) shrank since the last sample by at
//!    least as much a second: it drains (after a pause, or a burst), and the requests in it
//!    have waited long.
//! 7. **efficient** — what is offered is completed and the queue is flat.
//!
//! What is left is a warning that names what is off: completing too little for one tick, or
//! with a flat queue ("behind"), or a queue that grows while throughput still keeps up.

use crate::dashboard::errors::{dominant, error_rates};
use crate::dashboard::format;
use crate::dashboard::readings::{completed_per_s, offered_per_s, queue, switches_per_request};
use crate::dashboard::{Controls, PartView};
use crate::sample::{ProcessSample, Sample};
use crate::series::Series;

/// Below this many requests per second offered (and completed) nothing is going on: a few
/// stray requests from a browser should not read as load.
pub const IDLE_BELOW_PER_S: f64 = 1.0;

/// Completing at least this share of the offered rate counts as keeping up. Both rates are
/// measured over one tick at slightly different moments, so a few percent apart is noise.
pub const KEEPING_UP_SHARE: f64 = 0.9;

/// How many of the latest samples the queue trend looks at: enough that one noisy tick does
/// not make a trend, few enough to react within seconds.
pub const QUEUE_TREND_SAMPLES: usize = 3;

/// The queue is growing when, over the last [`QUEUE_TREND_SAMPLES`], it never shrank and grew
/// by at least this share of the offered rate per second (and a backlog drains, the other way
/// round). Half of the shortfall that [`KEEPING_UP_SHARE`] allows: a server that falls behind always
/// passes, jitter does not.
pub const QUEUE_GROWTH_SHARE: f64 = 0.05;

/// How many of the latest samples must each fall short of [`KEEPING_UP_SHARE`] before the
/// server counts as behind: two, because the tick in which a stage opens connections always
/// falls short (their first requests arrive at once), and the next one shows whether the
/// server caught up.
pub const BEHIND_SAMPLES: usize = 2;

/// The machine's CPUs count as busy above this average.
pub const CPU_BUSY_PERCENT: f32 = 80.0;

/// The busy CPUs are the server's doing when its own CPU time is at least this share of the
/// machine's busy time; below it, other programs (a compiler, a browser) keep them busy. Only a
/// quarter, because the load generator is another process: against an efficient server it
/// can use as much CPU as the server, or more, and it is part of the experiment.
pub const SERVER_SHARE_OF_BUSY: f32 = 0.25;

/// More context switches per completed request than this is "many". A thread that blocks on
/// each request pays one or two; an event loop serving many requests per wake-up pays a few
/// hundredths; half a switch per request sits well between the two.
pub const MANY_SWITCHES_PER_REQUEST: f64 = 0.5;

/// How worried to be, from nothing happening to something broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Idle,
    Ok,
    Warn,
    Bad,
}

/// The diagnosis: a level for the colour and the symbol, and a sentence for the learner.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub level: Level,
    pub text: String,
}

impl Status {
    fn new(level: Level, text: String) -> Self {
        Status { level, text }
    }
}

/// Says what the recent history adds up to (see the module docs for the rules, in order);
/// `controls` says whether the learner can change the load.
pub fn diagnose<X: PartView>(history: &Series<Sample<X>>, controls: Controls) -> Status {
    let Some(latest) = history.latest() else {
        return Status::new(Level::Idle, "waiting for the first sample…".to_string());
    };
    if let Some(text) = X::status(history, controls) {
        return Status::new(Level::Warn, text);
    }
    let offered = offered_per_s(latest);
    let completed = completed_per_s(latest);
    let answered = format!(
        "{} of {} req/s answered",
        format::rate(completed),
        format::rate(offered)
    );

    if offered < IDLE_BELOW_PER_S && completed < IDLE_BELOW_PER_S {
        let hint = match (&latest.load, &latest.scenario_next, controls) {
            (Some(_), Some(next), _) => format!("the scenario {next}"),
            (Some(_), None, Controls::Live) => {
                "press + to open connections and send requests".to_string()
            }
            _ => "no requests arrive".to_string(),
        };
        return Status::new(Level::Idle, format!("idle: {hint}."));
    }

    let errors = error_rates(history.iter());
    if let Some(worst) = dominant(&errors) {
        let (what, cause) = worst.meaning();
        let mut text = format!("failing: {} {what}/s", format::rate(worst.per_s));
        if !cause.is_empty() {
            text.push_str(" — ");
            text.push_str(cause);
        }
        return Status::new(Level::Bad, text);
    }

    let machine = &latest.process;
    if machine.cpu_avg >= CPU_BUSY_PERCENT && !server_busy(machine) {
        return Status::new(
            Level::Warn,
            format!(
                "the machine is busy with other programs (CPUs {} busy, the server {} of \
                 them): the numbers are not the server's best.",
                format::percent(machine.cpu_avg),
                format::percent(server_share_percent(machine))
            ),
        );
    }

    let keeping_up = completed >= KEEPING_UP_SHARE * offered;
    let behind = history.len() >= BEHIND_SAMPLES
        && history
            .last_n(BEHIND_SAMPLES)
            .all(|s| completed_per_s(s) < KEEPING_UP_SHARE * offered_per_s(s));
    let growth = queue_growth_per_s(history);
    let queue_growing = growth.is_some_and(|g| g > 0.0 && g >= QUEUE_GROWTH_SHARE * offered);

    if behind && queue_growing {
        return Status::new(
            Level::Bad,
            format!(
                "saturated, queue growing: only {answered}; {} more wait every second, so each \
                 request waits longer than the last.",
                format::rate(growth.unwrap_or(0.0))
            ),
        );
    }

    let per_request = switches_per_request(latest);
    if server_busy(machine) && per_request.is_some_and(|r| r > MANY_SWITCHES_PER_REQUEST) {
        return Status::new(
            Level::Warn,
            format!(
                "context-switch bound: the server keeps the CPUs {} busy with {} context \
                 switches per request — much of that CPU time goes to switching between threads.",
                format::percent(server_share_percent(machine)),
                format::ratio(per_request)
            ),
        );
    }

    let drain = queue_drain_per_s(history);
    let backlog = queue(latest) as f64 >= QUEUE_GROWTH_SHARE * offered;
    if completed > offered && backlog && drain >= QUEUE_GROWTH_SHARE * offered {
        return Status::new(
            Level::Warn,
            format!(
                "catching up: {answered}; the backlog of {} shrinks by {} a second (its \
                 requests have waited long).",
                format::count(queue(latest)),
                format::rate(drain)
            ),
        );
    }
    if keeping_up && !queue_growing {
        return Status::new(
            Level::Ok,
            format!(
                "efficient: {answered}, queue flat, {} context switches per request.",
                format::ratio(per_request)
            ),
        );
    }
    if !keeping_up {
        let queue_note = if queue_growing {
            "and the queue grows: saturated, if the next second falls short too"
        } else {
            "though the queue is not growing (yet)"
        };
        return Status::new(
            Level::Warn,
            format!("behind: only {answered}, {queue_note}."),
        );
    }
    Status::new(
        Level::Warn,
        format!(
            "queue growing: {} requests wait and more each second, although {answered}.",
            format::count(queue(latest))
        ),
    )
}

/// The server's CPU time as a share of the whole machine, in % (`process_cpu` counts 100 per
/// busy core; the machine has `cpu_cores` of them).
fn server_share_percent(p: &ProcessSample) -> f32 {
    let cores = p.cpu_cores.len().max(1) as f32;
    p.process_cpu / cores
}

/// The machine is busy, and mostly with the server ([`SERVER_SHARE_OF_BUSY`]).
pub fn server_busy(p: &ProcessSample) -> bool {
    p.cpu_avg >= CPU_BUSY_PERCENT && server_share_percent(p) >= SERVER_SHARE_OF_BUSY * p.cpu_avg
}

/// How fast the request queue grew over the last [`QUEUE_TREND_SAMPLES`], per second, if it
/// never shrank on the way; `None` when it shrank or there are too few samples to tell.
fn queue_growth_per_s<X>(history: &Series<Sample<X>>) -> Option<f64> {
    if history.len() < QUEUE_TREND_SAMPLES {
        return None;
    }
    let recent: Vec<&Sample<X>> = history.last_n(QUEUE_TREND_SAMPLES).collect();
    let never_shrank = recent.windows(2).all(|w| queue(w[1]) >= queue(w[0]));
    let (first, last) = (recent.first()?, recent.last()?);
    let seconds = last.t - first.t;
    (never_shrank && seconds > 0.0).then(|| (queue(last) - queue(first)) as f64 / seconds)
}

/// How fast the request queue shrank since the sample before the latest, per second (0 when
/// it did not). One step is enough: the answers outpacing the offered load say the same.
fn queue_drain_per_s<X>(history: &Series<Sample<X>>) -> f64 {
    let mut recent = history.last_n(2);
    let (Some(before), Some(now)) = (recent.next(), recent.next()) else {
        return 0.0;
    };
    let seconds = now.t - before.t;
    if seconds <= 0.0 {
        return 0.0;
    }
    queue(before).saturating_sub(queue(now)) as f64 / seconds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadReport;

    /// A tick of open-loop load: `offered` and `completed` req/s, `queue` outstanding.
    fn tick(t: f64, offered: f64, completed: f64, queue: u64) -> Sample {
        let mut s = Sample {
            t,
            ..Sample::default()
        };
        s.process.cpu_avg = 30.0;
        s.process.ctx_voluntary_per_s = completed * 0.03;
        s.load = Some(LoadReport {
            offered_per_s: offered,
            completed_per_s: completed,
            outstanding: queue,
            ..LoadReport::default()
        });
        s
    }

    fn history(samples: impl IntoIterator<Item = Sample>) -> Series<Sample> {
        let mut h = Series::default();
        for s in samples {
            h.push(s);
        }
        h
    }

    #[test]
    fn no_samples_yet() {
        assert_eq!(diagnose(&history([]), Controls::Live).level, Level::Idle);
    }

    #[test]
    fn idle_without_load() {
        let status = diagnose(
            &history([tick(1.0, 0.0, 0.0, 0), tick(2.0, 0.0, 0.0, 0)]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Idle, "{status:?}");
        assert!(status.text.starts_with("idle"), "{status:?}");
    }

    #[test]
    fn efficient_when_keeping_up_with_a_flat_queue() {
        let status = diagnose(
            &history((1..=5).map(|t| tick(t as f64, 1000.0, 990.0, 50))),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Ok, "{status:?}");
        assert!(status.text.starts_with("efficient"), "{status:?}");
        assert!(status.text.contains("0.03 context switches"), "{status:?}");
    }

    #[test]
    fn saturated_when_behind_and_the_queue_rises() {
        let status = diagnose(
            &history([
                tick(1.0, 20_000.0, 14_000.0, 30_000),
                tick(2.0, 20_000.0, 14_000.0, 36_000),
                tick(3.0, 20_000.0, 14_000.0, 42_000),
            ]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Bad, "{status:?}");
        assert!(
            status.text.starts_with("saturated, queue growing"),
            "{status:?}"
        );
        assert!(
            status.text.contains("6\u{a0}000 more wait every second"),
            "{status:?}"
        );
    }

    #[test]
    fn one_short_tick_is_not_saturation_yet() {
        // A stage opens 900 connections: their first requests all arrive in one tick.
        let ramp = [
            tick(1.0, 1_600.0, 1_600.0, 100),
            tick(2.0, 1_600.0, 1_600.0, 100),
            tick(3.0, 16_000.0, 12_000.0, 3_000),
        ];
        let status = diagnose(&history(ramp.clone()), Controls::Live);
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(
            status.text.starts_with("behind") && status.text.contains("if the next second"),
            "{status:?}"
        );

        // The next second falls short too: now it is saturation.
        let mut falling = ramp.to_vec();
        falling.push(tick(4.0, 16_000.0, 12_000.0, 5_000));
        let status = diagnose(&history(falling), Controls::Live);
        assert_eq!(status.level, Level::Bad, "{status:?}");
        assert!(status.text.starts_with("saturated"), "{status:?}");

        // Or the server caught up: never saturated (the queue's rise still shows for a tick).
        let mut caught_up = ramp.to_vec();
        caught_up.push(tick(4.0, 16_000.0, 16_100.0, 3_000));
        let status = diagnose(&history(caught_up.clone()), Controls::Live);
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(status.text.starts_with("queue growing"), "{status:?}");
        caught_up.push(tick(5.0, 16_000.0, 16_000.0, 3_000));
        let status = diagnose(&history(caught_up), Controls::Live);
        assert!(status.text.starts_with("efficient"), "{status:?}");
    }

    #[test]
    fn a_draining_backlog_is_catching_up_not_efficient() {
        // The first second after a pause (the queue rose until then): 16 000 req/s offered,
        // 20 000 answered, 4 000 fewer waiting.
        let status = diagnose(
            &history([
                tick(1.0, 16_000.0, 0.0, 10_000),
                tick(2.0, 16_000.0, 0.0, 26_000),
                tick(3.0, 16_000.0, 20_000.0, 22_000),
            ]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(status.text.starts_with("catching up"), "{status:?}");
        assert!(
            status
                .text
                .contains("backlog of 22\u{a0}000 shrinks by 4\u{a0}000 a second"),
            "{status:?}"
        );

        // A queue that shrinks by a few requests is jitter: still efficient.
        let status = diagnose(
            &history([
                tick(1.0, 16_000.0, 16_050.0, 1_000),
                tick(2.0, 16_000.0, 16_050.0, 950),
                tick(3.0, 16_000.0, 16_050.0, 900),
            ]),
            Controls::Live,
        );
        assert!(status.text.starts_with("efficient"), "{status:?}");

        // So is a handful of requests answered at once at a low rate: no backlog.
        let status = diagnose(
            &history([tick(1.0, 160.0, 158.0, 9), tick(2.0, 160.0, 170.0, 0)]),
            Controls::Live,
        );
        assert!(status.text.starts_with("efficient"), "{status:?}");
    }

    #[test]
    fn a_queue_that_shrank_once_is_not_growing() {
        let status = diagnose(
            &history([
                tick(1.0, 20_000.0, 14_000.0, 30_000),
                tick(2.0, 20_000.0, 14_000.0, 29_000),
                tick(3.0, 20_000.0, 14_000.0, 42_000),
            ]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(status.text.starts_with("behind"), "{status:?}");
    }

    #[test]
    fn a_growing_queue_while_keeping_up_is_a_warning() {
        let status = diagnose(
            &history([
                tick(1.0, 1000.0, 950.0, 100),
                tick(2.0, 1000.0, 950.0, 160),
                tick(3.0, 1000.0, 950.0, 220),
            ]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(status.text.starts_with("queue growing"), "{status:?}");
    }

    #[test]
    fn context_switch_bound_when_busy_and_switching_per_request() {
        let mut busy = tick(3.0, 18_000.0, 17_500.0, 1_000);
        busy.process.cpu_cores = vec![95.0, 95.0];
        busy.process.cpu_avg = 95.0;
        busy.process.process_cpu = 150.0;
        busy.process.ctx_voluntary_per_s = 30_000.0;
        busy.process.ctx_involuntary_per_s = 5_000.0;
        let status = diagnose(
            &history([
                tick(1.0, 18_000.0, 17_500.0, 1_000),
                tick(2.0, 18_000.0, 17_500.0, 1_000),
                busy.clone(),
            ]),
            Controls::Live,
        );
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(
            status.text.starts_with("context-switch bound"),
            "{status:?}"
        );
        assert!(
            status.text.contains("2.00 context switches per request"),
            "{status:?}"
        );
        assert!(
            status.text.contains("CPUs 75.0% busy"),
            "the server's own share of the machine (150% of 2 cores): {status:?}"
        );

        // The same CPU load with an event loop's few switches per request is fine.
        busy.process.ctx_voluntary_per_s = 500.0;
        busy.process.ctx_involuntary_per_s = 0.0;
        let status = diagnose(&history([busy]), Controls::Live);
        assert_eq!(status.level, Level::Ok, "{status:?}");
    }

    #[test]
    fn a_machine_busy_with_other_programs_is_not_the_servers_doing() {
        let mut loaded = tick(3.0, 18_000.0, 17_500.0, 1_000);
        loaded.process.cpu_cores = vec![100.0, 98.0];
        loaded.process.cpu_avg = 99.0;
        loaded.process.process_cpu = 2.0;
        loaded.process.ctx_voluntary_per_s = 30_000.0;
        let status = diagnose(&history([loaded.clone()]), Controls::Live);
        assert_eq!(status.level, Level::Warn, "{status:?}");
        assert!(
            status
                .text
                .starts_with("the machine is busy with other programs"),
            "a server at 1% of the machine is not context-switch bound: {status:?}"
        );
        assert!(
            status.text.contains("the server 1.0% of them"),
            "{status:?}"
        );

        // The same machine, busy with the server itself: the server's diagnosis.
        loaded.process.process_cpu = 190.0;
        let status = diagnose(&history([loaded]), Controls::Live);
        assert!(
            status.text.starts_with("context-switch bound"),
            "{status:?}"
        );
    }

    #[test]
    fn idle_during_a_scenario_says_when_connections_open() {
        let mut waiting = tick(1.0, 0.0, 0.0, 0);
        waiting.scenario_next = Some("opens 10 connections at 5s".to_string());
        let status = diagnose(&history([waiting.clone()]), Controls::Live);
        assert_eq!(status.level, Level::Idle, "{status:?}");
        assert_eq!(
            status.text, "idle: the scenario opens 10 connections at 5s.",
            "a scenario plays: the learner need not press +"
        );
        waiting.scenario_next = None;
        assert!(
            diagnose(&history([waiting.clone()]), Controls::Live)
                .text
                .contains("press +"),
            "without a scenario the keys are the way"
        );
        assert_eq!(
            diagnose(&history([waiting]), Controls::Replay).text,
            "idle: no requests arrive.",
            "a replay's keys cannot open connections"
        );
    }

    /// A part that knows better than the numbers: its server is paused.
    #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Paused;

    impl PartView for Paused {
        fn status(_history: &Series<Sample<Self>>, _controls: Controls) -> Option<String> {
            Some("paused on purpose".to_string())
        }
    }

    #[test]
    fn the_parts_own_status_comes_first() {
        let saturated = [1.0, 2.0, 3.0].map(|t| {
            let s = tick(t, 20_000.0, 0.0, 1_000 * t as u64);
            Sample {
                t: s.t,
                process: s.process,
                server: s.server,
                load: s.load,
                stage: None,
                scenario_next: None,
                part: Paused,
            }
        });
        let mut h = Series::default();
        for s in saturated {
            h.push(s);
        }
        let status = diagnose(&h, Controls::Live);
        assert_eq!(
            status.text, "paused on purpose",
            "the part's status wins over \"saturated\""
        );
    }

    #[test]
    fn failing_names_the_dominant_kind_and_its_cause() {
        let mut before = tick(1.0, 2000.0, 1700.0, 10);
        let mut now = tick(2.0, 2000.0, 1700.0, 10);
        before.server.totals.errors = vec![("spawn_failed".to_string(), 1000)];
        now.server.totals.errors = vec![("spawn_failed".to_string(), 1312)];
        if let Some(load) = now.load.as_mut() {
            load.errors_total.error_status = 300;
        }
        let status = diagnose(&history([before, now]), Controls::Live);
        assert_eq!(status.level, Level::Bad, "{status:?}");
        assert_eq!(
            status.text,
            "failing: 312 spawn failures/s — the OS refuses new threads"
        );
    }

    #[test]
    fn old_errors_alone_are_not_failing() {
        let mut before = tick(1.0, 1000.0, 1000.0, 10);
        let mut now = tick(2.0, 1000.0, 1000.0, 10);
        before.server.totals.errors = vec![("io".to_string(), 7)];
        now.server.totals.errors = vec![("io".to_string(), 7)];
        assert_eq!(
            diagnose(&history([before, now]), Controls::Live).level,
            Level::Ok
        );
    }
}
