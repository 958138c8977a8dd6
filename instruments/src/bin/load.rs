//! `load`: the workshop's load generator on its own, against any HTTP/1.1 server.
//!
//! ```text
//! cargo run --release -p instruments --bin load -- --addr 127.0.0.1:8080 -c 100 --rate 2000 --duration 10s
//! ```
//!
//! `load __load --addr …` runs the child protocol instead (commands on stdin, JSON reports on
//! stdout), exactly as a part's binary does when its demo starts the load generator.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use instruments::load::{CHILD_SUBCOMMAND, LoadArgs, run_child, run_standalone};

/// Loads an HTTP/1.1 server with GET / requests and reports throughput, latency and errors.
#[derive(Debug, Parser)]
#[command(name = "load")]
struct Cli {
    #[command(flatten)]
    load: LoadArgs,
}

fn main() -> ExitCode {
    let mut argv: Vec<OsString> = std::env::args_os().collect();
    let as_child = argv.get(1).is_some_and(|arg| arg == CHILD_SUBCOMMAND);
    if as_child {
        argv.remove(1);
    }
    let cli = Cli::parse_from(argv);
    let result = if as_child {
        run_child(cli.load.config())
    } else {
        run_standalone(&cli.load)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e:#}");
            ExitCode::FAILURE
        }
    }
}
