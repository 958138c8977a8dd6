//! The runtime, watched: a real server under a small real load reports what the panel shows.

pub mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{Client, eventually, start};
use part1_threads::app::AppConfig;
use part3_wakers::observe::WakeCause;
use part3_wakers::server::ServerConfig;

#[test]
fn each_wake_is_counted_with_its_cause_and_every_waker_clone_is_dropped() {
    let server = start(ServerConfig {
        app: AppConfig::new(5, 0),
        ..ServerConfig::default()
    });
    let stats = Arc::clone(server.runtime_stats());
    let mut client = Client::connect(server.local_addr());
    for _ in 0..20 {
        assert_eq!(client.get("/").status, 200, "the request is answered");
    }
    drop(client);
    eventually("the connection's task is done", || {
        let now = stats.snapshot();
        now.spawned == 1 && now.completed == 1
    });
    let counted = stats.snapshot();
    let wakes = |cause: WakeCause| counted.wakes[cause.index()];
    assert!(
        wakes(WakeCause::ReadReady) >= 20,
        "each request's bytes woke the task: {counted:?}"
    );
    assert!(
        wakes(WakeCause::Timer) >= 20,
        "each request's io_ms timer woke the task: {counted:?}"
    );
    assert!(
        counted.polls >= counted.all_wakes(),
        "every wake led to a poll: {counted:?}"
    );
    assert_eq!(
        counted.waker_clones, counted.waker_drops,
        "every clone of the task's waker was dropped with the task"
    );
    assert!(counted.turns > 0, "the driver's turns are counted");
    assert_eq!(
        counted.lost_wakers, 0,
        "a served connection never loses its waker"
    );
}

#[test]
fn a_request_is_followed_from_its_readable_event_to_its_response() {
    let server = start(ServerConfig {
        app: AppConfig::new(5, 0),
        ..ServerConfig::default()
    });
    let stats = Arc::clone(server.runtime_stats());
    let mut client = Client::connect(server.local_addr());
    let mut journey = None;
    for _ in 0..200 {
        assert_eq!(client.get("/").status, 200, "the request is answered");
        journey = stats.journeys().take(Instant::now());
        if journey.is_some() {
            break;
        }
    }
    let journey = journey.expect("one request of 200 was followed to its end");
    assert!(
        journey.steps.len() >= 4,
        "event, wake, poll and write at least: {journey:?}"
    );
}
