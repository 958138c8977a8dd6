//! The part 3 demo: the `async fn` server, on our own one-thread runtime, under the same load
//! generator and dashboard as parts 1 and 2.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use instruments::metrics::ServerStats;
use instruments::part::{Part, RunningServer, ServeArgs};
use part1_threads::app::AppConfig;
use part2_reactor::server::DEFAULT_EVENTS_CAPACITY;
use part3_wakers::server::{Server, ServerConfig};

struct Part3;

/// Part 3 has no server flags of its own yet.
#[derive(Debug, Clone, clap::Args)]
struct NoOptions {}

struct Running {
    server: Server,
}

impl RunningServer<()> for Running {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(self.server.stats())
    }

    fn describe(&self) -> String {
        "1 runtime thread, a task per connection".to_string()
    }

    fn sample_part(&self) {}
}

impl Part for Part3 {
    const NAME: &'static str = "part3-wakers";
    const TITLE: &'static str = "Part 3 · wakers: the server as async fn";
    const ABOUT: &'static str = "Part 3 · the same server as async fn, on our own runtime.";

    type Options = NoOptions;
    type View = ();
    type Server = Running;

    fn start(serve: &ServeArgs, _options: &Self::Options) -> anyhow::Result<Running> {
        let config = ServerConfig {
            app: AppConfig::new(serve.io_ms, serve.cpu_us),
            idle_timeout: serve.idle_timeout,
            events_capacity: DEFAULT_EVENTS_CAPACITY,
        };
        let addr = serve.addr.expect("the demo always chooses an address");
        Ok(Running {
            server: Server::bind(addr, config)?,
        })
    }
}

fn main() -> ExitCode {
    instruments::cli::main::<Part3>()
}
