//! Wrong: every insert takes a new slot; freed slots are never used again.
//!
//! It makes stale keys harmless without any generation trick — a slot's index is never given
//! out twice — which is why it is tempting. But the table (and the index in every token)
//! grows with every connection ever accepted, not with the connections open: a long-running
//! server leaks memory and, in the end, runs out of indexes that fit in a token.

pub use part2_reactor::token::{Key, MAX_SOURCES, next_generation};

#[derive(Debug)]
struct Slot<T> {
    generation: usize,
    value: Option<T>,
}

#[derive(Debug)]
pub struct Slots<T> {
    slots: Vec<Slot<T>>,
    len: usize,
    limit: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slots<T> {
    pub fn new() -> Self {
        Self::with_limit(MAX_SOURCES)
    }

    pub fn with_limit(limit: usize) -> Self {
        Slots {
            slots: Vec::new(),
            len: 0,
            limit: limit.min(MAX_SOURCES),
        }
    }

    pub fn insert(&mut self, value: T) -> Result<Key, T> {
        if self.slots.len() >= self.limit {
            return Err(value);
        }
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        self.len += 1;
        Ok(Key::new(self.slots.len() - 1, 0))
    }

    pub fn remove(&mut self, key: Key) -> Option<T> {
        let slot = self
            .slots
            .get_mut(key.index())
            .filter(|slot| slot.generation == key.generation())?;
        let value = slot.value.take()?;
        slot.generation = next_generation(slot.generation);
        self.len -= 1;
        Some(value)
    }

    pub fn get(&self, key: Key) -> Option<&T> {
        self.slots
            .get(key.index())
            .filter(|slot| slot.generation == key.generation())
            .and_then(|slot| slot.value.as_ref())
    }

    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.slots
            .get_mut(key.index())
            .filter(|slot| slot.generation == key.generation())
            .and_then(|slot| slot.value.as_mut())
    }

    pub fn keys(&self) -> Vec<Key> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.value.is_some())
            .map(|(index, slot)| Key::new(index, slot.generation))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
