//! Solution: part 3's `block_on` for one future, `part3_wakers::park::block_on`.
//!
//! The waker is an `Arc` of a flag and the blocked thread's `Thread`: waking sets the flag,
//! then unparks the thread. After each `Pending`, `block_on` parks until it can clear the flag
//! (`swap(false)` returns `true`): a wake that came during the poll or before the park left the
//! flag set (and the unpark makes the park return at once), and an unpark that set no flag —
//! someone else's, or a spurious return of `park` — only sends the thread back to sleep.

pub use part3_wakers::park::block_on;
