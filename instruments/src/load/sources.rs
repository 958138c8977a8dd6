//! Which local address each client socket connects from.
//!
//! A TCP connection is named by four numbers: source address, source port, destination address,
//! destination port. Against one server the last two are fixed, so a client machine with one
//! address can hold only as many connections as it has *ephemeral ports* — on Linux the range in
//! `/proc/sys/net/ipv4/ip_local_port_range`, 32768–60999 by default: 28 232 ports. Worse, a closed
//! connection keeps its four numbers in `TIME_WAIT` for about 60 seconds (so that a late packet
//! of the old connection cannot land in a new one), and a client that opens a connection per
//! request burns through the range in seconds.
//!
//! On Linux, all of 127.0.0.0/8 is the loopback interface, so against a server on a loopback
//! address the client can also connect *from* 127.0.0.2, 127.0.0.3, … — each with its own 28 232
//! ports. The load generator does that when it needs to: in churn mode, and when the connections
//! asked for would fill more than half of one address's range (the other half is headroom for
//! ports held in `TIME_WAIT` after reconnects). Elsewhere it lets the OS pick.
//!
//! To use a source address the socket is bound before `connect`. A plain `bind(ip, port 0)`
//! must pick the port at once, knowing nothing of the destination, so it can only choose ports
//! no other socket on that address holds. Linux's `IP_BIND_ADDRESS_NO_PORT` defers the port
//! choice to `connect`, which only needs the full four-number name to be unused: the same
//! port can then serve connections to different servers.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use tokio::net::{TcpSocket, TcpStream};

use super::report::ConnectionMode;

/// Linux's default ephemeral port range (32768–60999), used if the real one cannot be read.
const DEFAULT_EPHEMERAL_PORTS: u64 = 60_999 - 32_768 + 1;
/// Source addresses used in churn mode: with ports held ~60 s in `TIME_WAIT`, each address
/// sustains about 28 232 / 60 ≈ 470 new connections per second; 32 of them, about 15 000.
const CHURN_SOURCE_ADDRESSES: u64 = 32;
/// At most 127.0.0.1 … 127.0.0.64: enough for 900 000 connections, far past any fd limit.
const MAX_SOURCE_ADDRESSES: u64 = 64;

/// How many ephemeral ports one source address has towards one server.
pub fn ephemeral_ports() -> u64 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| port_range_size(&text))
        .unwrap_or(DEFAULT_EPHEMERAL_PORTS)
}

/// The number of ports in a range written as `low high`.
fn port_range_size(text: &str) -> Option<u64> {
    let mut bounds = text.split_whitespace().map(str::parse::<u64>);
    match (bounds.next(), bounds.next()) {
        (Some(Ok(low)), Some(Ok(high))) if high >= low => Some(high - low + 1),
        _ => None,
    }
}

/// How many source addresses to spread `connections` over (1 means: let the OS choose).
pub fn needed(target: SocketAddr, connections: u64, mode: ConnectionMode, ports: u64) -> u64 {
    let loopback_v4 = matches!(target.ip(), IpAddr::V4(ip) if ip.is_loopback());
    if !cfg!(target_os = "linux") || !loopback_v4 {
        return 1;
    }
    let for_connections = connections.div_ceil((ports / 2).max(1));
    let wanted = match mode {
        ConnectionMode::Churn => for_connections.max(CHURN_SOURCE_ADDRESSES),
        ConnectionMode::KeepAlive => for_connections,
    };
    wanted.clamp(1, MAX_SOURCE_ADDRESSES)
}

/// The source addresses in use; the engine re-plans them when connections or mode change.
#[derive(Debug)]
pub struct Sources {
    target: SocketAddr,
    ports: u64,
    count: AtomicU64,
}

impl Sources {
    pub fn new(target: SocketAddr) -> Self {
        Sources {
            target,
            ports: ephemeral_ports(),
            count: AtomicU64::new(1),
        }
    }

    pub fn plan(&self, connections: u64, mode: ConnectionMode) {
        let count = needed(self.target, connections, mode, self.ports);
        self.count.store(count, Relaxed);
    }

    /// The address for connection `id`'s `attempt`th connect: `None` lets the OS choose.
    pub fn pick(&self, id: u64, attempt: u64) -> Option<Ipv4Addr> {
        let count = self.count.load(Relaxed);
        // count ≤ MAX_SOURCE_ADDRESSES, so the last octet stays within 1..=64.
        (count > 1).then(|| Ipv4Addr::new(127, 0, 0, 1 + (id.wrapping_add(attempt) % count) as u8))
    }
}

/// Connects to `target`, from `source` if given.
pub async fn connect(target: SocketAddr, source: Option<Ipv4Addr>) -> io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect(target).await;
    };
    let socket = TcpSocket::new_v4()?;
    defer_port_choice(&socket)?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(target).await
}

/// Sets `IP_BIND_ADDRESS_NO_PORT` (see the module docs).
#[cfg(target_os = "linux")]
fn defer_port_choice(socket: &TcpSocket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: the fd is an open socket owned by `socket` for the whole call; the option value
    // points to a live c_int and the length passed is its size.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&on as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Source addresses are only planned on Linux (see [`needed`]).
#[cfg(not(target_os = "linux"))]
fn defer_port_choice(_socket: &TcpSocket) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: u64 = DEFAULT_EPHEMERAL_PORTS;

    #[test]
    fn one_address_is_enough_for_a_few_keep_alive_connections() {
        let local = SocketAddr::from(([127, 0, 0, 1], 8080));
        assert_eq!(needed(local, 100, ConnectionMode::KeepAlive, PORTS), 1);
        assert_eq!(needed(local, 0, ConnectionMode::KeepAlive, PORTS), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn many_connections_or_churn_spread_over_loopback_addresses() {
        let local = SocketAddr::from(([127, 0, 0, 1], 8080));
        assert_eq!(needed(local, 20_000, ConnectionMode::KeepAlive, PORTS), 2);
        assert_eq!(
            needed(local, 10, ConnectionMode::Churn, PORTS),
            CHURN_SOURCE_ADDRESSES
        );
        assert_eq!(
            needed(local, u64::MAX, ConnectionMode::KeepAlive, PORTS),
            MAX_SOURCE_ADDRESSES
        );
    }

    #[test]
    fn remote_and_ipv6_targets_use_the_os_choice() {
        let remote = SocketAddr::from(([10, 0, 0, 1], 8080));
        let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 8080));
        for target in [remote, v6] {
            assert_eq!(needed(target, 100_000, ConnectionMode::Churn, PORTS), 1);
        }
    }

    #[test]
    fn port_ranges_are_read_like_the_kernel_writes_them() {
        assert_eq!(port_range_size("32768\t60999\n"), Some(PORTS));
        assert_eq!(port_range_size("1024 1024"), Some(1));
        assert_eq!(port_range_size("60999 32768"), None);
        assert_eq!(port_range_size("garbage"), None);
    }
}
