//! Tests for `exercises/src/p2_write_all_or_block.rs`, mostly with a scripted writer that plays
//! a non-blocking socket: each test decides how much every `write` takes, and when the socket
//! is full. The last test fills a real socket. Run them with
//! `cargo test -p exercises --test p2_write_all_or_block`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p2_write_all_or_block")),
    path = "../src/p2_write_all_or_block.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p2_write_all_or_block.rs")]
#[cfg_attr(
    exercise_variant = "p2_write_all_or_block/interrupted_is_fatal",
    path = "../wrong/p2_write_all_or_block/interrupted_is_fatal.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_write_all_or_block/restarts_from_the_beginning",
    path = "../wrong/p2_write_all_or_block/restarts_from_the_beginning.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_write_all_or_block/stops_at_a_short_write",
    path = "../wrong/p2_write_all_or_block/stops_at_a_short_write.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_write_all_or_block/zero_is_progress",
    path = "../wrong/p2_write_all_or_block/zero_is_progress.rs"
)]
pub mod p2_write_all_or_block;

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread;

use exercises::harness::{WAIT_LIMIT, recv_within, within};
use p2_write_all_or_block::{Flushed, write_all_or_block};

/// What the scripted socket does at one `write`.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Takes at most this many bytes (fewer than offered: a short write).
    Take(usize),
    /// Its send buffer is full: `WouldBlock`. The next write goes on with the script, as after
    /// a writable event.
    Full,
    /// Fails with this kind of error.
    Fail(ErrorKind),
    /// Takes nothing (`Ok(0)`), now and at every later write.
    Zero,
}

/// How many `Ok(0)` a writer returns before it calls the caller stuck: a writer that takes
/// nothing once takes nothing forever, and a loop that keeps trying never ends.
const SPIN_LIMIT: usize = 1000;

/// A non-blocking `Write` that plays a script, then takes everything it is offered.
struct ScriptedSocket {
    steps: VecDeque<Step>,
    /// Everything written, in order: what the client would receive.
    received: Vec<u8>,
    writes: usize,
    zeros: usize,
}

impl ScriptedSocket {
    fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        ScriptedSocket {
            steps: steps.into_iter().collect(),
            received: Vec::new(),
            writes: 0,
            zeros: 0,
        }
    }
}

impl Write for ScriptedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        let step = match self.steps.front() {
            Some(Step::Zero) => Step::Zero,
            _ => self.steps.pop_front().unwrap_or(Step::Take(usize::MAX)),
        };
        match step {
            Step::Take(most) => {
                let n = buf.len().min(most);
                self.received.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            Step::Full => Err(ErrorKind::WouldBlock.into()),
            Step::Fail(kind) => Err(io::Error::new(kind, "scripted failure")),
            Step::Zero => {
                self.zeros += 1;
                assert!(
                    self.zeros <= SPIN_LIMIT,
                    "write() returned Ok(0) {SPIN_LIMIT} times and was called again: the loop \
                     spins forever. A writer that takes nothing will never take anything; \
                     return an error of kind ErrorKind::WriteZero"
                );
                Ok(0)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A response-like buffer whose every byte says where it is, so that a byte sent twice or
/// skipped shows.
fn numbered(len: usize) -> Vec<u8> {
    // 251 is prime: the pattern does not line up with any power-of-two buffer size.
    (0..len).map(|i| (i % 251) as u8).collect()
}

const IF_STUCK: &str = "does write_all_or_block stop when everything is written, and on \
                        WouldBlock, Ok(0) and errors?";

#[test]
fn a_socket_with_room_takes_it_all() {
    within(IF_STUCK, || {
        let out = numbered(100);
        let mut socket = ScriptedSocket::new([]);
        let mut written = 0;
        let flushed = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(flushed, Ok(Flushed::All)),
            "expected Ok(Flushed::All), got {flushed:?}"
        );
        assert_eq!(
            written,
            out.len(),
            "`written` must count every byte written"
        );
        assert!(socket.received == out, "the client must receive `out`");
    });
}

#[test]
fn short_writes_are_normal_and_the_loop_goes_on() {
    within(IF_STUCK, || {
        let out = numbered(40);
        let mut socket = ScriptedSocket::new([Step::Take(5), Step::Take(1), Step::Take(7)]);
        let mut written = 0;
        let flushed = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(flushed, Ok(Flushed::All)),
            "the socket took 5, then 1, then 7 bytes, then the rest: expected \
             Ok(Flushed::All), got {flushed:?}. A short write is not a full socket: only \
             WouldBlock says that"
        );
        assert_eq!(
            written,
            out.len(),
            "everything was written, so `written` must be the whole length: does it add what \
             each write took?"
        );
        assert!(
            socket.received == out,
            "after short writes, write the rest from where the last write stopped"
        );
    });
}

#[test]
fn would_block_stops_and_the_next_call_resumes_where_it_stopped() {
    within(IF_STUCK, || {
        let out = numbered(100);
        let mut socket =
            ScriptedSocket::new([Step::Take(10), Step::Full, Step::Take(3), Step::Full]);
        let mut written = 0;

        let first = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(first, Ok(Flushed::WouldBlock)),
            "the socket took 10 bytes, then said WouldBlock: expected Ok(Flushed::WouldBlock), \
             got {first:?}"
        );
        assert_eq!(written, 10, "`written` must say how far the writes got");

        let second = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(second, Ok(Flushed::WouldBlock)),
            "after a writable event the socket took 3 more bytes, then was full again: \
             expected Ok(Flushed::WouldBlock), got {second:?}"
        );
        assert_eq!(written, 13, "`written` must add up over the calls");

        let third = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(third, Ok(Flushed::All)),
            "expected Ok(Flushed::All), got {third:?}"
        );
        assert_eq!(
            written,
            out.len(),
            "the third call wrote the rest: `written` must be the whole length"
        );
        assert_eq!(
            socket.received.len(),
            out.len(),
            "the client received {} bytes for a {}-byte response: every call must start at \
             out[*written..], not at the beginning",
            socket.received.len(),
            out.len()
        );
        assert!(
            socket.received == out,
            "the client must receive `out` exactly"
        );
    });
}

#[test]
fn a_call_starts_at_written() {
    within(IF_STUCK, || {
        let out = numbered(60);
        let mut socket = ScriptedSocket::new([]);
        let mut written = 25;
        let flushed = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(flushed, Ok(Flushed::All)),
            "the socket took everything offered: expected Ok(Flushed::All), got {flushed:?}"
        );
        assert!(
            socket.received == out[25..],
            "`written` was 25 on entry: the first 25 bytes were sent by an earlier call, and \
             only out[25..] may be written now"
        );
        assert_eq!(
            written,
            out.len(),
            "`written` started at 25 and the rest was written: it must end at the whole length"
        );
    });
}

#[test]
fn nothing_left_to_write_is_all_without_a_write() {
    within(IF_STUCK, || {
        let out = numbered(30);
        for (what, out, start) in [("an empty buffer", &out[..0], 0), ("done", &out[..], 30)] {
            let mut socket = ScriptedSocket::new([Step::Zero]);
            let mut written = start;
            let flushed = write_all_or_block(&mut socket, out, &mut written);
            assert!(
                matches!(flushed, Ok(Flushed::All)),
                "{what}: nothing is left to write, expected Ok(Flushed::All), got {flushed:?}"
            );
            assert_eq!(
                socket.writes, 0,
                "{what}: with nothing left to write, do not call write() (writing an empty \
                 slice returns Ok(0))"
            );
        }
    });
}

#[test]
fn an_interrupted_write_is_retried() {
    within(IF_STUCK, || {
        let out = numbered(50);
        let mut socket = ScriptedSocket::new([
            Step::Fail(ErrorKind::Interrupted),
            Step::Take(4),
            Step::Fail(ErrorKind::Interrupted),
        ]);
        let mut written = 0;
        let flushed = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(flushed, Ok(Flushed::All)),
            "writes interrupted by a signal (ErrorKind::Interrupted) must be retried, not \
             reported: expected Ok(Flushed::All), got {flushed:?}"
        );
        assert!(
            socket.received == out,
            "after the interrupted writes were retried, the peer must have received every \
             byte once, in order"
        );
    });
}

#[test]
fn a_writer_that_takes_nothing_is_a_write_zero_error() {
    within(IF_STUCK, || {
        let out = numbered(20);
        let mut socket = ScriptedSocket::new([Step::Take(3), Step::Zero]);
        let mut written = 0;
        let flushed = write_all_or_block(&mut socket, &out, &mut written);
        assert!(
            matches!(&flushed, Err(e) if e.kind() == ErrorKind::WriteZero),
            "write() returned Ok(0): expected an error of kind ErrorKind::WriteZero, got \
             {flushed:?}"
        );
        assert_eq!(written, 3, "the 3 bytes taken before still count");
    });
}

#[test]
fn other_errors_are_passed_on_and_the_bytes_before_still_count() {
    within(IF_STUCK, || {
        let out = numbered(20);
        for kind in [ErrorKind::BrokenPipe, ErrorKind::ConnectionReset] {
            let mut socket = ScriptedSocket::new([Step::Take(6), Step::Fail(kind)]);
            let mut written = 0;
            let flushed = write_all_or_block(&mut socket, &out, &mut written);
            assert!(
                matches!(&flushed, Err(e) if e.kind() == kind),
                "the write failed with {kind:?}: expected that error back, got {flushed:?}"
            );
            assert_eq!(written, 6, "the 6 bytes taken before the error still count");
        }
    });
}

/// The size the test sets for the server's send buffer and the client's receive buffer: small,
/// so that the socket is full after a few hundred KiB whatever the machine's defaults (Linux
/// doubles the value and stops tuning a buffer that was set by hand).
const SOCKET_BUFFER: libc::c_int = 64 * 1024;

/// Far more than the two buffers hold, so that a client that does not read fills them.
const MORE_THAN_THE_SOCKET_BUFFERS: usize = 4 * 1024 * 1024;

/// Sets a socket buffer size (`SO_SNDBUF` or `SO_RCVBUF`).
fn set_buffer(socket: &TcpStream, option: libc::c_int, bytes: libc::c_int) {
    let len = libc::socklen_t::try_from(size_of::<libc::c_int>()).expect("an int's size fits");
    // SAFETY: the value pointer and length describe `bytes`, a live `c_int`, as `SO_SNDBUF`
    // and `SO_RCVBUF` expect; `fd` is the open socket `socket` borrows.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&raw const bytes).cast(),
            len,
        )
    };
    assert_eq!(result, 0, "setsockopt: {}", io::Error::last_os_error());
}

/// Waits until `socket` can take more bytes: the reactor's writable event, in miniature.
fn wait_writable(socket: &TcpStream) {
    let mut poll_fd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    let timeout_ms = libc::c_int::try_from(WAIT_LIMIT.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `poll_fd` is one valid, initialised `pollfd` that outlives the call, and the count
    // passed is 1; `fd` is the open socket `socket` borrows.
    let ready = unsafe { libc::poll(&mut poll_fd, 1, timeout_ms) };
    assert!(
        ready == 1,
        "the socket did not become writable within {} s while the client was reading",
        WAIT_LIMIT.as_secs()
    );
}

#[test]
fn fills_a_real_socket_and_resumes_when_it_drains() {
    within(IF_STUCK, || {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (mut server, _) = listener.accept().expect("accept");
        server.set_nonblocking(true).expect("non-blocking");
        set_buffer(&server, libc::SO_SNDBUF, SOCKET_BUFFER);
        set_buffer(&client, libc::SO_RCVBUF, SOCKET_BUFFER);
        let out = numbered(MORE_THAN_THE_SOCKET_BUFFERS);
        let mut written = 0;

        // The client reads nothing yet: the socket fills up.
        let first = write_all_or_block(&mut server, &out, &mut written);
        assert!(
            matches!(first, Ok(Flushed::WouldBlock)),
            "{} MiB to a client that reads nothing fill the socket's buffers: expected \
             Ok(Flushed::WouldBlock), got {first:?}",
            out.len() >> 20
        );
        assert!(
            0 < written && written < out.len(),
            "the socket took part of the response before it was full, and `written` must say \
             how much (it says {written})"
        );

        // The client starts reading; each writable event lets the writes go on.
        let (done, received) = mpsc::channel();
        let expected_len = out.len();
        thread::spawn(move || {
            let mut buf = vec![0; 64 * 1024];
            let (mut seen, mut first_wrong) = (0, None);
            loop {
                match client.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        for (i, byte) in buf[..n].iter().enumerate() {
                            if first_wrong.is_none() && *byte != ((seen + i) % 251) as u8 {
                                first_wrong = Some(seen + i);
                            }
                        }
                        seen += n;
                    }
                }
                if seen >= expected_len {
                    break;
                }
            }
            let _ = done.send((seen, first_wrong));
        });
        loop {
            match write_all_or_block(&mut server, &out, &mut written) {
                Ok(Flushed::All) => break,
                Ok(Flushed::WouldBlock) => wait_writable(&server),
                Err(e) => {
                    // The client closes only once it has read the whole response's length.
                    let (seen, first_wrong) = recv_within(
                        &received,
                        "the client stopped reading without reporting what it received",
                    );
                    panic!(
                        "writing failed ({e}) after the client had received {seen} bytes of a \
                         {expected_len}-byte response (the first wrong one at {first_wrong:?}) \
                         and closed: {}",
                        if seen >= expected_len {
                            "more bytes were written than the response has. Are some written \
                             twice? Each call must start at out[*written..]"
                        } else {
                            "the connection broke while the client was still reading"
                        }
                    );
                }
            }
        }
        drop(server);
        let (seen, first_wrong) = recv_within(
            &received,
            "the client never got the whole response: did write_all_or_block return All before \
             everything was written?",
        );
        assert_eq!(
            (seen, first_wrong),
            (out.len(), None),
            "the client must receive the response exactly: (bytes received, first wrong byte)"
        );
    });
}
