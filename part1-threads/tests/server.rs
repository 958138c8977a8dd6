//! The thread-per-connection server under real (small) load on 127.0.0.1.

pub mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::{Client, contract, eventually, start};

use instruments::metrics::ServerError;
use part1_threads::ServerConfig;
use part1_threads::app::AppConfig;

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
    let mut client = Client::connect(server.local_addr());
    assert!(client.is_closed_by_server());
    let stats = server.stats().clone();
    eventually("the timeout is counted", || {
        stats.errors(ServerError::IdleTimeout) == 1
    });
}

#[test]
fn when_the_os_refuses_a_thread_the_client_gets_503_and_the_server_goes_on() {
    // No machine can map a stack this large, so every spawn fails, as it does at the wall.
    let server = start(ServerConfig {
        stack_size: Some(usize::MAX / 2),
        ..ServerConfig::default()
    });
    for _ in 0..3 {
        let mut client = Client::connect(server.local_addr());
        let reply = client.get("/");
        assert_eq!((reply.status, reply.closes), (503, true));
    }
    assert_eq!(server.stats().errors(ServerError::SpawnFailed), 3);
    assert_eq!(server.stats().accepted.get(), 3);
}

#[test]
fn past_the_thread_limit_connections_are_refused_and_the_rest_go_on() {
    let server = start(ServerConfig {
        thread_limit: Some(2),
        ..ServerConfig::default()
    });
    let mut held: Vec<Client> = (0..2)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    for client in &mut held {
        assert_eq!(client.get("/").status, 200);
    }
    let mut extra = Client::connect(server.local_addr());
    let reply = extra.get("/");
    assert_eq!((reply.status, reply.closes), (503, true));
    assert_eq!(server.stats().errors(ServerError::ThreadLimit), 1);
    // The connections that have threads are still served.
    assert_eq!(held[0].get("/").status, 200);
    drop(held);
    let stats = server.stats().clone();
    eventually("the threads are given back", || stats.threads.get() == 0);
    assert_eq!(Client::connect(server.local_addr()).get("/").status, 200);
}

#[test]
fn with_max_threads_the_extra_connections_wait_in_the_queue() {
    let server = start(ServerConfig {
        max_threads: Some(2),
        ..ServerConfig::default()
    });
    let stats = server.stats().clone();
    let mut first: Vec<Client> = (0..2)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    for client in &mut first {
        assert_eq!(client.get("/").status, 200);
    }
    // Two keep-alive clients hold both threads; three more must wait. (They ask to close
    // after their response, so that each gives its thread back to the next.)
    let mut waiting: Vec<Client> = (0..3)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    for client in &mut waiting {
        client.send(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    }
    eventually("three connections are queued", || stats.queued.get() == 3);
    assert_eq!(stats.threads.get(), 2);
    assert_eq!(stats.served.get(), 2);

    drop(first);
    for client in &mut waiting {
        assert_eq!(client.reply().status, 200);
    }
    assert_eq!(stats.queued.get(), 0);
    assert_eq!(stats.threads.get(), 2, "a pool keeps its threads");
}

#[test]
fn the_app_does_its_cpu_work() {
    let server = start(ServerConfig {
        app: AppConfig::new(0, 2_000),
        ..ServerConfig::default()
    });
    let mut client = Client::connect(server.local_addr());
    let started = cpu_time_of_process();
    for _ in 0..50 {
        assert_eq!(client.get("/").status, 200);
    }
    // 50 requests × 2 ms of CPU: the process must have burnt a good part of 100 ms. (Not a
    // timing test: CPU time only grows, so a slow machine passes too.)
    let burnt = cpu_time_of_process().saturating_sub(started);
    assert!(burnt >= Duration::from_millis(50), "only {burnt:?} of CPU");
}

/// User + system CPU time of this process so far (Linux: from /proc/self/stat).
fn cpu_time_of_process() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("linux /proc");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split_whitespace()
        .collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the comm; clock ticks are 100/s
    // on every Linux this course targets.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 10)
}

#[test]
fn shutdown_stops_accepting() {
    let server = start(ServerConfig::default());
    let addr = server.local_addr();
    assert_eq!(Client::connect(addr).get("/").status, 200);
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}
