//! What one turn of the reactor costs with N sources ready (`cargo bench -p part2-reactor`).
//!
//! A turn is what the event loop does before any handler runs: one `epoll_wait`
//! ([`Reactor::poll`]) that returns the N ready events, and [`Reactor::resolve`] for each. The
//! system call is paid once per turn however many events it returns, so the cost *per event*
//! falls as N grows: this is why, under load, the reactor makes far fewer polls than requests.
//!
//! The sources are UDP sockets, each sent one datagram before the turn (outside the timing):
//! mio registers them edge-triggered, so each arrival is one event.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use mio::Interest;
use mio::event::Source;
use mio::net::UdpSocket;
use part2_reactor::reactor::{AsSource, Reactor, ReadyEvent, Target};
use part2_reactor::server::DEFAULT_EVENTS_CAPACITY;
use part2_reactor::token::Key;

fn main() {
    // 1 024 sockets and a few more: more than some systems' default descriptor limit.
    instruments::limits::raise_fd_limit().expect("raising the descriptor limit");
    divan::main();
}

struct Receiver(UdpSocket);

impl AsSource for Receiver {
    fn source(&mut self) -> &mut dyn Source {
        &mut self.0
    }
}

/// N registered sockets and one sender that makes them all ready.
struct Sources {
    reactor: Reactor<Receiver>,
    keys: Vec<Key>,
    addrs: Vec<SocketAddr>,
    sender: StdUdpSocket,
    /// The events of a turn, allocated once as the event loop does.
    ready: Vec<ReadyEvent>,
}

impl Sources {
    fn new(n: usize) -> io::Result<Sources> {
        let mut reactor = Reactor::new(DEFAULT_EVENTS_CAPACITY)?;
        let (mut keys, mut addrs) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let socket = UdpSocket::bind("127.0.0.1:0".parse().expect("a valid address"))?;
            addrs.push(socket.local_addr()?);
            keys.push(reactor.register(Receiver(socket), Interest::READABLE)?);
        }
        let sender = StdUdpSocket::bind("127.0.0.1:0")?;
        let mut sources = Sources {
            reactor,
            keys,
            addrs,
            sender,
            ready: Vec::with_capacity(DEFAULT_EVENTS_CAPACITY),
        };
        // The registrations' first events (none expected for empty sockets) are not the turn's.
        sources.turn();
        Ok(sources)
    }

    /// Empties every socket, then sends each one datagram: N new events wait for the next poll.
    fn make_all_ready(&mut self) {
        let mut buf = [0; 1];
        for (&key, addr) in self.keys.iter().zip(&self.addrs) {
            let socket = &self.reactor.get_mut(key).expect("registered").0;
            while socket.recv(&mut buf).is_ok() {}
            self.sender
                .send_to(b"x", addr)
                .expect("sending on loopback");
        }
    }

    /// One turn: poll without waiting, resolve every event. Returns the sources found ready.
    fn turn(&mut self) -> usize {
        self.reactor
            .poll(Some(Duration::ZERO), &mut self.ready)
            .expect("epoll_wait");
        self.ready
            .iter()
            .filter(|event| matches!(self.reactor.resolve(event), Target::Source(_)))
            .count()
    }
}

/// One turn with `n` sources ready; divan's throughput column is per event.
#[divan::bench(args = [1, 64, 1024], sample_size = 1, sample_count = 200)]
fn turn_with_n_ready(bencher: Bencher, n: usize) {
    let sources = RefCell::new(Sources::new(n).expect("setting up the sockets"));
    sources.borrow_mut().make_all_ready();
    assert_eq!(
        sources.borrow_mut().turn(),
        n,
        "every source is ready for the turn"
    );
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| sources.borrow_mut().make_all_ready())
        .bench_local_values(|()| sources.borrow_mut().turn());
}
