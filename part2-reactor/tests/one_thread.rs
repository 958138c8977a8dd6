//! Hundreds of connections, all waiting at once, served by one thread.
//!
//! Alone in its test binary, so that no other test's threads or sockets change the counts.

pub mod common;

use std::sync::Arc;

use common::{Client, eventually, start, thread_count, threads_named};
use part1_threads::app::AppConfig;
use part2_reactor::ServerConfig;
use part2_reactor::server::LOOP_THREAD_NAME;

/// Connections in this test: enough to dwarf any thread pool, few enough for a small CI box.
const CONNECTIONS: usize = 300;

/// Each request waits this long on a reactor timer: long enough that all of them are
/// surely waiting at the same time when the test looks (the loop only needs to read 300
/// small requests meanwhile).
const IO_MS: u64 = 2_000;

#[test]
fn three_hundred_waiting_connections_share_one_thread() {
    let server = start(ServerConfig {
        app: AppConfig::new(IO_MS, 0),
        ..ServerConfig::default()
    });
    let stats = Arc::clone(server.stats());
    // The new thread names itself once it runs.
    eventually("the loop thread has its name", || {
        threads_named(LOOP_THREAD_NAME) == 1
    });
    let threads_before = thread_count();

    let mut clients: Vec<Client> = (0..CONNECTIONS)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    eventually("every connection is accepted", || {
        stats.active_connections.get() == CONNECTIONS as u64
    });
    // Send every request while the loop is paused, so that it finds them all at once when it
    // resumes, however slowly this busy machine runs the test.
    let control = Arc::clone(server.control());
    control.pause();
    eventually("the loop is parked", || control.state().parked);
    for client in &mut clients {
        client.send(b"GET / HTTP/1.1\r\nHost: many\r\n\r\n");
    }
    control.resume();
    eventually("every request is waiting on its timer", || {
        stats.in_flight.get() == CONNECTIONS as u64
    });
    // All of them wait at once, and still:
    assert_eq!(thread_count(), threads_before, "no thread was added");
    assert_eq!(threads_named(LOOP_THREAD_NAME), 1);
    assert_eq!(stats.active_connections.get(), CONNECTIONS as u64);

    for client in &mut clients {
        assert_eq!(client.reply().body, "hello");
    }
    for client in &mut clients {
        assert_eq!(client.get("/?io_ms=0").status, 200);
    }

    let requests = 2 * CONNECTIONS as u64;
    // The server counts a response once its write returned, just after the client got it.
    eventually("every response is counted", || {
        stats.served.get() == requests
    });
    let counted = stats.snapshot();
    assert_eq!(counted.accepted, CONNECTIONS as u64);
    assert_eq!(counted.served, requests);
    assert_eq!(counted.in_flight, 0);
    assert_eq!(counted.errors_total(), 0);
    assert_eq!(counted.writes, requests, "one write per response");
    assert!(counted.reads >= requests, "at least one read per request");
    assert!(
        counted.would_block_reads >= 1,
        "edge-triggered reads end in WouldBlock"
    );
    assert_eq!(counted.threads, 1, "the server counts its one thread");
    assert!(counted.polls > 0);
    eprintln!(
        "{} requests: {} reads ({} WouldBlock), {} writes, {} polls",
        requests, counted.reads, counted.would_block_reads, counted.writes, counted.polls
    );
}
