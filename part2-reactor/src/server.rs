//! The reactor server: the part 1 app, served by one event-loop thread.
//!
//! [`Server::bind`] opens the listener exactly as part 1 does ([`part1_threads::listen()`]),
//! builds the [`EventLoop`] on this thread (so a failure is returned, not lost in a thread),
//! then starts one thread, named [`LOOP_THREAD_NAME`], that runs it. However many clients
//! connect, the server has that one thread: the dashboard's thread count stays flat.
//!
//! The handle gives other threads what they may touch: what the loop's recorder writes
//! ([`ServerStats`], [`ReactorStats`], the [`EventLog`]), and the [`StepControl`] that pauses,
//! steps and stops the loop. Dropping the handle (or [`Server::shutdown`]) stops the loop
//! through that control and joins its thread; open connections are closed.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use instruments::metrics::ServerStats;
use part1_threads::app::{self, AppConfig};
use part1_threads::listen;
pub use part1_threads::server::DEFAULT_IDLE_TIMEOUT;

use crate::event_loop::EventLoop;
use crate::observe::Observed;
use crate::observe::event_log::EventLog;
use crate::observe::stats::ReactorStats;
use crate::wake::StepControl;

/// How many events one poll may return: enough that a poll drains a busy moment of a few
/// thousand connections in a couple of calls. Tokio's default is the same (`nevents: 1024` in
/// `Builder::new`, `tokio/src/runtime/builder.rs`; `max_io_events_per_tick` changes it).
pub const DEFAULT_EVENTS_CAPACITY: usize = 1024;

/// The name of the one thread that serves every connection (htop, `top -H` and the dashboard
/// show it).
pub const LOOP_THREAD_NAME: &str = "reactor";

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub app: AppConfig,
    /// How long a connection may stay silent (or not read its responses) before it is closed.
    pub idle_timeout: Duration,
    /// How many events one poll may return.
    pub events_capacity: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            app: AppConfig::default(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            events_capacity: DEFAULT_EVENTS_CAPACITY,
        }
    }
}

/// A running reactor server. See the [module docs](self).
pub struct Server {
    local_addr: SocketAddr,
    observed: Observed,
    control: Arc<StepControl>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Binds `addr` and starts serving.
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Server> {
        Server::start(listen(addr)?, config)
    }

    /// Starts serving on an already bound listener.
    pub fn start(listener: TcpListener, config: ServerConfig) -> io::Result<Server> {
        // Measure the CPU-burn loop now, not during the first request.
        app::calibrate();
        let local_addr = listener.local_addr()?;
        let observed = Observed::default();
        let (event_loop, control) = EventLoop::new(listener, config, observed.clone())?;
        let stats = Arc::clone(&observed.server);
        let thread = thread::Builder::new()
            .name(LOOP_THREAD_NAME.into())
            .spawn(move || {
                let _thread = stats.threads.enter();
                event_loop.run()
            })?;
        Ok(Server {
            local_addr,
            observed,
            control,
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters every server in the workshop keeps.
    pub fn stats(&self) -> &Arc<ServerStats> {
        &self.observed.server
    }

    /// The event loop's own counters.
    pub fn reactor_stats(&self) -> &Arc<ReactorStats> {
        &self.observed.reactor
    }

    /// The recent events the loop handled.
    pub fn event_log(&self) -> &Arc<EventLog> {
        &self.observed.log
    }

    /// Pause, step, resume (and stop) the loop.
    pub fn control(&self) -> &Arc<StepControl> {
        &self.control
    }

    /// Stops the loop, closes every connection and waits for the thread. Returns the error
    /// that ended the loop early, if one did.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.control.stop();
        thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the event loop panicked")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Nobody is left to tell about an error.
        let _ = self.stop();
    }
}
