//! Part 3's server — the same accept loop and `async fn` connection, not a line changed — on N
//! worker threads.
//!
//! ```text
//!   Server::start:  Runtime::new(workers)          worker-0 … worker-N-1
//!                   spawn(part3 serve(listener))   the accept loop is a task like any other;
//!                                                  each connection's task is spawned from it
//!   Server::stop:   raise the stop signal → block_on(the accept task's handle)
//!                   → drop the runtime: every connection's task is cancelled, every thread joined
//! ```
//!
//! The accept task spawns each connection from a worker thread, so the new task lands in that
//! worker's LIFO slot (the previous one moves to its local queue): the other workers get them
//! by stealing. The connection code neither knows nor cares which worker polls it, nor that the
//! next poll may come from another.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;

use instruments::metrics::ServerStats;
use part1_threads::app;
use part3_wakers::JoinHandle;
pub use part3_wakers::server::ServerConfig;
use part3_wakers::server::{Connections, StopSignal, serve};

use crate::runtime::Runtime;

/// A running server: a runtime of N workers, a task per connection.
pub struct Server {
    local_addr: SocketAddr,
    stats: Arc<ServerStats>,
    stop: Arc<StopSignal>,
    running: Option<Running>,
}

struct Running {
    runtime: Runtime,
    accepting: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Binds `addr` and starts serving on `workers` worker threads.
    ///
    /// # Errors
    ///
    /// If the address cannot be bound, or the runtime cannot start (see [`Runtime::new`]).
    pub fn bind(addr: SocketAddr, config: ServerConfig, workers: usize) -> io::Result<Server> {
        Server::start(part1_threads::listen(addr)?, config, workers)
    }

    /// Binds `addr` and starts serving on `runtime` (made to measure, say with another
    /// [`Driving`](crate::runtime::Driving)); the server owns it from now on.
    ///
    /// # Errors
    ///
    /// If the address cannot be bound.
    pub fn bind_on(addr: SocketAddr, config: ServerConfig, runtime: Runtime) -> io::Result<Server> {
        Server::start_on(
            part1_threads::listen(addr)?,
            config,
            runtime,
            Arc::new(ServerStats::new()),
        )
    }

    /// Starts serving on an already bound listener.
    ///
    /// # Errors
    ///
    /// If the runtime cannot start (see [`Runtime::new`]).
    pub fn start(
        listener: StdTcpListener,
        config: ServerConfig,
        workers: usize,
    ) -> io::Result<Server> {
        let runtime = Runtime::with_events_capacity(workers, config.events_capacity)?;
        Server::start_on(listener, config, runtime, Arc::new(ServerStats::new()))
    }

    /// Starts serving on an already bound listener, on `runtime`, counting into `stats` (the
    /// demo keeps one set of counters across a switch of runtimes).
    ///
    /// # Errors
    ///
    /// If the listener's address cannot be read.
    pub fn start_on(
        listener: StdTcpListener,
        config: ServerConfig,
        runtime: Runtime,
        stats: Arc<ServerStats>,
    ) -> io::Result<Server> {
        // Measure the CPU-burn loop now, not during the first request.
        app::calibrate();
        let local_addr = listener.local_addr()?;
        let stop = Arc::new(StopSignal::default());
        // The workers run from here until `stop` has joined them.
        stats.threads.set(runtime.workers() as u64);
        let accepting = runtime.spawn(serve(
            listener,
            Connections::plain(Arc::new(config), Arc::clone(&stats)),
            Arc::clone(&stop),
        ));
        Ok(Server {
            local_addr,
            stats,
            stop,
            running: Some(Running { runtime, accepting }),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters every server in the workshop keeps.
    pub fn stats(&self) -> &Arc<ServerStats> {
        &self.stats
    }

    /// The runtime's metrics (per worker: polls, steals, parks…).
    pub fn runtime_metrics(&self) -> Option<crate::RuntimeMetrics> {
        self.running
            .as_ref()
            .map(|running| running.runtime.metrics())
    }

    /// Runs `task` on the server's runtime, beside the connections (the demo's storm and
    /// blocking keys). Does nothing once the server is stopped.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        if let Some(running) = &self.running {
            // Detached: the task's result is `()`, and a panic is reported in its handle.
            drop(running.runtime.spawn(task));
        }
    }

    /// Stops accepting, drops every connection's task (closing its socket) and joins the
    /// workers. Returns the error that ended the accept loop early, if one did.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        let Some(Running { runtime, accepting }) = self.running.take() else {
            return Ok(());
        };
        self.stop.raise();
        let accepted = runtime.block_on(accepting);
        // Every task (and so every connection) goes with the runtime, and every worker.
        drop(runtime);
        self.stats.threads.set(0);
        match accepted {
            Ok(served) => served,
            Err(error) => Err(io::Error::other(error.to_string())),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Nobody is left to tell about an error.
        let _ = self.stop();
    }
}
