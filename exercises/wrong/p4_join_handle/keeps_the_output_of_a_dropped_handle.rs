//! Wrong: dropping the handle only lets its waker go; the slot keeps whatever arrives.
//!
//! The slot is shared through an `Arc`, so it is freed when both ends are gone, and nothing
//! leaks in the end. But a task's side lives as long as the task, and a detached task's output
//! — or one that finished before the handle was dropped unread — sits in the slot until then:
//! a server that spawns and forgets keeps every response it ever made until each task is freed.

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
        let mut slot = self.shared.lock().unwrap();
        match mem::replace(&mut slot.output, Output::Taken) {
            Output::Done(result) => Poll::Ready(result),
            Output::Running => {
                slot.output = Output::Running;
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Output::Taken => panic!("a JoinHandle polled after it returned the output"),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let waker = self.shared.lock().unwrap().waker.take();
        drop(waker);
    }
}
