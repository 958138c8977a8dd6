//! The client's half of HTTP/1.1: write a `GET /`, read one whole response.
//!
//! One request at a time per connection (no pipelining), so after a request the bytes that come
//! back are exactly one response: a head, then a body whose end the head announces. TCP is a
//! byte stream, so the head may arrive in pieces; [`exchange`] keeps reading until `httparse`
//! sees a complete head, then reads `Content-Length` bytes of body (or, without a length, until
//! the server closes). Bytes past the announced end would mean the server answered something
//! we did not ask for, so they are an error rather than silently kept for the next response.
//!
//! Chunked bodies are not supported: every server in this course sends `Content-Length`, and a
//! clear error beats a wrong measurement against a server that does not.

use std::io::{self, ErrorKind};
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest response head accepted, as the servers in this course accept for requests.
const MAX_HEAD: usize = 8 * 1024;
/// Headers parsed per response; a `200 hello` has three or four.
const MAX_HEADERS: usize = 32;
/// Bytes asked of each read: a whole small response in one go, little memory per connection.
const READ_CHUNK: usize = 512;

/// The request the load generator sends, again and again.
pub fn request(host: SocketAddr, close: bool) -> Box<[u8]> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET / HTTP/1.1\r\nHost: {host}\r\n{connection}\r\n")
        .into_bytes()
        .into_boxed_slice()
}

/// What the load generator needs to know about a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The server will close the connection after this response.
    pub close: bool,
}

/// How the end of a body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(usize),
    UntilClose,
}

/// Sends `request` and reads the whole response. `buf` is scratch space kept between calls so
/// that a connection does not allocate per request.
pub async fn exchange<S>(stream: &mut S, request: &[u8], buf: &mut Vec<u8>) -> io::Result<Response>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream.write_all(request).await?;
    buf.clear();
    let (head_len, response, body) = loop {
        if let Some(head) = parse_head(buf)? {
            break head;
        }
        if buf.len() >= MAX_HEAD {
            return Err(invalid("the response head is larger than 8 KiB"));
        }
        read_more(stream, buf).await?;
    };
    let mut body_read = buf.len() - head_len;
    match body {
        Body::Length(length) => {
            while body_read < length {
                buf.clear();
                body_read += read_more(stream, buf).await?;
            }
            if body_read > length {
                return Err(invalid(
                    "the server sent bytes past the end of the response",
                ));
            }
        }
        Body::UntilClose => loop {
            buf.clear();
            match read_more(stream, buf).await {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
        },
    }
    buf.clear();
    Ok(response)
}

/// Reads what the socket has (at least one byte) onto the end of `buf`.
async fn read_more<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.reserve(READ_CHUNK);
    match stream.read_buf(buf).await? {
        0 => Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection before the response was complete",
        )),
        n => Ok(n),
    }
}

/// The head's length, the response, and how its body ends; `None` while the head is incomplete.
fn parse_head(bytes: &[u8]) -> io::Result<Option<(usize, Response, Body)>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(invalid(&format!("the response is not valid HTTP: {e}"))),
    };
    let status = parsed
        .code
        .expect("a complete response head has a status code");
    // HTTP/1.0 closes after each response unless asked otherwise; HTTP/1.1 keeps the connection.
    let mut close = parsed.version == Some(0);
    let mut length = None;
    for header in parsed.headers.iter() {
        let value = std::str::from_utf8(header.value).unwrap_or("");
        if header.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    close = false;
                }
            }
        } else if header.name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .trim()
                .parse()
                .map_err(|_| invalid(&format!("bad Content-Length {value:?}")))?;
            if length.is_some_and(|previous| previous != n) {
                return Err(invalid("two different Content-Length headers"));
            }
            length = Some(n);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid(
                "chunked responses are not supported (no Content-Length)",
            ));
        }
    }
    // 1xx, 204 and 304 responses never have a body, whatever the headers say.
    let bodiless = status < 200 || status == 204 || status == 304;
    let body = match length {
        _ if bodiless => Body::Length(0),
        Some(n) => Body::Length(n),
        None => {
            close = true;
            Body::UntilClose
        }
    };
    Ok(Some((head_len, Response { status, close }, body)))
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one exchange against a peer that answers `reply`, written in pieces of
    /// `piece` bytes (a pipe of that capacity), then closes.
    async fn exchange_with(reply: &'static [u8], piece: usize) -> io::Result<Response> {
        let (mut client, mut server) = tokio::io::duplex(piece);
        let peer = tokio::spawn(async move {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                if server.read(&mut byte).await? == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            server.write_all(reply).await?;
            server.shutdown().await?;
            io::Result::Ok(head)
        });
        let host = SocketAddr::from(([127, 0, 0, 1], 80));
        let result = exchange(&mut client, &request(host, false), &mut Vec::new()).await;
        drop(client);
        let head = peer.await.expect("the peer task does not panic")?;
        assert_eq!(head, b"GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n");
        result
    }

    const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    #[tokio::test]
    async fn reads_a_response_in_one_piece_or_byte_by_byte() {
        let whole = Response {
            status: 200,
            close: false,
        };
        assert_eq!(exchange_with(HELLO, 4096).await.unwrap(), whole);
        assert_eq!(exchange_with(HELLO, 1).await.unwrap(), whole);
    }

    #[tokio::test]
    async fn sees_connection_close_and_errors() {
        let unavailable =
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(
            exchange_with(unavailable, 7).await.unwrap(),
            Response {
                status: 503,
                close: true
            }
        );
        let http10 = b"HTTP/1.0 200 OK\r\n\r\nhello until close";
        assert!(exchange_with(http10, 3).await.unwrap().close);
    }

    #[tokio::test]
    async fn incomplete_or_wrong_responses_are_errors() {
        let cut = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhel";
        assert_eq!(
            exchange_with(cut, 64).await.unwrap_err().kind(),
            ErrorKind::UnexpectedEof
        );
        let cut_head = b"HTTP/1.1 200 OK\r\nContent-Len";
        assert_eq!(
            exchange_with(cut_head, 64).await.unwrap_err().kind(),
            ErrorKind::UnexpectedEof
        );
        for bad in [
            &b"SMTP ready\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello",
        ] {
            let err = exchange_with(bad, 4096).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
        }
    }
}
