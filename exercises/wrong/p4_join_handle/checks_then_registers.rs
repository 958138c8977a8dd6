//! Wrong: the handle looks for the output under the lock, then stores its waker in a second
//! step.
//!
//! Cloning a waker can run code we do not control, so holding the lock only to look and then
//! storing the waker afterwards seems tidy, and every test that runs one side after the other
//! passes. But between the look and the store the task can finish on another thread: it takes
//! the slot's waker — none yet — and wakes nobody; then the handle stores its waker, returns
//! `Pending`, and waits for a wake that has already happened. Only threads racing each other,
//! many times over, show it.

use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

pub use part3_wakers::TaskId;
pub use part3_wakers::join::{BoxFuture, JoinError};

enum Output<T> {
    Running,
    Done(Result<T, JoinError>),
    Taken,
}

struct Slot<T> {
    output: Output<T>,
    waker: Option<Waker>,
    detached: bool,
}

type Shared<T> = Arc<Mutex<Slot<T>>>;

pub fn joined<F>(id: TaskId, future: F) -> (BoxFuture, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Slot {
        output: Output::Running,
        waker: None,
        detached: false,
    }));
    let task = TaskSide {
        id,
        future: Some(Box::pin(future)),
        shared: shared.clone(),
    };
    (Box::pin(task), JoinHandle { id, shared })
}

struct TaskSide<F: Future> {
    id: TaskId,
    future: Option<Pin<Box<F>>>,
    shared: Shared<F::Output>,
}

impl<F: Future> TaskSide<F> {
    fn finish(&self, result: Result<F::Output, JoinError>) {
        let mut slot = self.shared.lock().unwrap();
        if slot.detached {
            drop(slot);
            drop(result);
            return;
        }
        slot.output = Output::Done(result);
        let waker = slot.waker.take();
        drop(slot);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<F: Future> Future for TaskSide<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        let result = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panicked(this.id, payload)),
        };
        this.future = None;
        this.finish(result);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for TaskSide<F> {
    fn drop(&mut self) {
        if self.future.take().is_some() {
            self.finish(Err(JoinError::cancelled(self.id)));
        }
    }
}

pub struct JoinHandle<T> {
    id: TaskId,
    shared: Shared<T>,
}

impl<T> JoinHandle<T> {
    pub fn id(&self) -> TaskId {
        self.id
    }

    pub fn is_finished(&self) -> bool {
        !matches!(self.shared.lock().unwrap().output, Output::Running)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut slot = self.shared.lock().unwrap();
            match mem::replace(&mut slot.output, Output::Taken) {
                Output::Done(result) => return Poll::Ready(result),
                Output::Running => slot.output = Output::Running,
                Output::Taken => panic!("a JoinHandle polled after it returned the output"),
            }
        }
        // Not finished: remember whom to wake (cloned outside the lock, to hold it briefly).
        let waker = cx.waker().clone();
        self.shared.lock().unwrap().waker = Some(waker);
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let mut slot = self.shared.lock().unwrap();
        slot.detached = true;
        let output = mem::replace(&mut slot.output, Output::Taken);
        let waker = slot.waker.take();
        drop(slot);
        drop((output, waker));
    }
}
