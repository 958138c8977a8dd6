//! # Exercise: the task state word
//!
//! **Task.** Write [`State`]: a task's state in one atomic word, so that however many wakes
//! arrive, from however many threads, a task sits in a run queue **at most once**, a wake that
//! arrives **while the task is being polled** is not lost (it becomes exactly one re-queue
//! after the poll), and **two threads never poll it at once**.
//!
//! **Why it matters.** A waker can be called from anywhere: the reactor, a timer, another
//! thread, the task itself during its own poll. The smallest executor queues the task on every
//! wake: two wakes queue it twice, and a wake during a poll queues it while it runs, so another
//! thread may start polling it too. The state word turns all of that into one rule per
//! transition, and each transition must be one atomic step: a read followed by a separate write
//! lets two threads both read IDLE and both queue the task.
//!
//! The bits, and the moves (the tests call the methods below and check [`State::snapshot`]):
//!
//! ```text
//!   new_scheduled()   starts SCHEDULED (spawning queues it)
//!   wake()            IDLE → SCHEDULED, returns Schedule (the caller queues the task)
//!                     RUNNING → RUNNING|NOTIFIED, returns Nothing
//!                     SCHEDULED, RUNNING|NOTIFIED, COMPLETE: unchanged, returns Nothing
//!   start_running()   SCHEDULED → RUNNING, true; anything else: unchanged, false
//!   stop_running()    (poll returned Pending) RUNNING → IDLE, returns Idle
//!                     RUNNING|NOTIFIED → SCHEDULED, returns Reschedule (queue it again)
//!   complete()        (poll returned Ready) RUNNING or RUNNING|NOTIFIED → COMPLETE, final
//!   start_cancel()    (shutdown) IDLE or SCHEDULED → RUNNING, true; RUNNING or COMPLETE: false
//! ```
//!
//! Every transition that can race with another thread must read the word and write the next
//! one as a single indivisible step: a read followed by a separate write is exactly the bug the
//! many-thread test looks for. Use `Ordering::AcqRel` for the writes that succeed: it is what
//! lets the next poller see what the previous one wrote.
//!
//! **Lesson:** `part3-wakers/README.md`, section "One task, one queue entry: the state word".
//! The real piece is `part3_wakers::state::State` (its docs draw the whole machine; Tokio's is
//! `tokio/src/runtime/task/state.rs`).
//!
//! **Test:** `cargo run -p exercises -- test p3_task_state` (or
//! `cargo test -p exercises --test p3_task_state`).
//!
//! The bit values below are fixed (the tests compare snapshots with them); how you store them is
//! yours. Keep the public API as it is.

pub use part3_wakers::state::{AfterPoll, WakeAction};

/// No bit set: the task waits for a wake.
pub const IDLE: usize = 0;
/// In a run queue (or about to be put in one), exactly once.
pub const SCHEDULED: usize = 0b0001;
/// One thread is polling the task (or cancelling it).
pub const RUNNING: usize = 0b0010;
/// Woken while RUNNING: poll it once more after this poll.
pub const NOTIFIED: usize = 0b0100;
/// Finished (Ready, panicked or cancelled). Final.
pub const COMPLETE: usize = 0b1000;

/// The state word of one task.
#[derive(Debug)]
pub struct State {
    // TODO: replace this placeholder with the word itself. Which type lets many threads read
    // and change one number, each change a single indivisible step?
    _todo: (),
}

impl State {
    /// A new task starts SCHEDULED: spawning it hands it to the scheduler, which queues it.
    pub fn new_scheduled() -> State {
        // TODO: a word holding SCHEDULED.
        todo!()
    }

    /// The current bits (a snapshot: another thread may change them at once).
    pub fn snapshot(&self) -> usize {
        // TODO: read the word.
        todo!()
    }

    /// A wake-up. `Schedule` means: the caller must queue the task (exactly once).
    pub fn wake(&self) -> WakeAction {
        // TODO: IDLE → SCHEDULED (Schedule); RUNNING → RUNNING|NOTIFIED (Nothing); otherwise
        // Nothing. Another thread may change the word between your read and your write.
        todo!()
    }

    /// A thread popped the task from a queue. `true`: it may poll; `false`: it must not
    /// (the task completed, or is being cancelled, or someone else is polling it).
    pub fn start_running(&self) -> bool {
        // TODO: SCHEDULED → RUNNING, and only one thread may win.
        todo!()
    }

    /// The poll returned `Pending`. Only the thread that holds RUNNING calls this.
    pub fn stop_running(&self) -> AfterPoll {
        // TODO: RUNNING → IDLE (Idle), RUNNING|NOTIFIED → SCHEDULED (Reschedule). A wake may set
        // NOTIFIED at the very moment you look.
        todo!()
    }

    /// The future is finished and dropped. Only the thread that holds RUNNING calls this.
    pub fn complete(&self) {
        // TODO: → COMPLETE, whatever else was set.
        todo!()
    }

    /// Shutdown wants to drop the future of a task nobody is polling: IDLE or SCHEDULED →
    /// RUNNING, `true`. `false` if it is running or complete.
    pub fn start_cancel(&self) -> bool {
        // TODO
        todo!()
    }

    /// Whether the task is complete.
    pub fn is_complete(&self) -> bool {
        // TODO
        todo!()
    }
}
