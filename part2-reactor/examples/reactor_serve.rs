//! The reactor server alone, printing what it does every second — for measuring it with an
//! external load generator (`wrk`, or the workshop's own `load` subcommand).
//!
//! ```text
//! cargo run --release -p part2-reactor --example reactor_serve -- 127.0.0.1:8080 50 0 30
//! wrk -t2 -c1000 -d20s http://127.0.0.1:8080/
//! ```
//!
//! Arguments (all optional, in order): address, io_ms, cpu_us, seconds to run.

use std::time::{Duration, Instant};

use part1_threads::app::AppConfig;
use part2_reactor::{ReactorSampler, Server, ServerConfig};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let addr = arg(0, "127.0.0.1:8080").parse()?;
    let io_ms: u64 = arg(1, "50").parse()?;
    let cpu_us: u64 = arg(2, "0").parse()?;
    let seconds: u64 = arg(3, "30").parse()?;

    let server = Server::bind(
        addr,
        ServerConfig {
            app: AppConfig::new(io_ms, cpu_us),
            ..ServerConfig::default()
        },
    )?;
    let sampler = ReactorSampler::new(&server);
    eprintln!(
        "reactor on http://{} (io_ms={io_ms} cpu_us={cpu_us}) for {seconds}s",
        server.local_addr()
    );
    let stats = server.stats();
    let mut before = stats.snapshot();
    let started = Instant::now();
    for tick in 1..=seconds {
        let due = started + Duration::from_secs(tick);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let now = stats.snapshot();
        let reactor = sampler.sample();
        let served = now.served - before.served;
        let per_request = |a: u64, b: u64| {
            if served > 0 {
                (b - a) as f64 / served as f64
            } else {
                0.0
            }
        };
        println!(
            "t={tick:>3}s conns {:>5} served/s {:>6} | per request: reads {:.2} (WouldBlock {:.2}) writes {:.2} polls {:.3} | events/poll {:>5.1} | in poll {:>3.0}% handlers {:>3.0}%",
            now.active_connections,
            served,
            per_request(before.reads, now.reads),
            per_request(before.would_block_reads, now.would_block_reads),
            per_request(before.writes, now.writes),
            per_request(before.polls, now.polls),
            reactor.mean_events_per_poll(),
            reactor.poll_percent,
            reactor.handler_percent,
        );
        before = now;
    }
    server.shutdown()?;
    Ok(())
}
