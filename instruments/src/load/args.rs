//! The load generator's command line, and the settings it becomes.
//!
//! [`LoadArgs`] is what a person types (`load --addr 127.0.0.1:8080 -c 100 --rate 2000`);
//! [`LoadConfig`] is what the engine runs. The demo starts the load generator as a child process
//! by turning a `LoadConfig` back into flags with [`LoadConfig::to_args`], so the two directions
//! must agree: `to_args` only writes flags that `LoadArgs` parses back to the same config.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::bail;

use super::report::{ConnectionMode, Pacing};

/// Connections used when `-c` is not given: enough to keep a small server busy.
pub const DEFAULT_CONNECTIONS: u64 = 10;
/// How long a request (or a connect) may take before it counts as a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a report is printed: once a second reads like `top`.
pub const DEFAULT_TICK: Duration = Duration::from_secs(1);
/// The most connections the generator will hold. Past any server's wall in this course (and
/// the machine's fd limit), while a typo such as `connections 10000000` cannot exhaust memory.
pub const MAX_CONNECTIONS: u64 = 100_000;

/// The load generator's flags, shared by the standalone `load` command and the hidden child
/// subcommand the demo starts.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct LoadArgs {
    /// The server to load, e.g. 127.0.0.1:8080.
    #[arg(long)]
    pub addr: SocketAddr,

    /// Client connections to keep busy.
    #[arg(short = 'c', long, default_value_t = DEFAULT_CONNECTIONS)]
    pub connections: u64,

    /// Requests per second over all connections (open loop), or `closed`: each connection sends
    /// its next request as soon as the previous answer arrives.
    #[arg(long, default_value = "closed", value_parser = parse_pacing, allow_negative_numbers = true)]
    pub rate: Pacing,

    /// Open a new connection for every request (`Connection: close`).
    #[arg(long)]
    pub churn: bool,

    /// Stop after this long (e.g. 10s, 500ms, 2m); without it, run until stopped.
    #[arg(long, value_parser = parse_nonzero_duration)]
    pub duration: Option<Duration>,

    /// Give up on a request or a connect after this long.
    #[arg(long, default_value = "10s", value_parser = parse_nonzero_duration)]
    pub timeout: Duration,

    /// Report every so often.
    #[arg(long, default_value = "1s", value_parser = parse_nonzero_duration)]
    pub tick: Duration,

    /// Leave the first DURATION out of the summary, so that it describes the steady state
    /// rather than the ramp-up (counting starts on the first tick after it).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Print JSON lines instead of readable ones.
    #[arg(long)]
    pub json: bool,
}

impl LoadArgs {
    pub fn config(&self) -> LoadConfig {
        LoadConfig {
            addr: self.addr,
            connections: self.connections,
            pacing: self.rate,
            mode: if self.churn {
                ConnectionMode::Churn
            } else {
                ConnectionMode::KeepAlive
            },
            timeout: self.timeout,
            tick: self.tick,
            duration: self.duration,
            warmup: self.warmup,
        }
    }
}

/// What the engine runs: where, how many connections, how paced, and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadConfig {
    pub addr: SocketAddr,
    /// Connections at the start (the child may start with 0 and be told later).
    pub connections: u64,
    pub pacing: Pacing,
    pub mode: ConnectionMode,
    /// Per request, and per connect.
    pub timeout: Duration,
    /// Time between two reports.
    pub tick: Duration,
    /// Stop after this long; `None` runs until `quit` (or the end of stdin, for the child).
    pub duration: Option<Duration>,
    /// The start of the run that the summary leaves out.
    pub warmup: Duration,
}

impl LoadConfig {
    /// The defaults `LoadArgs` would give for this address.
    pub fn new(addr: SocketAddr) -> Self {
        LoadConfig {
            addr,
            connections: DEFAULT_CONNECTIONS,
            pacing: Pacing::Closed,
            mode: ConnectionMode::KeepAlive,
            timeout: DEFAULT_TIMEOUT,
            tick: DEFAULT_TICK,
            duration: None,
            warmup: Duration::ZERO,
        }
    }

    /// The flags that [`LoadArgs`] parses back into this config.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            "--addr".to_string(),
            self.addr.to_string(),
            "--connections".to_string(),
            self.connections.to_string(),
            "--rate".to_string(),
            self.pacing.to_string(),
            "--timeout".to_string(),
            format_duration(self.timeout),
            "--tick".to_string(),
            format_duration(self.tick),
        ];
        if self.mode == ConnectionMode::Churn {
            args.push("--churn".to_string());
        }
        if let Some(duration) = self.duration {
            args.push("--duration".to_string());
            args.push(format_duration(duration));
        }
        if !self.warmup.is_zero() {
            args.push("--warmup".to_string());
            args.push(format_duration(self.warmup));
        }
        args
    }

    /// Rejects settings the engine cannot run (a config may be built without the parsers).
    pub fn check(&self) -> anyhow::Result<()> {
        if self.connections > MAX_CONNECTIONS {
            bail!(
                "{} connections is more than the load generator holds ({MAX_CONNECTIONS})",
                self.connections
            );
        }
        if let Pacing::Rate(rate) = self.pacing
            && !(rate.is_finite() && rate > 0.0)
        {
            bail!("the rate must be a positive number of requests per second, not {rate}");
        }
        for (name, value) in [("timeout", Some(self.timeout)), ("tick", Some(self.tick))]
            .into_iter()
            .chain([("duration", self.duration)])
        {
            if value.is_some_and(|d| d.is_zero()) {
                bail!("the {name} must be longer than zero");
            }
        }
        Ok(())
    }
}

/// Reads `--rate`: a positive number of requests per second, or `closed`.
pub fn parse_pacing(text: &str) -> Result<Pacing, String> {
    text.parse()
}

/// Reads a duration such as `10s`, `500ms`, `2m`, `1.5s` or `250us` (units: ns, us, ms, s, m, h).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const UNITS_NS: [(&str, f64); 7] = [
        ("ns", 1.0),
        ("us", 1e3),
        ("µs", 1e3),
        ("ms", 1e6),
        ("s", 1e9),
        ("m", 60e9),
        ("h", 3600e9),
    ];
    let text = text.trim();
    let unit_at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(unit_at);
    let Some(&(_, unit_ns)) = UNITS_NS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "{text:?} is not a duration: write a number and a unit (ns, us, ms, s, m, h), e.g. 500ms or 10s"
        ));
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{number:?} in {text:?} is not a number"))?;
    let nanos = (value * unit_ns).round();
    if nanos < 1.0 && value != 0.0 {
        return Err(format!("{text:?} is shorter than a nanosecond"));
    }
    if nanos >= u64::MAX as f64 {
        return Err(format!("{text:?} is too long a duration"));
    }
    // In range, as checked just above: the cast cannot saturate.
    Ok(Duration::from_nanos(nanos as u64))
}

/// Like [`parse_duration`], for settings where zero makes no sense (a run's length, a tick,
/// a timeout).
pub fn parse_nonzero_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!("{text:?}: the duration must be longer than zero")),
        duration => Ok(duration),
    }
}

/// Writes a duration so that [`parse_duration`] reads back exactly the same value.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos.is_multiple_of(1_000_000_000) {
        format!("{}s", nanos / 1_000_000_000)
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{}ms", nanos / 1_000_000)
    } else {
        format!("{nanos}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn bad_durations_are_explained() {
        for bad in [
            "",
            "10",
            "s",
            "ten s",
            "10 parsecs",
            "0.1ns",
            "-1s",
            "1e30h",
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(!err.is_empty(), "{bad:?} gave an empty message");
        }
        assert!(parse_duration("10").unwrap_err().contains("unit"));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(
            parse_nonzero_duration("0s")
                .unwrap_err()
                .contains("longer than zero")
        );
    }

    #[test]
    fn formatted_durations_parse_back() {
        for d in [
            Duration::from_secs(10),
            Duration::from_millis(1500),
            Duration::from_nanos(123_456_789),
            Duration::from_nanos(1),
            Duration::from_secs(86_400 * 30),
        ] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{d:?}");
        }
    }

    #[test]
    fn zero_settings_are_rejected() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 8080));
        assert!(LoadConfig::new(addr).check().is_ok());
        let zero_tick = LoadConfig {
            tick: Duration::ZERO,
            ..LoadConfig::new(addr)
        };
        assert!(zero_tick.check().unwrap_err().to_string().contains("tick"));
        let zero_run = LoadConfig {
            duration: Some(Duration::ZERO),
            ..LoadConfig::new(addr)
        };
        assert!(
            zero_run
                .check()
                .unwrap_err()
                .to_string()
                .contains("duration")
        );
        let nan_rate = LoadConfig {
            pacing: Pacing::Rate(f64::NAN),
            ..LoadConfig::new(addr)
        };
        assert!(nan_rate.check().is_err());
        let too_many = LoadConfig {
            connections: MAX_CONNECTIONS + 1,
            ..LoadConfig::new(addr)
        };
        assert!(too_many.check().is_err());
    }
}
