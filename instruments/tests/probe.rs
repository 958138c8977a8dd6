//! The probe against the real OS: its numbers are sane, and they move when the process does
//! something (more threads, a busy thread, a thread that keeps sleeping).
//!
//! The test harness runs tests on threads of this same process, so these take turns
//! (`one_at_a_time`) to keep each other's threads out of their figures. The exact thread
//! count is tested alone in its own process, in `probe_threads.rs`.

use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use instruments::probe::{Probe, TOP_THREADS};

/// Long enough between two samples for sysinfo's CPU refresh (it asks for 200 ms).
const BETWEEN_SAMPLES: Duration = Duration::from_millis(250);

fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    // A test that failed while holding the lock poisons it; the others can still run.
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn values_are_sane() {
    let _turn = one_at_a_time();
    let mut probe = Probe::new();
    thread::sleep(BETWEEN_SAMPLES);
    let sample = probe.sample();

    assert!(sample.rss > 0, "{sample:?}");
    assert!(sample.virtual_size >= sample.rss, "{sample:?}");
    assert!(sample.mem_total > sample.rss, "{sample:?}");
    assert!(!sample.cpu_cores.is_empty());
    for core in &sample.cpu_cores {
        assert!((0.0..=100.0).contains(core), "{core}");
    }
    assert!(
        (0.0..=100.0).contains(&sample.cpu_avg),
        "{}",
        sample.cpu_avg
    );
    assert!(sample.process_cpu >= 0.0);
    assert!(sample.ctx_voluntary_per_s >= 0.0 && sample.ctx_involuntary_per_s >= 0.0);
    assert!(sample.top_threads.len() <= TOP_THREADS);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    #[test]
    fn linux_only_fields_are_present() {
        let _turn = one_at_a_time();
        let sample = Probe::new().sample();
        assert!(
            sample.kernel_stack.is_some_and(|bytes| bytes > 0),
            "{sample:?}"
        );
        assert!(sample.fds.is_some_and(|fds| fds > 0), "{sample:?}");
        let threads = sample.threads.expect("Linux counts threads");
        assert!(threads >= 1);
        // A thread of the test harness may end between the count and its row.
        assert!(!sample.top_threads.is_empty());
        assert!(sample.top_threads.len() as u64 <= threads.min(TOP_THREADS as u64));
        let mem = sample.top_threads[0].mem;
        assert!(mem > 0.0, "{sample:?}");
        for row in &sample.top_threads {
            assert_eq!(row.mem, mem, "every thread shows the process's memory");
            assert!(!row.user.is_empty());
        }
        for pair in sample.top_threads.windows(2) {
            assert!(pair[0].cpu >= pair[1].cpu, "busiest first: {pair:?}");
        }
    }

    #[test]
    fn a_busy_named_thread_shows_in_the_table() {
        let _turn = one_at_a_time();
        let mut probe = Probe::new();
        let (burnt, burning_done) = mpsc::channel();
        let (sampled, may_exit) = mpsc::channel::<()>();
        let burner = thread::Builder::new()
            .name("probe-burner".to_owned())
            .spawn(move || {
                let until = Instant::now() + Duration::from_millis(300);
                let mut spin = 0_u64;
                while Instant::now() < until {
                    spin = std::hint::black_box(spin.wrapping_add(1));
                }
                burnt.send(()).expect("the test waits for the burn");
                // Stay alive (and idle) until the second sample has seen this thread.
                let _ = may_exit.recv();
            })
            .expect("spawning one thread");
        burning_done.recv().expect("the burner reports");
        let sample = probe.sample();
        drop(sampled);
        burner.join().expect("the burner does not panic");

        let row = sample
            .top_threads
            .iter()
            .find(|row| row.cmd == "probe-burner")
            .unwrap_or_else(|| panic!("probe-burner is among {:?}", sample.top_threads));
        assert!(row.cpu > 0.0, "{row:?}");
    }
}

#[test]
fn a_thread_that_keeps_sleeping_shows_context_switches() {
    let _turn = one_at_a_time();
    let mut probe = Probe::new();
    thread::spawn(|| {
        for _ in 0..200 {
            thread::sleep(Duration::from_millis(1));
        }
    })
    .join()
    .expect("the sleeper does not panic");
    let sample = probe.sample();
    assert!(sample.ctx_voluntary_per_s > 0.0, "{sample:?}");
}

#[test]
fn a_probe_can_move_to_a_sampler_thread() {
    let _turn = one_at_a_time();
    let mut probe = Probe::new();
    let sample = thread::spawn(move || probe.sample())
        .join()
        .expect("sampling does not panic");
    assert!(sample.rss > 0);
}
