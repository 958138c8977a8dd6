//! The load generator on its own: `load --addr 127.0.0.1:8080 -c 100 --rate 2000 --duration 10s`.
//!
//! It works against any HTTP/1.1 server that answers `GET /` with a `Content-Length` body — the
//! workshop's servers, or nginx, or anything else — and prints a line a second (or JSON lines
//! with `--json`), then a summary of the whole run.

use std::fmt::Write as _;

use anyhow::bail;
use tokio::sync::mpsc;

use super::args::LoadArgs;
use super::report::{ClientErrors, LoadReport, Pacing, Percentiles};
use super::run_here;
use super::tally::LoadSummary;

/// Runs the load the arguments describe and prints its reports and summary on stdout.
pub fn run_standalone(args: &LoadArgs) -> anyhow::Result<()> {
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    let config = args.config();
    config.check()?;
    // Nobody sends commands to a standalone run; the sender is kept so the run is not ended.
    let (_no_commands, commands) = mpsc::channel(1);
    let json = args.json;
    if !json {
        println!("{}", describe_start(args));
    }
    let summary = run_here(config, commands, |report| {
        if json {
            println!("{}", serde_json::to_string(report)?);
        } else {
            println!("{}", describe_tick(report));
        }
        Ok(())
    })?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!("{}", describe_summary(&summary));
    }
    Ok(())
}

fn describe_start(args: &LoadArgs) -> String {
    let pacing = match args.rate {
        Pacing::Rate(rate) => format!("{rate} req/s (open loop)"),
        Pacing::Closed => "as fast as answered (closed loop)".to_string(),
    };
    let mode = if args.churn {
        "a new connection per request"
    } else {
        "keep-alive"
    };
    format!(
        "load: {} with {} connections ({mode}), {pacing}",
        args.addr, args.connections
    )
}

/// One readable line per tick.
fn describe_tick(r: &LoadReport) -> String {
    let mut line = format!(
        "{:>6.1}s  conns {}/{}  offered {:.0}/s  done {:.0}/s  outstanding {}  latency {}",
        r.t,
        r.connections_open,
        r.connections_target,
        r.offered_per_s,
        r.completed_per_s,
        r.outstanding,
        describe_latency(&r.latency_us),
    );
    if r.connect_us_mean > 0 {
        let _ = write!(line, "  connect {}", micros(r.connect_us_mean));
    }
    if r.errors.total() > 0 {
        let _ = write!(line, "  errors {}", describe_errors(&r.errors));
    }
    line
}

fn describe_summary(s: &LoadSummary) -> String {
    format!(
        "summary: {:.1}s, {} of {} requests answered 200 ({:.0}/s), latency {}, errors {}",
        s.seconds,
        s.completed_total,
        s.offered_total,
        s.completed_per_s,
        describe_latency(&s.latency_us),
        describe_errors(&s.errors_total),
    )
}

fn describe_latency(p: &Percentiles) -> String {
    if *p == Percentiles::default() {
        return "-".to_string(); // no response to time
    }
    format!(
        "p50 {} p90 {} p99 {} max {}",
        micros(p.p50),
        micros(p.p90),
        micros(p.p99),
        micros(p.max)
    )
}

fn describe_errors(e: &ClientErrors) -> String {
    if e.total() == 0 {
        return "0".to_string();
    }
    let kinds = [
        ("refused", e.refused),
        ("reset", e.reset),
        ("timeout", e.timeout),
        ("error_status", e.error_status),
        ("other", e.other),
    ];
    let named: Vec<String> = kinds
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    format!("{} ({})", e.total(), named.join(", "))
}

/// Microseconds, in the unit that reads best.
fn micros(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..1_000_000 => format!("{:.1}ms", us as f64 / 1e3),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_right_unit() {
        assert_eq!(micros(850), "850µs");
        assert_eq!(micros(12_345), "12.3ms");
        assert_eq!(micros(2_500_000), "2.50s");
    }

    #[test]
    fn a_tick_line_shows_errors_only_when_there_are_some() {
        let mut report = LoadReport {
            t: 3.0,
            connections_target: 10,
            connections_open: 9,
            offered_per_s: 2000.0,
            completed_per_s: 1998.0,
            outstanding: 2,
            ..LoadReport::default()
        };
        let calm = describe_tick(&report);
        assert!(calm.contains("conns 9/10"), "{calm}");
        assert!(calm.contains("done 1998/s"), "{calm}");
        assert!(!calm.contains("errors"), "{calm}");
        report.errors.refused = 3;
        report.errors.error_status = 1;
        let stormy = describe_tick(&report);
        assert!(
            stormy.contains("errors 4 (refused 3, error_status 1)"),
            "{stormy}"
        );
    }
}
