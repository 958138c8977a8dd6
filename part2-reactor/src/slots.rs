//! A slab whose keys carry a generation: a key from a freed slot finds nothing.
//!
//! The reactor keeps its sources in a [`Slab`]: a vector whose freed slots are reused, so that
//! the slot number is a short, dense index that the OS can hand back as an event's token. The
//! catch is the reuse (see [`token`](crate::token)): once slot 5 is freed and taken again, an
//! event still in flight for the *old* slot 5 looks exactly like one for the new occupant.
//!
//! [`Slots`] closes that hole. Every slot has a generation, bumped each time the slot is freed;
//! [`insert`](Slots::insert) returns a [`Key`] holding the slot *and* its current generation,
//! and every lookup compares both. A key from an earlier lifetime of the slot is *stale*: it
//! finds nothing, removes nothing, and can never reach the newcomer.
//!
//! ```text
//!   insert(a) → #5.0     remove(#5.0) → a    slot 5's generation: 0 → 1
//!   insert(b) → #5.1     get(#5.0) → None    (stale: generation 0 ≠ 1)
//!                        get(#5.1) → b
//! ```
//!
//! # Invariants
//!
//! - A slot's generation only changes when its occupant is removed, so a key stays valid
//!   exactly as long as the value it was returned for.
//! - The generation each slot's *next* occupant gets is kept in `generations`, which grows
//!   with the slab and never shrinks: a freed slot remembers its generation while it is empty.
//! - Slots are reused (the slab's free list), so memory and the largest index follow the most
//!   values held at once, not how many were ever inserted.
//!
//! Generations wrap around after 2^32 reuses of one slot (2^16 on 32-bit); [`token`]'s docs
//! explain why no stale event can live that long.
//!
//! [`token`]: crate::token

use slab::Slab;

use crate::token::{Key, MAX_SOURCES, next_generation};

/// A value in its slot, with the slot's generation when the value was inserted.
#[derive(Debug)]
struct Occupant<T> {
    generation: usize,
    value: T,
}

/// Values by [`Key`]; a key whose slot was freed finds nothing. See the [module docs](self).
#[derive(Debug)]
pub struct Slots<T> {
    occupied: Slab<Occupant<T>>,
    /// The generation each slot's next occupant gets, by slot index.
    generations: Vec<usize>,
    /// The most values held at once; every index stays below it.
    limit: usize,
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
        Slots {
            occupied: Slab::new(),
            generations: Vec::new(),
            limit: limit.min(MAX_SOURCES),
        }
    }

    /// Puts `value` in a free slot (a freed one if there is one) and returns its key; gives
    /// `value` back when the table already holds its limit.
    pub fn insert(&mut self, value: T) -> Result<Key, T> {
        let index = self.occupied.vacant_key();
        if index >= self.limit {
            return Err(value);
        }
        if index == self.generations.len() {
            self.generations.push(0);
        }
        let generation = self.generations[index];
        let slot = self.occupied.insert(Occupant { generation, value });
        debug_assert_eq!(slot, index, "Slab::insert uses the vacant key");
        Ok(Key::new(index, generation))
    }

    /// Removes and returns `key`'s value; `None` if `key` is stale (its value was already
    /// removed). The slot's next occupant gets the next generation.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        self.get(key)?;
        let occupant = self.occupied.remove(key.index());
        self.generations[key.index()] = next_generation(occupant.generation);
        Some(occupant.value)
    }

    /// `key`'s value, if `key` is not stale.
    pub fn get(&self, key: Key) -> Option<&T> {
        self.occupied
            .get(key.index())
            .filter(|occupant| occupant.generation == key.generation())
            .map(|occupant| &occupant.value)
    }

    /// `key`'s value, if `key` is not stale.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.occupied
            .get_mut(key.index())
            .filter(|occupant| occupant.generation == key.generation())
            .map(|occupant| &mut occupant.value)
    }

    /// The keys of every value held, in slot order.
    pub fn keys(&self) -> Vec<Key> {
        self.occupied
            .iter()
            .map(|(index, occupant)| Key::new(index, occupant.generation))
            .collect()
    }

    /// How many values are held.
    pub fn len(&self) -> usize {
        self.occupied.len()
    }

    pub fn is_empty(&self) -> bool {
        self.occupied.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_from_a_freed_slot_finds_nothing_not_even_the_newcomer() {
        let mut slots = Slots::new();
        let old = slots.insert("old").expect("room");
        assert_eq!(slots.remove(old), Some("old"));
        let new = slots.insert("new").expect("room");
        assert_eq!(new.index(), old.index(), "the slot is reused");
        assert_eq!(slots.get(old), None);
        assert_eq!(slots.remove(old), None);
        assert_eq!(slots.get(new), Some(&"new"));
        assert_eq!(slots.keys(), vec![new]);
    }

    #[test]
    fn a_full_table_gives_the_value_back_and_a_freed_slot_makes_room() {
        let mut slots = Slots::with_limit(1);
        let only = slots.insert(1).expect("room for one");
        assert_eq!(slots.insert(2), Err(2));
        slots.remove(only);
        assert!(slots.insert(3).is_ok());
        assert_eq!(slots.len(), 1);
    }
}
