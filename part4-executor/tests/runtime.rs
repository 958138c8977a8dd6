//! The runtime under stress: many tasks, long chains, wakes from other threads, tasks that never
//! stop yielding, panics, and shutdown in the middle of it all. After each, no worker thread and
//! no task is left.
//!
//! The tests take turns (`serial`): they count the process's `worker-*` threads, which another
//! test's runtime would add to.
#![cfg(not(loom_model))]

use std::future::{Future, pending, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use instruments::testing::eventually;
use part3_wakers::net::TcpListener;
use part3_wakers::time::sleep;
use part4_executor::runtime::{DRIVER_THREAD_NAME, Driving, Runtime, WORKER_THREAD_PREFIX};
use part4_executor::{JoinHandle, spawn, yield_now};

/// One test at a time in this binary (see the module docs).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Threads of this process whose name starts with `worker-`.
fn worker_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc")
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with(WORKER_THREAD_PREFIX))
        })
        .count()
}

/// Drops `runtime` and checks that its threads are gone.
fn shut_down(runtime: Runtime) {
    drop(runtime);
    eventually("no worker thread is left", || worker_threads() == 0);
}

/// A one-shot flag another thread raises; the task waiting for it is woken.
#[derive(Default)]
struct Signal(Mutex<(bool, Option<Waker>)>);

impl Signal {
    fn raise(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Waits until raised, and lowers it again.
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if std::mem::take(&mut state.0) {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// Counts its drops: to check that shutdown dropped every future.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_runtime_needs_at_least_one_worker() {
    let error = Runtime::new(0).err().expect("0 workers is refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(Runtime::new(part4_executor::runtime::MAX_WORKERS + 1).is_err());
}

#[test]
fn the_runtime_starts_its_workers_and_stops_them() {
    let _serial = serial();
    let runtime = Runtime::new(3).unwrap();
    eventually("three worker threads run", || worker_threads() == 3);
    assert_eq!(runtime.workers(), 3);
    shut_down(runtime);
}

#[test]
fn a_hundred_thousand_spawned_tasks_complete() {
    const TASKS: u64 = 100_000;
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    // Spawned from a worker (into its queue) and from outside (into the injector).
    let from_a_task = runtime.spawn(async {
        let handles: Vec<JoinHandle<u64>> =
            (0..TASKS / 2).map(|i| spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    let from_outside: Vec<JoinHandle<u64>> = (TASKS / 2..TASKS)
        .map(|i| runtime.spawn(async move { i }))
        .collect();
    let sum = runtime.block_on(async {
        let mut sum = from_a_task.await.unwrap();
        for handle in from_outside {
            sum += handle.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    eventually("every task is gone", || runtime.alive_tasks() == 0);
    assert!(runtime.metrics().total().polls >= TASKS);
    shut_down(runtime);
}

/// Spawns the next link of the chain, or says the chain is done.
fn link(left: usize, done: mpsc::Sender<()>) {
    spawn(async move {
        if left == 0 {
            done.send(()).unwrap();
        } else {
            link(left - 1, done);
        }
    });
}

#[test]
fn a_chain_of_ten_thousand_tasks_each_spawning_the_next_completes() {
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    let (done, finished) = mpsc::channel();
    runtime.spawn(async move { link(10_000, done) });
    finished.recv().expect("the last link reports");
    eventually("every link is gone", || runtime.alive_tasks() == 0);
    shut_down(runtime);
}

#[test]
fn tasks_woken_from_other_threads_complete() {
    const TASKS: usize = 200;
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    let signals: Vec<Arc<Signal>> = (0..TASKS).map(|_| Arc::default()).collect();
    let handles: Vec<_> = signals
        .iter()
        .enumerate()
        .map(|(i, signal)| {
            let signal = Arc::clone(signal);
            runtime.spawn(async move {
                signal.wait().await;
                i
            })
        })
        .collect();
    let wakers: Vec<_> = signals
        .chunks(TASKS / 4)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            thread::spawn(move || chunk.iter().for_each(|signal| signal.raise()))
        })
        .collect();
    for waker in wakers {
        waker.join().unwrap();
    }
    let outputs = runtime.block_on(async {
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(handle.await.unwrap());
        }
        outputs
    });
    assert_eq!(outputs, (0..TASKS).collect::<Vec<_>>());
    eventually("every task is gone", || runtime.alive_tasks() == 0);
    shut_down(runtime);
}

#[test]
fn a_task_that_yields_forever_does_not_keep_others_from_finishing() {
    let _serial = serial();
    // One worker: the yielder and the others share it.
    let runtime = Runtime::new(1).unwrap();
    let yields = Arc::new(AtomicUsize::new(0));
    let yielder = {
        let yields = Arc::clone(&yields);
        runtime.spawn(async move {
            loop {
                yields.fetch_add(1, Ordering::Relaxed);
                yield_now().await;
            }
        })
    };
    let others: Vec<_> = (0..100)
        .map(|i| {
            runtime.spawn(async move {
                for _ in 0..10 {
                    yield_now().await;
                }
                i
            })
        })
        .collect();
    let sum: usize = runtime.block_on(async {
        let mut sum = 0;
        for other in others {
            sum += other.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 99 * 100 / 2);
    assert!(yields.load(Ordering::Relaxed) > 0, "the yielder ran too");
    assert!(!yielder.is_finished());
    eventually("only the yielder is alive", || runtime.alive_tasks() == 1);
    shut_down(runtime);
    assert!(yielder.is_finished(), "cancelled by the shutdown");
}

/// Spawns two tasks that wake each other forever: each wake puts the other in the LIFO slot.
fn ping_pong() {
    let ping = Arc::new(Signal::default());
    let pong = Arc::new(Signal::default());
    let (ping2, pong2) = (Arc::clone(&ping), Arc::clone(&pong));
    spawn(async move {
        loop {
            pong2.raise();
            ping2.wait().await;
        }
    });
    spawn(async move {
        loop {
            ping.raise();
            pong.wait().await;
        }
    });
}

#[test]
fn two_tasks_waking_each_other_cannot_starve_the_local_queue() {
    const OTHERS: usize = 10;
    let _serial = serial();
    // One worker, and every task in its local queue: nothing but the LIFO slot's cap lets the
    // others run between the ping and the pong.
    let runtime = Runtime::new(1).unwrap();
    let (done, finished) = mpsc::channel();
    runtime.spawn(async move {
        ping_pong();
        for i in 0..OTHERS {
            let done = done.clone();
            spawn(async move {
                for _ in 0..3 {
                    yield_now().await;
                }
                done.send(i).unwrap();
            });
        }
    });
    let mut reported: Vec<usize> = (0..OTHERS).map(|_| finished.recv().unwrap()).collect();
    reported.sort_unstable();
    assert_eq!(reported, (0..OTHERS).collect::<Vec<_>>());
    eventually("only the ping and the pong are alive", || {
        runtime.alive_tasks() == 2
    });
    eventually("the LIFO slot was used (and published)", || {
        runtime.metrics().workers[0].lifo_hits > 0
    });
    shut_down(runtime);
}

#[test]
fn a_panicking_task_is_reported_and_its_worker_lives_on() {
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    let panicked = runtime.spawn(async {
        yield_now().await;
        panic!("this task fails");
    });
    let error = runtime
        .block_on(panicked)
        .expect_err("the panic is reported");
    assert!(error.is_panic());
    assert!(error.to_string().contains("this task fails"), "{error}");
    assert_eq!(worker_threads(), 2, "no worker died");
    let handles: Vec<_> = (0..100).map(|i| runtime.spawn(async move { i })).collect();
    let sum: usize = runtime.block_on(async {
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 99 * 100 / 2, "the workers still run tasks");
    eventually("every task is gone", || runtime.alive_tasks() == 0);
    shut_down(runtime);
}

#[test]
fn shutdown_drops_pending_tasks_and_tasks_blocked_on_io() {
    const WAITING: usize = 50;
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..WAITING {
        // Pending forever, with nothing to wake it.
        let guard = Dropped(Arc::clone(&dropped));
        handles.push(runtime.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        }));
    }
    // Blocked on I/O: an accept loop (waiting for the next client once these are in), and a
    // reader per client that never writes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, was_accepted) = mpsc::channel();
    {
        let dropped = Arc::clone(&dropped);
        let guard = Dropped(Arc::clone(&dropped));
        handles.push(runtime.spawn(async move {
            let _guard = guard;
            let mut listener = TcpListener::from_std(listener).unwrap();
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let guard = Dropped(Arc::clone(&dropped));
                spawn(async move {
                    let _guard = guard;
                    let mut buf = [0; 16];
                    let read = stream.read(&mut buf).await;
                    panic!("nobody writes, yet the read gave {read:?}");
                });
                accepted.send(()).unwrap();
            }
        }));
    }
    let clients: Vec<_> = (0..WAITING)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    for _ in 0..WAITING {
        was_accepted.recv().unwrap();
    }
    // And one on a long timer.
    let guard = Dropped(Arc::clone(&dropped));
    handles.push(runtime.spawn(async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    }));
    let waiting = 2 * WAITING + 2;
    eventually("every task is alive and waiting", || {
        runtime.alive_tasks() == waiting && runtime.driver().load() == (WAITING + 1, 1)
    });
    let driver = Arc::clone(runtime.driver());
    shut_down(runtime);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        waiting,
        "every future dropped"
    );
    for handle in handles {
        let mut handle = pin!(handle);
        let mut cx = Context::from_waker(Waker::noop());
        match handle.as_mut().poll(&mut cx) {
            Poll::Ready(Err(error)) => assert!(error.is_cancelled(), "{error}"),
            other => panic!("a cancelled task's handle says so, not {other:?}"),
        }
    }
    assert_eq!(
        driver.load(),
        (0, 0),
        "every socket and timer went with its task"
    );
    drop(clients);
}

#[test]
fn stealing_spreads_tasks_spawned_on_one_worker() {
    const TASKS: usize = 1_000;
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    let spawner = runtime.spawn(async {
        let name = thread::current().name().map(str::to_owned);
        let handles: Vec<_> = (0..TASKS)
            .map(|i| {
                spawn(async move {
                    // A little work, so that the queue lasts long enough to be stolen from.
                    part1_threads::app::burn_cpu(Duration::from_micros(20));
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        (name.expect("workers are named"), sum)
    });
    let (spawner, sum) = runtime.block_on(spawner).unwrap();
    assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    // Every task started on the spawner's queue: the other worker ran some only by stealing.
    let other = if spawner.ends_with('0') { 1 } else { 0 };
    eventually("the other worker stole some", || {
        let thief = runtime.metrics().workers[other];
        thief.steals > 0 && thief.steal_ops > 0 && thief.steals >= thief.steal_ops
    });
    shut_down(runtime);
}

#[test]
fn block_on_waits_for_a_timer_that_an_idle_worker_drives() {
    let _serial = serial();
    let runtime = Runtime::new(2).unwrap();
    runtime.block_on(sleep(Duration::from_millis(10)));
    let from_a_task = runtime.spawn(async {
        sleep(Duration::from_millis(10)).await;
        7
    });
    assert_eq!(runtime.block_on(from_a_task).unwrap(), 7);
    shut_down(runtime);
}

#[test]
fn a_dedicated_driver_thread_drives_timers_and_stops_with_the_runtime() {
    let _serial = serial();
    let runtime = Runtime::with_driving(
        2,
        part4_executor::runtime::DEFAULT_EVENTS_CAPACITY,
        Driving::Thread,
    )
    .unwrap();
    let driver_threads = || instruments::testing::threads_named(DRIVER_THREAD_NAME);
    eventually("the driver thread runs", || driver_threads() == 1);
    let slept = runtime.spawn(async {
        sleep(Duration::from_millis(10)).await;
        7
    });
    assert_eq!(runtime.block_on(slept).unwrap(), 7);
    shut_down(runtime);
    eventually("the driver thread is gone", || driver_threads() == 0);
}
