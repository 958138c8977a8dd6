//! The sans-IO framing, tested with bytes alone: no socket is needed, which is the point.

use part1_threads::http::{
    BUFFER_CAPACITY, FrameError, Framer, MAX_BODY, MAX_HEAD, Method, Request, Response, Status,
    Version,
};
use proptest::prelude::*;

/// Feeds `bytes` in pieces of `chunk` bytes, taking out every complete request, the way a
/// server does. Stops at the first error.
fn frame(bytes: &[u8], chunk: usize) -> (Vec<Request>, Option<FrameError>) {
    let mut framer = Framer::new();
    let mut requests = Vec::new();
    let mut rest = bytes;
    loop {
        loop {
            match framer.next_request() {
                Ok(Some(request)) => requests.push(request),
                Ok(None) => break,
                Err(error) => return (requests, Some(error)),
            }
        }
        if rest.is_empty() {
            return (requests, None);
        }
        let piece = &rest[..chunk.min(rest.len())];
        let taken = framer.feed(piece);
        assert!(taken > 0, "a framer that needs more bytes must have room");
        rest = &rest[taken..];
    }
}

const SIMPLE: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn a_simple_request() {
    let (requests, error) = frame(SIMPLE, usize::MAX);
    assert_eq!(error, None);
    assert_eq!(
        requests,
        vec![Request {
            method: Method::Get,
            target: "/".into(),
            version: Version::Http11,
            keep_alive: true,
            content_length: 0,
        }]
    );
}

#[test]
fn keep_alive_follows_version_and_connection_header() {
    let cases: [(&[u8], bool); 5] = [
        (b"GET / HTTP/1.1\r\n\r\n", true),
        (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
        (
            b"GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n",
            false,
        ),
        (b"GET / HTTP/1.0\r\n\r\n", false),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
    ];
    for (bytes, keep_alive) in cases {
        let (requests, error) = frame(bytes, usize::MAX);
        assert_eq!(error, None);
        assert_eq!(requests[0].keep_alive, keep_alive, "{bytes:?}");
    }
}

#[test]
fn pipelined_requests_come_out_in_order() {
    let bytes = b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /d HTTP/1.1\r\n\r\n";
    let (requests, error) = frame(bytes, usize::MAX);
    assert_eq!(error, None);
    let targets: Vec<_> = requests.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/a", "/b", "/c", "/d"]);
    assert_eq!(requests[1].method, Method::Head);
    assert_eq!(requests[2].method, Method::Other("POST".into()));
    assert_eq!(requests[2].content_length, 5);
}

#[test]
fn a_request_split_at_every_byte_comes_out_once_and_whole() {
    let bytes = b"GET /?io_ms=5 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\n\r\n";
    let (whole, error) = frame(bytes, usize::MAX);
    assert_eq!(error, None);
    assert_eq!(whole.len(), 2);
    for split in 1..bytes.len() {
        let mut framer = Framer::new();
        let mut got = Vec::new();
        for part in [&bytes[..split], &bytes[split..]] {
            assert_eq!(framer.feed(part), part.len());
            while let Some(request) = framer.next_request().expect("valid input") {
                got.push(request);
            }
        }
        assert_eq!(got, whole, "split at byte {split}");
    }
    let (one_by_one, error) = frame(bytes, 1);
    assert_eq!(error, None);
    assert_eq!(one_by_one, whole);
}

#[test]
fn a_body_is_skipped_not_kept() {
    let mut bytes = b"POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 100_000));
    bytes.extend_from_slice(SIMPLE);
    // Feeding in chunks works although the body is far larger than the buffer.
    let (requests, error) = frame(&bytes, 1000);
    assert_eq!(error, None);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].content_length, 100_000);
}

#[test]
fn malformed_requests_are_400() {
    let cases: [&[u8]; 6] = [
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nbad header\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
    ];
    for bytes in cases {
        let (_, error) = frame(bytes, usize::MAX);
        let error = error.unwrap_or_else(|| panic!("{bytes:?} should be rejected"));
        assert_eq!(error.status(), Status::BadRequest, "{bytes:?}: {error}");
    }
}

#[test]
fn errors_are_sticky() {
    let mut framer = Framer::new();
    framer.feed(b"NOT HTTP\r\n\r\n");
    let first = framer.next_request().expect_err("malformed");
    framer.feed(SIMPLE);
    assert_eq!(framer.next_request().expect_err("still failed"), first);
}

#[test]
fn a_head_over_the_limit_is_431_and_memory_stays_bounded() {
    let mut framer = Framer::new();
    // Few, long headers, so that the size limit trips before the header-count limit.
    let header = format!("X-Filler: {}\r\n", "a".repeat(500));
    let header = header.as_bytes();
    let mut sent = framer.feed(b"GET / HTTP/1.1\r\n");
    let error = loop {
        match framer.next_request() {
            Ok(None) => {}
            Ok(Some(_)) => panic!("the head never ends, so no request can come out"),
            Err(error) => break error,
        }
        sent += framer.feed(header);
        assert!(sent <= BUFFER_CAPACITY, "the framer buffered {sent} bytes");
    };
    assert_eq!(error, FrameError::HeadTooLarge);
    assert_eq!(error.status(), Status::HeaderFieldsTooLarge);
    assert!(sent > MAX_HEAD, "rejected after only {sent} bytes");
}

#[test]
fn a_complete_head_over_the_limit_is_431() {
    let mut bytes = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', MAX_HEAD));
    bytes.extend_from_slice(b"\r\n\r\n");
    let (_, error) = frame(&bytes, 512);
    assert_eq!(error, Some(FrameError::HeadTooLarge));
}

#[test]
fn too_many_headers_is_431() {
    let mut bytes = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        bytes.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    let (_, error) = frame(&bytes, usize::MAX);
    assert_eq!(error, Some(FrameError::HeadTooLarge));
}

#[test]
fn a_body_over_the_limit_is_413_and_chunked_is_501() {
    let big = format!(
        "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY + 1
    );
    let (_, error) = frame(big.as_bytes(), usize::MAX);
    assert_eq!(error.map(|e| e.status()), Some(Status::PayloadTooLarge));
    let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (_, error) = frame(chunked, usize::MAX);
    assert_eq!(error.map(|e| e.status()), Some(Status::NotImplemented));
}

#[test]
fn idle_only_between_requests() {
    let mut framer = Framer::new();
    assert!(framer.is_idle());
    framer.feed(b"GET / HT");
    assert_eq!(framer.next_request(), Ok(None));
    assert!(!framer.is_idle());
    framer.feed(b"TP/1.1\r\n\r\n");
    assert!(framer.next_request().expect("valid").is_some());
    assert!(framer.is_idle());
}

#[test]
fn query_parameters() {
    let (requests, _) = frame(b"GET /?io_ms=5&cpu_us=7 HTTP/1.1\r\n\r\n", usize::MAX);
    let request = &requests[0];
    assert_eq!(request.path(), "/");
    assert_eq!(request.query_param("io_ms"), Some("5"));
    assert_eq!(request.query_param("cpu_us"), Some("7"));
    assert_eq!(request.query_param("nope"), None);
}

#[test]
fn responses_are_well_formed() {
    let mut out = Vec::new();
    Response {
        status: Status::Ok,
        body: "hello",
        keep_alive: true,
        head_only: false,
    }
    .write_to(&mut out);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    );
    out.clear();
    Response {
        status: Status::Ok,
        body: "hello",
        keep_alive: false,
        head_only: true,
    }
    .write_to(&mut out);
    let text = String::from_utf8(out).expect("ascii");
    assert!(text.contains("Content-Length: 5\r\n"));
    assert!(text.contains("Connection: close\r\n"));
    assert!(text.ends_with("\r\n\r\n"), "HEAD sends no body: {text:?}");
}

proptest! {
    /// Nothing a client sends can make the framer panic or hold more than its capacity.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..20_000), chunk in 1usize..5000) {
        let (_requests, _error) = frame(&bytes, chunk);
    }

    /// Valid requests, pipelined and cut into arbitrary pieces, all come out in order.
    #[test]
    fn pipelined_requests_survive_any_chunking(
        paths in proptest::collection::vec("/[a-z0-9]{0,20}", 1..20),
        bodies in proptest::collection::vec(0usize..300, 1..20),
        chunk in 1usize..200,
    ) {
        let mut bytes = Vec::new();
        for (path, body) in paths.iter().zip(bodies.iter().cycle()) {
            bytes.extend_from_slice(format!("GET {path} HTTP/1.1\r\nContent-Length: {body}\r\n\r\n").as_bytes());
            bytes.extend(std::iter::repeat_n(b'b', *body));
        }
        let (requests, error) = frame(&bytes, chunk);
        prop_assert_eq!(error, None);
        let targets: Vec<_> = requests.iter().map(|r| r.target.clone()).collect();
        prop_assert_eq!(&targets, &paths);
    }
}
