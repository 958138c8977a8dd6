//! Ctrl-C: finish the row in hand early, kill its server, write what was measured, exit.
//!
//! The handler only sets a flag (nothing else is safe inside a signal handler); the sampler
//! thread sees it within a sample period and ends the load, and the sweep stops before the
//! next row. The servers run in process groups of their own, so the terminal's Ctrl-C reaches
//! this program alone (see `server.rs`), which kills the server on its way out.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Catches SIGINT (Ctrl-C) and SIGTERM from now on.
pub fn catch() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_interrupt` only stores to an atomic, which is async-signal-safe, and it
        // lives as long as the program.
        unsafe {
            libc::signal(signal, on_interrupt as *const () as libc::sighandler_t);
        }
    }
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
