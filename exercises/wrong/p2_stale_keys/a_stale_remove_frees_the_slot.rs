//! Wrong: `remove` puts the slot on the free list even when the key was stale and nothing was
//! removed.
//!
//! The plausible thought: "after `remove`, the slot is free". Every lookup and every removal
//! checks the generation, and a stale `remove` returns `None` and leaves the value alone, so
//! each test of one stale key passes. But the slot, still holding the newcomer, is now on the
//! free list (perhaps twice): a later `insert` takes it, overwrites the newcomer's value, and
//! hands out the newcomer's own key for it. In the reactor: an old connection's deregistration
//! with a stale key, then a new accept, and two clients share one slot; the first one's
//! events reach the second. It shows only after a stale remove *and* enough inserts.

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
        let slot = self.slots.get_mut(key.index())?;
        let value = if slot.generation == key.generation() {
            slot.value.take()
        } else {
            None
        };
        if value.is_some() {
            slot.generation = next_generation(slot.generation);
            self.len -= 1;
        }
        // "After remove, the slot is free": also after a stale key removed nothing.
        self.free.push(key.index());
        value
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
