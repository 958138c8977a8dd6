//! Wrong: lookups compare only the slot index; the generation is kept but never checked.
//!
//! The generation is bumped on every remove, keys differ, and every test that only uses live
//! keys passes. But the point of the generation is the check: an event for the old occupant of
//! a slot, delivered with its old key, reaches the newcomer — exactly the bug generations
//! exist to prevent.

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
        let value = slot.value.take()?;
        slot.generation = next_generation(slot.generation);
        self.free.push(key.index());
        self.len -= 1;
        Some(value)
    }

    pub fn get(&self, key: Key) -> Option<&T> {
        self.slots.get(key.index())?.value.as_ref()
    }

    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.slots.get_mut(key.index())?.value.as_mut()
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
