//! How much load can the load generator make? Closed-loop keep-alive requests against a trivial
//! thread-per-connection server in the same process, on a tokio runtime with `--workers`
//! threads. Server and generator share the machine's cores, as they do in the demo.
//!
//! ```text
//! cargo run --release -p instruments --example load_bench -- --workers 1
//! cargo run --release -p instruments --example load_bench -- --workers 2
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use clap::Parser;
use instruments::load::{ConnectionMode, LoadConfig, WORKER_THREADS, drive, parse_duration};
use tokio::sync::mpsc;

#[derive(Debug, Parser)]
struct Bench {
    /// Tokio worker threads for the load generator.
    #[arg(long, default_value_t = WORKER_THREADS)]
    workers: usize,
    /// Client connections.
    #[arg(short = 'c', long, default_value_t = 50)]
    connections: u64,
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// A new connection per request.
    #[arg(long)]
    churn: bool,
}

fn main() -> anyhow::Result<()> {
    let bench = Bench::parse();
    let addr = start_trivial_server()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(bench.workers)
        .enable_all()
        .build()?;
    let config = LoadConfig {
        connections: bench.connections,
        duration: Some(bench.duration),
        mode: if bench.churn {
            ConnectionMode::Churn
        } else {
            ConnectionMode::KeepAlive
        },
        ..LoadConfig::new(addr)
    };
    // No commands: the run lasts its duration.
    let (_no_commands, commands) = mpsc::channel(1);
    let summary = runtime.block_on(drive(config, commands, |report| {
        println!(
            "{:5.1}s {:8.0} req/s  p50 {}µs p99 {}µs",
            report.t, report.completed_per_s, report.latency_us.p50, report.latency_us.p99
        );
        Ok(())
    }))?;
    println!(
        "{} worker(s), {} connections: {:.0} req/s over {:.1}s, {} errors",
        bench.workers,
        bench.connections,
        summary.completed_per_s,
        summary.seconds,
        summary.errors_total.total()
    );
    Ok(())
}

/// A thread per connection; every request gets `200 hello`.
fn start_trivial_server() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || answer_hello(stream));
        }
    });
    Ok(addr)
}

fn answer_hello(stream: TcpStream) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        let mut close = false;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            close |= line.eq_ignore_ascii_case("connection: close\r\n");
        }
        writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")?;
        if close {
            return Ok(());
        }
    }
}
