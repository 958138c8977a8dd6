//! # Exercise: a slab whose keys carry a generation
//!
//! **Task.** Write [`Slots`]: a table that stores values in reusable slots and hands out a
//! [`Key`] for each — the slot's index *and* the slot's generation. A key whose value was
//! removed is *stale*: it must find nothing, remove nothing, and above all never reach the
//! value that took its slot afterwards.
//!
//! **Why it matters.** The reactor registers each socket with the OS under a token, and the OS
//! hands the token back with every event. The token is the socket's slot number, so an event
//! leads straight to its connection. But slots are reused, and one `poll` returns a *batch* of
//! events: while the loop handles the first event of a batch, connection 5 may close and a new
//! connection take slot 5; a later event of the same batch, about the *old* connection 5,
//! would then be delivered to the newcomer. With a generation in the key (bumped every time
//! the slot is freed), that event's key no longer matches and the reactor drops it, counted as
//! `stale` on the dashboard.
//!
//! ```text
//!   insert(a) → #5.0     remove(#5.0) → a    slot 5's generation: 0 → 1
//!   insert(b) → #5.1     get(#5.0) → None    (stale: generation 0 ≠ 1)
//!                        get(#5.1) → b
//! ```
//!
//! What the tests expect:
//!
//! - A freed slot is reused by a later `insert` (memory follows the most values held at once,
//!   not how many were ever inserted), under a key with a new generation.
//! - `get`, `get_mut` and `remove` compare the key's generation with the slot's: a stale key
//!   finds `None` and changes nothing.
//! - A table holds at most its limit ([`Slots::with_limit`]; [`MAX_SOURCES`] for
//!   [`Slots::new`]): `insert` into a full table gives the value back, `Err(value)`. Every
//!   index stays below the limit.
//! - [`keys`](Slots::keys) lists the keys of the values held, in slot order.
//!
//! Keys are made with [`Key::new`]`(index, generation)` (index below [`MAX_SOURCES`]); the
//! generation after `g` is [`next_generation`]`(g)` (it wraps around within the bits a token
//! has for it). A key's [`token`](Key::token) is what the OS stores, and
//! [`Key::from_token`] reads it back: the tests go through that round trip too.
//!
//! **Lesson:** `part2-reactor/README.md`, section "Tokens, slabs and stale events". The real
//! piece is `part2_reactor::slots::Slots`, which the reactor keeps its sources in (the key is
//! `part2_reactor::token::Key`).
//!
//! **Test:** `cargo run -p exercises -- test p2_stale_keys`
//!
//! It prints one verdict, then a message per failing test, the one to fix first on top. The raw
//! output of the same tests: `cargo test -p exercises --test p2_stale_keys`.
//!
//! The fields are yours to design; keep the public API as it is.

// The parameters are unused until you write the bodies.
#![allow(unused_variables)]

use std::marker::PhantomData;

pub use part2_reactor::token::{Key, MAX_SOURCES, next_generation};

/// Values by [`Key`]; a key whose slot was freed finds nothing.
#[derive(Debug)]
pub struct Slots<T> {
    // TODO: replace this placeholder. Each slot needs its generation (kept while the slot is
    // empty, too) and maybe a value; the table needs to find a free slot quickly, and to know
    // its limit.
    _todo: PhantomData<T>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slots<T> {
    /// An empty table that holds up to [`MAX_SOURCES`] values (as many as tokens can name).
    pub fn new() -> Self {
        Self::with_limit(MAX_SOURCES)
    }

    /// An empty table that holds at most `limit` values at once (at most [`MAX_SOURCES`]).
    pub fn with_limit(limit: usize) -> Self {
        // TODO: an empty table; remember `limit` (no more than MAX_SOURCES).
        todo!()
    }

    /// Puts `value` in a free slot (a freed one if there is one) and returns its key; gives
    /// `value` back when the table already holds its limit.
    pub fn insert(&mut self, value: T) -> Result<Key, T> {
        // TODO: reuse a freed slot if there is one, else add a slot (if the limit allows).
        // The key is the slot's index and its current generation.
        todo!()
    }

    /// Removes and returns `key`'s value; `None` if `key` is stale (its value was already
    /// removed). The slot's next occupant gets the next generation.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        // TODO: only if the generation matches: take the value out, bump the slot's
        // generation, and remember that the slot is free.
        todo!()
    }

    /// `key`'s value, if `key` is not stale.
    pub fn get(&self, key: Key) -> Option<&T> {
        // TODO: the value in slot `key.index()`, if the generations match.
        todo!()
    }

    /// `key`'s value, if `key` is not stale.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        // TODO: as `get`.
        todo!()
    }

    /// The keys of every value held, in slot order.
    pub fn keys(&self) -> Vec<Key> {
        // TODO
        todo!()
    }

    /// How many values are held.
    pub fn len(&self) -> usize {
        // TODO
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        // TODO
        todo!()
    }
}
