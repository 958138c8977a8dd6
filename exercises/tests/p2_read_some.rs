//! Tests for `exercises/src/p2_read_some.rs`, mostly with a scripted reader that plays a
//! non-blocking socket: each test decides exactly what every `read` returns. The last test uses
//! a real non-blocking TCP socket. Run them with `cargo test -p exercises --test p2_read_some`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p2_read_some")),
    path = "../src/p2_read_some.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p2_read_some.rs")]
#[cfg_attr(
    exercise_variant = "p2_read_some/eof_is_always_clean",
    path = "../wrong/p2_read_some/eof_is_always_clean.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_read_some/feeds_its_own_buffer",
    path = "../wrong/p2_read_some/feeds_its_own_buffer.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_read_some/reads_until_would_block",
    path = "../wrong/p2_read_some/reads_until_would_block.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_read_some/spins_on_would_block",
    path = "../wrong/p2_read_some/spins_on_would_block.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_read_some/would_block_is_an_error",
    path = "../wrong/p2_read_some/would_block_is_an_error.rs"
)]
pub mod p2_read_some;

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use exercises::harness::within;
use p2_read_some::{Framer, Received, read_some};

/// What the scripted peer has done by the time of one `read`.
#[derive(Debug, Clone)]
enum Step {
    /// Sent these bytes (a read with a smaller buffer gets a prefix; the rest waits).
    Bytes(Vec<u8>),
    /// The read fails with this kind of error.
    Fail(ErrorKind),
    /// Closed the connection: this read and every later one return `Ok(0)`.
    Close,
}

/// How many `WouldBlock`s in a row a reader returns before it calls the caller stuck. A real
/// socket would go on returning `WouldBlock` forever, with the thread spinning at 100% CPU.
const SPIN_LIMIT: usize = 1000;

/// A non-blocking `Read` that plays a script. Past its end the peer is waiting for an answer:
/// every read returns `WouldBlock`, as a real non-blocking socket would.
struct ScriptedSocket {
    steps: VecDeque<Step>,
    closed: bool,
    reads: usize,
    would_blocks_in_a_row: usize,
}

impl ScriptedSocket {
    fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        ScriptedSocket {
            steps: steps.into_iter().collect(),
            closed: false,
            reads: 0,
            would_blocks_in_a_row: 0,
        }
    }
}

impl Read for ScriptedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.closed {
            return Ok(0);
        }
        let Some(step) = self.steps.pop_front() else {
            let would_block = Err(ErrorKind::WouldBlock.into());
            not_spinning(&mut self.would_blocks_in_a_row, &would_block);
            return would_block;
        };
        self.would_blocks_in_a_row = 0;
        match step {
            Step::Bytes(bytes) => {
                let n = buf.len().min(bytes.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.steps.push_front(Step::Bytes(bytes[n..].to_vec()));
                }
                Ok(n)
            }
            Step::Fail(kind) => Err(io::Error::new(kind, "scripted failure")),
            Step::Close => {
                self.closed = true;
                Ok(0)
            }
        }
    }
}

/// Counts the `WouldBlock`s in a row in `in_a_row`, and fails the test when the caller keeps
/// reading after [`SPIN_LIMIT`] of them.
fn not_spinning(in_a_row: &mut usize, result: &io::Result<usize>) {
    match result {
        Err(e) if e.kind() == ErrorKind::WouldBlock => *in_a_row += 1,
        _ => *in_a_row = 0,
    }
    assert!(
        *in_a_row <= SPIN_LIMIT,
        "read() returned WouldBlock {SPIN_LIMIT} times in a row and was called again: \
         read_some is spinning, and on a real socket it would keep the thread at 100% CPU \
         forever. WouldBlock means 'nothing now': return Received::WouldBlock and let the \
         reactor wait for the next readable event"
    );
}

const GET_A: &[u8] = b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n";
const GET_B: &[u8] = b"GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n";

const IF_STUCK: &str = "does read_some return after one read, whatever it brought?";

/// The targets of the requests the framer holds now.
fn framed(framer: &mut Framer) -> Vec<String> {
    let mut targets = Vec::new();
    while let Ok(Some(request)) = framer.next_request() {
        targets.push(request.target);
    }
    targets
}

#[test]
fn bytes_go_into_the_framer_and_their_count_comes_back() {
    within(IF_STUCK, || {
        let mut socket = ScriptedSocket::new([Step::Bytes(GET_A.to_vec())]);
        let mut framer = Framer::new();
        let received = read_some(&mut socket, &mut framer).expect("the read succeeded");
        assert_eq!(
            received,
            Received::Bytes(GET_A.len()),
            "the read brought {} bytes",
            GET_A.len()
        );
        assert_eq!(
            framed(&mut framer),
            vec!["/a"],
            "the bytes must end up in the framer: read into framer.read_buf(), then tell it \
             how many arrived with framer.filled(n)"
        );
    });
}

#[test]
fn would_block_means_nothing_now_not_an_error() {
    within(IF_STUCK, || {
        let mut socket = ScriptedSocket::new([]);
        let result = read_some(&mut socket, &mut Framer::new());
        assert!(
            matches!(result, Ok(Received::WouldBlock)),
            "the socket has nothing to read yet: expected Ok(Received::WouldBlock), got \
             {result:?}. WouldBlock is how a non-blocking socket says 'nothing now'; the \
             connection is fine and waits for the next readable event"
        );
        assert_eq!(socket.reads, 1, "one read was enough to know");
    });
}

#[test]
fn would_block_after_part_of_a_request_keeps_the_part() {
    within(IF_STUCK, || {
        let (head, tail) = GET_A.split_at(12);
        let mut socket = ScriptedSocket::new([Step::Bytes(head.to_vec())]);
        let mut framer = Framer::new();
        assert_eq!(
            read_some(&mut socket, &mut framer).expect("the read succeeded"),
            Received::Bytes(head.len()),
            "the first {} bytes of a request arrived: Received::Bytes with their count",
            head.len()
        );
        let result = read_some(&mut socket, &mut framer);
        assert!(
            matches!(result, Ok(Received::WouldBlock)),
            "half a request arrived and the rest is still on its way: expected \
             Ok(Received::WouldBlock), got {result:?}. Only Ok(0) is the end of the stream"
        );
        // The rest arrives (a readable event), and the request is whole.
        socket.steps.push_back(Step::Bytes(tail.to_vec()));
        assert_eq!(
            read_some(&mut socket, &mut framer).expect("the read succeeded"),
            Received::Bytes(tail.len()),
            "the rest of the request arrived: Received::Bytes with its length"
        );
        assert_eq!(
            framed(&mut framer),
            vec!["/a"],
            "the two halves, read in two calls, make one request: the first half must stay in \
             the framer across the WouldBlock"
        );
    });
}

#[test]
fn one_call_is_one_read() {
    within(IF_STUCK, || {
        let mut socket =
            ScriptedSocket::new([Step::Bytes(GET_A.to_vec()), Step::Bytes(GET_B.to_vec())]);
        let mut framer = Framer::new();
        let received = read_some(&mut socket, &mut framer);
        assert!(
            matches!(received, Ok(Received::Bytes(n)) if n == GET_A.len()),
            "expected Ok(Received::Bytes({})) from the first read, got {received:?}",
            GET_A.len()
        );
        assert_eq!(
            socket.reads, 1,
            "read_some must read once and return: the connection serves the requests it has \
             before it reads more (the framer's buffer is bounded). Draining to WouldBlock is \
             spread over several calls, not done in one"
        );
    });
}

#[test]
fn a_long_pipeline_comes_out_whole_over_many_calls() {
    /// Requests the client pipelines at once: about 13 KB, more than the framer buffers.
    const PIPELINED: usize = 350;
    /// Calls that are more than enough: each brings up to a few KB.
    const MOST_CALLS: usize = 1_000;
    within(IF_STUCK, || {
        let bytes = [GET_A, GET_B].concat().repeat(PIPELINED / 2);
        let mut socket = ScriptedSocket::new([Step::Bytes(bytes.clone())]);
        let mut framer = Framer::new();
        let mut targets = Vec::new();
        let mut bytes_reported = 0;
        // The connection's loop: read once, serve what is whole, read again; until drained.
        for _ in 0..MOST_CALLS {
            match read_some(&mut socket, &mut framer) {
                Ok(Received::Bytes(n)) => bytes_reported += n,
                Ok(Received::WouldBlock) => break,
                other => panic!(
                    "the client sent {} bytes of requests and is waiting: expected \
                     Received::Bytes, then Received::WouldBlock once the socket is drained; \
                     got {other:?}. (Closed or Truncated here: a read into a framer with no \
                     room left gets 0 bytes, which looks like the end of the stream. Read once \
                     per call, into framer.read_buf().)",
                    bytes.len()
                ),
            }
            targets.extend(framed(&mut framer));
        }
        assert_eq!(
            bytes_reported,
            bytes.len(),
            "the Received::Bytes counts must add up to the bytes the client sent"
        );
        assert_eq!(
            targets.len(),
            PIPELINED,
            "{PIPELINED} requests ({} bytes) were waiting in the socket: more than the framer \
             has room for at once. Read into framer.read_buf() (never more than fits: the rest \
             stays in the socket for the next call) and tell it framer.filled(n). Bytes read \
             elsewhere and not all handed over are lost",
            bytes.len()
        );
    });
}

#[test]
fn the_end_of_the_stream_between_requests_is_a_clean_close() {
    within(IF_STUCK, || {
        let mut socket = ScriptedSocket::new([Step::Close]);
        let result = read_some(&mut socket, &mut Framer::new());
        assert!(
            matches!(result, Ok(Received::Closed)),
            "Ok(0) on a fresh connection: expected Ok(Received::Closed), got {result:?}"
        );

        let mut socket = ScriptedSocket::new([Step::Bytes(GET_A.to_vec()), Step::Close]);
        let mut framer = Framer::new();
        read_some(&mut socket, &mut framer).expect("the read succeeded");
        assert_eq!(
            framed(&mut framer),
            vec!["/a"],
            "the first read brought a whole request: the framer must hold it (read into \
             framer.read_buf(), then framer.filled(n))"
        );
        let result = read_some(&mut socket, &mut framer);
        assert!(
            matches!(result, Ok(Received::Closed)),
            "Ok(0) after a whole request: expected Ok(Received::Closed), got {result:?}"
        );
    });
}

#[test]
fn the_end_of_the_stream_inside_a_request_is_truncated() {
    within(IF_STUCK, || {
        let mut socket =
            ScriptedSocket::new([Step::Bytes(GET_A[..GET_A.len() / 2].to_vec()), Step::Close]);
        let mut framer = Framer::new();
        read_some(&mut socket, &mut framer).expect("the read succeeded");
        let result = read_some(&mut socket, &mut framer);
        assert!(
            matches!(result, Ok(Received::Truncated)),
            "the peer sent half a request and closed: expected Ok(Received::Truncated), got \
             {result:?}. Ok(0) is a clean close only when the framer is idle \
             (framer.is_idle())"
        );
    });
}

#[test]
fn an_interrupted_read_is_retried() {
    within(IF_STUCK, || {
        let mut socket = ScriptedSocket::new([
            Step::Fail(ErrorKind::Interrupted),
            Step::Fail(ErrorKind::Interrupted),
            Step::Bytes(GET_A.to_vec()),
        ]);
        let mut framer = Framer::new();
        let result = read_some(&mut socket, &mut framer);
        assert!(
            matches!(result, Ok(Received::Bytes(n)) if n == GET_A.len()),
            "a read interrupted by a signal (ErrorKind::Interrupted) must be retried, not \
             reported: expected Ok(Received::Bytes({})), got {result:?}",
            GET_A.len()
        );
    });
}

#[test]
fn other_errors_are_passed_on() {
    within(IF_STUCK, || {
        for kind in [ErrorKind::ConnectionReset, ErrorKind::BrokenPipe] {
            let mut socket = ScriptedSocket::new([Step::Fail(kind)]);
            let result = read_some(&mut socket, &mut Framer::new());
            assert!(
                matches!(&result, Err(e) if e.kind() == kind),
                "the read failed with {kind:?}: expected that error back, got {result:?}"
            );
        }
    });
}

/// A real socket, with the same watch for a caller that spins on `WouldBlock`.
struct RealSocket {
    stream: TcpStream,
    would_blocks_in_a_row: usize,
}

impl Read for RealSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.stream.read(buf);
        not_spinning(&mut self.would_blocks_in_a_row, &result);
        result
    }
}

/// Blocks until `socket` has bytes or their end to read, then makes it non-blocking again: the
/// reactor's readable event, in miniature.
fn wait_readable(socket: &TcpStream) {
    socket.set_nonblocking(false).expect("switch to blocking");
    socket.peek(&mut [0]).expect("peek");
    socket
        .set_nonblocking(true)
        .expect("switch to non-blocking");
}

#[test]
fn on_a_real_non_blocking_socket() {
    within(
        "did read_some return WouldBlock on a socket with nothing to read?",
        || {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let mut client =
                TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
            let (stream, _) = listener.accept().expect("accept");
            stream.set_nonblocking(true).expect("non-blocking");
            let mut server = RealSocket {
                stream,
                would_blocks_in_a_row: 0,
            };
            let mut framer = Framer::new();

            let result = read_some(&mut server, &mut framer);
            assert!(
                matches!(result, Ok(Received::WouldBlock)),
                "the client has sent nothing yet: expected Ok(Received::WouldBlock), got \
                 {result:?}"
            );

            client.write_all(GET_A).expect("send");
            let mut targets = Vec::new();
            while targets.is_empty() {
                wait_readable(&server.stream);
                let result = read_some(&mut server, &mut framer);
                assert!(
                    matches!(result, Ok(Received::Bytes(_))),
                    "the socket is readable: expected Ok(Received::Bytes(_)), got {result:?}"
                );
                targets = framed(&mut framer);
            }
            assert_eq!(
                targets,
                vec!["/a"],
                "the client sent one request for /a over a real socket"
            );

            client
                .shutdown(Shutdown::Write)
                .expect("close the client's side");
            wait_readable(&server.stream);
            let result = read_some(&mut server, &mut framer);
            assert!(
                matches!(result, Ok(Received::Closed)),
                "the client closed after a whole request: expected Ok(Received::Closed), got \
                 {result:?}"
            );
        },
    );
}
