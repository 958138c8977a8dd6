//! The thread-per-connection server: one thread accepts, and every accepted connection gets a
//! thread of its own (named `http-conn`), which lives exactly as long as the connection.
//!
//! ```text
//!   http-accept ──accept()──▶ spawn http-conn ──▶ serve_connection() until the client leaves
//!        │                        │
//!        │                        ├─ the OS refuses (EAGAIN): answer 503, close, count it
//!        │                        └─ at the thread limit: answer 503, close, count it
//!        └─ accept() fails (EMFILE: out of file descriptors): count it, back off, retry
//! ```
//!
//! **The thread limit.** Near the OS's thread wall, a Rust thread can fail to start *after*
//! it was created (it cannot map its signal stack), and then Rust aborts the whole process:
//! no error to handle, every connection lost. So the server keeps its connection threads
//! below a limit computed at start from what the OS has left ([`ServerConfig::thread_limit`],
//! see `instruments::limits::thread_headroom`) and refuses the connections past it, the way
//! it would if `spawn` had failed.
//!
//! With `--max-threads N` the connections are handed to a [`ThreadPool`] of at most N threads
//! instead; those past N wait in its queue.
//!
//! Nothing a client or the OS does can make this server panic or spin: every failure is
//! counted in [`ServerStats`] (the dashboard shows it) and the accept loop carries on.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use instruments::metrics::{ServerError, ServerStats};

use crate::app::{self, AppConfig};
use crate::conn::{ConnectionContext, serve_connection};
use crate::http::{Response, Status};
use crate::listen::listen;
use crate::pool::ThreadPool;
use crate::spawn::{ThreadSpec, try_spawn};

/// How long the accept loop pauses after `accept` fails. Without a pause, a listener with a
/// pending connection and no file descriptor to accept it with would make `accept` fail again
/// at once, forever: a busy loop burning a core. A short pause lets connections close and free
/// descriptors, and still resumes quickly.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// How long a connection may sit without sending anything before it is closed. Long enough
/// that no load generator's keep-alive connection trips it between requests.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The name every connection thread carries (htop, `top -H` and the dashboard show it).
pub const CONNECTION_THREAD_NAME: &str = "http-conn";

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
        let thread_limit = config.thread_limit.unwrap_or(usize::MAX);
        let dispatch = match config.max_threads {
            None => Dispatch::ThreadPerConnection {
                spec,
                context,
                thread_limit,
            },
            Some(max) => {
                let pool_context = Arc::clone(&context);
                Dispatch::Pool {
                    pool: ThreadPool::new(max.min(thread_limit), spec, move |stream| {
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

/// Where accepted connections go.
enum Dispatch {
    ThreadPerConnection {
        spec: ThreadSpec,
        context: Arc<ConnectionContext>,
        thread_limit: usize,
    },
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
                thread_limit,
            } => {
                // Only this (accepting) thread adds threads, so the check cannot race.
                if context.stats.threads.get() >= *thread_limit as u64 {
                    return Err((ServerError::ThreadLimit, stream));
                }
                let slot = ThreadSlot::take(Arc::clone(context));
                try_spawn(spec, stream, move |stream| {
                    serve_connection(stream, &slot.0);
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

/// One connection thread, counted in `ServerStats::threads` from before it is spawned (so
/// the limit check sees it at once) until it ends — or, if the spawn fails, until the
/// closure holding it is dropped.
struct ThreadSlot(Arc<ConnectionContext>);

impl ThreadSlot {
    fn take(context: Arc<ConnectionContext>) -> Self {
        context.stats.threads.incr();
        ThreadSlot(context)
    }
}

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        self.0.stats.threads.decr();
    }
}

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
            // The client gave up before we accepted it: nothing to count, nothing to do.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                // Most often EMFILE/ENFILE: no file descriptor for the new connection.
                stats.error(ServerError::AcceptFailed);
                thread::sleep(ACCEPT_BACKOFF);
            }
        }
    }
}

/// Tells a client we could not give it a thread, then closes the connection. The socket is
/// fresh and its send buffer empty, so this small write does not block the accept loop.
fn refuse(mut stream: TcpStream) {
    let mut out = Vec::new();
    Response::closing(Status::ServiceUnavailable, "no thread available\n").write_to(&mut out);
    let _ = stream.write_all(&out);
}
