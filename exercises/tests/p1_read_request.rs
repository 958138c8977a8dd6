//! Tests for `exercises/src/p1_read_request.rs`, with a scripted reader instead of a socket:
//! each test decides exactly which bytes (or errors) every `read` returns. Run them with
//! `cargo test -p exercises --test p1_read_request`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p1_read_request")),
    path = "../src/p1_read_request.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p1_read_request.rs")]
#[cfg_attr(
    exercise_variant = "p1_read_request/eof_is_always_clean",
    path = "../wrong/p1_read_request/eof_is_always_clean.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/feeds_its_own_buffer",
    path = "../wrong/p1_read_request/feeds_its_own_buffer.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/interrupted_is_fatal",
    path = "../wrong/p1_read_request/interrupted_is_fatal.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/one_read_is_one_request",
    path = "../wrong/p1_read_request/one_read_is_one_request.rs"
)]
#[cfg_attr(
    exercise_variant = "p1_read_request/reads_before_checking_the_buffer",
    path = "../wrong/p1_read_request/reads_before_checking_the_buffer.rs"
)]
pub mod p1_read_request;

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read};

use exercises::harness::{explain_panic, within};
use p1_read_request::{FrameError, Framer, ReadError, Request, read_request};

/// What the scripted client does at one `read`.
#[derive(Debug, Clone)]
enum Step {
    /// Sends these bytes (a read with a smaller buffer gets a prefix; the rest waits).
    Bytes(Vec<u8>),
    /// Makes the read fail with this kind of error.
    Fail(ErrorKind),
    /// Closes the connection: this read and every later one return `Ok(0)`.
    Close,
}

/// A `Read` that plays a script, and fails the test if it is read past the script's end: at
/// that point a real client is waiting for an answer, so a real socket would block forever.
struct ScriptedReader {
    steps: VecDeque<Step>,
    closed: bool,
    reads: usize,
}

impl ScriptedReader {
    fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        ScriptedReader {
            steps: steps.into_iter().collect(),
            closed: false,
            reads: 0,
        }
    }

    /// A client that sends `bytes` in pieces of the given sizes, then closes.
    fn in_pieces(bytes: &[u8], sizes: impl IntoIterator<Item = usize>) -> Self {
        let mut steps = Vec::new();
        let mut rest = bytes;
        for size in sizes {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(size.clamp(1, rest.len()));
            steps.push(Step::Bytes(piece.to_vec()));
            rest = tail;
        }
        if !rest.is_empty() {
            steps.push(Step::Bytes(rest.to_vec()));
        }
        steps.push(Step::Close);
        ScriptedReader::new(steps)
    }
}

impl Read for ScriptedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.closed {
            return Ok(0);
        }
        match self.steps.pop_front() {
            None => panic!(
                "read() was called, but the client has sent everything it will send until it \
                 gets an answer: a real socket would block here forever. Does read_request \
                 return a request as soon as the framer has one (ask framer.next_request() \
                 before reading)?"
            ),
            Some(Step::Bytes(bytes)) => {
                let n = buf.len().min(bytes.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.steps.push_front(Step::Bytes(bytes[n..].to_vec()));
                }
                Ok(n)
            }
            Some(Step::Fail(kind)) => Err(io::Error::new(kind, "scripted failure")),
            Some(Step::Close) => {
                self.closed = true;
                Ok(0)
            }
        }
    }
}

const GET_A: &[u8] = b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n";
const GET_B: &[u8] = b"GET /b?io_ms=5 HTTP/1.1\r\nHost: localhost\r\n\r\n";
const POST_C: &[u8] = b"POST /c HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello";

/// The three requests above, back to back, and what each one is (target, body length).
fn three_requests() -> (Vec<u8>, Vec<(String, u64)>) {
    let bytes = [GET_A, GET_B, POST_C].concat();
    let expected = vec![
        ("/a".to_string(), 0),
        ("/b?io_ms=5".to_string(), 0),
        ("/c".to_string(), 5),
    ];
    (bytes, expected)
}

fn summary(request: &Request) -> (String, u64) {
    (request.target.clone(), request.content_length)
}

/// Calls `read_request` until it reports a clean close, as a connection thread does.
fn read_all(reader: &mut ScriptedReader, most: usize) -> Vec<(String, u64)> {
    let mut framer = Framer::new();
    let mut requests = Vec::new();
    loop {
        match read_request(reader, &mut framer) {
            Ok(Some(request)) => requests.push(summary(&request)),
            Ok(None) => return requests,
            Err(error) => panic!(
                "after {} whole request(s), read_request returned {error:?}; the client sent \
                 valid requests and then closed the connection cleanly. {}",
                requests.len(),
                match error {
                    ReadError::Truncated => {
                        "The client closed between requests, yet read_request said Truncated. \
                         Either it read again while whole requests were still buffered (ask \
                         framer.next_request() before reading), or Ok(0) counted as truncated \
                         although framer.is_idle() was true, or bytes were lost on their way \
                         to the framer (read into framer.read_buf(), then framer.filled(n) \
                         with the count read)."
                    }
                    ReadError::Frame(_) => {
                        "The framer saw bytes the client did not send in that order: were \
                         bytes lost, repeated or moved on their way to it?"
                    }
                    ReadError::Io(_) => "The scripted client only fails where a test says so.",
                }
            ),
        }
        assert!(
            requests.len() <= most,
            "read_request returned more requests than the client sent: {requests:?}"
        );
    }
}

const IF_STUCK: &str = "does read_request stop when read returns Ok(0), the end of the stream?";

#[test]
fn a_request_in_one_read() {
    within(IF_STUCK, || {
        let mut reader = ScriptedReader::new([Step::Bytes(GET_A.to_vec()), Step::Close]);
        let mut framer = Framer::new();
        let first = read_request(&mut reader, &mut framer).map(|r| r.as_ref().map(summary));
        assert!(
            matches!(&first, Ok(Some((target, 0))) if target == "/a"),
            "expected the request for /a, got {first:?}"
        );
        let second = read_request(&mut reader, &mut framer);
        assert!(
            matches!(second, Ok(None)),
            "the client closed between requests: expected Ok(None), got {second:?}"
        );
    });
}

#[test]
fn requests_split_into_pieces_of_any_size_come_out_whole() {
    within(IF_STUCK, || {
        let (bytes, expected) = three_requests();
        for size in 1..=bytes.len() {
            let mut reader = ScriptedReader::in_pieces(&bytes, std::iter::repeat(size));
            assert_eq!(
                read_all(&mut reader, expected.len()),
                expected,
                "the stream arrived in pieces of {size} byte(s): a read may return any part of \
                 a request, so keep reading until the framer has a whole one"
            );
        }
    });
}

#[test]
fn requests_split_at_any_point_come_out_whole() {
    within(IF_STUCK, || {
        let (bytes, expected) = three_requests();
        for split in 1..bytes.len() {
            let mut reader = ScriptedReader::in_pieces(&bytes, [split]);
            assert_eq!(
                read_all(&mut reader, expected.len()),
                expected,
                "the stream arrived in two reads, split after byte {split}: a read may end \
                 anywhere in a request, so keep reading until the framer has a whole one"
            );
        }
    });
}

#[test]
fn requests_in_irregular_pieces_come_out_whole() {
    /// Piece sizes from a fixed pseudo-random sequence: the same pieces on every run.
    fn irregular_sizes(seed: u64) -> impl Iterator<Item = usize> {
        const LARGEST_PIECE: u64 = 23;
        let mut state = seed;
        std::iter::from_fn(move || {
            // A linear congruential generator (Knuth's MMIX constants): plenty for test data.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from((state >> 33) % LARGEST_PIECE + 1).ok()
        })
    }
    within(IF_STUCK, || {
        let (bytes, expected) = three_requests();
        for seed in 0..100 {
            let mut reader = ScriptedReader::in_pieces(&bytes, irregular_sizes(seed));
            let requests = explain_panic(
                "read_request",
                || format!(" (the stream arrived in irregular pieces, seed {seed})"),
                || read_all(&mut reader, expected.len()),
            );
            assert_eq!(
                requests, expected,
                "the stream arrived in irregular pieces (seed {seed}): a read may end anywhere \
                 in a request, so keep reading until the framer has a whole one"
            );
        }
    });
}

#[test]
fn a_long_pipeline_in_large_reads_comes_out_whole() {
    /// Requests sent back to back: about 13 KB, more than the framer buffers at once.
    const PIPELINED: usize = 100;
    /// Bytes the client has sent by each read: as much as the reader asks for, up to this.
    const PIECE: usize = 32 * 1024;
    within(IF_STUCK, || {
        let (one_round, round_expected) = three_requests();
        let bytes = one_round.repeat(PIPELINED);
        let expected: Vec<(String, u64)> = (0..PIPELINED)
            .flat_map(|_| round_expected.clone())
            .collect();
        let mut reader = ScriptedReader::in_pieces(&bytes, std::iter::repeat(PIECE));
        let requests = read_all(&mut reader, expected.len());
        assert_eq!(
            requests.len(),
            expected.len(),
            "{} requests were pipelined in {} bytes: a read may bring more bytes than the \
             framer has room for, so read into framer.read_buf() (never more than fits) and \
             tell it framer.filled(n). Bytes read elsewhere and not all handed over are lost",
            expected.len(),
            bytes.len()
        );
        assert_eq!(
            requests, expected,
            "every pipelined request must come out whole and in order"
        );
    });
}

#[test]
fn pipelined_requests_come_out_without_another_read() {
    within(IF_STUCK, || {
        // Both requests arrive in one read; the client then waits for two answers.
        let mut reader = ScriptedReader::new([Step::Bytes([GET_A, GET_B].concat())]);
        let mut framer = Framer::new();
        let first = read_request(&mut reader, &mut framer).map(|r| r.as_ref().map(summary));
        assert!(
            matches!(&first, Ok(Some((target, _))) if target == "/a"),
            "expected the request for /a, got {first:?}"
        );
        assert_eq!(reader.reads, 1, "one read brought both requests");
        let second = read_request(&mut reader, &mut framer).map(|r| r.as_ref().map(summary));
        assert!(
            matches!(&second, Ok(Some((target, _))) if target == "/b?io_ms=5"),
            "expected the second, pipelined request for /b?io_ms=5, got {second:?}"
        );
        assert_eq!(
            reader.reads, 1,
            "the second request was already buffered: it must come out without a read"
        );
    });
}

#[test]
fn the_end_of_the_stream_between_requests_is_a_clean_close() {
    within(IF_STUCK, || {
        let mut reader = ScriptedReader::new([Step::Close]);
        let result = read_request(&mut reader, &mut Framer::new());
        assert!(
            matches!(result, Ok(None)),
            "a client that connects and closes without a request has left cleanly: expected \
             Ok(None), got {result:?}"
        );

        let (bytes, expected) = three_requests();
        let mut reader = ScriptedReader::new([Step::Bytes(bytes), Step::Close]);
        assert_eq!(
            read_all(&mut reader, expected.len()),
            expected,
            "three requests in one read, then a close: the three requests, then Ok(None) (the \
             close falls between requests, after the last one)"
        );
    });
}

#[test]
fn the_end_of_the_stream_inside_a_request_is_truncated() {
    within(IF_STUCK, || {
        let half_a_head = &GET_A[..GET_A.len() / 2];
        let head_without_its_body = &POST_C[..POST_C.len() - 3];
        for (what, bytes) in [
            ("half a request head", half_a_head),
            ("a head whose body is cut short", head_without_its_body),
        ] {
            let mut reader = ScriptedReader::new([Step::Bytes(bytes.to_vec()), Step::Close]);
            let result = read_request(&mut reader, &mut Framer::new());
            assert!(
                matches!(result, Err(ReadError::Truncated)),
                "the client sent {what} and closed: expected Err(ReadError::Truncated), got \
                 {result:?}. Ok(0) is a clean close only when the framer is idle \
                 (framer.is_idle())"
            );
        }
    });
}

#[test]
fn an_interrupted_read_is_retried() {
    within(IF_STUCK, || {
        let (first_half, second_half) = GET_A.split_at(10);
        let mut reader = ScriptedReader::new([
            Step::Fail(ErrorKind::Interrupted),
            Step::Bytes(first_half.to_vec()),
            Step::Fail(ErrorKind::Interrupted),
            Step::Bytes(second_half.to_vec()),
            Step::Close,
        ]);
        let result = read_request(&mut reader, &mut Framer::new()).map(|r| r.as_ref().map(summary));
        assert!(
            matches!(&result, Ok(Some((target, 0))) if target == "/a"),
            "reads interrupted by a signal (ErrorKind::Interrupted) must be retried, not \
             reported: expected the request for /a, got {result:?}"
        );
    });
}

#[test]
fn other_read_errors_are_passed_on() {
    within(IF_STUCK, || {
        for (before, kind) in [
            (&GET_A[..7], ErrorKind::ConnectionReset),
            (&b""[..], ErrorKind::WouldBlock),
            (&b""[..], ErrorKind::TimedOut),
        ] {
            let mut steps = Vec::new();
            if !before.is_empty() {
                steps.push(Step::Bytes(before.to_vec()));
            }
            steps.push(Step::Fail(kind));
            let mut reader = ScriptedReader::new(steps);
            let result = read_request(&mut reader, &mut Framer::new());
            assert!(
                matches!(&result, Err(ReadError::Io(error)) if error.kind() == kind),
                "a read failing with {kind:?} must be reported as Err(ReadError::Io(..)) with \
                 the same error, got {result:?}"
            );
        }
    });
}

#[test]
fn bytes_that_are_not_a_request_are_a_frame_error() {
    /// What `read_request` makes of a client that sends `bytes` and waits for an answer.
    fn frame_error(bytes: &[u8]) -> FrameError {
        let mut reader = ScriptedReader::new([Step::Bytes(bytes.to_vec())]);
        match read_request(&mut reader, &mut Framer::new()) {
            Err(ReadError::Frame(error)) => error,
            other => panic!(
                "for {:?} the framer reports an error, which read_request must return as \
                 Err(ReadError::Frame(..)); got {other:?}",
                String::from_utf8_lossy(bytes)
            ),
        }
    }
    within(IF_STUCK, || {
        let malformed = frame_error(b"GET / HTTP/1.1\r\nbad header line\r\n\r\n");
        assert!(
            matches!(malformed, FrameError::Malformed(_)),
            "a header line without a colon is malformed; got {malformed:?}"
        );
        let too_large = frame_error(b"GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
        assert_eq!(
            too_large,
            FrameError::BodyTooLarge,
            "the framer's own error comes through"
        );
    });
}
