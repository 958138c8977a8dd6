//! Solution: part 3's `sleep`, `part3_wakers::time::{sleep, sleep_until, Sleep}`.
//!
//! A `Sleep` holds its deadline and, once armed, the driver, the timer's id and a clone of the
//! waker the timer will wake. `poll` returns `Ready` when `Instant::now()` has reached the
//! deadline (cancelling the timer if one is left); if it is armed and the stored waker
//! `will_wake` the new one, it keeps the timer; otherwise it cancels the old timer (if any)
//! and sets a new one with the new waker. `Drop` cancels the timer.

pub use part3_wakers::time::{Sleep, sleep, sleep_until};
