//! What the HTTP framing costs per request: the part of a request's work that every server in
//! the course shares (`cargo bench -p part1-threads`).
//!
//! One request, as the load generator sends it, goes through what each server does with it:
//! the [`Framer`] finds it in the bytes read, the app plans the answer, and the response is
//! written into the connection's output buffer. Against the servers' few microseconds per
//! request (the lessons' closed-loop runs), this is the share that does not depend on how a
//! server waits.

use std::hint::black_box;

use divan::Bencher;
use part1_threads::app::{self, AppConfig};
use part1_threads::http::Framer;

/// The request the load generator sends on a keep-alive connection (`instruments`' `load/http.rs`).
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

fn main() {
    divan::main();
}

/// Framing only: the bytes arrive, a request comes out.
#[divan::bench]
fn parse(bencher: Bencher) {
    let mut framer = Framer::new();
    bencher.bench_local(|| {
        framer.feed(black_box(REQUEST));
        framer.next_request().expect("the request is well formed")
    });
}

/// The answer only: plan it and write it into a reused buffer.
#[divan::bench]
fn respond(bencher: Bencher) {
    let mut framer = Framer::new();
    framer.feed(REQUEST);
    let request = framer
        .next_request()
        .expect("well formed")
        .expect("complete");
    let config = AppConfig::default();
    let mut out = Vec::with_capacity(256);
    bencher.bench_local(|| {
        out.clear();
        app::plan(black_box(&request), &config)
            .response
            .write_to(&mut out);
        out.len()
    });
}

/// A whole request's framing, as a server does it: parse, plan, write.
#[divan::bench]
fn parse_and_respond(bencher: Bencher) {
    let mut framer = Framer::new();
    let config = AppConfig::default();
    let mut out = Vec::with_capacity(256);
    bencher.bench_local(|| {
        framer.feed(black_box(REQUEST));
        let request = framer
            .next_request()
            .expect("well formed")
            .expect("complete");
        out.clear();
        app::plan(&request, &config).response.write_to(&mut out);
        out.len()
    });
}
