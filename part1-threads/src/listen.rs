//! Opening the listening socket, the same way for every server in the workshop.
//!
//! `std::net::TcpListener::bind` asks the kernel for an accept queue of 128 connections, and so
//! do mio's (`mio/src/net/tcp/listener.rs`, "the same backlog value as the standard library")
//! and Tokio's, which calls mio's (`tokio/src/net/tcp/listener.rs`, `bind_addr`). When a load
//! generator opens thousands of connections at once, the 129th handshake waiting to be
//! accepted is dropped and its client retries a second later — a stall that would be blamed on
//! whichever server we happened to be measuring. Every part therefore
//! opens its listener here, with the deepest queue the system allows, so that a difference
//! between servers is a difference in how they serve, not in how they listen.

use std::io;
use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// The accept queue we ask for. The kernel caps it at `net.core.somaxconn` (4 096 on current
/// Linux, 128 on macOS), so `SOMAXCONN` means "as deep as this system allows".
const BACKLOG: i32 = libc::SOMAXCONN;

/// Binds a blocking listener to `addr` with a deep accept queue.
///
/// `SO_REUSEADDR` lets a demo restart on the same port at once, instead of waiting for the
/// previous run's connections to leave `TIME_WAIT`.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}
