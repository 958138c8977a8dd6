//! The parent's side: start the load generator as a child process and talk to it.
//!
//! [`LoadProcess::spawn`] runs the given executable with the hidden subcommand and the flags of
//! a [`LoadConfig`]. Two threads read the child's output so that its pipes never fill up (a
//! child blocked on a full stdout would stop generating load): one parses each stdout line as a
//! [`LoadReport`] and keeps the latest, the other keeps the last lines of stderr as messages.
//! Commands go down the child's stdin.
//!
//! Stopping ([`shutdown`](LoadProcess::shutdown), or dropping the handle) sends `quit`, closes
//! stdin, and waits for the child to finish its requests in flight; a child that does not exit
//! within its request timeout plus a grace period is killed. Either way it is reaped.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::args::LoadConfig;
use super::engine::SHUTDOWN_GRACE;
use super::report::{LoadCommand, LoadReport};

/// Messages kept from the child's stderr (oldest dropped first): enough for a message bar.
const MAX_MESSAGES: usize = 100;
/// How often a stopping parent checks whether the child has exited.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// A running load generator child process.
#[derive(Debug)]
pub struct LoadProcess {
    child: Child,
    /// `None` once closed.
    stdin: Option<ChildStdin>,
    inbox: Arc<Inbox>,
    readers: Vec<JoinHandle<()>>,
    /// Reports received when [`next_report`](Self::next_report) last returned.
    seen: u64,
    /// How long a stopping child may take to finish its requests.
    patience: Duration,
}

/// What the reader threads have received.
#[derive(Debug, Default)]
struct Inbox {
    state: Mutex<Received>,
    arrived: Condvar,
}

#[derive(Debug, Default)]
struct Received {
    latest: Option<LoadReport>,
    reports: u64,
    messages: VecDeque<String>,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Received> {
        // The readers do not panic while holding the lock; if one did, the data is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn message(&self, text: String) {
        let mut received = self.lock();
        if received.messages.len() == MAX_MESSAGES {
            received.messages.pop_front();
        }
        received.messages.push_back(text);
    }
}

impl LoadProcess {
    /// Starts `exe args_prefix… <config flags>`; `args_prefix` reaches the hidden subcommand
    /// (e.g. `&[CHILD_SUBCOMMAND]`).
    pub fn spawn(exe: &Path, args_prefix: &[&str], config: &LoadConfig) -> io::Result<Self> {
        let mut child = Command::new(exe)
            .args(args_prefix)
            .args(config.to_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout was set to piped");
        let stderr = child.stderr.take().expect("stderr was set to piped");
        let inbox = Arc::new(Inbox::default());
        let readers = vec![
            spawn_reader("load-reports", stdout, Arc::clone(&inbox), read_reports),
            spawn_reader("load-messages", stderr, Arc::clone(&inbox), read_messages),
        ];
        let mut process = LoadProcess {
            child,
            stdin,
            inbox,
            readers: Vec::new(),
            seen: 0,
            patience: config.timeout + SHUTDOWN_GRACE,
        };
        // Collected after `process` exists, so that a failure stops the child (on drop).
        for reader in readers {
            process.readers.push(reader?);
        }
        Ok(process)
    }

    /// Sends a command. Fails (broken pipe) once the child has exited.
    pub fn send(&mut self, command: &LoadCommand) -> io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the load generator's stdin is closed",
            )
        })?;
        writeln!(stdin, "{command}")?;
        stdin.flush()
    }

    /// The most recent report, if any arrived yet.
    pub fn latest(&self) -> Option<LoadReport> {
        self.inbox.lock().latest.clone()
    }

    /// Waits up to `wait` for a report newer than the last one this returned, and returns the
    /// newest (reports that arrived meanwhile are skipped). `None` if none came in time.
    pub fn next_report(&mut self, wait: Duration) -> Option<LoadReport> {
        let received = self.inbox.lock();
        let (received, _) = self
            .inbox
            .arrived
            .wait_timeout_while(received, wait, |r| r.reports == self.seen)
            .unwrap_or_else(PoisonError::into_inner);
        if received.reports == self.seen {
            return None;
        }
        self.seen = received.reports;
        received.latest.clone()
    }

    /// Lines the child wrote on stderr (and stdout lines that were not reports) since the
    /// last call, oldest first.
    pub fn take_messages(&self) -> Vec<String> {
        self.inbox.lock().messages.drain(..).collect()
    }

    /// The child's exit status if it has exited (it should not, until told to stop).
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Stops the child (see the module docs); returns how it exited and its last report,
    /// which counts every request it sent.
    pub fn shutdown(mut self) -> io::Result<(ExitStatus, Option<LoadReport>)> {
        let status = self.stop()?;
        Ok((status, self.latest()))
    }

    fn stop(&mut self) -> io::Result<ExitStatus> {
        if self.stdin.is_some() {
            // The child may be gone already (then the write fails): nothing to tell it.
            let _ = self.send(&LoadCommand::Quit);
            self.stdin = None; // closing stdin also stops it
        }
        let deadline = Instant::now() + self.patience;
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                // Already exited in between is the only way kill fails; wait() reaps either way.
                let _ = self.child.kill();
                break self.child.wait()?;
            }
            std::thread::sleep(EXIT_POLL);
        };
        for reader in self.readers.drain(..) {
            // A reader only ends by reaching the end of its pipe; it does not panic.
            let _ = reader.join();
        }
        Ok(status)
    }
}

impl Drop for LoadProcess {
    fn drop(&mut self) {
        if self.readers.is_empty() && self.stdin.is_none() {
            return; // already stopped by `shutdown`
        }
        if let Err(e) = self.stop() {
            eprintln!("load: could not stop the load generator: {e}");
        }
    }
}

fn spawn_reader<R: Read + Send + 'static>(
    name: &str,
    pipe: R,
    inbox: Arc<Inbox>,
    read: fn(BufReader<R>, &Inbox),
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || read(BufReader::new(pipe), &inbox))
}

fn read_reports<R: Read>(stdout: BufReader<R>, inbox: &Inbox) {
    for_each_line(stdout, |line| {
        match serde_json::from_str::<LoadReport>(line) {
            Ok(report) => {
                let mut received = inbox.lock();
                received.latest = Some(report);
                received.reports += 1;
                inbox.arrived.notify_all();
            }
            Err(e) => inbox.message(format!("unreadable report ({e}): {line}")),
        }
    });
}

fn read_messages<R: Read>(stderr: BufReader<R>, inbox: &Inbox) {
    for_each_line(stderr, |line| inbox.message(line.to_string()));
}

/// Calls `f` with each line until the pipe ends. Bytes that are not UTF-8 are replaced, not
/// fatal: the pipe must be drained whatever the child writes.
fn for_each_line<R: Read>(mut pipe: BufReader<R>, mut f: impl FnMut(&str)) {
    let mut line = Vec::new();
    loop {
        line.clear();
        match pipe.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => f(String::from_utf8_lossy(&line).trim_end()),
        }
    }
}
