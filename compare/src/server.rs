//! The contenders, and each one running as its own process.
//!
//! Every server is a part's release binary run with its `serve` subcommand, so that what the
//! probe reads from `/proc/<pid>` is the server's alone (the load generator lives in this
//! process). Part 4's binary serves twice: on our runtime and on Tokio's, with the same number
//! of worker threads, so that only the scheduler differs.
//!
//! A server process is started with `--addr 127.0.0.1:0` and says where it listens on its
//! stderr (`… listening on http://127.0.0.1:PORT …`), which is read to learn the port; after
//! that the same pipe carries a line of counters a second, which a thread keeps draining (a
//! full pipe would block the server) and keeps the last lines of, to explain a death.
//!
//! A server never outlives this program: it is killed when its [`ServerProcess`] is dropped,
//! the kernel kills it if this process dies first (`PR_SET_PDEATHSIG`), and it runs in a
//! process group of its own, so that the terminal's Ctrl-C reaches this program alone, which
//! then stops the run and kills it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};

/// How long a server may take to say where it listens.
const START_PATIENCE: Duration = Duration::from_secs(10);
/// Lines of a server's stderr kept to explain its death.
const KEPT_LINES: usize = 5;
/// What `serve` prints before its address.
const LISTENING: &str = "listening on http://";

/// One contender of the race.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Part1,
    Part2,
    Part3,
    Part4,
    Tokio,
}

impl Server {
    pub const ALL: [Server; 5] = [
        Server::Part1,
        Server::Part2,
        Server::Part3,
        Server::Part4,
        Server::Tokio,
    ];

    /// The name on the command line, in the table and in the charts' legends.
    pub fn name(self) -> &'static str {
        match self {
            Server::Part1 => "part1",
            Server::Part2 => "part2",
            Server::Part3 => "part3",
            Server::Part4 => "part4",
            Server::Tokio => "tokio",
        }
    }

    /// The package whose binary serves it (its binary has the same name).
    pub fn package(self) -> &'static str {
        match self {
            Server::Part1 => "part1-threads",
            Server::Part2 => "part2-reactor",
            Server::Part3 => "part3-wakers",
            Server::Part4 | Server::Tokio => "part4-executor",
        }
    }

    /// What serves, in a few words, for the table's legend.
    pub fn describe(self) -> &'static str {
        match self {
            Server::Part1 => "a thread per connection",
            Server::Part2 => "one thread, a hand-written state machine per connection on a reactor",
            Server::Part3 => "one thread, `async fn` on our own executor and reactor",
            Server::Part4 => "our work-stealing runtime",
            Server::Tokio => "the same `async fn` app on Tokio's multi-thread runtime",
        }
    }

    /// The server's own flags after `serve`: the runtime part 4 runs on, and its workers.
    fn flags(self, workers: usize) -> Vec<String> {
        let runtime = match self {
            Server::Part4 => "ours",
            Server::Tokio => "tokio",
            _ => return Vec::new(),
        };
        let workers = workers.to_string();
        ["--runtime", runtime, "--workers", &workers]
            .map(String::from)
            .to_vec()
    }

    pub fn parse(text: &str) -> Result<Server, String> {
        Server::ALL
            .into_iter()
            .find(|server| server.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Server::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown server {text:?} (the servers are {})",
                    names.join(", ")
                )
            })
    }
}

/// Where the parts' binaries are: beside this one (`target/release/` when run with `cargo run
/// --release -p compare`).
#[derive(Debug, Clone)]
pub struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    pub fn beside_this_program() -> anyhow::Result<Binaries> {
        let exe = std::env::current_exe().context("cannot find this program's own path")?;
        let dir = exe
            .parent()
            .context("this program's path has no directory")?;
        Ok(Binaries {
            dir: dir.to_path_buf(),
        })
    }

    /// The binary that serves `server`, or how to build it.
    pub fn find(&self, server: Server) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(format!(
            "{}{}",
            server.package(),
            std::env::consts::EXE_SUFFIX
        ));
        if path.is_file() {
            return Ok(path);
        }
        // The servers' build is compare's: a debug compare looks beside itself in target/debug.
        let release = if cfg!(debug_assertions) {
            ""
        } else {
            " --release"
        };
        bail!(
            "not built: {} is missing (build it with `cargo build{release} -p {}`, or every server with `cargo build{release} --workspace`)",
            path.display(),
            server.package()
        )
    }
}

/// How a server process is started.
#[derive(Debug, Clone, Copy)]
pub struct ServeSettings {
    pub io_ms: u64,
    /// Part 4's and Tokio's worker threads.
    pub workers: usize,
}

/// A server process that serves until dropped.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    last_lines: Arc<Mutex<VecDeque<String>>>,
}

impl ServerProcess {
    /// Starts `binary serve …` and waits until it says where it listens.
    pub fn start(binary: &Path, server: Server, settings: ServeSettings) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        command
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--io-ms",
                &settings.io_ms.to_string(),
            ])
            .args(server.flags(settings.workers))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        guard_against_orphans(&mut command);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stderr = child.stderr.take().expect("stderr was set to piped");
        let last_lines = Arc::new(Mutex::new(VecDeque::new()));
        let (address, announced) = mpsc::channel();
        let kept = Arc::clone(&last_lines);
        std::thread::Builder::new()
            .name(format!("{}-stderr", server.name()))
            .spawn(move || drain(BufReader::new(stderr), &kept, address))?;
        let mut process = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            last_lines,
        };
        // On an error, dropping `process` kills the child.
        process.addr = match announced.recv_timeout(START_PATIENCE) {
            Ok(addr) => addr,
            Err(_) => {
                let how = match process.child.try_wait()? {
                    Some(status) => format!("exited ({})", describe_exit(status)),
                    None => format!("did not say where it listens within {START_PATIENCE:?}"),
                };
                bail!("{how}{}", process.last_words());
            }
        };
        Ok(process)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Why it no longer runs (`died: exit code 101: "…"`), or `None` while it does.
    pub fn death(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        Some(format!(
            "died: {}{}",
            describe_exit(status),
            self.last_words()
        ))
    }

    /// Its last lines on stderr, as `: "…" / "…"`, or nothing.
    pub fn last_words(&self) -> String {
        let lines = self
            .last_lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if lines.is_empty() {
            return String::new();
        }
        let quoted: Vec<String> = lines.iter().map(|line| format!("{line:?}")).collect();
        format!(": {}", quoted.join(" / "))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // It may have exited already; then there is nothing to kill, and wait() reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// "exit code 101", "killed by signal 6 (SIGABRT)".
fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => {
            let name = match signal {
                libc::SIGABRT => " (SIGABRT)",
                libc::SIGKILL => " (SIGKILL, e.g. the out-of-memory killer)",
                libc::SIGSEGV => " (SIGSEGV)",
                _ => "",
            };
            format!("killed by signal {signal}{name}")
        }
        (None, None) => "ended".to_string(),
    }
}

/// Reads the server's stderr to its end: sends the address once announced, and keeps the last
/// lines.
fn drain(stderr: impl BufRead, kept: &Mutex<VecDeque<String>>, address: mpsc::Sender<SocketAddr>) {
    for line in stderr.lines() {
        let Ok(line) = line else { return };
        if let Some(addr) = announced_address(&line) {
            let _ = address.send(addr);
        }
        let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() == KEPT_LINES {
            kept.pop_front();
        }
        kept.push_back(line);
    }
}

/// The address in `part2-reactor listening on http://127.0.0.1:4242 (…)`.
fn announced_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(LISTENING)?;
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()?
        .parse()
        .ok()
}

/// Makes the server die with this program, and keeps the terminal's Ctrl-C away from it (see
/// the module docs).
fn guard_against_orphans(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    #[cfg(target_os = "linux")]
    {
        let die_with_parent = || {
            // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and touches no memory.
            if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        };
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe functions may be called: it makes one system call and allocates
        // nothing (`last_os_error` only reads errno).
        unsafe {
            command.pre_exec(die_with_parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_announced_address() {
        let line = "part2-reactor listening on http://127.0.0.1:40123 (one thread, io_ms=50 cpu_us=0). Ctrl-C stops it.";
        assert_eq!(
            announced_address(line),
            Some("127.0.0.1:40123".parse().unwrap())
        );
        assert_eq!(announced_address("connections 3  served/s 10"), None);
    }

    #[test]
    fn names_parse_back() {
        for server in Server::ALL {
            assert_eq!(Server::parse(server.name()), Ok(server));
        }
        let error = Server::parse("part5").unwrap_err();
        assert!(
            error.contains("part1, part2, part3, part4, tokio"),
            "{error}"
        );
    }

    #[test]
    fn part4_and_tokio_get_the_same_workers() {
        assert_eq!(
            Server::Part4.flags(2),
            ["--runtime", "ours", "--workers", "2"]
        );
        assert_eq!(
            Server::Tokio.flags(2),
            ["--runtime", "tokio", "--workers", "2"]
        );
        assert!(Server::Part1.flags(2).is_empty());
    }
}
