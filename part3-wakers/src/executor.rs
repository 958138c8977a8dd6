//! TEMPORARY (p3io only; replaced by the core helper's executor at merge).
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::context::CURRENT;
use crate::driver::Driver;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

pub(crate) struct Task {
    future: Mutex<Option<BoxFuture>>,
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    queue: Mutex<VecDeque<Arc<Task>>>,
    driver: Arc<Driver>,
    main_woken: std::sync::atomic::AtomicBool,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let shared = Arc::clone(&self.shared);
        shared.queue.lock().unwrap().push_back(self);
        shared.driver.unpark();
    }
}

struct MainWaker(Arc<Shared>);
impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.0
            .main_woken
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.0.driver.unpark();
    }
}

pub struct Runtime {
    shared: Arc<Shared>,
}

impl Runtime {
    pub fn with_events_capacity(n: usize) -> io::Result<Runtime> {
        let driver = Driver::new(n)?;
        Ok(Runtime {
            shared: Arc::new(Shared {
                queue: Mutex::default(),
                driver,
                main_woken: true.into(),
            }),
        })
    }
    pub fn new() -> io::Result<Runtime> {
        Self::with_events_capacity(1024)
    }
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        CURRENT.with(|c| {
            *c.borrow_mut() = Some((Arc::clone(&self.shared.driver), Arc::clone(&self.shared)))
        });
        let mut future = std::pin::pin!(future);
        let waker = Waker::from(Arc::new(MainWaker(Arc::clone(&self.shared))));
        loop {
            if self
                .shared
                .main_woken
                .swap(false, std::sync::atomic::Ordering::SeqCst)
            {
                if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return out;
                }
            }
            loop {
                let next = self.shared.queue.lock().unwrap().pop_front();
                let Some(task) = next else { break };
                let w = Waker::from(Arc::clone(&task));
                let mut slot = task.future.lock().unwrap();
                if let Some(f) = slot.as_mut() {
                    if f.as_mut().poll(&mut Context::from_waker(&w)).is_ready() {
                        *slot = None;
                    }
                }
            }
            if !self
                .shared
                .main_woken
                .load(std::sync::atomic::Ordering::SeqCst)
            {
                self.shared.driver.turn(None).expect("turn");
            }
        }
    }
}

pub fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) {
    let shared = crate::context::shared();
    let task = Arc::new(Task {
        future: Mutex::new(Some(Box::pin(future))),
        shared: Arc::clone(&shared),
    });
    shared.queue.lock().unwrap().push_back(task);
}
