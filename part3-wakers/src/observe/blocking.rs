//! The blocking-mode switch: the demo's way to show what one blocking call does to a runtime.
//!
//! While it is on, every request's handler sleeps [`BLOCKING_WORK`] with `thread::sleep`
//! *inside its task*. The task does not `.await`, so it never gives the thread back: for those
//! 20 ms no other task runs — not the other connections, not the accept loop, not even the
//! driver. The panel shows the poll that blocked, time in tasks near 100%, and the load's
//! latency shooting up for every connection, not just the one that blocked. Part 4 answers
//! with more threads (and Tokio with `spawn_blocking`, `tokio/src/task/blocking.rs`).
//!
//! The dashboard's `b` key (and a scenario's `press=b`) flips it; the server reads it once per
//! request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

/// How long a handler blocks its thread per request while blocking mode is on: twice
/// [`BLOCKING_POLL`](super::stats::BLOCKING_POLL), so every such poll is flagged.
pub const BLOCKING_WORK: Duration = Duration::from_millis(20);

/// On or off, shared by the dashboard's key and the server's tasks.
#[derive(Debug, Clone, Default)]
pub struct BlockingSwitch(Arc<AtomicBool>);

impl BlockingSwitch {
    pub fn is_on(&self) -> bool {
        // Relaxed: the flag guards no other memory; a request that sees it a moment late
        // changes nothing.
        self.0.load(Relaxed)
    }

    /// Turns blocking mode on if it was off and off if it was on; returns the new state.
    pub fn toggle(&self) -> bool {
        !self.0.fetch_xor(true, Relaxed)
    }

    /// Blocks the calling thread for [`BLOCKING_WORK`] if blocking mode is on. Call it from a
    /// task, in the middle of a poll: that is the mistake it demonstrates.
    pub fn work(&self) {
        if self.is_on() {
            std::thread::sleep(BLOCKING_WORK);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_flips_for_every_holder() {
        let switch = BlockingSwitch::default();
        let server_side = switch.clone();
        assert!(!server_side.is_on());
        assert!(switch.toggle());
        assert!(server_side.is_on());
        assert!(!switch.toggle());
        assert!(!server_side.is_on());
    }
}
