//! When `accept` fails for want of file descriptors, the loop retries on a timer — and the
//! retry, not a new event, is what finally accepts the waiting client.
//!
//! Alone in its test binary: it lowers the process's file-descriptor limit for a moment,
//! which would make any test running beside it fail.

pub mod common;

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use common::{Client, eventually, start};
use instruments::metrics::ServerError;
use part2_reactor::ServerConfig;

fn fd_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for getrlimit to fill in.
    let result = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(result, 0, "getrlimit: {}", io::Error::last_os_error());
    limit
}

fn set_fd_limit(limit: libc::rlimit) {
    // SAFETY: `limit` is a valid rlimit that setrlimit only reads.
    let result = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(result, 0, "setrlimit: {}", io::Error::last_os_error());
}

/// The lowest file descriptor number the process would get next.
fn next_fd() -> libc::rlim_t {
    let probe = File::open("/dev/null").expect("open /dev/null");
    probe.as_raw_fd() as libc::rlim_t
}

#[test]
fn a_failed_accept_is_retried_on_a_timer_until_it_succeeds() {
    let server = start(ServerConfig::default());
    let stats = Arc::clone(server.stats());
    let control = Arc::clone(server.control());

    // Hold the loop while a client connects: the kernel completes the handshake and queues
    // the connection; the loop will be told once, edge-triggered.
    control.pause();
    eventually("the loop is parked", || control.state().parked);
    let mut client = Client::connect(server.local_addr());

    // No descriptor left for the loop's accept.
    let normal = fd_limit();
    set_fd_limit(libc::rlimit {
        rlim_cur: next_fd(),
        ..normal
    });
    control.resume();
    // Two failures: the first on the listener's event, the second on the retry timer (no
    // other event can come: nobody else connects).
    eventually("accept failed twice", || {
        stats.errors(ServerError::AcceptFailed) >= 2
    });
    set_fd_limit(normal);

    assert_eq!(client.get("/").status, 200, "a retry accepted the client");
    assert_eq!(stats.accepted.get(), 1);
}
