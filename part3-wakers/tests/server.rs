//! The `async fn` server under small, real loads on 127.0.0.1: the same contract as parts 1
//! and 2, on one thread.

pub mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Client, contract, eventually, start};
use instruments::metrics::ServerError;
use part1_threads::app::AppConfig;
use part2_reactor::conn::WRITE_BUFFER_LIMIT;
use part3_wakers::server::{Server, ServerConfig};

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(ServerConfig::default());
    contract::pipelined_requests_are_answered_in_order(server.local_addr());
}

#[test]
fn a_client_that_sends_and_reads_one_byte_at_a_time_is_served() {
    let server = start(ServerConfig::default());
    contract::a_client_that_sends_and_reads_one_byte_at_a_time_is_served(server.local_addr());
    served_eventually(&server, 2);
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
fn requests_that_wait_are_answered_after_their_timer_in_order() {
    let server = start(ServerConfig {
        app: AppConfig::new(20, 100),
        ..ServerConfig::default()
    });
    let mut client = Client::connect(server.local_addr());
    for _ in 0..3 {
        assert_eq!(client.get("/").body, "hello");
    }
    client.send(
        b"GET /?io_ms=0 HTTP/1.1\r\n\r\nGET /nowhere HTTP/1.1\r\n\r\nGET /?io_ms=30 HTTP/1.1\r\n\r\n",
    );
    let statuses: Vec<u16> = (0..3).map(|_| client.reply().status).collect();
    assert_eq!(statuses, vec![200, 404, 200], "answered in the order asked");
    served_eventually(&server, 6);
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
    eventually("the connection is gone", || {
        stats.active_connections.get() == 0
    });
}

/// Requests in this test: enough that the kernel's socket buffers cannot hold all their
/// responses at once (100 000 × 80 bytes is 8 MB).
const PIPELINED: usize = 100_000;

/// The client's receive buffer, kept small so that the server soon finds the socket full.
const CLIENT_RECEIVE_BUFFER: usize = 16 * 1024;

/// Every this many requests, one asks for a missing page (404), so that order is checkable.
const MISSING_EVERY: usize = 7;

#[test]
fn a_client_that_pipelines_without_reading_gets_everything_in_order() {
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
    // Read nothing until the server has stopped taking requests (its write waits for room):
    // the in-flight count then stays below what the buffered responses could hold.
    let stats = Arc::clone(server.stats());
    eventually("the server answers some requests", || {
        stats.in_flight.get() > 0 || stats.served.get() > 0
    });
    thread::sleep(Duration::from_millis(200));
    let bounded = (WRITE_BUFFER_LIMIT / 80 + 100) as u64;
    assert!(
        stats.in_flight.get() <= bounded,
        "{} requests were taken while the client read nothing: no backpressure",
        stats.in_flight.get()
    );
    for i in 0..PIPELINED {
        let expected = if i % MISSING_EVERY == 0 { 404 } else { 200 };
        assert_eq!(client.reply().status, expected, "response {i}");
    }
    writer.join().expect("the writer");
    served_eventually(&server, PIPELINED as u64);
}

/// A client socket whose receive buffer is small (set before connecting).
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
fn shutdown_closes_connections_and_stops_accepting() {
    let server = start(ServerConfig::default());
    let addr = server.local_addr();
    let mut client = Client::connect(addr);
    assert_eq!(client.get("/").status, 200);
    let stats = Arc::clone(server.stats());
    server.shutdown().expect("a clean shutdown");
    assert!(client.is_closed_by_server(), "open connections are closed");
    assert_eq!(stats.active_connections.get(), 0);
    assert_eq!(stats.threads.get(), 0, "the runtime thread is gone");
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}

/// Waits until the server has counted `n` responses.
fn served_eventually(server: &Server, n: u64) {
    let stats = Arc::clone(server.stats());
    eventually(&format!("{n} responses are counted"), || {
        stats.served.get() == n
    });
}
