//! The reactor on its own, with real sockets: the stale-event guarantee through the real
//! `poll` → dispatch path.

use std::net::UdpSocket as StdUdpSocket;

use mio::Interest;
use mio::event::Source;
use mio::net::UdpSocket;
use part2_reactor::reactor::{AsSource, Reactor, Target};

/// A source with a name, to see who an event is delivered to.
struct Named {
    name: &'static str,
    socket: UdpSocket,
}

impl AsSource for Named {
    fn source(&mut self) -> &mut dyn Source {
        &mut self.socket
    }
}

fn named(name: &'static str) -> Named {
    let socket = UdpSocket::bind("127.0.0.1:0".parse().expect("valid address")).expect("bind");
    Named { name, socket }
}

#[test]
fn an_event_polled_before_its_slot_was_reused_is_dropped_at_dispatch() {
    let mut reactor = Reactor::new(16).expect("reactor");
    let old = named("old");
    let old_addr = old.socket.local_addr().expect("addr");
    let old_key = reactor.register(old, Interest::READABLE).expect("register");

    // The OS reports the old socket readable...
    let sender = StdUdpSocket::bind("127.0.0.1:0").expect("bind sender");
    sender
        .send_to(b"for the old socket", old_addr)
        .expect("send");
    let mut batch = Vec::new();
    while batch.is_empty() {
        reactor.poll(None, &mut batch).expect("poll");
    }

    // ...but before the batch is dispatched, a handler closes it and a newcomer takes its slot.
    let closed = reactor.deregister(old_key).expect("registered");
    assert_eq!(closed.name, "old");
    let new_key = reactor
        .register(named("new"), Interest::READABLE)
        .expect("register");
    assert_eq!(new_key.index(), old_key.index());

    // Dispatching the batch now: the event does not reach the newcomer.
    for event in &batch {
        assert_eq!(reactor.resolve(event), Target::Stale);
    }
    assert_eq!(reactor.get_mut(new_key).map(|s| s.name), Some("new"));
}
