//! The smallest event loop on mio: one thread, one `Poll`, a listener and every connection.
//! It prints what each client sends. The lesson shows it before the real server.
//!
//! ```text
//! cargo run --release -p part2-reactor --example mio_loop
//! bash -c 'echo hello > /dev/tcp/127.0.0.1/8081'   # from other terminals, as many as you like
//! ```
//!
//! (bash's `/dev/tcp/HOST/PORT` opens a TCP connection: nothing to install.)

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(0);
/// Where it listens: a fixed port, so that the lesson's command can name it.
const ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8081);

fn main() -> io::Result<()> {
    let mut poll = Poll::new()?; // epoll_create
    let mut events = Events::with_capacity(1024); // at most 1024 events per poll
    let mut listener = TcpListener::bind(ADDR)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?; // epoll_ctl(ADD)
    println!(
        "listening on {ADDR}; from other terminals: bash -c 'echo hello > /dev/tcp/{}/{}'",
        ADDR.ip(),
        ADDR.port()
    );
    let mut connections = HashMap::new();
    let mut next_token = 1;

    loop {
        poll.poll(&mut events, None)?; // epoll_wait: the only place the thread waits
        for event in events.iter() {
            if event.token() == LISTENER {
                // Edge-triggered: accept until WouldBlock, or the rest wait unannounced.
                loop {
                    match listener.accept() {
                        Ok((mut stream, _peer)) => {
                            let token = Token(next_token);
                            next_token += 1;
                            poll.registry()
                                .register(&mut stream, token, Interest::READABLE)?;
                            connections.insert(token, stream);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
            } else if let Some(stream) = connections.get_mut(&event.token()) {
                // The same discipline for reads: until WouldBlock (or the end).
                let mut buf = [0; 4096];
                let open = loop {
                    match stream.read(&mut buf) {
                        Ok(0) => break false, // the client closed its side
                        Ok(n) => println!(
                            "{:?}: {}",
                            event.token(),
                            String::from_utf8_lossy(&buf[..n]).trim_end()
                        ),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break false,
                    }
                };
                if !open {
                    // Dropping the socket closes it, which also takes it out of epoll.
                    connections.remove(&event.token());
                }
            }
        }
    }
}
