//! The thread-per-connection server. Its whole idea fits in a few lines: one thread accepts,
//! and every accepted connection gets a thread of its own, which serves it until the client
//! leaves.
//!
//! ```no_run
//! # use std::io;
//! # use std::net::{TcpListener, TcpStream};
//! # use std::thread;
//! # fn serve_connection(_stream: TcpStream) {}
//! fn serve(listener: TcpListener) -> io::Result<()> {
//!     loop {
//!         let (stream, _peer) = listener.accept()?;
//!         thread::spawn(move || serve_connection(stream));
//!     }
//! }
//! ```
//!
//! `accept_loop` below is that loop, and its happy path reads the same: accept, spawn a thread
//! (named `http-conn`) that runs [`serve_connection`], go round again. What it adds is what
//! keeps a server alive under real load, each piece below the loop:
//!
//! ```text
//!   http-accept ──accept()──▶ spawn http-conn ──▶ serve_connection() until the client leaves
//!        │                        │
//!        │                        ├─ at the thread limit (ThreadLimit): answer 503, close, count it
//!        │                        └─ the OS refuses (EAGAIN): answer 503, close, count it
//!        └─ accept() fails (EMFILE: out of file descriptors): count it, back off, retry
//! ```
//!
//! - `ThreadLimit`: stop short of the OS's thread wall, where Rust would abort the process.
//! - `refuse`: a connection we cannot give a thread gets a `503`, not silence.
//! - `back_off`: a failing `accept` (most often: no file descriptor left) must not spin.
//! - With `--max-threads N` ([`ServerConfig::max_threads`]) the connections go to a
//!   [`ThreadPool`] of at most N threads instead; those past N wait in its queue.
//!
//! Nothing a client or the OS does can make this server panic or spin: every failure is
//! counted in [`ServerStats`] (the dashboard shows it) and the accept loop carries on.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use instruments::metrics::{ServerError, ServerStats};

use crate::app::{self, AppConfig};
use crate::conn::{ConnectionContext, serve_connection};
use crate::http::{Response, Status};
use crate::listen::listen;
use crate::pool::ThreadPool;
use crate::spawn::{ThreadSpec, try_spawn};

/// The name every connection thread carries (htop, `top -H` and the dashboard show it).
pub const CONNECTION_THREAD_NAME: &str = "http-conn";

/// How long a connection may sit without sending anything before it is closed. Long enough
/// that no load generator's keep-alive connection trips it between requests.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The idea of the module docs, hardened: accept, hand the connection to a thread, repeat.
/// Runs on the `http-accept` thread until the server stops.
fn accept_loop(
    listener: &TcpListener,
    mut dispatch: Dispatch,
    stats: &ServerStats,
    stopping: &AtomicBool,
) {
    loop {
        let accepted = listener.accept();
        if stopping.load(Ordering::Acquire) {
            return;
        }
        match accepted {
            Ok((stream, _peer)) => {
                stats.accepted.incr();
                if let Err((reason, stream)) = dispatch.dispatch(stream) {
                    stats.error(reason);
                    refuse(stream);
                }
            }
            Err(error) => back_off(&error, stats),
        }
    }
}

/// Where accepted connections go.
enum Dispatch {
    /// A new thread for each connection (the idea), up to `limit`.
    ThreadPerConnection {
        spec: ThreadSpec,
        context: Arc<ConnectionContext>,
        limit: Arc<ThreadLimit>,
    },
    /// A pool of at most `--max-threads` threads (the classic cap).
    Pool {
        pool: ThreadPool<TcpStream>,
        stats: Arc<ServerStats>,
    },
}

impl Dispatch {
    /// Hands `stream` to a thread, or gives it back with the reason it could not.
    fn dispatch(&mut self, stream: TcpStream) -> Result<(), (ServerError, TcpStream)> {
        match self {
            Dispatch::ThreadPerConnection {
                spec,
                context,
                limit,
            } => {
                let Some(permit) = limit.try_acquire(&context.stats) else {
                    return Err((ServerError::ThreadLimit, stream));
                };
                let context = Arc::clone(context);
                try_spawn(spec, stream, move |stream| {
                    // The thread holds its place under the limit until it ends.
                    let _permit = permit;
                    serve_connection(stream, &context);
                })
                .map_err(|refused| (ServerError::SpawnFailed, refused.value))
            }
            Dispatch::Pool { pool, stats } => {
                stats.queued.incr();
                let submitted = pool.submit(stream).map_err(|refused| {
                    stats.queued.decr();
                    (ServerError::SpawnFailed, refused.value)
                });
                // Pool workers only come and go in `submit` and when the pool is dropped.
                stats.threads.set(pool.threads() as u64);
                submitted
            }
        }
    }
}

/// The most connection threads alive at once, and how many are alive now.
///
/// **Why a limit of our own.** Near the OS's thread wall, a Rust thread can fail to start
/// *after* it was created (it cannot map its signal stack), and then Rust aborts the whole
/// process: no error to handle, every connection lost. So the server keeps its connection
/// threads below a limit computed at start from what the OS has left
/// ([`ServerConfig::thread_limit`], see `instruments::limits::thread_headroom`) and refuses
/// the connections past it, the way it would if `spawn` had failed.
///
/// The count is the limit's own, not the dashboard's `threads` gauge: what decides must not
/// depend on what is displayed.
struct ThreadLimit {
    max: usize,
    alive: AtomicUsize,
}

impl ThreadLimit {
    /// `None`: no limit of our own, only the OS's.
    fn new(max: Option<usize>) -> Arc<ThreadLimit> {
        Arc::new(ThreadLimit {
            max: max.unwrap_or(usize::MAX),
            alive: AtomicUsize::new(0),
        })
    }

    /// A place for one more connection thread, or `None` at the limit. The place is taken
    /// before the thread is spawned, so that the next check sees it at once.
    fn try_acquire(self: &Arc<Self>, stats: &Arc<ServerStats>) -> Option<ThreadPermit> {
        // Relaxed: the count guards no other data, and check-and-increment is one atomic step.
        self.alive
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |alive| {
                (alive < self.max).then_some(alive + 1)
            })
            .ok()?;
        stats.threads.incr();
        Some(ThreadPermit {
            limit: Arc::clone(self),
            stats: Arc::clone(stats),
        })
    }
}

/// One connection thread's place under the [`ThreadLimit`], held from before the thread is
/// spawned until it ends — or, if the spawn fails, until the closure holding it is dropped.
/// It also keeps the dashboard's `threads` gauge, which only shows the count.
struct ThreadPermit {
    limit: Arc<ThreadLimit>,
    stats: Arc<ServerStats>,
}

impl Drop for ThreadPermit {
    fn drop(&mut self) {
        self.limit.alive.fetch_sub(1, Ordering::Relaxed);
        // The gauge last, so that it never shows a thread gone that still holds its place.
        self.stats.threads.decr();
    }
}

/// Tells a client we could not give it a thread, then closes the connection. The socket is
/// fresh and its send buffer empty, so this small write does not block the accept loop.
fn refuse(mut stream: TcpStream) {
    let mut out = Vec::new();
    Response::closing(Status::ServiceUnavailable, "no thread available\n").write_to(&mut out);
    let _ = stream.write_all(&out);
}

/// How long the accept loop pauses after `accept` fails. Without a pause, a listener with a
/// pending connection and no file descriptor to accept it with would make `accept` fail again
/// at once, forever: a busy loop burning a core. A short pause lets connections close and free
/// descriptors, and still resumes quickly.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// What the accept loop does when `accept` fails.
fn back_off(error: &io::Error, stats: &ServerStats) {
    match error.kind() {
        // The client gave up before we accepted it, or a signal interrupted the call:
        // nothing to count, nothing to wait for.
        io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted => {}
        // Most often EMFILE/ENFILE: no file descriptor for the new connection.
        _ => {
            stats.error(ServerError::AcceptFailed);
            thread::sleep(ACCEPT_BACKOFF);
        }
    }
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub app: AppConfig,
    pub idle_timeout: Duration,
    /// `None`: one new thread per connection. `Some(n)`: a pool of at most `n` threads.
    pub max_threads: Option<usize>,
    /// Stack size of connection threads in bytes; `None` keeps Rust's default (2 MiB).
    pub stack_size: Option<usize>,
    /// The most connection threads alive at once; connections past it are refused (503).
    /// `None`: no limit of our own, only the OS's.
    pub thread_limit: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            app: AppConfig::default(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_threads: None,
            stack_size: None,
            thread_limit: None,
        }
    }
}

/// A running server. Dropping it (or calling [`shutdown`](Self::shutdown)) stops accepting;
/// connections already open are served until their clients leave or go idle.
pub struct Server {
    local_addr: SocketAddr,
    stats: Arc<ServerStats>,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
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
        let stats = Arc::new(ServerStats::new());
        let stopping = Arc::new(AtomicBool::new(false));
        let context = Arc::new(ConnectionContext {
            stats: Arc::clone(&stats),
            app: config.app,
            idle_timeout: config.idle_timeout,
        });
        let spec = ThreadSpec {
            name: CONNECTION_THREAD_NAME.to_string(),
            stack_size: config.stack_size,
        };
        let dispatch = match config.max_threads {
            None => Dispatch::ThreadPerConnection {
                spec,
                context,
                limit: ThreadLimit::new(config.thread_limit),
            },
            Some(max) => {
                let pool_context = Arc::clone(&context);
                let max = max.min(config.thread_limit.unwrap_or(usize::MAX));
                Dispatch::Pool {
                    pool: ThreadPool::new(max, spec, move |stream| {
                        pool_context.stats.queued.decr();
                        serve_connection(stream, &pool_context);
                    }),
                    stats: Arc::clone(&stats),
                }
            }
        };
        let acceptor = {
            let stats = Arc::clone(&stats);
            let stopping = Arc::clone(&stopping);
            thread::Builder::new()
                .name("http-accept".into())
                .spawn(move || accept_loop(&listener, dispatch, &stats, &stopping))?
        };
        Ok(Server {
            local_addr,
            stats,
            stopping,
            acceptor: Some(acceptor),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> &Arc<ServerStats> {
        &self.stats
    }

    /// Stops accepting and waits for the accept thread to finish.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.stopping.store(true, Ordering::Release);
        // `accept` blocks until a connection arrives, so bring one. If even that fails (no
        // descriptor left), the thread is left to notice the flag on its next accept.
        if TcpStream::connect(wake_addr(self.local_addr)).is_ok() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An address to connect to in order to reach a listener bound to `addr`, which may be the
/// unspecified address (`0.0.0.0`), where nothing can connect.
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => (Ipv4Addr::LOCALHOST, a.port()).into(),
        SocketAddr::V6(a) if a.ip().is_unspecified() => (Ipv6Addr::LOCALHOST, a.port()).into(),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_its_own_permits_and_the_gauge_follows() {
        let stats = Arc::new(ServerStats::new());
        let limit = ThreadLimit::new(Some(2));
        let first = limit.try_acquire(&stats).expect("0 of 2 places taken");
        let second = limit.try_acquire(&stats).expect("1 of 2 places taken");
        assert!(
            limit.try_acquire(&stats).is_none(),
            "a third thread was let past a limit of 2"
        );
        assert_eq!(stats.threads.get(), 2, "the gauge should show both threads");
        // What the dashboard shows does not decide: the limit reads only its own count.
        stats.threads.set(0);
        assert!(
            limit.try_acquire(&stats).is_none(),
            "the limit read the dashboard's gauge instead of its own count"
        );
        stats.threads.set(2);
        drop(first);
        let third = limit.try_acquire(&stats);
        assert!(
            third.is_some(),
            "a permit dropped (its thread ended) should free its place"
        );
        drop((second, third));
        assert_eq!(
            limit.alive.load(Ordering::Relaxed),
            0,
            "every place is given back"
        );
        assert_eq!(
            stats.threads.get(),
            0,
            "the gauge should show no thread left"
        );
    }
}
