//! The probe's thread count follows spawn and join. Alone in its own test binary, so no other
//! test's threads start or end meanwhile.
#![cfg(target_os = "linux")]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use instruments::probe::Probe;

const EXTRA: u64 = 50;

#[test]
fn thread_count_follows_spawn_and_join() {
    let mut probe = Probe::new();
    let before = threads(&mut probe);

    let (started, all_started) = mpsc::channel();
    let parked: Vec<_> = (0..EXTRA)
        .map(|_| {
            let started = started.clone();
            thread::spawn(move || {
                started.send(()).expect("the test waits for every thread");
                thread::park();
            })
        })
        .collect();
    all_started.iter().take(EXTRA as usize).for_each(drop);
    let during = threads(&mut probe);
    assert!(during >= before + EXTRA, "{before} → {during}");

    for handle in parked {
        handle.thread().unpark();
        handle.join().expect("a parked thread does not panic");
    }
    // A joined thread may stay listed for a moment while the kernel releases it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = threads(&mut probe);
    while after > during - EXTRA && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
        after = threads(&mut probe);
    }
    assert!(after <= during - EXTRA, "{before} → {during} → {after}");
}

fn threads(probe: &mut Probe) -> u64 {
    probe.sample().threads.expect("Linux counts threads")
}
