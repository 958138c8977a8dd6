//! Wrong: the task side polls the user's future directly, without catching a panic.
//!
//! Panics are rare, and a panicking task is a bug anyway, so it is tempting to let it go. But
//! the panic then unwinds through the task side into the worker that polls it: the worker
//! thread dies (and with it every task in its queue), and the handle, which should report the
//! panic, hears nothing until the task is dropped.

use std::future::Future;
use std::mem;
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
        let result = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(output) => Ok(output),
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
        let mut slot = self.shared.lock().unwrap();
        slot.detached = true;
        let output = mem::replace(&mut slot.output, Output::Taken);
        let waker = slot.waker.take();
        drop(slot);
        drop((output, waker));
    }
}
