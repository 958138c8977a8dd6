//! # Part 3 — wakers: the same server as `async fn`, over our own reactor
//!
//! (Being written: see the modules below.)
