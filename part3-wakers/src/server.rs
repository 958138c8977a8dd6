//! The server again, as straight-line code: `async fn`s over our runtime.
//!
//! Compare [`serve_connection`] with part 2's `conn.rs`. There, a connection was a state machine
//! (`Reading`, `Waiting`, `Flushing`, with a `then` to remember what follows a flush) that the
//! event loop advanced one event at a time. Here it is part 1's loop again — read a request,
//! wait `io_ms`, compute, write — with an `.await` wherever part 1 blocked. The compiler turns
//! the function into the state machine: every `.await` is a state, and the variables alive
//! across it (`framer`, `out`, the request's plan) are its fields. No thread waits: an
//! `.await` that cannot finish returns `Pending` all the way up to the executor, which runs
//! another task.
//!
//! ```text
//!   accept loop (block_on's main future)        one task per connection
//!   ────────────────────────────────────        ───────────────────────
//!   loop {                                      loop {
//!     accept().await ── EMFILE: sleep(backoff)     next request in the framer?
//!     spawn(serve_connection(stream))                yes: io_ms > 0? flush, sleep(io_ms).await
//!   }                                                     burn cpu_us, append the response
//!                                                    no:  flush, timeout(idle, read).await
//!                                                }
//! ```
//!
//! The limits are parts 1 and 2's: a bad request gets its 4xx and the connection closes; a
//! silent client is closed after the idle timeout; a client that does not read its responses
//! makes `write_all` wait (no more requests are taken meanwhile: backpressure, as in part 2);
//! accept failures (out of file descriptors) back off on a timer. Fairness, which part 2 coded
//! by hand (at most 32 requests a turn), comes from the [cooperative budget](crate::coop)
//! inside every I/O future.
//!
//! Both loops are generic over the [runtime](crate::async_runtime) they run on: `R::sleep`,
//! `R::accept` and `stream.read` are our leaf futures here (`R` = [`Ours`]), and Tokio's when
//! part 4 runs this very code on Tokio to compare the two runtimes on the same app.

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};
use std::thread::{self, JoinHandle};

use instruments::metrics::{COUNTING, GaugeGuard, ServerError, ServerStats};
use part1_threads::app;
use part1_threads::conn::frame_error_kind;
use part1_threads::http::{Framer, Response};
use part2_reactor::conn::WRITE_BUFFER_LIMIT;
use part2_reactor::event_loop::ACCEPT_BACKOFF;
pub use part2_reactor::server::ServerConfig;

use crate::async_runtime::{AsyncRuntime, AsyncStream, Ours};
use crate::executor::Runtime;
use crate::observe::{BlockingSwitch, RuntimeStats, cause};

/// The name of the one thread that runs every task (htop and the dashboard show it).
pub const RUNTIME_THREAD_NAME: &str = "runtime";

/// A running server: one thread, one runtime, a task per connection.
pub struct Server {
    local_addr: SocketAddr,
    stats: Arc<ServerStats>,
    runtime_stats: Arc<RuntimeStats>,
    blocking: BlockingSwitch,
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Binds `addr` and starts serving.
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Server> {
        Server::start(part1_threads::listen(addr)?, config)
    }

    /// Starts serving on an already bound listener.
    pub fn start(listener: StdTcpListener, config: ServerConfig) -> io::Result<Server> {
        // Measure the CPU-burn loop now, not during the first request.
        app::calibrate();
        let local_addr = listener.local_addr()?;
        let stats = Arc::new(ServerStats::new());
        let runtime_stats = Arc::new(RuntimeStats::new());
        let blocking = BlockingSwitch::default();
        let stop = Arc::new(StopSignal::default());
        let runtime = Runtime::with_events_capacity(config.events_capacity)?;
        {
            let (stats, runtime_stats) = (Arc::clone(&stats), Arc::clone(&runtime_stats));
            runtime.on_turn(move |turned, queued| {
                // Each turn is one `epoll_wait`.
                stats.syscalls.polls.incr();
                runtime_stats.turned(turned);
                runtime_stats.run_queue(queued);
            });
        }
        let thread = {
            let stats = Arc::clone(&stats);
            let observe = Arc::clone(&runtime_stats);
            let blocking = blocking.clone();
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(RUNTIME_THREAD_NAME.into())
                .spawn(move || {
                    stats.threads.incr();
                    let _on = cause::runtime_thread();
                    let connections = Connections {
                        config: Arc::new(config),
                        stats: Arc::clone(&stats),
                        // Unwatched in a build that measures what watching costs (`uncounted`).
                        observe: COUNTING.then_some(observe),
                        blocking,
                    };
                    let served = runtime.block_on(serve(listener, connections, stop));
                    // Every task (and so every connection) goes with the runtime.
                    drop(runtime);
                    stats.threads.decr();
                    served
                })?
        };
        Ok(Server {
            local_addr,
            stats,
            runtime_stats,
            blocking,
            stop,
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters every server in the workshop keeps.
    pub fn stats(&self) -> &Arc<ServerStats> {
        &self.stats
    }

    /// The runtime's counters, for the tasks & wakers panel.
    pub fn runtime_stats(&self) -> &Arc<RuntimeStats> {
        &self.runtime_stats
    }

    /// Blocking mode: while on, every request blocks the runtime's thread.
    pub fn blocking(&self) -> &BlockingSwitch {
        &self.blocking
    }

    /// Stops accepting, drops every connection's task (closing its socket) and waits for the
    /// thread. Returns the error that ended the server early, if one did.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.stop.raise();
        thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the runtime thread panicked")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Nobody is left to tell about an error.
        let _ = self.stop();
    }
}

/// Accepts until stopped, spawning a task per connection on the current runtime (part 4's
/// server runs it on its own). Returning ends `block_on`; dropping the runtime then drops every
/// connection's task.
pub async fn serve(
    listener: StdTcpListener,
    connections: Connections,
    stop: Arc<StopSignal>,
) -> io::Result<()> {
    let listener = Ours::listener(listener)?;
    let mut accepting = std::pin::pin!(accept_loop::<Ours>(listener, connections));
    std::future::poll_fn(|cx| {
        if stop.poll_raised(cx).is_ready() {
            return Poll::Ready(Ok(()));
        }
        accepting.as_mut().poll(cx).map(Ok)
    })
    .await
}

/// What every connection's task is given, and how it is watched.
#[derive(Clone)]
pub struct Connections {
    pub config: Arc<ServerConfig>,
    /// The counters every server in the workshop keeps.
    pub stats: Arc<ServerStats>,
    /// Part 3's dashboard: each task is spawned as `observe.observe(task)`, which counts its
    /// polls and wakes through a counting waker. `None`: spawned as it is.
    pub observe: Option<Arc<RuntimeStats>>,
    /// Part 3's blocking mode (`b`): while on, every request holds its thread.
    pub blocking: BlockingSwitch,
}

impl Connections {
    /// Unwatched connections with blocking mode off: what part 4 serves.
    pub fn plain(config: Arc<ServerConfig>, stats: Arc<ServerStats>) -> Connections {
        Connections {
            config,
            stats,
            observe: None,
            blocking: BlockingSwitch::default(),
        }
    }
}

/// Accepts connections forever, a task for each, on runtime `R`: [`Ours`] here, another in
/// part 4. Never returns; it ends when its task is dropped.
pub async fn accept_loop<R: AsyncRuntime>(mut listener: R::Listener, connections: Connections) {
    let stats = Arc::clone(&connections.stats);
    loop {
        match R::accept(&mut listener).await {
            Ok(stream) => {
                stats.accepted.incr();
                let observe = connections.observe.clone();
                let Connections {
                    config,
                    stats,
                    blocking,
                    ..
                } = connections.clone();
                let task = async move {
                    serve_connection::<R>(stream, &config, &stats, &blocking).await;
                };
                match observe {
                    // Observed: the dashboard counts the task's polls and wakes.
                    Some(observe) => R::spawn(observe.observe(task)),
                    None => R::spawn(task),
                }
            }
            // The client gave up before we accepted it.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(_) => {
                // Most often EMFILE: no descriptor for the connection. It stays in the
                // kernel's queue; try again after a pause rather than spin.
                stats.error(ServerError::AcceptFailed);
                R::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Serves one connection until the client leaves, errs, sends a bad request or goes idle.
pub async fn serve_connection<R: AsyncRuntime>(
    mut stream: R::Stream,
    config: &ServerConfig,
    stats: &ServerStats,
    blocking: &BlockingSwitch,
) {
    let _open = stats.active_connections.enter();
    // Responses are small and written whole: send them at once rather than batch them.
    if stream.set_nodelay(true).is_err() {
        stats.error(ServerError::Io);
        return;
    }
    let mut framer = Framer::new();
    let mut out = Responses::new(stats);
    let ended = loop {
        match framer.next_request() {
            Ok(Some(request)) => {
                let in_flight = stats.in_flight.enter();
                let plan = app::plan(&request, &config.app);
                blocking.work();
                if !plan.io.is_zero() {
                    // Earlier answers must not wait behind this request's io_ms.
                    if let Err(e) = out.flush(&mut stream).await {
                        break Err(e);
                    }
                    R::sleep(plan.io).await;
                }
                app::burn_cpu(plan.cpu);
                out.push(&plan.response, in_flight);
                if !plan.response.keep_alive {
                    break out.flush(&mut stream).await;
                }
                if out.len() >= WRITE_BUFFER_LIMIT
                    && let Err(e) = out.flush(&mut stream).await
                {
                    break Err(e);
                }
            }
            Ok(None) => {
                if let Err(e) = out.flush(&mut stream).await {
                    break Err(e);
                }
                match R::timeout(config.idle_timeout, stream.read(framer.read_buf())).await {
                    Ok(Ok(0)) if framer.is_idle() => break Ok(()),
                    Ok(Ok(0)) => break Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(Ok(n)) => framer.filled(n),
                    Ok(Err(e)) => break Err(e),
                    Err(_) => {
                        stats.error(ServerError::IdleTimeout);
                        break Ok(());
                    }
                }
            }
            Err(error) => {
                stats.error(frame_error_kind(&error));
                let status = error.status();
                out.push_closing(&Response::closing(status, status.reason()));
                // The connection is closing anyway; a failed write changes nothing.
                let _ = out.flush(&mut stream).await;
                break Ok(());
            }
        }
    };
    if ended.is_err() {
        stats.error(ServerError::Io);
    }
    record_syscalls(&mut stream, stats);
}

/// Responses waiting to be written, each holding its request's unit of the in-flight gauge
/// until it is on the wire.
struct Responses<'a> {
    bytes: Vec<u8>,
    in_flight: Vec<GaugeGuard<'a>>,
    stats: &'a ServerStats,
}

impl<'a> Responses<'a> {
    fn new(stats: &'a ServerStats) -> Self {
        Responses {
            bytes: Vec::new(),
            in_flight: Vec::new(),
            stats,
        }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn push(&mut self, response: &Response, in_flight: GaugeGuard<'a>) {
        response.write_to(&mut self.bytes);
        self.in_flight.push(in_flight);
    }

    /// An answer to no request (a 400 for bytes that were not one).
    fn push_closing(&mut self, response: &Response) {
        response.write_to(&mut self.bytes);
    }

    /// Writes everything, waiting for room as needed; then the responses count as served.
    async fn flush(&mut self, stream: &mut impl AsyncStream) -> io::Result<()> {
        if !self.bytes.is_empty() {
            stream.write_all(&self.bytes).await?;
            self.bytes.clear();
        }
        self.stats.served.add(self.in_flight.len() as u64);
        self.in_flight.clear();
        record_syscalls(stream, self.stats);
        Ok(())
    }
}

/// Adds the system calls `stream` made since last time to the server's counters.
fn record_syscalls(stream: &mut impl AsyncStream, stats: &ServerStats) {
    let counts = stream.take_counts();
    stats.syscalls.reads.add(counts.reads);
    stats
        .syscalls
        .would_block_reads
        .add(counts.would_block_reads);
    stats.syscalls.writes.add(counts.writes);
}

/// "Stop now", raised by another thread and awaited by the server's main future: a one-shot
/// flag with the waker of whoever waits for it.
#[derive(Debug, Default)]
pub struct StopSignal {
    raised: AtomicBool,
    waiter: Mutex<Option<Waker>>,
}

impl StopSignal {
    /// Stops the server's accept loop ([`serve`]); any thread may call it.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        let waiter = self
            .waiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waiter {
            waker.wake();
        }
    }

    fn poll_raised(&self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        if self.raised.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.waiter.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        // Raised between the first look and storing the waker: `raise` found no waker.
        if self.raised.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
