//! Wrong: `remove` frees the slot but does not bump its generation.
//!
//! Lookups compare generations faithfully — but the newcomer in a reused slot gets the same
//! generation, hence the same key and the same token, as the value before it. A stale event
//! is then indistinguishable from a fresh one: the generation is there and protects nothing.

pub use part2_reactor::token::{Key, MAX_SOURCES, next_generation};

#[derive(Debug)]
struct Slot<T> {
    generation: usize,
    value: Option<T>,
}

#[derive(Debug)]
pub struct Slots<T> {
    slots: Vec<Slot<T>>,
    /// Indexes of the empty slots.
    free: Vec<usize>,
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
            free: Vec::new(),
            len: 0,
            limit: limit.min(MAX_SOURCES),
        }
    }

    pub fn insert(&mut self, value: T) -> Result<Key, T> {
        let index = match self.free.pop() {
            Some(index) => index,
            None if self.slots.len() < self.limit => {
                self.slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                self.slots.len() - 1
            }
            None => return Err(value),
        };
        let slot = &mut self.slots[index];
        slot.value = Some(value);
        self.len += 1;
        Ok(Key::new(index, slot.generation))
    }

    pub fn remove(&mut self, key: Key) -> Option<T> {
        let slot = self
            .slots
            .get_mut(key.index())
            .filter(|slot| slot.generation == key.generation())?;
        let value = slot.value.take()?;
        self.free.push(key.index());
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
