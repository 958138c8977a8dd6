//! Sans-IO HTTP/1.1 framing: bytes in, requests out.
//!
//! A [`Framer`] never touches a socket. The caller reads bytes from wherever it likes (a
//! blocking `TcpStream` in part 1, a non-blocking one that returned `WouldBlock` in part 2, an
//! `async` read in part 3) into [`Framer::read_buf`], reports how many arrived with
//! [`Framer::filled`], and asks [`Framer::next_request`] for complete requests. Because the
//! framing knows nothing about how the bytes travel, every server in the workshop shares it, and
//! the differences between them are only in how they wait.
//!
//! # What it guarantees
//!
//! - **Pipelining**: several requests in one read come out one by one, in order.
//! - **Partial reads**: a request split anywhere (even one byte per read) comes out whole, once.
//! - **Bounded memory**: the buffer never holds more than [`BUFFER_CAPACITY`] bytes. A head
//!   longer than [`MAX_HEAD`] is an error (431) instead of a reason to grow; a body is counted
//!   and discarded as it arrives, never stored, and one larger than [`MAX_BODY`] is refused
//!   (413). A client can therefore never make a server's memory grow without bound.
//! - **Errors are final**: after an error the framer keeps returning it; the server answers it
//!   with [`FrameError::status`] and closes, because it can no longer tell where the next
//!   request would begin.
//!
//! # States
//!
//! ```text
//!            head complete, no body                 body fully discarded
//!   ┌──────┐ ───────────────────────▶ request ◀──────────────────────── ┌──────┐
//!   │ Head │                                                              │ Body │
//!   └──────┘ ──── head complete, Content-Length n > 0 ──────────────────▶ └──────┘
//!      │
//!      └── malformed / too large ──▶ Failed (sticky)
//! ```

use std::fmt;

/// The longest request head (request line + headers) we accept. Real clients send a few hundred
/// bytes; 8 KiB is the limit many servers (nginx, Node.js) use by default.
pub const MAX_HEAD: usize = 8 * 1024;

/// The largest body we accept. The workshop's app ignores bodies, so they are skipped, not
/// stored; the limit only stops a client from tying a connection up with a huge upload.
pub const MAX_BODY: u64 = 1024 * 1024;

/// How many headers a request may carry (`httparse` needs a fixed array to parse into).
const MAX_HEADERS: usize = 64;

/// How much free space [`Framer::read_buf`] tries to offer: one read of this size takes in a
/// typical request whole, and several pipelined ones.
const READ_CHUNK: usize = 4 * 1024;

/// The most bytes a framer ever buffers: a maximal head plus one chunk read past it, which is
/// how a too-long head is noticed.
pub const BUFFER_CAPACITY: usize = MAX_HEAD + READ_CHUNK;

/// The request method. The app only serves `GET` and `HEAD`; the rest get 405.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Other(String),
}

/// `HTTP/1.0` closes after each response unless asked not to; `HTTP/1.1` keeps the connection
/// open unless asked to close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// A complete request head (its body, if any, has been received and discarded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The request target as sent: path and query, e.g. `/?io_ms=10`.
    pub target: String,
    pub version: Version,
    /// Whether the client wants the connection kept open after the response.
    pub keep_alive: bool,
    /// Length of the body that followed the head (already discarded).
    pub content_length: u64,
}

impl Request {
    /// The target without its query string.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The value of `name` in the query string (`/?io_ms=10` → `Some("10")`).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }
}

/// Why bytes could not be framed into a request. Each maps to the status the server answers
/// before closing the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Not valid HTTP/1.x (bad request line, bad header, bad `Content-Length`...). 400.
    Malformed(&'static str),
    /// The head is longer than [`MAX_HEAD`] or has more than the headers we parse. 431.
    HeadTooLarge,
    /// `Content-Length` is larger than [`MAX_BODY`]. 413.
    BodyTooLarge,
    /// `Transfer-Encoding` (chunked bodies) is not supported by this small server. 501.
    UnsupportedTransferEncoding,
}

impl FrameError {
    /// The response status that reports this error to the client.
    pub fn status(&self) -> Status {
        match self {
            FrameError::Malformed(_) => Status::BadRequest,
            FrameError::HeadTooLarge => Status::HeaderFieldsTooLarge,
            FrameError::BodyTooLarge => Status::PayloadTooLarge,
            FrameError::UnsupportedTransferEncoding => Status::NotImplemented,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Malformed(why) => write!(f, "malformed request: {why}"),
            FrameError::HeadTooLarge => write!(f, "request head larger than {MAX_HEAD} bytes"),
            FrameError::BodyTooLarge => write!(f, "request body larger than {MAX_BODY} bytes"),
            FrameError::UnsupportedTransferEncoding => write!(f, "Transfer-Encoding unsupported"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Where the framer is in the stream of bytes.
#[derive(Debug)]
enum State {
    /// Waiting for (the rest of) a request head.
    Head,
    /// A head arrived; `remaining` body bytes must pass before the request is complete.
    Body { request: Request, remaining: u64 },
    /// An error was found; nothing more can be framed.
    Failed(FrameError),
}

/// Turns a stream of bytes into requests. See the [module docs](self).
#[derive(Debug)]
pub struct Framer {
    /// Bytes `buf[start..end]` are received but not yet framed. `buf.len()` is what has been
    /// allocated so far; it grows on demand up to [`BUFFER_CAPACITY`] and no further.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    state: State,
}

impl Default for Framer {
    fn default() -> Self {
        Self::new()
    }
}

impl Framer {
    /// A framer with nothing buffered. It allocates nothing until the first read.
    pub fn new() -> Self {
        Framer {
            buf: Vec::new(),
            start: 0,
            end: 0,
            state: State::Head,
        }
    }

    /// Free space to read into. Always non-empty while no error has been returned: after
    /// [`next_request`](Self::next_request) returns `Ok(None)` the unframed bytes are at most
    /// [`MAX_HEAD`], so at least [`READ_CHUNK`] bytes of the capacity are free.
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.start > 0 {
            // Move the unframed tail to the front so the free space is one slice.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let wanted = (self.end + READ_CHUNK).min(BUFFER_CAPACITY);
        if self.buf.len() < wanted {
            self.buf.resize(wanted, 0);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were written at the front of the slice [`read_buf`](Self::read_buf)
    /// returned.
    ///
    /// # Panics
    ///
    /// If `n` is larger than that slice: the caller claims bytes it cannot have read.
    pub fn filled(&mut self, n: usize) {
        assert!(
            self.end + n <= self.buf.len(),
            "filled({n}) is more than read_buf() offered"
        );
        self.end += n;
    }

    /// Copies as much of `bytes` as fits into the buffer and returns how many were taken. A
    /// convenience for callers that already hold bytes (tests, tools); servers read straight
    /// into [`read_buf`](Self::read_buf). Call [`next_request`](Self::next_request) until it
    /// returns `Ok(None)` before feeding the rest.
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        let space = self.read_buf();
        let n = space.len().min(bytes.len());
        space[..n].copy_from_slice(&bytes[..n]);
        self.filled(n);
        n
    }

    /// True when nothing is buffered and no request is half-received: a clean place for the
    /// peer to close the connection.
    pub fn is_idle(&self) -> bool {
        self.start == self.end && matches!(self.state, State::Head)
    }

    /// The next complete request, `Ok(None)` if more bytes are needed, or the error that ends
    /// this connection.
    pub fn next_request(&mut self) -> Result<Option<Request>, FrameError> {
        loop {
            match &mut self.state {
                State::Failed(error) => return Err(error.clone()),
                State::Body { remaining, .. } => {
                    let available = (self.end - self.start) as u64;
                    let skipped = available.min(*remaining);
                    // `skipped` is at most `end - start`, a usize, so this cannot truncate.
                    self.start += skipped as usize;
                    *remaining -= skipped;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    let State::Body { request, .. } =
                        std::mem::replace(&mut self.state, State::Head)
                    else {
                        unreachable!("matched State::Body above");
                    };
                    return Ok(Some(request));
                }
                State::Head => match parse_head(&self.buf[self.start..self.end]) {
                    Ok(None) => return Ok(None),
                    Ok(Some((request, head_len))) => {
                        self.start += head_len;
                        if request.content_length == 0 {
                            return Ok(Some(request));
                        }
                        let remaining = request.content_length;
                        self.state = State::Body { request, remaining };
                    }
                    Err(error) => {
                        self.state = State::Failed(error.clone());
                        return Err(error);
                    }
                },
            }
        }
    }
}

/// Parses one head from the front of `bytes`: the request and the head's length, `None` if the
/// head is not complete yet.
fn parse_head(bytes: &[u8]) -> Result<Option<(Request, usize)>, FrameError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD => {
            return Err(FrameError::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(FrameError::HeadTooLarge),
        Err(error) => return Err(FrameError::Malformed(parse_error_reason(error))),
    };
    if head_len > MAX_HEAD {
        return Err(FrameError::HeadTooLarge);
    }
    let version = match parsed.version {
        Some(0) => Version::Http10,
        Some(1) => Version::Http11,
        _ => return Err(FrameError::Malformed("unsupported HTTP version")),
    };
    let method = match parsed.method {
        Some("GET") => Method::Get,
        Some("HEAD") => Method::Head,
        Some(other) => Method::Other(other.to_string()),
        None => return Err(FrameError::Malformed("missing method")),
    };
    let target = parsed
        .path
        .ok_or(FrameError::Malformed("missing request target"))?
        .to_string();

    let mut content_length: Option<u64> = None;
    let mut keep_alive = version == Version::Http11;
    for header in parsed.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or(FrameError::Malformed("invalid Content-Length"))?;
            if content_length.is_some_and(|previous| previous != value) {
                return Err(FrameError::Malformed("conflicting Content-Length headers"));
            }
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(FrameError::UnsupportedTransferEncoding);
        } else if header.name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY {
        return Err(FrameError::BodyTooLarge);
    }
    let request = Request {
        method,
        target,
        version,
        keep_alive,
        content_length,
    };
    Ok(Some((request, head_len)))
}

fn parse_error_reason(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid token in request line",
        httparse::Error::Version => "invalid HTTP version",
        httparse::Error::TooManyHeaders => "too many headers",
    }
}

/// The response statuses the workshop's servers send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    HeaderFieldsTooLarge,
    NotImplemented,
    ServiceUnavailable,
}

impl Status {
    pub fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::BadRequest => 400,
            Status::NotFound => 404,
            Status::MethodNotAllowed => 405,
            Status::PayloadTooLarge => 413,
            Status::HeaderFieldsTooLarge => 431,
            Status::NotImplemented => 501,
            Status::ServiceUnavailable => 503,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::BadRequest => "Bad Request",
            Status::NotFound => "Not Found",
            Status::MethodNotAllowed => "Method Not Allowed",
            Status::PayloadTooLarge => "Payload Too Large",
            Status::HeaderFieldsTooLarge => "Request Header Fields Too Large",
            Status::NotImplemented => "Not Implemented",
            Status::ServiceUnavailable => "Service Unavailable",
        }
    }
}

/// A response ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub body: &'static str,
    /// Whether the connection stays open afterwards (`Connection: close` is sent otherwise).
    pub keep_alive: bool,
    /// A response to `HEAD`: the headers describe the body, but it is not sent.
    pub head_only: bool,
}

impl Response {
    /// A response that closes the connection: the way every framing error is answered.
    pub fn closing(status: Status, body: &'static str) -> Self {
        Response {
            status,
            body,
            keep_alive: false,
            head_only: false,
        }
    }

    /// Appends the response's bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
            self.status.code(),
            self.status.reason(),
            self.body.len(),
            if self.keep_alive {
                ""
            } else {
                "Connection: close\r\n"
            },
        )
        .expect("writing into a Vec cannot fail");
        if !self.head_only {
            out.extend_from_slice(self.body.as_bytes());
        }
    }
}
