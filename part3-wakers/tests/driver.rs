//! The driver on its own, with real sockets and real time, and plain wakers for tasks.

use std::net::UdpSocket as StdUdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use part3_wakers::driver::Driver;
use part3_wakers::scheduled_io::Direction;

/// A waker that counts its wakes: a task, as far as the driver can tell.
#[derive(Default)]
struct Task(AtomicUsize);

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn task() -> (Arc<Task>, Waker) {
    let task = Arc::new(Task::default());
    (Arc::clone(&task), Waker::from(task))
}

fn udp() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0".parse().expect("valid address")).expect("bind")
}

#[test]
fn a_timer_ends_a_turn_and_wakes_its_task_once() {
    let driver = Driver::new(16).expect("driver");
    let (task, waker) = task();
    let deadline = Instant::now() + Duration::from_millis(20);
    driver.add_timer(deadline, waker);
    let mut fired = 0;
    // No socket and no timeout of its own: only the timer can end these turns.
    while fired == 0 {
        fired += driver.turn(None).expect("turn").fired_timers;
    }
    assert!(Instant::now() >= deadline, "the timer fired early");
    assert_eq!(fired, 1);
    assert_eq!(task.0.load(SeqCst), 1, "its task was woken once");
    assert_eq!(driver.load(), (0, 0), "no timer is left");
}

#[test]
fn a_cancelled_timer_wakes_nobody() {
    let driver = Driver::new(16).expect("driver");
    let (task, waker) = task();
    let id = driver.add_timer(Instant::now(), waker);
    driver.cancel_timer(id);
    let turned = driver.turn(Some(Duration::ZERO)).expect("turn");
    assert_eq!(turned.fired_timers, 0);
    assert_eq!(task.0.load(SeqCst), 0);
    assert_eq!(
        Arc::strong_count(&task),
        1,
        "the cancelled timer's waker was dropped"
    );
}

#[test]
fn an_earlier_timer_set_from_another_thread_shortens_a_turn_without_timeout() {
    let driver = Driver::new(16).expect("driver");
    let (task, waker) = task();
    let setter = {
        let driver = Arc::clone(&driver);
        thread::spawn(move || {
            // Give the main thread time to fall asleep in its turn (if it has not yet, the
            // timer is simply seen when it computes its timeout).
            thread::sleep(Duration::from_millis(20));
            driver.add_timer(Instant::now() + Duration::from_millis(10), waker);
        })
    };
    // Without the interruption this first turn would sleep forever.
    let mut fired = 0;
    while fired == 0 {
        fired += driver.turn(None).expect("turn").fired_timers;
    }
    setter.join().expect("the setter");
    assert_eq!(task.0.load(SeqCst), 1);
}

#[test]
fn unpark_ends_a_turn_from_another_thread() {
    let driver = Driver::new(16).expect("driver");
    let unparker = {
        let driver = Arc::clone(&driver);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            driver.unpark();
        })
    };
    let turned = driver.turn(None).expect("turn");
    unparker.join().expect("the unparker");
    assert!(turned.unparked || driver.turn(None).expect("turn").unparked);
}

#[test]
fn a_readable_socket_wakes_the_task_that_waits_to_read_it() {
    let driver = Driver::new(16).expect("driver");
    let mut receiver = udp();
    let addr = receiver.local_addr().expect("addr");
    let registration = driver.register(&mut receiver).expect("register");
    let (task, waker) = task();
    let mut cx = Context::from_waker(&waker);
    // A fresh UDP socket is writable at once: let the driver see that first.
    driver.turn(Some(Duration::from_millis(50))).expect("turn");
    assert!(
        registration
            .io
            .poll_ready(Direction::Read, &mut cx)
            .is_pending()
    );

    StdUdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .send_to(b"ping", addr)
        .expect("send");
    let mut woke = 0;
    while woke == 0 {
        woke += driver.turn(None).expect("turn").woke_readers;
    }
    assert_eq!(task.0.load(SeqCst), 1);
    assert!(
        registration
            .io
            .poll_ready(Direction::Read, &mut cx)
            .is_ready()
    );
    driver.deregister(&mut receiver, &registration);
    assert_eq!(driver.load(), (0, 0));
}

#[test]
fn an_event_for_a_deregistered_socket_is_stale_and_wakes_nobody() {
    let driver = Driver::new(16).expect("driver");
    let mut old = udp();
    let old_addr = old.local_addr().expect("addr");
    let registration = driver.register(&mut old).expect("register");
    let (task, waker) = task();
    assert!(
        registration
            .io
            .poll_ready(Direction::Read, &mut Context::from_waker(&waker))
            .is_pending()
    );
    // Bytes arrive and the OS queues an event, but the socket is deregistered (the future
    // dropped) and a newcomer takes its slot before the driver turns.
    StdUdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .send_to(b"late", old_addr)
        .expect("send");
    thread::sleep(Duration::from_millis(20));
    driver.deregister(&mut old, &registration);
    let mut new = udp();
    let newcomer = driver.register(&mut new).expect("register");
    assert_eq!(
        newcomer.key.index(),
        registration.key.index(),
        "the slot is reused"
    );
    let turned = driver.turn(Some(Duration::from_millis(50))).expect("turn");
    assert_eq!(turned.woke_readers, 0);
    assert_eq!(task.0.load(SeqCst), 0, "the old task is not woken");
    let (_, other) = self::task();
    assert!(
        newcomer
            .io
            .poll_ready(Direction::Read, &mut Context::from_waker(&other))
            .is_pending(),
        "the newcomer did not inherit the old socket's readiness"
    );
}
