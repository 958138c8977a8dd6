//! `compare`: the race. Every server of the course (parts 1 to 4, and the same app on Tokio)
//! runs as its own process, one after the other, under the same load, over a sweep of
//! connection counts and io_ms; each row is printed as a line of a Markdown table as it
//! finishes, and the sweep ends with `results.csv`, `results.md` and SVG charts in `--out`.
//!
//! ```text
//! cargo build --release --workspace
//! cargo run --release -p compare -- --conns 10,100 --io-ms 50 --duration 3s --out race-out
//! ```
//!
//! Each row starts a fresh server process (so that the memory of one row is not the peak of
//! the previous one), loads it for `--warmup` and then `--duration` while watching it from
//! outside, and kills it (`measure.rs`, `server.rs`). A server that is missing, does not start,
//! dies or answers nothing gets its row with the reason, and the sweep goes on. The load
//! generator and the server share the machine's cores: the figures are this machine's, load
//! generator included (`BENCHMARKS.md` discusses what that means).
//!
//! Exit codes: 0 when the sweep ran (even with failed rows), 1 when it could not (an output
//! directory that cannot be written), 2 for bad flags, 130 after Ctrl-C (what was measured is
//! written first).

mod charts;
mod interrupt;
mod measure;
mod progress;
mod results;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use instruments::cli::parse_connections;
use instruments::limits::{self, ThreadLimits};
use instruments::load::{
    MAX_CONNECTIONS, Pacing, format_duration, parse_duration, parse_nonzero_duration, parse_pacing,
};

use crate::measure::Load;
use crate::progress::Progress;
use crate::results::{Outcome, Row};
use crate::server::{Binaries, ServeSettings, Server, ServerProcess};

/// Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2).
const INTERRUPTED: u8 = 130;

/// Every server of the course under the same load, one after the other, as a table and charts.
#[derive(Debug, Parser)]
#[command(name = "compare", about, long_about = None)]
struct Args {
    /// The servers to race, in this order.
    #[arg(long, value_delimiter = ',', value_parser = Server::parse, default_value = "part1,part2,part3,part4,tokio")]
    servers: Vec<Server>,
    /// Client connections (keep-alive), one row per count.
    #[arg(long, value_delimiter = ',', value_parser = parse_conns, default_value = "10,100,1000,5000,10000")]
    conns: Vec<u64>,
    /// Milliseconds each request waits in the server (a stand-in for a database call); 0 makes
    /// the servers' own costs show.
    #[arg(long, value_delimiter = ',', default_value = "0,50")]
    io_ms: Vec<u64>,
    /// Requests per second over all connections (open loop), or `closed`: each connection sends
    /// its next request when the previous answer arrives.
    #[arg(long, value_parser = parse_pacing, default_value = "closed", value_name = "closed|R", allow_negative_numbers = true)]
    rate: Pacing,
    /// How long each row is measured, after its warm-up.
    #[arg(long, value_parser = parse_nonzero_duration, default_value = "10s")]
    duration: Duration,
    /// How long each row runs before it is measured (connections opened, caches warm).
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    warmup: Duration,
    /// Where results.csv, results.md and the charts go (created if missing).
    #[arg(long, default_value = "race-out", value_name = "DIR")]
    out: PathBuf,
}

fn parse_conns(text: &str) -> Result<u64, String> {
    let connections = parse_connections(text)?;
    if connections > MAX_CONNECTIONS {
        return Err(format!(
            "{connections} is more connections than the load generator holds ({MAX_CONNECTIONS})"
        ));
    }
    Ok(connections)
}

impl Args {
    /// The command line that reproduces this sweep, flags in full.
    fn command(&self) -> String {
        let list = |values: Vec<String>| values.join(",");
        format!(
            "compare --servers {} --conns {} --io-ms {} --rate {} --duration {} --warmup {}",
            list(self.servers.iter().map(|s| s.name().to_string()).collect()),
            list(self.conns.iter().map(u64::to_string).collect()),
            list(self.io_ms.iter().map(u64::to_string).collect()),
            self.rate,
            format_duration(self.duration),
            format_duration(self.warmup),
        )
    }
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        // Help goes to stdout with code 0; mistakes to stderr with code 2.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    match race(&args) {
        Ok(()) if interrupt::requested() => ExitCode::from(INTERRUPTED),
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn race(args: &Args) -> anyhow::Result<()> {
    interrupt::catch();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
    // The servers inherit this limit: thousands of connections need thousands of descriptors.
    if let Err(e) = limits::raise_fd_limit() {
        eprintln!("compare: could not raise the file-descriptor limit: {e}");
    }
    let binaries = Binaries::beside_this_program()?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let machine = machine(workers);
    describe_start(args, &machine, workers);

    let plan: Vec<(u64, u64, Server)> = args
        .io_ms
        .iter()
        .flat_map(|&io| {
            args.conns
                .iter()
                .flat_map(move |&conns| args.servers.iter().map(move |&s| (io, conns, s)))
        })
        .collect();
    let progress = Progress::new(plan.len(), args.warmup + args.duration);
    let started = Instant::now();
    let mut rows = Vec::new();
    println!("{}", results::TABLE_HEADER);
    for (index, &(io_ms, connections, server)) in plan.iter().enumerate() {
        if interrupt::requested() {
            break;
        }
        progress.row(
            index,
            format!("{} · {connections} conns · io_ms {io_ms}", server.name()),
        );
        let load = Load {
            connections,
            pacing: args.rate,
            warmup: args.warmup,
            duration: args.duration,
        };
        let settings = ServeSettings { io_ms, workers };
        let outcome = run_row(&binaries, server, settings, load, &progress);
        let row = Row {
            server,
            connections,
            io_ms,
            outcome,
        };
        progress.clear();
        println!("{}", results::table_line(&row));
        rows.push(row);
        // Written after every row, so that an interrupted or crashed sweep keeps its rows.
        write_tables(&args.out, &args.command(), &machine, &rows)?;
    }
    progress.clear();
    let charts = charts::write(&args.out, &args.servers, &args.io_ms, &rows)?;
    let took = started.elapsed();
    if interrupt::requested() {
        eprintln!(
            "compare: interrupted after {} of {} rows",
            rows.len(),
            plan.len()
        );
    }
    eprintln!(
        "compare: {} rows in {:.0}s; wrote {}, {} and {} charts ({})",
        rows.len(),
        took.as_secs_f64(),
        args.out.join("results.csv").display(),
        args.out.join("results.md").display(),
        charts.len(),
        charts
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// One row: the server started, measured and killed; or why it could not be.
fn run_row(
    binaries: &Binaries,
    server: Server,
    settings: ServeSettings,
    load: Load,
    progress: &Progress,
) -> Outcome {
    let binary = match binaries.find(server) {
        Ok(binary) => binary,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    let mut process = match ServerProcess::start(&binary, server, settings) {
        Ok(process) => process,
        Err(e) => return Outcome::Failed(format!("did not start: {e:#}")),
    };
    let outcome = match measure::measure(&mut process, load, |elapsed| progress.tick(elapsed)) {
        Ok(_) if interrupt::requested() => Outcome::Failed("interrupted (Ctrl-C)".to_string()),
        Ok(measurement) => Outcome::Measured(measurement),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    };
    drop(process); // killed before the next server starts
    outcome
}

fn write_tables(dir: &Path, command: &str, machine: &str, rows: &[Row]) -> anyhow::Result<()> {
    for (name, text) in [
        ("results.csv", results::csv(rows)),
        ("results.md", results::markdown(command, machine, rows)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// What the reader of the figures should know before the first row, on stderr.
fn describe_start(args: &Args, machine: &str, workers: usize) {
    eprintln!("compare: {}", args.command());
    eprintln!(
        "  on {machine}; the load generator (one worker thread, in this process) shares these cores with each server"
    );
    if args
        .servers
        .iter()
        .any(|s| matches!(s, Server::Part4 | Server::Tokio))
    {
        eprintln!("  part4 and tokio run {workers} worker threads each");
    }
    if args.servers.contains(&Server::Part1)
        && let Some(wall) = ThreadLimits::read().wall()
    {
        eprintln!("  part1: {wall}; it refuses connections before it (errors in its rows)");
    }
    for server in &args.servers {
        eprintln!("  {}: {}", server.name(), server.describe());
    }
}

/// "Intel(R) Xeon(R) … (2 cores), Linux 6.8.0", from what the OS says.
fn machine(cores: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info
                .lines()
                .find(|line| line.starts_with("model name"))?
                .to_string();
            Some(line.split_once(':')?.1.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| format!("Linux {}", release.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_string());
    format!("{cpu} ({cores} cores), {kernel}")
}
