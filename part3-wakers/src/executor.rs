//! The one-thread runtime: a run queue, and `block_on`'s loop that polls what is in it and sleeps
//! in the I/O driver when nothing is.
//!
//! ```text
//!   block_on(main):
//!     loop {
//!       main future woken?   → poll it (Ready: return its output)
//!       a task queued?       → pop it, poll it (Task::run)
//!       neither              → driver.turn(None): sleep until a socket, a timer or another
//!                              thread wakes something
//!       every EVENT_INTERVAL polls → driver.turn(Some(0)): look at the sockets without sleeping
//!     }
//! ```
//!
//! The main future and the queue take turns, so neither can starve the other: a main future that
//! keeps waking itself still lets one task run between two of its polls.
//!
//! The main future has its own waker (a flag), so it is polled only when woken, never on every
//! turn of the loop. A wake on the runtime's own thread only pushes to the queue: the thread is
//! awake and looks at the queue before it sleeps. A wake from any other thread pushes and then
//! `unpark`s the driver, so a sleeping runtime wakes up; an unpark that comes just before the
//! sleep makes the sleep return at once, so no wake-up is lost in between.
//!
//! Dropping the runtime shuts it down: every task not yet complete is cancelled (its future
//! dropped, its join handle told), which also frees the tasks whose wakers sit in the driver.
//!
//! Tokio's one-thread scheduler is `tokio/src/runtime/scheduler/current_thread/mod.rs`: a queue
//! without a lock for wakes on its own thread and a locked one for the others, where we use one
//! locked queue; and a list of live tasks sharded for many threads
//! (`tokio/src/runtime/task/list.rs`), where we use one map.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crate::context::{self, Handle};
use crate::coop;
use crate::driver::{Driver, Turned};
use crate::join::JoinHandle;
use crate::sync::Arc;
use crate::task::{self, Ran, Schedule, Task, TaskId};

/// Polls in a row (tasks or the main future) after which the loop looks at the driver without
/// sleeping, so that ready sockets and due timers are not starved by a queue that never empties.
/// Tokio's default `event_interval` (`tokio/src/runtime/builder.rs`, whose comment calls the number
/// fairly arbitrary, taken from Go's scheduler).
pub const EVENT_INTERVAL: u32 = 61;

/// Events the driver takes from the kernel per turn; more wait for the next turn.
pub const DEFAULT_EVENTS_CAPACITY: usize = 1024;

/// A one-thread runtime. See the module docs.
///
/// It is `Send` but not `Sync`: one thread at a time runs its loop. Tasks may be woken from any
/// thread.
pub struct Runtime {
    /// A `std` `Arc` (also under loom): it is shared as `dyn Schedule`.
    shared: std::sync::Arc<Shared>,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// What the runtime shares with its tasks (through `dyn Schedule`) and wakers.
struct Shared {
    tasks: Mutex<Tasks>,
    driver: std::sync::Arc<Driver>,
    /// Told what each driver turn did, and how many tasks were queued then ([`Runtime::on_turn`]).
    on_turn: OnceLock<TurnHook>,
}

/// See [`Runtime::on_turn`].
type TurnHook = Box<dyn Fn(&Turned, usize) + Send + Sync>;

struct Tasks {
    /// SCHEDULED tasks, each once, in the order they were woken.
    queue: VecDeque<Arc<Task>>,
    /// Every task not yet complete, to cancel them at shutdown.
    alive: HashMap<TaskId, Arc<Task>>,
    /// Shut down: spawns are cancelled at once, wakes dropped.
    closed: bool,
}

impl Runtime {
    /// A runtime with a driver of [`DEFAULT_EVENTS_CAPACITY`].
    pub fn new() -> io::Result<Runtime> {
        Runtime::with_events_capacity(DEFAULT_EVENTS_CAPACITY)
    }

    /// A runtime whose driver takes up to `events_capacity` events per turn.
    pub fn with_events_capacity(events_capacity: usize) -> io::Result<Runtime> {
        let shared = Shared {
            tasks: Mutex::new(Tasks {
                queue: VecDeque::new(),
                alive: HashMap::new(),
                closed: false,
            }),
            driver: Driver::new(events_capacity)?,
            on_turn: OnceLock::new(),
        };
        Ok(Runtime {
            shared: std::sync::Arc::new(shared),
            _not_sync: PhantomData,
        })
    }

    /// Runs `future` to completion on this thread, running the spawned tasks meanwhile, and
    /// returns its output. Inside, `spawn` and the runtime's futures find this runtime.
    ///
    /// # Panics
    ///
    /// If `future` panics (the panic goes on, the runtime stays usable), or if the driver fails
    /// to wait for events (an error of the operating system, not of the program).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = context::enter(self.handle());
        let main = std::sync::Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            shared: self.shared.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut polls = 0;
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) = coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                    return output;
                }
                polls += 1;
            }
            match self.shared.next_task() {
                Some(task) => {
                    self.shared.run(task);
                    polls += 1;
                }
                None if main.woken.load(Ordering::Acquire) => {}
                None => {
                    // Nothing runnable: sleep until I/O, a timer, or a wake from another thread.
                    self.shared.turn(None);
                    polls = 0;
                }
            }
            if polls >= EVENT_INTERVAL {
                self.shared.turn(Some(Duration::ZERO));
                polls = 0;
            }
        }
    }

    /// Spawns `future` as a task of this runtime; it runs while some thread is in `block_on`.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        task::spawn_on(&self.handle().scheduler, future)
    }

    /// Calls `hook` after every turn of the driver with its report and the number of tasks then
    /// queued: how the dashboard watches the runtime sleep and wake. Only the first hook set is
    /// kept.
    pub fn on_turn(&self, hook: impl Fn(&Turned, usize) + Send + Sync + 'static) {
        let _ = self.shared.on_turn.set(Box::new(hook));
    }

    /// The runtime's I/O driver.
    pub fn driver(&self) -> &std::sync::Arc<Driver> {
        &self.shared.driver
    }

    /// Tasks spawned and not yet complete.
    pub fn alive_tasks(&self) -> usize {
        self.shared.lock().alive.len()
    }

    fn handle(&self) -> Handle {
        Handle {
            driver: self.shared.driver.clone(),
            scheduler: self.shared.clone(),
        }
    }
}

/// Spawns `future` on the current runtime (the one whose `block_on` is running on this thread).
///
/// # Panics
///
/// Outside `Runtime::block_on`, with a message that says so.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    task::spawn_on(&context::scheduler(), future)
}

impl Drop for Runtime {
    /// Shuts down: closes the queue, then cancels every task not yet complete.
    fn drop(&mut self) {
        // Entered: a future's destructor may need the runtime (a socket deregistering itself).
        let _entered = context::enter(self.handle());
        let (queue, alive) = {
            let mut tasks = self.shared.lock();
            tasks.closed = true;
            (
                std::mem::take(&mut tasks.queue),
                std::mem::take(&mut tasks.alive),
            )
        };
        // Outside the lock: dropping futures runs their code, which may wake or spawn.
        drop(queue);
        for task in alive.into_values() {
            task.cancel();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Tasks> {
        // The lock is never held while user code runs, so a poisoned one is still consistent.
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_task(&self) -> Option<Arc<Task>> {
        self.lock().queue.pop_front()
    }

    /// Polls `task` once, within a fresh cooperative budget.
    fn run(&self, task: Arc<Task>) {
        let id = task.id();
        if coop::with_budget(|| Task::run(task)) == Ran::Complete {
            let done = self.lock().alive.remove(&id);
            drop(done);
        }
    }

    /// Wakes the runtime's thread if it may be asleep: unless this is that thread, which is
    /// awake and looks at the queue before it sleeps (see the module docs).
    fn unpark_unless_current(&self) {
        if !context::is_current(self) {
            self.driver.unpark();
        }
    }

    fn turn(&self, timeout: Option<Duration>) {
        let turned = match self.driver.turn(timeout) {
            Ok(turned) => turned,
            Err(error) => panic!("part3_wakers: the driver could not wait for events: {error}"),
        };
        if let Some(hook) = self.on_turn.get() {
            hook(&turned, self.lock().queue.len());
        }
    }
}

impl Schedule for Shared {
    fn spawn(&self, task: Arc<Task>) {
        let mut tasks = self.lock();
        if tasks.closed {
            drop(tasks);
            // Spawned on a runtime that shut down: cancelled at once, its handle says so.
            task.cancel();
            return;
        }
        tasks.alive.insert(task.id(), task.clone());
        tasks.queue.push_back(task);
        drop(tasks);
        self.unpark_unless_current();
    }

    fn schedule(&self, task: Arc<Task>) {
        let mut tasks = self.lock();
        if tasks.closed {
            // Shut down: the task is among the live tasks that shutdown cancels. This reference
            // is dropped after the lock (dropping a task runs its future's destructor).
            drop(tasks);
            return;
        }
        tasks.queue.push_back(task);
        drop(tasks);
        self.unpark_unless_current();
    }
}

/// The main future's waker: a flag the loop checks, and an unpark when woken from elsewhere.
struct MainWaker {
    woken: AtomicBool,
    shared: std::sync::Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.shared.unpark_unless_current();
    }
}

#[cfg(all(test, not(loom_model)))]
mod tests {
    use std::future::poll_fn;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Mutex;

    use super::*;
    use crate::waker::references;
    use crate::yield_now;

    /// A future that puts a clone of its waker in `slot`, then waits forever (or, with
    /// `finish`, wakes itself and returns on its second poll).
    fn leave_waker(
        slot: std::sync::Arc<Mutex<Option<Waker>>>,
        finish: bool,
    ) -> impl Future<Output = ()> {
        let mut polled = false;
        poll_fn(move |cx| {
            if polled && finish {
                return Poll::Ready(());
            }
            polled = true;
            *slot.lock().unwrap() = Some(cx.waker().clone());
            if finish {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }

    #[test]
    fn every_reference_to_a_task_is_given_back() {
        let runtime = Runtime::new().unwrap();
        let done = std::sync::Arc::new(Mutex::new(None));
        let waiting = std::sync::Arc::new(Mutex::new(None));
        let handle = runtime.spawn(leave_waker(done.clone(), true));
        runtime.spawn(leave_waker(waiting.clone(), false));
        runtime.block_on(handle).unwrap();
        let done = done.lock().unwrap().take().unwrap();
        let waiting = waiting.lock().unwrap().take().unwrap();
        assert_eq!(references(&done), 1, "complete: only our waker is left");
        assert_eq!(runtime.alive_tasks(), 1);
        assert_eq!(
            references(&waiting),
            2,
            "ours and the runtime's list of live tasks"
        );
        drop(runtime);
        assert_eq!(references(&waiting), 1, "shutdown gave the runtime's back");
        waiting.wake_by_ref();
        assert_eq!(
            references(&waiting),
            1,
            "a wake after shutdown queues nothing"
        );
    }

    #[test]
    fn block_on_enters_the_runtime_and_leaves_it_even_on_a_panic() {
        let runtime = Runtime::new().unwrap();
        assert!(!context::is_entered());
        runtime.block_on(async { assert!(context::is_entered()) });
        assert!(!context::is_entered());
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(async {
                yield_now().await;
                panic!("the main future panics");
            })
        }));
        assert!(panicked.is_err());
        assert!(!context::is_entered(), "left on the way out of the panic");
        assert_eq!(
            runtime.block_on(runtime.spawn(async { 7 })).unwrap(),
            7,
            "still usable"
        );
    }

    #[test]
    fn the_driver_is_found_inside_block_on() {
        let runtime = Runtime::new().unwrap();
        let found = runtime.block_on(async { context::driver() });
        assert!(std::sync::Arc::ptr_eq(&found, runtime.driver()));
    }

    #[test]
    #[should_panic(expected = "part3_wakers::Runtime::block_on")]
    fn the_driver_outside_a_runtime_is_a_clear_panic() {
        context::driver();
    }
}
