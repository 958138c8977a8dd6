//! Solution: the loop's timer queue, `part2_reactor::timer::{TimerQueue, TimerId}`.
//!
//! A binary heap of `Reverse((deadline, id))`, where the id is an increasing counter: the
//! smallest deadline is on top, and equal deadlines come out in insertion order because ids
//! grow. Values live in a `HashMap` by id. Cancelling is lazy: it removes the value, and
//! `next_deadline` and `pop_expired` pop cancelled entries off the top before they look at it
//! (and `cancel` sweeps them out when they outnumber the live ones, so memory stays bounded).

pub use part2_reactor::timer::{TimerId, TimerQueue};
