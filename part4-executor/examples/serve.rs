//! A headless part 4 server, for measuring: serves for a while on N workers, then prints what
//! each worker did.
//!
//! ```text
//! cargo run --release -p part4-executor --example serve -- --workers 2 --io-ms 0 --seconds 15
//! cargo run --release -p part3-wakers -- load --addr 127.0.0.1:8080 -c 100 --rate closed \
//!     --duration 10s
//! ```
//!
//! (The demo, with its dashboard and `--runtime tokio`, is the crate's binary.)

use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use clap::Parser;
use part1_threads::app::AppConfig;
use part4_executor::runtime::{Driving, Runtime};
use part4_executor::server::{Server, ServerConfig};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Milliseconds each request waits (as the other parts' `--io-ms`).
    #[arg(long, default_value_t = 0)]
    io_ms: u64,
    /// Microseconds of CPU work per request.
    #[arg(long, default_value_t = 0)]
    cpu_us: u64,
    /// How long to serve before printing the metrics and exiting.
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Drive I/O from a dedicated thread instead of an idle worker (to compare the two).
    #[arg(long)]
    driver_thread: bool,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = ServerConfig {
        app: AppConfig::new(args.io_ms, args.cpu_us),
        ..ServerConfig::default()
    };
    let driving = if args.driver_thread {
        Driving::Thread
    } else {
        Driving::IdleWorker
    };
    let runtime = Runtime::with_driving(args.workers, config.events_capacity, driving)?;
    let server = Server::bind_on(args.addr, config, runtime)?;
    println!(
        "serving on {} with {} workers",
        server.local_addr(),
        args.workers
    );
    thread::sleep(Duration::from_secs(args.seconds));
    if let Some(metrics) = server.runtime_metrics() {
        for (index, worker) in metrics.workers.iter().enumerate() {
            println!("worker-{index}: {worker:?}");
        }
        println!(
            "injector {} · tasks alive {} · served {}",
            metrics.injector_depth,
            metrics.tasks_alive,
            server.stats().served.get()
        );
    }
    server.shutdown()
}
