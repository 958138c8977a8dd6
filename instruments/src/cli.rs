//! The command line every part's binary shares.
//!
//! ```text
//! partN [DEMO FLAGS] [SERVER FLAGS]      the live demo: server + load generator + dashboard
//! partN --headless --duration 30s        the same run as JSON lines (a summary last)
//! partN serve [SERVER FLAGS]             the server alone (curl, wrk, a browser work on it)
//! partN load --addr A -c N --rate R      the load generator alone, against any HTTP server
//! partN replay FILE                      a recording (--record FILE) played back
//! partN export FILE --out DIR            a recording drawn as SVG charts, for slides
//! ```
//!
//! A bad flag gets clap's message and exit code 2; a failure while running (an address already
//! in use, a missing scenario file) gets one `error:` line and exit code 1. Nothing panics.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::dashboard::Theme;
use crate::load::{self, LoadArgs, Pacing, parse_duration, parse_nonzero_duration, parse_pacing};
use crate::part::{Part, ServeArgs};
use crate::{demo, export, record};

/// The address `serve` listens on when not told otherwise.
pub const DEFAULT_SERVE_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug, Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli<O: Args> {
    #[command(subcommand)]
    command: Option<Command<O>>,
    #[command(flatten)]
    demo: DemoArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(flatten)]
    options: O,
}

#[derive(Debug, Subcommand)]
enum Command<O: Args> {
    /// Run only the server, until Ctrl-C. Prints its address and a line of counters a second.
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        options: O,
    },
    /// Run only the load generator, against any HTTP/1.1 server.
    Load(LoadArgs),
    /// Play back a run recorded with --record, in the dashboard.
    Replay {
        /// The recording (JSON lines).
        file: PathBuf,
        /// Playback speed: 2 plays twice as fast.
        #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
        speed: f64,
        /// Colours: `high-contrast` keeps the terminal's own two colours, for a projector.
        #[arg(long, value_enum, default_value_t, value_name = "THEME")]
        theme: Theme,
    },
    /// Draw a run recorded with --record as SVG charts (requests, latency, threads, memory,
    /// context switches, the part's own series), the scenario's stages marked on the time axis.
    Export {
        /// The recording (JSON lines).
        file: PathBuf,
        /// The directory to write the charts into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// The load generator as the demo's child process (commands on stdin, reports on stdout).
    #[command(name = load::CHILD_SUBCOMMAND, hide = true)]
    LoadChild(LoadArgs),
}

/// Flags of the live demo.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Demo")]
pub struct DemoArgs {
    /// No dashboard: print one JSON object per sample on stdout, then a summary.
    #[arg(long)]
    pub headless: bool,
    /// Stop after this long (e.g. 30s, 2m). Headless runs default to the scenario's length,
    /// or 10s without a scenario.
    #[arg(long, value_parser = parse_nonzero_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,
    /// Play a scripted load timeline: a built-in name (story, churn, and the part's own: an
    /// unknown name lists them all) or a file.
    /// Default: story, unless -c, --rate or --churn set the load by hand.
    #[arg(long, value_name = "NAME|FILE")]
    pub scenario: Option<String>,
    /// Leave the first DURATION out of the summary (the samples are still shown), so that it
    /// describes the steady state rather than the ramp-up.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub warmup: Duration,
    /// Also write every sample to FILE (JSON lines), to play back with `replay`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Client connections to start with (no scenario then).
    #[arg(short = 'c', long, value_parser = parse_connections, value_name = "N")]
    pub connections: Option<u64>,
    /// Requests per second, open loop, or `closed` for closed loop (no scenario then).
    #[arg(long, value_parser = parse_pacing, value_name = "R|closed", allow_negative_numbers = true)]
    pub rate: Option<Pacing>,
    /// A new connection per request (`Connection: close`), so every request costs the
    /// server an accept, and part 1 a thread (no scenario then).
    #[arg(long)]
    pub churn: bool,
    /// Time between samples.
    #[arg(long, default_value = "1s", value_parser = parse_tick, value_name = "DURATION")]
    pub tick: Duration,
    /// Colours: `high-contrast` keeps the terminal's own two colours, for a projector.
    #[arg(long, value_enum, default_value_t, value_name = "THEME")]
    pub theme: Theme,
}

/// Runs part `P`'s binary with the process's arguments. Every part's `main` is this call.
pub fn main<P: Part>() -> ExitCode {
    main_from::<P>(std::env::args_os())
}

/// [`main`] with explicit arguments (the first is the program name).
pub fn main_from<P: Part>(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let command = Cli::<P::Options>::command()
        .name(P::NAME)
        .bin_name(P::NAME)
        .about(P::TITLE)
        .long_about(P::ABOUT);
    let cli = match command
        .try_get_matches_from(args)
        .and_then(|matches| Cli::<P::Options>::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        // Help and version go to stdout with code 0; real mistakes to stderr with code 2.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    let result = match cli.command {
        None => demo::run::<P>(&cli.demo, &cli.serve, &cli.options),
        Some(Command::Serve { serve, options }) => demo::serve_only::<P>(&serve, &options),
        Some(Command::Load(args)) => load::run_standalone(&args),
        Some(Command::Replay { file, speed, theme }) => record::replay::<P>(&file, speed, theme),
        Some(Command::Export { file, out }) => {
            export::export::<P::View>(&file, P::NAME, &out).map(|files| {
                for file in files {
                    println!("wrote {}", file.display());
                }
            })
        }
        Some(Command::LoadChild(args)) => load::run_child(args.config()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where the server listens: `--addr` if given, else `default`.
pub fn listen_addr(serve: &ServeArgs, default: &str) -> SocketAddr {
    serve
        .addr
        .unwrap_or_else(|| default.parse().expect("default addresses are valid"))
}

/// The shortest tick the sampler allows: reading every thread's `/proc` entry many times a
/// second would make the probe itself a visible load.
const MIN_TICK: Duration = Duration::from_millis(100);

fn parse_tick(text: &str) -> Result<Duration, String> {
    let tick = parse_nonzero_duration(text)?;
    if tick < MIN_TICK {
        return Err(format!(
            "the tick must be at least {}ms",
            MIN_TICK.as_millis()
        ));
    }
    Ok(tick)
}

/// A connection count: at least one.
pub fn parse_connections(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("needs at least 1 connection".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of connections")),
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!("{text:?}: the speed must be a positive number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections() {
        assert!(parse_connections("0").is_err());
        assert!(parse_connections("-4").is_err());
        assert_eq!(parse_connections("10"), Ok(10));
    }
}
