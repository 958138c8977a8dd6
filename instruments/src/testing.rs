//! What the servers' tests share: a small blocking HTTP/1.1 client, and a way to wait until a
//! server has reached a state on its own (a thread exited, a counter settled).
//!
//! Every part's tests talk to their server the same way, so this lives here, beside the other
//! lab equipment, rather than once per part. The demo never uses it. Everything here panics
//! with a message on failure, as test code should.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long a test waits for something the server does on its own before failing. Generous:
/// the CI machine is small and busy; a passing test never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Waits for a condition that the server reaches on its own, failing with `what` if it never
/// does.
pub fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A minimal blocking HTTP/1.1 client: one request at a time (or pipelined by hand with
/// [`send`](Self::send)), each [`reply`](Self::reply) read whole.
pub struct Client {
    pub reader: BufReader<TcpStream>,
}

/// One response, as the tests look at it.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub closes: bool,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        Client::from_stream(TcpStream::connect(addr).expect("connect"))
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("set timeout");
        Client {
            reader: BufReader::new(stream),
        }
    }

    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }

    pub fn get(&mut self, target: &str) -> Reply {
        self.send(format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.reply()
    }

    /// Reads one response; panics if there is none.
    pub fn reply(&mut self) -> Reply {
        self.try_reply().expect("a response")
    }

    /// Reads one response, or the error that prevented it (e.g. the read timeout).
    pub fn try_reply(&mut self) -> io::Result<Reply> {
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut length = 0;
        let mut closes = false;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header has a colon");
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().expect("length"),
                "connection" => closes = value.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply {
            status,
            body: String::from_utf8(body).expect("utf-8 body"),
            closes,
        })
    }

    /// True once the server has closed its side (a read returns end of file).
    pub fn is_closed_by_server(&mut self) -> bool {
        let mut byte = [0; 1];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}

/// The threads of this process whose name is `name` (Linux: `/proc/self/task/*/comm`).
pub fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc")
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .count()
}

/// All the threads of this process (Linux).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc")
        .count()
}
