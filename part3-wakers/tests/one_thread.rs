//! One thread serves every connection: alone in its test binary, so that no other test's
//! server adds threads of the same name.

pub mod common;

use std::sync::Arc;

use common::{Client, eventually, start, threads_named};
use part1_threads::app::AppConfig;
use part3_wakers::server::{RUNTIME_THREAD_NAME, ServerConfig};

#[test]
fn many_connections_wait_at_once_on_one_thread() {
    const CLIENTS: usize = 200;
    let server = start(ServerConfig {
        app: AppConfig::new(200, 0),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut clients: Vec<Client> = (0..CLIENTS).map(|_| Client::connect(addr)).collect();
    for client in &mut clients {
        client.send(b"GET / HTTP/1.1\r\n\r\n");
    }
    let stats = Arc::clone(server.stats());
    eventually("every request is waiting on its timer at once", || {
        stats.in_flight.get() == CLIENTS as u64
    });
    assert_eq!(
        threads_named(RUNTIME_THREAD_NAME),
        1,
        "one thread serves every connection"
    );
    for client in &mut clients {
        assert_eq!(client.reply().status, 200);
    }
    let stats = Arc::clone(server.stats());
    eventually("every response is counted", || {
        stats.served.get() == CLIENTS as u64
    });
}
