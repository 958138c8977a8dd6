//! The same app on Tokio, under small real loads on 127.0.0.1: the contract every server of
//! the workshop passes, and a clean shutdown.

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use instruments::metrics::{ServerError, ServerStats};
use instruments::testing::{Client, contract, eventually, threads_named};
use part3_wakers::server::ServerConfig;
use part4_executor::tokio_server::{TOKIO_WORKER_THREAD_NAME, TokioServer};

/// Workers in these tests: more than one, so that tasks do move between threads.
const WORKERS: usize = 2;

fn start(config: ServerConfig) -> TokioServer {
    let listener = part1_threads::listen("127.0.0.1:0".parse().expect("an address")).expect("bind");
    TokioServer::start(listener, config, WORKERS, Arc::new(ServerStats::new())).expect("start")
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(ServerConfig::default());
    contract::pipelined_requests_are_answered_in_order(server.local_addr());
}

#[test]
fn a_client_that_sends_and_reads_one_byte_at_a_time_is_served() {
    let server = start(ServerConfig::default());
    contract::a_client_that_sends_and_reads_one_byte_at_a_time_is_served(server.local_addr());
}

#[test]
fn bad_requests_get_4xx_and_the_server_goes_on() {
    let server = start(ServerConfig::default());
    contract::bad_requests_get_4xx_and_the_server_goes_on(server.local_addr(), server.stats());
}

#[test]
fn connection_close_is_honoured() {
    let server = start(ServerConfig::default());
    contract::connection_close_is_honoured(server.local_addr(), server.stats());
}

#[test]
fn an_idle_connection_is_closed_after_the_timeout() {
    let server = start(ServerConfig {
        idle_timeout: Duration::from_millis(100),
        ..ServerConfig::default()
    });
    let mut silent = Client::connect(server.local_addr());
    assert!(silent.is_closed_by_server(), "the silent client is closed");
    let stats = Arc::clone(server.stats());
    eventually("the timeout is counted", || {
        stats.errors(ServerError::IdleTimeout) == 1
    });
}

#[test]
fn shutdown_closes_connections_stops_accepting_and_ends_the_workers() {
    let server = start(ServerConfig::default());
    let addr = server.local_addr();
    let stats = Arc::clone(server.stats());
    eventually("the workers are counted", || {
        stats.threads.get() == WORKERS as u64
    });
    assert!(threads_named(TOKIO_WORKER_THREAD_NAME) >= WORKERS);
    let mut client = Client::connect(addr);
    assert_eq!(client.get("/").status, 200);
    server.shutdown();
    assert!(client.is_closed_by_server(), "open connections are closed");
    assert_eq!(stats.active_connections.get(), 0);
    eventually("the worker threads are gone", || stats.threads.get() == 0);
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}
