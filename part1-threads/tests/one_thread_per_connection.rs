//! The defining property of part 1, checked against the OS: each open connection holds one OS
//! thread, and gives it back when the client leaves. (Its own test binary, so that no other
//! test's threads are counted.)

pub mod common;

use common::{Client, Reply, eventually, start, threads_named};
use part1_threads::ServerConfig;

#[test]
fn a_few_hundred_connections_get_a_thread_each_and_give_it_back() {
    const CONNECTIONS: usize = 200;
    let server = start(ServerConfig::default());
    let stats = server.stats().clone();
    let mut clients: Vec<Client> = (0..CONNECTIONS)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    for client in &mut clients {
        assert_eq!(
            client.get("/"),
            Reply {
                status: 200,
                body: "hello".into(),
                closes: false
            }
        );
    }
    // Every client is still connected (keep-alive), so every one still holds a thread.
    assert_eq!(stats.active_connections.get(), CONNECTIONS as u64);
    assert_eq!(stats.threads.get(), CONNECTIONS as u64);
    assert_eq!(threads_named("http-conn"), CONNECTIONS);
    for client in &mut clients {
        assert_eq!(client.get("/").status, 200);
    }
    drop(clients);
    eventually("every connection thread has exited", || {
        stats.threads.get() == 0 && stats.active_connections.get() == 0
    });
    eventually("the OS agrees", || threads_named("http-conn") == 0);
    assert_eq!(stats.accepted.get(), CONNECTIONS as u64);
    assert_eq!(stats.served.get(), 2 * CONNECTIONS as u64);
    assert_eq!(stats.in_flight.get(), 0);
    assert_eq!(stats.snapshot().errors_total(), 0);
}
