//! Watching another process from outside (`PidProbe`, Linux): its numbers are that process's,
//! they move when it works, and a process that is gone is an error, not a zero.
#![cfg(target_os = "linux")]

use std::cell::RefCell;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use instruments::probe::pid::PidProbe;
use instruments::testing::eventually;

/// A child process that is killed when the test ends, a failed assertion included: a spinning
/// shell left behind would take a core from everything that runs after the tests.
struct KilledOnDrop(Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_busy_child_shows_its_cpu_and_memory() {
    // A shell spinning in a loop: one thread, all the CPU it gets.
    let mut child = KilledOnDrop(
        Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .spawn()
            .expect("sh runs"),
    );
    let probe = RefCell::new(PidProbe::new(child.0.id()));
    // Until the child has finished becoming `sh` (exec), it may have no memory of its own yet.
    eventually("the child shows its memory", || {
        probe.borrow_mut().sample().expect("the child is alive").rss > 0
    });
    let first = probe.borrow_mut().sample().expect("the child is alive");
    assert_eq!(first.threads, 1, "a shell has one thread: {first:?}");
    eventually("the spinning child's CPU shows", || {
        probe
            .borrow_mut()
            .sample()
            .expect("still alive")
            .cpu_percent
            > 0.0
    });

    child.0.kill().expect("the child can be killed");
    child.0.wait().expect("and reaped");
    assert!(
        probe.borrow_mut().sample().is_err(),
        "a reaped process cannot be sampled"
    );
    assert!(probe.borrow_mut().context_switches().is_err());
}

#[test]
fn context_switches_count_every_live_thread() {
    const SLEEPS: u64 = 10;
    let mut probe = PidProbe::new(std::process::id());
    // A thread that gives the CPU up SLEEPS times (each sleep is a voluntary switch), then
    // stays alive until told to end, so that its counts are still there to read.
    let (slept, wait_for_it) = mpsc::channel();
    let (end, ended) = mpsc::channel::<()>();
    let sleeper = std::thread::spawn(move || {
        for _ in 0..SLEEPS {
            std::thread::sleep(Duration::from_millis(1));
        }
        slept.send(()).expect("the test waits for this");
        let _ = ended.recv();
    });
    wait_for_it.recv().expect("the sleeper slept");
    let switches = probe.context_switches().expect("this process is alive");
    end.send(()).expect("the sleeper waits");
    sleeper.join().expect("the sleeper does not panic");
    assert!(
        switches.voluntary >= SLEEPS,
        "the sleeper's own switches are summed in: {switches:?}"
    );
    let threads = probe.sample().expect("alive").threads;
    assert!(
        threads >= 2,
        "the harness's main thread and this test's: {threads}"
    );
}
