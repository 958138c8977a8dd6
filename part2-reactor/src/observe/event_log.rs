//! The live log of what the event loop just did: one line per event it handled.
//!
//! ```text
//!   poll 18342  #7.0   readable   read 78 B, 1 request, wait 50 ms
//!   poll 18391  #7.0   io timer   wrote 83 B, 1 WouldBlock read
//!   poll 18391  #0.0   readable   accepted 2
//!   poll 18455  #9.1   readable   closed: EOF
//! ```
//!
//! Reading it is the fastest way to *see* an event loop: one thread hopping between
//! connections, each visit short, none of them waiting for anything.
//!
//! Logging must not slow the loop it watches. A handler fills in a small [`Did`] report
//! (numbers, no text); the [recorder](super::Recorder) collects a cycle's entries in a local
//! `Vec` and [`publish`]es them once per poll cycle — one lock per cycle, not per event — into a ring that keeps the last
//! [`LOG_CAPACITY`]. Text ([`LogLine`]) is made only when the sampler asks for the latest
//! lines, once a second.
//!
//! [`publish`]: EventLog::publish

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use instruments::dashboard::format;
use serde::{Deserialize, Serialize};

use crate::conn::{CloseReason, Did};
use crate::event_loop::{AcceptStop, Accepted, Trigger};
use crate::token::Key;

/// How many recent entries the ring keeps: more than any panel shows, few enough to copy in
/// microseconds.
pub const LOG_CAPACITY: usize = 200;

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours the width the log's columns ask for.
        f.pad(match self {
            Trigger::Readable => "readable",
            Trigger::Writable => "writable",
            Trigger::ReadWrite => "read+write",
            Trigger::IoTimer => "io timer",
            Trigger::IdleTimer => "idle timer",
            Trigger::AcceptRetry => "retry",
            Trigger::Resumed => "resumed",
            Trigger::Wake => "wake",
            Trigger::Shutdown => "shutdown",
        })
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Eof => f.write_str("EOF"),
            CloseReason::Truncated => f.write_str("EOF mid-request"),
            CloseReason::IoError => f.write_str("I/O error"),
            CloseReason::Idle => f.write_str("idle"),
            CloseReason::ClientAsked => f.write_str("Connection: close"),
            CloseReason::BadRequest(status) => write!(f, "sent {status}"),
            CloseReason::Shutdown => f.write_str("shutdown"),
        }
    }
}

/// What the loop did about one event or timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A connection's handler ran: its report.
    Connection(Did),
    /// The listener accepted connections.
    Accepted(Accepted),
    /// Nothing to do, and why (a wake, a stale event).
    Note(&'static str),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Connection(did) => did.fmt(f),
            Action::Accepted(accepted) => accepted.fmt(f),
            Action::Note(note) => f.write_str(note),
        }
    }
}

/// The report's clauses, in the order things happen. Counts of system calls are left to the
/// panel's per-request rows, except the `WouldBlock` reads, which say why the handler stopped.
impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        let mut parts: Vec<String> = Vec::new();
        if self.read_bytes > 0 {
            parts.push(format!("read {}", format::bytes(self.read_bytes)));
        }
        if self.requests > 0 {
            parts.push(format!(
                "{} request{}",
                self.requests,
                plural(self.requests)
            ));
        }
        if let Some(wait) = self.waiting {
            parts.push(format!("wait {} ms", wait.as_millis()));
        }
        if self.wrote_bytes > 0 {
            parts.push(format!("wrote {}", format::bytes(self.wrote_bytes)));
        }
        if self.write_blocked {
            parts.push("write blocked".to_string());
        }
        if self.would_block_reads > 0 {
            let n = self.would_block_reads;
            parts.push(format!("{n} WouldBlock read{}", plural(n)));
        }
        if self.yielded {
            parts.push("budget spent, resume next cycle".to_string());
        }
        if self.idle_timer_moved {
            parts.push("not idle, timer re-armed".to_string());
        }
        if let Some(reason) = self.closed {
            parts.push(format!("closed: {reason}"));
        }
        if parts.is_empty() {
            f.write_str("nothing to do")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl fmt::Display for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let accepted = self.opened + self.lost;
        if accepted > 0 {
            parts.push(format!("accepted {}", format::count(accepted.into())));
        }
        match self.stopped {
            None => {}
            Some(AcceptStop::BackingOff) => parts.push("backing off after a failed accept".into()),
            Some(AcceptStop::Failed) => parts.push("accept failed; retry on a timer".into()),
            Some(AcceptStop::OutOfDescriptors) => {
                parts.push("accept failed: no file descriptor left; retry on a timer".into());
            }
        }
        if parts.is_empty() {
            f.write_str("nothing to do")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Which poll cycle (the running count of polls).
    pub poll: u64,
    /// The source acted on (`None` for a wake).
    pub key: Option<Key>,
    pub trigger: Trigger,
    pub action: Action,
}

/// A log entry as text, column by column: what a sample carries and the panel draws.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogLine {
    pub poll: u64,
    /// The source's key (`#slot.generation`), or `-`.
    pub source: String,
    /// The trigger: `readable`, `io timer`, `wake`...
    pub event: String,
    /// What the handler did, in words: clauses joined by `, ` (where the panel wraps it).
    pub did: String,
}

impl From<&LogEntry> for LogLine {
    fn from(entry: &LogEntry) -> LogLine {
        LogLine {
            poll: entry.poll,
            source: entry
                .key
                .map_or_else(|| "-".to_string(), |key| key.to_string()),
            event: entry.trigger.to_string(),
            did: entry.action.to_string(),
        }
    }
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "poll {:<6} {:<6} {:<10} {}",
            self.poll, self.source, self.event, self.did
        )
    }
}

/// The ring of recent entries, written by the loop and read by the sampler.
#[derive(Debug, Default)]
pub struct EventLog {
    ring: Mutex<VecDeque<LogEntry>>,
}

impl EventLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves a cycle's entries into the ring (one lock), keeping the last [`LOG_CAPACITY`].
    pub fn publish(&self, cycle: &mut Vec<LogEntry>) {
        if cycle.is_empty() {
            return;
        }
        let skip = cycle.len().saturating_sub(LOG_CAPACITY);
        let mut ring = self.lock();
        ring.extend(cycle.drain(..).skip(skip));
        let excess = ring.len().saturating_sub(LOG_CAPACITY);
        ring.drain(..excess);
    }

    /// The latest `n` entries as text, oldest first.
    pub fn recent_lines(&self, n: usize) -> Vec<LogLine> {
        let ring = self.lock();
        ring.iter()
            .skip(ring.len().saturating_sub(n))
            .map(LogLine::from)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<LogEntry>> {
        // Entries are plain values, valid whatever a panicking holder left half done.
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(poll: u64) -> LogEntry {
        LogEntry {
            poll,
            key: Some(Key::new(7, 0)),
            trigger: Trigger::Readable,
            action: Action::Connection(Did {
                reads: 1,
                read_bytes: 78,
                requests: 1,
                waiting: Some(Duration::from_millis(50)),
                ..Did::default()
            }),
        }
    }

    #[test]
    fn an_entry_reads_like_a_sentence() {
        assert_eq!(
            LogLine::from(&entry(18342)).to_string(),
            "poll 18342  #7.0   readable   read 78 B, 1 request, wait 50 ms"
        );
        let woken = LogEntry {
            poll: 3,
            key: None,
            trigger: Trigger::Wake,
            action: Action::Note("another thread woke the loop"),
        };
        assert_eq!(
            LogLine::from(&woken).to_string(),
            "poll 3      -      wake       another thread woke the loop"
        );
        let did = Did {
            wrote_bytes: 83,
            would_block_reads: 1,
            closed: Some(CloseReason::BadRequest(400)),
            ..Did::default()
        };
        assert_eq!(
            did.to_string(),
            "wrote 83 B, 1 WouldBlock read, closed: sent 400"
        );
        let accepted = Accepted {
            opened: 2,
            lost: 1,
            stopped: Some(AcceptStop::OutOfDescriptors),
        };
        assert_eq!(
            Action::Accepted(accepted).to_string(),
            "accepted 3, accept failed: no file descriptor left; retry on a timer"
        );
    }

    #[test]
    fn the_ring_keeps_only_the_latest_entries() {
        let log = EventLog::new();
        let mut cycle: Vec<LogEntry> = (0..150).map(entry).collect();
        log.publish(&mut cycle);
        assert!(cycle.is_empty(), "publishing drains the cycle's entries");
        let mut cycle: Vec<LogEntry> = (150..400).map(entry).collect();
        log.publish(&mut cycle);
        let lines = log.recent_lines(LOG_CAPACITY + 10);
        assert_eq!(lines.len(), LOG_CAPACITY);
        assert_eq!(lines[0].poll, 200);
        assert_eq!(lines[LOG_CAPACITY - 1].poll, 399);
        assert_eq!(log.recent_lines(2).len(), 2);
    }
}
