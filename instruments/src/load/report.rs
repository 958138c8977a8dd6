//! What the load generator says each tick, and the commands it takes.
//!
//! The load generator runs in its own process and talks in lines: one [`LoadCommand`] per line
//! on its stdin, one JSON [`LoadReport`] per line on its stdout. Text lines keep the two
//! processes loosely coupled (any part's binary, or a person typing, can drive it) and make a
//! run easy to read back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How each client connection is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionMode {
    /// Each connection stays open and carries request after request (HTTP/1.1 keep-alive).
    #[default]
    KeepAlive,
    /// Every request opens a new connection and asks the server to close it
    /// (`Connection: close`): a thread-per-connection server spawns a thread per request.
    Churn,
}

/// How requests are paced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pacing {
    /// Open loop: requests are due at a fixed total rate (req/s) whether or not earlier ones
    /// have finished; latency counts from when a request was *due*, so a slow server cannot
    /// hide its queue (no coordinated omission).
    Rate(f64),
    /// Closed loop: each connection sends its next request as soon as the previous answer
    /// arrives; latency counts from the actual send.
    #[default]
    Closed,
}

/// `closed`, or a rate in requests per second: a positive, finite number.
impl FromStr for Pacing {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "closed" => Ok(Pacing::Closed),
            r => match r.parse::<f64>() {
                Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Pacing::Rate(rate)),
                _ => Err(format!(
                    "expected a positive number of requests per second, or `closed`, not {r:?}"
                )),
            },
        }
    }
}

/// The text [`Pacing::from_str`] reads back: `closed` or the rate.
impl fmt::Display for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pacing::Rate(r) => write!(f, "{r}"),
            Pacing::Closed => write!(f, "closed"),
        }
    }
}

/// A change to the running load, sent as one line on the load generator's stdin.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadCommand {
    /// `connections N`: open or close connections until N are in use.
    Connections(u64),
    /// `rate R` (req/s, open loop) or `rate closed`.
    Pacing(Pacing),
    /// `mode keep-alive` or `mode churn`.
    Mode(ConnectionMode),
    /// `quit`: close everything, print the last report, exit.
    Quit,
}

impl FromStr for LoadCommand {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let mut words = line.split_whitespace();
        let verb = words.next().ok_or("empty command")?;
        let arg = words.next();
        if words.next().is_some() {
            return Err(format!("too many words in {line:?}"));
        }
        let need = |what: &str| arg.ok_or_else(|| format!("`{verb}` needs {what}"));
        match verb {
            "connections" => {
                let n = need("a number")?;
                n.parse()
                    .map(LoadCommand::Connections)
                    .map_err(|_| format!("`connections` needs a whole number, not {n:?}"))
            }
            "rate" => {
                let r = need("a rate in req/s, or `closed`")?;
                r.parse()
                    .map(LoadCommand::Pacing)
                    .map_err(|_| format!("`rate` needs a positive number or `closed`, not {r:?}"))
            }
            "mode" => match need("`keep-alive` or `churn`")? {
                "keep-alive" => Ok(LoadCommand::Mode(ConnectionMode::KeepAlive)),
                "churn" => Ok(LoadCommand::Mode(ConnectionMode::Churn)),
                m => Err(format!("`mode` is `keep-alive` or `churn`, not {m:?}")),
            },
            "quit" if arg.is_none() => Ok(LoadCommand::Quit),
            other => Err(format!(
                "unknown command {other:?} (try: connections N, rate R|closed, mode keep-alive|churn, quit)"
            )),
        }
    }
}

impl fmt::Display for LoadCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadCommand::Connections(n) => write!(f, "connections {n}"),
            LoadCommand::Pacing(pacing) => write!(f, "rate {pacing}"),
            LoadCommand::Mode(ConnectionMode::KeepAlive) => write!(f, "mode keep-alive"),
            LoadCommand::Mode(ConnectionMode::Churn) => write!(f, "mode churn"),
            LoadCommand::Quit => write!(f, "quit"),
        }
    }
}

/// Client-side failures, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientErrors {
    /// `connect` was refused (nobody listening, or the listen backlog overflowed).
    pub refused: u64,
    /// The connection was reset or closed before the response was complete.
    pub reset: u64,
    /// No response (or no connection) within the timeout.
    pub timeout: u64,
    /// A response arrived but was not `200` (e.g. `503` when the server could not spawn).
    /// Recordings made before it had this name call it `http`.
    #[serde(alias = "http")]
    pub error_status: u64,
    /// Anything else: the client ran out of file descriptors or ports, the response was not
    /// HTTP, or the open-loop backlog was full and a due request was dropped unsent.
    pub other: u64,
}

impl ClientErrors {
    /// Each kind's name (as in JSON), plural noun and likely cause, in field order.
    pub const KINDS: [(&'static str, &'static str, &'static str); 5] = [
        (
            "refused",
            "refused connections",
            "the listen backlog is full, or nobody listens",
        ),
        (
            "reset",
            "reset connections",
            "connections were closed before the answer came",
        ),
        (
            "timeout",
            "client timeouts",
            "answers take longer than the client is willing to wait",
        ),
        (
            "error_status",
            "error responses",
            "the server answers with an error status (503 when it has no thread to give)",
        ),
        (
            "other",
            "other client errors",
            "the load generator itself ran out of descriptors or ports",
        ),
    ];

    pub fn total(&self) -> u64 {
        self.refused + self.reset + self.timeout + self.error_status + self.other
    }

    /// The counts in [`KINDS`](Self::KINDS) order.
    pub fn counts(&self) -> [u64; 5] {
        [
            self.refused,
            self.reset,
            self.timeout,
            self.error_status,
            self.other,
        ]
    }
}

/// Latency percentiles over one tick, microseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

/// One tick of the client's view, printed as a JSON line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Seconds since the load generator started.
    pub t: f64,
    pub mode: ConnectionMode,
    pub pacing: Pacing,
    /// Connections asked for.
    pub connections_target: u64,
    /// Connections open right now.
    pub connections_open: u64,
    /// Requests that became due this tick, per second (open loop), or sent (closed loop).
    pub offered_per_s: f64,
    /// Successful (`200`) responses received this tick, per second.
    pub completed_per_s: f64,
    /// Requests due but not yet answered: the request queue as the clients experience it.
    pub outstanding: u64,
    /// Failures this tick.
    pub errors: ClientErrors,
    /// Failures since the start.
    pub errors_total: ClientErrors,
    /// Successful (`200`) responses since the start.
    pub completed_total: u64,
    /// Requests that became due (open loop) or were sent (closed loop) since the start. At any
    /// moment `offered_total = completed_total + failed requests + outstanding`.
    #[serde(default)]
    pub offered_total: u64,
    /// Mean time to establish a connection this tick, microseconds (0 when none was opened).
    pub connect_us_mean: u64,
    /// Latency of the responses received this tick.
    pub latency_us: Percentiles,
}
