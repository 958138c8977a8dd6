//! Waking the event loop from another thread, and the controls that need it.
//!
//! The loop thread spends its idle time blocked in `epoll_wait`. Another thread that needs it
//! — to pause it, to let it take one step, to shut it down — cannot call into it; it can only
//! make `epoll_wait` return. [`mio::Waker`] does that: on Linux it is an `eventfd` registered
//! with the loop's epoll under a reserved token ([`WAKE_TOKEN`](crate::token::WAKE_TOKEN));
//! writing to it makes the fd readable, and the loop gets an event it recognises as "someone
//! wants my attention". What they want is left in shared memory, which the loop reads next.
//!
//! Part 3 builds on exactly this: a task's `Waker` ends up here when the task is woken from
//! another thread.
//!
//! # The controls: pause, step, stop
//!
//! This server's shared memory is [`StepControl`]. Stopping the server goes through it, and so
//! does *step mode*, for class: an event loop runs thousands of cycles a second, and nobody can
//! watch one. Paused, it stops *before its next poll*: the sockets go on receiving (the kernel
//! queues the clients' bytes, and the clients' requests pile up — visible on the dashboard),
//! but nothing is read, no timer fires. Each step then runs exactly one cycle — one `poll`, its
//! events, the timers that are due — and the event log shows what that one cycle did.
//!
//! ```text
//!                 pause()                       step()
//!   ┌─────────┐ ─────────▶ ┌────────┐ ───────────────────────▶ ┌──────────────┐
//!   │ Running │            │ Paused │ ◀──── one cycle done ─── │ one cycle    │
//!   └─────────┘ ◀───────── └────────┘                          └──────────────┘
//!                 resume()       │ stop() (from any state)
//!                                ▼
//!                             Stopped
//! ```
//!
//! The loop calls [`StepControl::next_turn`] before every poll. The controls live behind a
//! `Mutex`, and the loop sleeps on a `Condvar` while paused. Pausing must also reach a loop
//! that is *inside* `poll`, possibly blocked for a long time: [`pause`](StepControl::pause)
//! and [`stop`](StepControl::stop) therefore [`wake`](Wake::wake) it, so the cycle in progress
//! ends at once and the loop stops before the next.
//!
//! The controls are part of the mechanism, not of the dashboard: they change what the loop
//! does (a paused loop serves nobody), and they are the only way to stop it.

use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// Interrupts the reactor's `poll` from any thread. See the [module docs](self).
#[derive(Debug)]
pub struct Wake {
    waker: mio::Waker,
}

impl Wake {
    pub(crate) fn new(waker: mio::Waker) -> Wake {
        Wake { waker }
    }

    /// Makes the reactor's current (or next) `poll` return with a wake event. Several wakes
    /// before the loop polls again arrive as one event.
    pub fn wake(&self) -> io::Result<()> {
        self.waker.wake()
    }
}

/// What the loop may do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Run one poll cycle.
    Run,
    /// Leave the loop: the server is shutting down.
    Stop,
}

/// The controls at one instant, read in one lock. (A recorded run keeps it, hence `serde`.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    /// The loop stops before its next poll (until resumed or stepped).
    pub paused: bool,
    /// The loop is stopped right now, waiting for a step or a resume.
    pub parked: bool,
    /// Cycles run one at a time with step, since the start.
    pub steps: u64,
}

#[derive(Debug, Default)]
struct Controls {
    paused: bool,
    parked: bool,
    /// Steps granted and not yet taken.
    granted: u64,
    steps: u64,
    stopping: bool,
}

/// Pause, step, resume and stop, from any thread. See the [module docs](self).
#[derive(Debug)]
pub struct StepControl {
    controls: Mutex<Controls>,
    changed: Condvar,
    wake: Arc<Wake>,
}

impl StepControl {
    pub fn new(wake: Arc<Wake>) -> StepControl {
        StepControl {
            controls: Mutex::default(),
            changed: Condvar::new(),
            wake,
        }
    }

    /// Stops the loop before its next poll, interrupting a poll in progress.
    pub fn pause(&self) {
        self.lock().paused = true;
        self.interrupt_poll();
    }

    /// Lets the loop run freely again.
    pub fn resume(&self) {
        let mut controls = self.lock();
        controls.paused = false;
        controls.granted = 0;
        self.changed.notify_all();
    }

    /// Pauses a running loop, resumes a paused one.
    pub fn toggle_pause(&self) {
        if self.state().paused {
            self.resume();
        } else {
            self.pause();
        }
    }

    /// Lets a paused loop run exactly one more poll cycle. On a running loop this pauses it:
    /// stepping starts from a stopped loop, as in a debugger.
    pub fn step(&self) {
        let mut controls = self.lock();
        if !controls.paused {
            drop(controls);
            self.pause();
            return;
        }
        controls.granted += 1;
        self.changed.notify_all();
    }

    /// Makes the loop leave at its next turn, waking it wherever it waits.
    pub fn stop(&self) {
        self.lock().stopping = true;
        self.changed.notify_all();
        self.interrupt_poll();
    }

    pub fn state(&self) -> StepState {
        let controls = self.lock();
        StepState {
            paused: controls.paused,
            parked: controls.parked,
            steps: controls.steps,
        }
    }

    /// Called by the loop before each poll: returns at once while running, waits while paused
    /// until a step, a resume or a stop.
    pub fn next_turn(&self) -> Turn {
        let mut controls = self.lock();
        loop {
            if controls.stopping {
                controls.parked = false;
                return Turn::Stop;
            }
            if !controls.paused {
                controls.parked = false;
                return Turn::Run;
            }
            if controls.granted > 0 {
                controls.granted -= 1;
                controls.steps += 1;
                controls.parked = false;
                return Turn::Run;
            }
            controls.parked = true;
            controls = self
                .changed
                .wait(controls)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn interrupt_poll(&self) {
        // If the wake fails (the eventfd is gone), the loop has ended or will see the change
        // when its poll returns on its own; there is nothing better to do.
        let _ = self.wake.wake();
    }

    fn lock(&self) -> MutexGuard<'_, Controls> {
        // The controls are a few flags that are always valid, even after a panic elsewhere.
        self.controls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reactor::{AsSource, Reactor};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    struct NoSource;

    impl AsSource for NoSource {
        fn source(&mut self) -> &mut dyn mio::event::Source {
            unreachable!("no source is registered in these tests")
        }
    }

    fn control() -> (Arc<StepControl>, Reactor<NoSource>) {
        let reactor = Reactor::<NoSource>::new(4).expect("a reactor");
        (Arc::new(StepControl::new(reactor.waker())), reactor)
    }

    /// Waits until the loop thread has parked (it sets the flag just before it sleeps).
    fn until_parked(control: &StepControl) {
        while !control.state().parked {
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_paused_loop_runs_one_turn_per_step_and_stops_when_told() {
        let (control, _reactor) = control();
        let (turns, taken) = mpsc::channel();
        control.pause();
        let looping = {
            let control = Arc::clone(&control);
            thread::spawn(move || {
                while control.next_turn() == Turn::Run {
                    turns.send(()).expect("the test is listening");
                }
            })
        };
        until_parked(&control);
        assert!(taken.try_recv().is_err(), "paused: no turn yet");
        control.step();
        taken.recv().expect("one turn");
        until_parked(&control);
        assert!(taken.try_recv().is_err(), "exactly one turn per step");
        assert_eq!(control.state().steps, 1);
        control.stop();
        looping.join().expect("the loop ends");
    }

    #[test]
    fn stepping_a_running_loop_pauses_it_and_resume_lets_it_go() {
        let (control, _reactor) = control();
        control.step();
        assert!(control.state().paused);
        control.resume();
        assert!(!control.state().paused);
        assert_eq!(control.next_turn(), Turn::Run);
        control.toggle_pause();
        assert!(control.state().paused);
        control.toggle_pause();
        assert_eq!(control.next_turn(), Turn::Run);
    }

    #[test]
    fn pausing_interrupts_a_poll_in_progress() {
        let (control, mut reactor) = control();
        let pausing = {
            let control = Arc::clone(&control);
            thread::spawn(move || control.pause())
        };
        let mut ready = Vec::new();
        // Without a timeout, only the pause's wake can end this poll.
        while ready.is_empty() {
            reactor.poll(None, &mut ready).expect("poll");
        }
        pausing.join().expect("the pausing thread");
        assert!(control.state().paused);
    }
}
