//! # Part 3 — wakers: the same server as `async fn`, over our own reactor
//!
//! (Being written: see the modules below.)

pub mod context;
pub mod coop;
pub mod driver;
pub mod executor;
pub mod net;
pub mod observe;
pub mod scheduled_io;
pub mod server;
pub mod time;

pub use executor::spawn;
