//! Solution: the table the reactor keeps its sources in, `part2_reactor::slots::Slots`.
//!
//! A `slab::Slab` holds the values with the generation they were inserted in, and a vector
//! beside it holds, for every slot ever used, the generation its next occupant gets (it
//! survives while the slot is empty). `remove` bumps that generation; every lookup compares
//! the key's generation with the occupant's. The slab's free list reuses slots.

pub use part2_reactor::slots::Slots;
pub use part2_reactor::token::{Key, MAX_SOURCES, next_generation};
