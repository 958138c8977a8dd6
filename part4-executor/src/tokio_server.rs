//! The same app on Tokio: part 3's connection loop, unchanged, on Tokio's multi-thread runtime.
//!
//! [`accept_loop`] and [`serve_connection`](part3_wakers::server::serve_connection) are
//! generic over an [`AsyncRuntime`]: part 3 runs them on its own leaf futures ([`Ours`]), this
//! file on Tokio's sockets, timers and `spawn` ([`Tokio`]). Same framing, same app, same
//! limits (backpressure, idle timeout, 4xx, accept backoff), same counters — only the runtime
//! differs, so the dashboard compares runtimes and nothing else.
//!
//! [`TokioServer`] starts a Tokio runtime with as many workers as ours gets, names its
//! threads so that htop tells them apart, counts them in [`ServerStats`], and hands out
//! Tokio's [`RuntimeMetrics`] for the executor panel.
//!
//! [`Ours`]: part3_wakers::async_runtime::Ours

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use instruments::metrics::ServerStats;
use part1_threads::app;
use part3_wakers::async_runtime::{AsyncRuntime, AsyncStream};
use part3_wakers::server::{Connections, ServerConfig, accept_loop};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::{Handle, RuntimeMetrics};

/// The name of Tokio's worker threads (htop and the dashboard show it).
pub const TOKIO_WORKER_THREAD_NAME: &str = "tokio-worker";

/// How long a shutdown waits for Tokio's threads to finish. Tasks are dropped at their next
/// `.await`; only a task stuck in blocking code (a blocking-task scenario) can take longer,
/// and then its thread is left to finish on its own.
pub const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(2);

/// Tokio as an [`AsyncRuntime`]: `tokio::net`, `tokio::time` and `tokio::spawn`.
#[derive(Debug, Clone, Copy)]
pub struct Tokio;

impl AsyncRuntime for Tokio {
    type Listener = tokio::net::TcpListener;
    type Stream = TokioStream;

    fn listener(listener: StdTcpListener) -> io::Result<tokio::net::TcpListener> {
        listener.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(listener)
    }

    async fn accept(listener: &mut tokio::net::TcpListener) -> io::Result<TokioStream> {
        let (stream, _peer) = listener.accept().await?;
        Ok(TokioStream(stream))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    async fn timeout<F>(duration: Duration, future: F) -> io::Result<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        tokio::time::timeout(duration, future)
            .await
            .map_err(|_elapsed| io::ErrorKind::TimedOut.into())
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        // Nobody waits for a connection's end: the handle is dropped, the task runs on.
        drop(tokio::spawn(future));
    }
}

/// A Tokio socket as the connection loop uses it. (A wrapper because neither the trait nor
/// Tokio's type is this crate's.) Tokio does not count its system calls, so it reports none.
#[derive(Debug)]
pub struct TokioStream(pub tokio::net::TcpStream);

impl AsyncStream for TokioStream {
    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.0.set_nodelay(nodelay)
    }

    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }

    async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf).await
    }
}

/// A task handed to a running server from outside it (the demo's scenario keys).
pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The app served by a Tokio multi-thread runtime of `workers` threads.
#[derive(Debug)]
pub struct TokioServer {
    local_addr: SocketAddr,
    stats: Arc<ServerStats>,
    /// `None` once shut down.
    runtime: Option<tokio::runtime::Runtime>,
}

impl TokioServer {
    /// Serves on `listener` with `workers` worker threads (at least one), counting into
    /// `stats` (which a demo may share between the servers it switches between).
    pub fn start(
        listener: StdTcpListener,
        config: ServerConfig,
        workers: usize,
        stats: Arc<ServerStats>,
    ) -> io::Result<TokioServer> {
        // Measure the CPU-burn loop now, not during the first request.
        app::calibrate();
        let local_addr = listener.local_addr()?;
        let runtime = {
            let (started, stopped) = (Arc::clone(&stats), Arc::clone(&stats));
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers.max(1))
                .thread_name(TOKIO_WORKER_THREAD_NAME)
                // The same number of events per turn of the driver as our runtime takes.
                .max_io_events_per_tick(config.events_capacity)
                .on_thread_start(move || started.threads.incr())
                .on_thread_stop(move || stopped.threads.decr())
                .enable_all()
                .build()?
        };
        let listener = {
            // Registering the listener needs Tokio's driver: enter the runtime.
            let _entered = runtime.enter();
            Tokio::listener(listener)?
        };
        runtime.spawn(accept_loop::<Tokio>(
            listener,
            Connections::plain(Arc::new(config), Arc::clone(&stats)),
        ));
        Ok(TokioServer {
            local_addr,
            stats,
            runtime: Some(runtime),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters every server in the workshop keeps.
    pub fn stats(&self) -> &Arc<ServerStats> {
        &self.stats
    }

    /// Tokio's own view of its workers, for the executor panel.
    pub fn metrics(&self) -> Option<RuntimeMetrics> {
        self.handle().map(Handle::metrics)
    }

    /// Runs `task` on this runtime (it lands in Tokio's injection queue: it comes from
    /// outside).
    pub fn spawn(&self, task: BoxTask) {
        if let Some(handle) = self.handle() {
            drop(handle.spawn(task));
        }
    }

    /// Stops accepting and drops every task (closing its connection); waits up to
    /// [`SHUTDOWN_PATIENCE`] for the worker threads to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn handle(&self) -> Option<&Handle> {
        self.runtime.as_ref().map(tokio::runtime::Runtime::handle)
    }

    fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(SHUTDOWN_PATIENCE);
        }
    }
}

impl Drop for TokioServer {
    fn drop(&mut self) {
        self.stop();
    }
}
