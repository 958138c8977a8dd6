//! Handing the CPU to another piece of work: a thread context switch against a waker round
//! trip on our one-thread runtime (`cargo bench -p part3-wakers`).
//!
//! Both sides do [`HAND_OFFS`] hand-offs per iteration, so their times compare directly, and
//! divan's throughput column is per hand-off:
//!
//! - **threads**: two threads pass a message back and forth over `std::sync::mpsc` channels.
//!   Each message wakes a thread blocked in `recv`: the kernel switches it in (and the sender,
//!   blocked in its own `recv`, out). This is how part 1's threads wait for each other.
//! - **waker**: one task calls [`yield_now`] in a loop: its waker puts it back on the run
//!   queue, and the runtime polls it again. No system call, except the runtime's look at the
//!   driver every [`EVENT_INTERVAL`](part3_wakers::executor::EVENT_INTERVAL) polls.

use std::sync::mpsc;
use std::thread;

use divan::Bencher;
use divan::counter::ItemsCount;
use part3_wakers::{Runtime, yield_now};

/// Hand-offs per iteration: enough that spawning and joining the task (once per iteration) is
/// lost in the noise.
const HAND_OFFS: usize = 1_000;

fn main() {
    divan::main();
}

/// Two threads, each woken by the other's message: two context switches per round trip.
#[divan::bench(sample_count = 30)]
fn thread_ping_pong(bencher: Bencher) {
    let (to_echo, echo_inbox) = mpsc::channel::<()>();
    let (to_bench, bench_inbox) = mpsc::channel::<()>();
    let echo = thread::spawn(move || {
        while echo_inbox.recv().is_ok() {
            if to_bench.send(()).is_err() {
                break;
            }
        }
    });
    bencher.counter(ItemsCount::new(HAND_OFFS)).bench_local(|| {
        for _ in 0..HAND_OFFS / 2 {
            to_echo.send(()).expect("the echo thread is alive");
            bench_inbox.recv().expect("the echo thread answers");
        }
    });
    drop(to_echo);
    echo.join()
        .expect("the echo thread ends when its channel closes");
}

/// One task that yields: each yield is a wake (the task goes back on the run queue) and a poll.
#[divan::bench(sample_count = 30)]
fn waker_round_trip(bencher: Bencher) {
    let runtime = Runtime::new().expect("a runtime");
    bencher.counter(ItemsCount::new(HAND_OFFS)).bench_local(|| {
        runtime.block_on(async {
            let task = part3_wakers::spawn(async {
                for _ in 0..HAND_OFFS {
                    yield_now().await;
                }
            });
            task.await.expect("the task completes");
        })
    });
}
