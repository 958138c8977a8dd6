//! Solution: the driver's per-socket record, `part3_wakers::scheduled_io::ScheduledIo`.
//!
//! One `AtomicUsize` holds `tick << 2 | readable | writable`; `set_ready` bumps the tick and ORs
//! the bits in with `fetch_update`, then takes the matching wakers out of a `Mutex` of two
//! `Option<Waker>`. `poll_ready` checks the bits; if not ready it stores the waker under the
//! lock (keeping the stored one if it `will_wake` the new) and checks the bits *again*, still
//! under the lock: an event that came before the driver took the lock is seen by that second
//! look, one after it finds the waker. `clear` removes the direction's bit only if the tick is
//! the one the `ReadyEvent` saw.

pub use part3_wakers::scheduled_io::{Direction, ReadyEvent, ScheduledIo, Woken};
