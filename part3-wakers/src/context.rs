//! TEMPORARY (p3io only; replaced by the core helper's context.rs at merge).
use std::cell::RefCell;
use std::sync::Arc;

use crate::driver::Driver;
use crate::executor::Shared;

thread_local! {
    pub(crate) static CURRENT: RefCell<Option<(Arc<Driver>, Arc<Shared>)>> = const { RefCell::new(None) };
}

pub(crate) fn driver() -> Arc<Driver> {
    CURRENT.with(|c| Arc::clone(&c.borrow().as_ref().expect("inside block_on").0))
}

pub(crate) fn shared() -> Arc<Shared> {
    CURRENT.with(|c| Arc::clone(&c.borrow().as_ref().expect("inside block_on").1))
}
