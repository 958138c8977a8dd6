//! The reactor server under small, real loads on 127.0.0.1.

pub mod common;

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Client, contract, eventually, start};
use instruments::metrics::ServerError;
use part1_threads::app::AppConfig;
use part2_reactor::ServerConfig;
use part2_reactor::conn::WRITE_BUFFER_LIMIT;

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(ServerConfig::default());
    contract::pipelined_requests_are_answered_in_order(server.local_addr());
}
#[test]
fn requests_that_wait_are_answered_after_their_timer() {
    let server = start(ServerConfig {
        app: AppConfig::new(20, 100),
        ..ServerConfig::default()
    });
    let mut client = Client::connect(server.local_addr());
    for _ in 0..3 {
        assert_eq!(client.get("/").body, "hello");
    }
    // A pipelined pair mixing an immediate and a waiting request still comes back in order.
    client.send(b"GET /?io_ms=0 HTTP/1.1\r\n\r\nGET /nowhere HTTP/1.1\r\n\r\nGET /?io_ms=30 HTTP/1.1\r\n\r\n");
    let statuses: Vec<u16> = (0..3).map(|_| client.reply().status).collect();
    assert_eq!(statuses, vec![200, 404, 200]);
    served_eventually(&server, 6);
}

#[test]
fn a_client_that_sends_and_reads_one_byte_at_a_time_is_served() {
    let server = start(ServerConfig::default());
    contract::a_client_that_sends_and_reads_one_byte_at_a_time_is_served(server.local_addr());
    served_eventually(&server, 2);
}
#[test]
fn bad_requests_get_4xx_and_the_loop_goes_on() {
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
    assert!(silent.is_closed_by_server());
    let stats = Arc::clone(server.stats());
    eventually("the timeout is counted", || {
        stats.errors(ServerError::IdleTimeout) == 1
    });
    assert_eq!(stats.active_connections.get(), 0);
    // The gauge is updated at the end of the loop's cycle.
    let loop_stats = Arc::clone(server.reactor_stats());
    eventually("no timer is left behind", || loop_stats.timers.get() == 0);
}

/// Requests in this test: enough that the kernel's socket buffers cannot hold all their
/// responses at once (100 000 × 80 bytes is 8 MB; Linux lets a socket's send buffer grow to
/// 4 MB by default, and the client's receive buffer is kept small below).
const PIPELINED: usize = 100_000;

/// The client's receive buffer, kept small so that the server soon finds the socket full.
const CLIENT_RECEIVE_BUFFER: usize = 16 * 1024;

/// Every this many requests, one asks for a missing page (404), so that order is checkable.
const MISSING_EVERY: usize = 7;

#[test]
fn a_client_that_pipelines_without_reading_gets_everything_in_order_in_bounded_memory() {
    let server = start(ServerConfig::default());
    let mut client = Client::from_stream(small_receive_buffer_connect(server.local_addr()));
    let mut requests = Vec::new();
    for i in 0..PIPELINED {
        let target = if i % MISSING_EVERY == 0 {
            "/missing"
        } else {
            "/"
        };
        requests.extend_from_slice(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes());
    }
    let writer = {
        let mut stream = client.stream().try_clone().expect("clone the socket");
        thread::spawn(move || stream.write_all(&requests).expect("write all requests"))
    };
    // Read nothing until the server has found our socket full and had to stop: the
    // backpressure under test. (The kernel cannot buffer 8 MB of responses, so it must.)
    let loop_stats = Arc::clone(server.reactor_stats());
    eventually("a write of the server would block", || {
        loop_stats.blocked_writes.get() > 0
    });
    for i in 0..PIPELINED {
        let expected = if i % MISSING_EVERY == 0 { 404 } else { 200 };
        assert_eq!(client.reply().status, expected, "response {i}");
    }
    writer.join().expect("the writer");
    served_eventually(&server, PIPELINED as u64);
    let largest = server.reactor_stats().largest_write_buffer();
    assert!(
        largest <= (WRITE_BUFFER_LIMIT + 200) as u64,
        "a connection held {largest} bytes of responses"
    );
}

/// A client socket whose receive buffer is small (set before connecting, so that TCP does not
/// grow it).
fn small_receive_buffer_connect(addr: std::net::SocketAddr) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket
        .set_recv_buffer_size(CLIENT_RECEIVE_BUFFER)
        .expect("SO_RCVBUF");
    socket.connect(&addr.into()).expect("connect");
    socket.into()
}

#[test]
fn a_paused_loop_answers_nothing_until_stepped() {
    let server = start(ServerConfig::default());
    let control = Arc::clone(server.control());
    let mut client = Client::connect(server.local_addr());
    assert_eq!(client.get("/").status, 200);

    control.pause();
    eventually("the loop is parked", || control.state().parked);
    client.send(b"GET / HTTP/1.1\r\n\r\n");
    client
        .stream()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("short timeout");
    let error = client.try_reply().expect_err("no answer while paused");
    assert!(
        matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{error}"
    );

    // Each step runs one poll cycle: the wake left by `pause`, then the request's event.
    let mut steps = 0;
    let reply = loop {
        steps += 1;
        assert!(steps <= 10, "ten steps did not answer one request");
        control.step();
        eventually("the step is taken", || {
            control.state().steps == steps && control.state().parked
        });
        if let Ok(reply) = client.try_reply() {
            break reply;
        }
    };
    assert_eq!(reply.status, 200);
    assert!(control.state().paused, "stepping leaves the loop paused");

    control.resume();
    client
        .stream()
        .set_read_timeout(Some(common::PATIENCE))
        .expect("long timeout");
    assert_eq!(client.get("/").status, 200);
    assert!(!control.state().paused);
}

#[test]
fn shutdown_closes_connections_and_stops_accepting() {
    let server = start(ServerConfig::default());
    let addr = server.local_addr();
    let mut client = Client::connect(addr);
    assert_eq!(client.get("/").status, 200);
    let stats = Arc::clone(server.stats());
    server.shutdown().expect("a clean shutdown");
    assert!(client.is_closed_by_server());
    assert_eq!(stats.active_connections.get(), 0);
    assert_eq!(stats.threads.get(), 0, "the loop thread is gone");
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}

/// Waits until the server has counted `n` responses: it counts one once its `write` returned,
/// which can be just after the client read it.
fn served_eventually(server: &part2_reactor::Server, n: u64) {
    let stats = Arc::clone(server.stats());
    eventually(&format!("{n} responses are counted"), || {
        stats.served.get() == n
    });
}
