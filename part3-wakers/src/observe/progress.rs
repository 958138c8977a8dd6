//! What the leaf futures did during the current poll: did the task get anywhere?
//!
//! A poll that returns `Pending` may have done useful work on the way (read a request, then
//! started waiting on its timer) or none at all (woken, polled, and found nothing to do: a
//! *spurious* poll). Only the leaf futures know: they report each step here, in a thread-local
//! that [`TaskWaker::poll`](super::waker::TaskWaker::poll) empties before the poll and reads
//! after it. A report is a few instructions on a `Cell`, cheap enough for every call.
//!
//! ```text
//!   TcpStream::read     → Ok(n): progress::read(n)       WouldBlock: progress::waits(Wait::Read)
//!   TcpStream::write_all→ progress::wrote(n)             WouldBlock: progress::waits(Wait::Write)
//!   TcpListener::accept → progress::accepted()           WouldBlock: progress::waits(Wait::Read)
//!   Sleep               → due: progress::timer_fired()   not yet:   progress::waits(Wait::Timer)
//! ```

use std::cell::Cell;

use serde::{Deserialize, Serialize};

/// What a task waits for when its poll returns `Pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wait {
    /// Its socket to become readable (a request, a connection to accept).
    Read,
    /// Room in its socket's send buffer.
    Write,
    /// Its timer.
    Timer,
}

/// The leaf futures' reports during one poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Reads that returned data or the end of the stream.
    pub reads: u64,
    /// Bytes those reads returned.
    pub read: u64,
    pub wrote: u64,
    pub accepted: u64,
    pub timers_fired: u64,
    /// What the last leaf future to return `Pending` waits for.
    pub waits: Option<Wait>,
}

impl Progress {
    /// Whether any leaf future got anywhere.
    pub fn made_progress(&self) -> bool {
        self.reads > 0 || self.wrote > 0 || self.accepted > 0 || self.timers_fired > 0
    }
}

thread_local! {
    static PROGRESS: Cell<Progress> = const {
        Cell::new(Progress { reads: 0, read: 0, wrote: 0, accepted: 0, timers_fired: 0, waits: None })
    };
}

fn update(change: impl FnOnce(&mut Progress)) {
    let mut progress = PROGRESS.get();
    change(&mut progress);
    PROGRESS.set(progress);
}

/// A read returned `bytes` bytes (0: the peer closed, which is progress too: the task ends).
pub fn read(bytes: usize) {
    update(|p| {
        p.reads += 1;
        p.read += bytes as u64;
    });
}

/// A write sent `bytes` bytes.
pub fn wrote(bytes: usize) {
    update(|p| p.wrote += bytes as u64);
}

/// A connection was accepted.
pub fn accepted() {
    update(|p| p.accepted += 1);
}

/// A timer was found due.
pub fn timer_fired() {
    update(|p| p.timers_fired += 1);
}

/// A leaf future returns `Pending`, waiting for `wait`.
pub fn waits(wait: Wait) {
    update(|p| p.waits = Some(wait));
}

/// Runs `poll` and returns what the leaf futures reported during it. Nested polls (a task
/// polled from inside another's poll, as `block_on` may) keep their reports apart.
pub(super) fn during_poll<R>(poll: impl FnOnce() -> R) -> (R, Progress) {
    struct Restore(Progress);
    impl Drop for Restore {
        fn drop(&mut self) {
            PROGRESS.set(self.0);
        }
    }
    let restore = Restore(PROGRESS.replace(Progress::default()));
    let output = poll();
    let progress = PROGRESS.get();
    drop(restore);
    (output, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_sees_only_its_own_reports() {
        read(99);
        let ((), outer) = during_poll(|| {
            wrote(83);
            let ((), inner) = during_poll(|| waits(Wait::Timer));
            assert_eq!(inner.waits, Some(Wait::Timer));
            assert!(!inner.made_progress());
        });
        assert_eq!((outer.read, outer.wrote, outer.waits), (0, 83, None));
        assert!(outer.made_progress());
        let ((), nothing) = during_poll(|| waits(Wait::Read));
        assert!(!nothing.made_progress(), "waiting is not progress");
    }

    #[test]
    fn end_of_stream_is_progress() {
        let ((), eof) = during_poll(|| read(0));
        assert!(eof.made_progress());
        assert_eq!((eof.reads, eof.read), (1, 0));
    }
}
