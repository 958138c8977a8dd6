//! Solution: part 4's `part4_executor::idle::Idle`.
//!
//! One `AtomicUsize` holds both counts (`unparked << 16 | searching`), so that
//! `worker_to_notify` can add a worker to both in one `fetch_add`; a `Mutex<Vec<usize>>` holds
//! the sleepers. `worker_to_notify` reads the counts with a read-modify-write (ordered after the
//! push), and again under the lock (another pusher may have woken somebody meanwhile) before it
//! pops a sleeper. `park` takes the lock, subtracts itself (and its search) in one
//! `fetch_sub`, joins the list, and reports whether the searching count it took away was the
//! last.

pub use part4_executor::idle::{Counts, Idle};
