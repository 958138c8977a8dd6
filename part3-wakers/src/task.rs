//! A task: a spawned future with a [state](crate::state), shared by reference count between its
//! run queue entry and its wakers, and the [`Schedule`] trait that puts it back in a queue.
//!
//! ```text
//!   Arc<Task> ── state: State            (state.rs: who may poll, whether it is queued)
//!             ── future: UnsafeCell<..>  (touched only by the thread that holds RUNNING)
//!             ── scheduler: Weak<dyn Schedule>   (where a wake puts it)
//!
//!   references: one per waker, one per run queue entry, one in the runtime's list of live tasks
//! ```
//!
//! The functions that need the task's reference count take `this: Arc<Task>` (`Task::run(task)`)
//! rather than `self: Arc<Self>`: under loom the `Arc` is loom's, which cannot be a receiver.
//!
//! The future sits in an `UnsafeCell`, not a `Mutex`: the state machine already guarantees that
//! one thread at a time touches it (RUNNING), so a lock would only repeat that guarantee, at a
//! price on every poll.
//!
//! The task reaches its scheduler through a `Weak`: a task's wakers are stored in the reactor,
//! which the runtime owns, so a strong reference would make a cycle (runtime → reactor → waker →
//! task → runtime) that nothing frees. When the runtime is gone, a wake just drops its reference.
//! Tokio (`tokio/src/runtime/task/core.rs`, `harness.rs`) holds its scheduler strongly and breaks
//! that cycle at shutdown instead; it also puts the state, the future, its output and the join
//! waker in one allocation, where we use four (`Arc<Task>`, the boxed future, the boxed user
//! future, the join slot).

use std::fmt;
use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::task::{Context, Poll};

use crate::join::{self, BoxFuture, JoinHandle};
use crate::state::{AfterPoll, State, WakeAction};
use crate::sync::{Arc, UnsafeCell};
use crate::waker;

/// Where tasks go to be run: the executor's run queue behind a trait, so part 4's work-stealing
/// scheduler can take the same tasks, wakers and join handles.
pub trait Schedule: Send + Sync + 'static {
    /// A new task, SCHEDULED: keep it among the live tasks (to cancel it at shutdown) and queue it.
    fn spawn(&self, task: Arc<Task>);

    /// A woken task, SCHEDULED: queue it. The state machine guarantees it is not already queued.
    fn schedule(&self, task: Arc<Task>);
}

/// A task's number, unique in the process, for join errors, logs and the runtime's list of tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    /// A number no other task has had. `Task::new` takes one per task; public so that code that
    /// builds a task's pieces by hand (the `p4_join_handle` exercise's tests) can name one.
    pub fn next() -> TaskId {
        // A plain counter: no thread synchronizes through it, hence `Relaxed`.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    /// The number itself (part 4 spreads its list of live tasks over shards by it).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

/// A spawned future and its state. See the module docs.
pub struct Task {
    id: TaskId,
    state: State,
    /// `Some` until the task completes. Only the thread that holds RUNNING touches it. It returns
    /// `()`: it puts its output (or its panic) in the join handle's slot itself (join.rs).
    future: UnsafeCell<Option<BoxFuture>>,
    scheduler: std::sync::Weak<dyn Schedule>,
}

// SAFETY: `Task` is shared between threads through `Arc<Task>` (wakers, queues). Its only field
// that is not `Sync` by itself is the `UnsafeCell`, and every access to it happens in `run` or
// `cancel`, by the one thread that won RUNNING in `state` (state.rs), whose `AcqRel` transitions
// also publish the future's memory to the next thread that wins it. The future is `Send`.
unsafe impl Sync for Task {}

/// What one call to [`Task::run`] did, for the executor (and for counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// Polled, `Pending`, nobody woke it meanwhile: it waits for a wake.
    Pending,
    /// Polled, `Pending`, and woken during the poll: queued again, once.
    Rescheduled,
    /// Polled to `Ready` (or a caught panic): its output is in the join handle, the future dropped.
    Complete,
    /// Not polled: it was complete or being cancelled when popped.
    Skipped,
}

impl Task {
    /// Makes a SCHEDULED task for `future` and its join handle. The caller hands the task to
    /// [`Schedule::spawn`] (see [`spawn_on`]).
    pub fn new<F>(
        future: F,
        scheduler: std::sync::Weak<dyn Schedule>,
    ) -> (Arc<Task>, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = TaskId::next();
        let (future, handle) = join::joined(id, future);
        let task = Task {
            id,
            state: State::new_scheduled(),
            future: UnsafeCell::new(Some(future)),
            scheduler,
        };
        (Arc::new(task), handle)
    }

    /// The task's number.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's state bits (a snapshot, see state.rs).
    pub fn state(&self) -> usize {
        self.state.snapshot()
    }

    /// Polls the task once, if it is SCHEDULED (else [`Ran::Skipped`]). Called by the thread that
    /// popped it from a run queue; if the task was woken during the poll, this queues it again.
    pub fn run(this: Arc<Self>) -> Ran {
        if !this.state.start_running() {
            return Ran::Skipped;
        }
        let poll = waker::with_borrowed(&this, |waker| {
            let mut cx = Context::from_waker(waker);
            this.future.with_mut(|future| {
                // SAFETY: `start_running` succeeded, so this thread holds RUNNING: no other thread
                // touches the future until `stop_running` or `complete` below (state.rs, RUNNING).
                let future = unsafe { &mut *future };
                let Some(running) = future.as_mut() else {
                    debug_assert!(false, "{} is RUNNING without a future", this.id);
                    return Poll::Ready(());
                };
                let poll = running.as_mut().poll(&mut cx);
                if poll.is_ready() {
                    // Dropped now, while we hold RUNNING: its sockets and timers go at once.
                    *future = None;
                }
                poll
            })
        });
        match poll {
            Poll::Ready(()) => {
                this.state.complete();
                Ran::Complete
            }
            Poll::Pending => match this.state.stop_running() {
                AfterPoll::Idle => Ran::Pending,
                AfterPoll::Reschedule => {
                    Task::schedule(this);
                    Ran::Rescheduled
                }
            },
        }
    }

    /// Drops the future of a task that is not running (runtime shutdown): its join handle then
    /// reports [`JoinError::is_cancelled`](crate::join::JoinError::is_cancelled). `false` if it
    /// is running on another thread or already complete.
    pub fn cancel(&self) -> bool {
        if !self.state.start_cancel() {
            return false;
        }
        // SAFETY: `start_cancel` succeeded, so this thread holds RUNNING: no poll can start until
        // `complete` below (state.rs, RUNNING).
        let future = self.future.with_mut(|future| unsafe { (*future).take() });
        // Dropping it tells the join handle (join.rs); a panic in its drop is caught there.
        drop(future);
        self.state.complete();
        true
    }

    /// A wake that owns a reference (`Waker::wake`): queue the task if it was IDLE, handing the
    /// scheduler this very reference; otherwise just drop it. Public for wakers written outside
    /// this crate (the exercises' hand-made waker calls it from its vtable).
    pub fn wake_by_val(this: Arc<Self>) {
        if this.state.wake() == WakeAction::Schedule {
            Task::schedule(this);
        }
    }

    /// A wake that borrows (`Waker::wake_by_ref`): the same, cloning the reference only when the
    /// task is to be queued. Public for the same reason as [`wake_by_val`](Self::wake_by_val).
    pub fn wake_by_ref(this: &Arc<Self>) {
        if this.state.wake() == WakeAction::Schedule {
            Task::schedule(Arc::clone(this));
        }
    }

    /// Hands a SCHEDULED task to its scheduler; if the runtime is gone, the reference is dropped.
    fn schedule(this: Arc<Self>) {
        if let Some(scheduler) = this.scheduler.upgrade() {
            scheduler.schedule(this);
        }
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("state", &format_args!("{:#06b}", self.state.snapshot()))
            .finish_non_exhaustive()
    }
}

/// Makes a task for `future`, hands it to `scheduler` ([`Schedule::spawn`]) and returns its join
/// handle: what `Runtime::spawn` and `part3_wakers::spawn` do.
pub fn spawn_on<F>(scheduler: &std::sync::Arc<dyn Schedule>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, handle) = Task::new(future, std::sync::Arc::downgrade(scheduler));
    scheduler.spawn(task);
    handle
}
