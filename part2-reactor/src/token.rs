//! Keys: which source an event is about, and *which lifetime* of that slot.
//!
//! The OS tells us about readiness by handing back the [`Token`] we registered a socket with.
//! The obvious token is the socket's index in our slab. But slab slots are reused: close
//! connection 5, accept a new one, and the newcomer gets slot 5 too. Now picture one `poll`
//! that returned a batch of events, the last of which says "5 is readable". While handling an
//! earlier event of the batch, connection 5 is closed and a newcomer is accepted into slot 5.
//! The last event was about the old socket; delivered to the newcomer it would make it read
//! (harmless: it finds nothing) or, in a reactor that remembers readiness per source, record a
//! readiness the new socket never had — a classic bug, and a hard one to reproduce.
//!
//! So a token carries two numbers: the slot index, and the slot's *generation*, bumped every
//! time the slot is freed. An event is delivered only if both match the slot's current
//! occupant; otherwise it is *stale* and dropped (and the loop reports it, so the dashboard
//! counts it).
//!
//! # Bit layout
//!
//! ```text
//!   usize:  [ generation (high half) | slot index (low half) ]
//!   64-bit:   32 bits: 4 294 967 296  |  32 bits: up to 4 294 967 294 sources
//!   32-bit:   16 bits: 65 536         |  16 bits: up to 65 534 sources
//! ```
//!
//! The index with every bit set is never a slot: [`WAKE_TOKEN`] uses it, so the waker can never
//! be mistaken for a source. Generations wrap around. A stale event could only be mistaken for
//! a live one if its slot were reused exactly 2^32 times (2^16 on 32-bit) between the `poll`
//! that reported it and its dispatch a few microseconds later — each reuse needing a close and
//! an accept. On 64-bit that cannot happen; on 32-bit it would take 65 536 accepts into one slot
//! inside one batch of at most [`Events`](mio::Events) capacity events, which cannot happen
//! either. The price of 32-bit is the lower source limit, which the reactor reports as an error
//! instead of wrapping indexes.
//!
//! # How Tokio avoids the same bug
//!
//! Tokio has no slab and no generation in its tokens (all in `tokio/src/runtime/io/`):
//!
//! - The token is the *address* of the registration's `ScheduledIo`, kept in an `Arc`
//!   (`ScheduledIo::token` in `scheduled_io.rs`); `Driver::turn` in `driver.rs` turns each
//!   event's token straight back into a reference.
//! - An address can be reused too, once its memory is freed, so Tokio never frees it while an
//!   event might still carry it. Dropping a registration first deregisters the socket from
//!   epoll (`Handle::deregister_source`, `driver.rs`), then only *queues* its
//!   `Arc<ScheduledIo>` in `pending_release` (`registration_set.rs`). The driver releases the
//!   queue at the start of its next `turn`, before it polls again. And a turn dispatches all
//!   its events at once (it sets each one's readiness and wakes its tasks) without running any
//!   task in between. So an event only ever names a live `ScheduledIo`.
//! - What Tokio does pack is a *tick* beside the readiness bits in `ScheduledIo`'s `readiness`
//!   word (`scheduled_io.rs`): every event increments it, and a task that found the socket
//!   drained clears the readiness only if the tick is still the one it saw
//!   (`set_readiness` with `Tick::Clear`), so a late clear never erases a newer event.
//!
//! This reactor's users run handlers *between* the poll and the dispatch of later events of the
//! same batch, and a handler may close a source and register a new one into the freed slot. A
//! generation checked at dispatch handles that directly, and lets the dashboard count it. (This
//! server's handlers only ever close their own connection, so its stale count stays at 0; the
//! reactor does not rely on such tidiness, and part 3's tasks may drop any socket they own.)

use std::fmt;

use mio::Token;

/// How many low bits of a token hold the slot index.
const INDEX_BITS: u32 = usize::BITS / 2;

/// The index bits of a token (also the index reserved for the waker).
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;

/// The generation bits, once shifted down.
const GENERATION_MASK: usize = usize::MAX >> INDEX_BITS;

/// How many sources a reactor can hold at once: every index except the waker's.
pub const MAX_SOURCES: usize = INDEX_MASK;

/// The token the reactor's waker is registered with. Its index has every bit set, which no
/// slot can have, so it never collides with a source's key.
pub const WAKE_TOKEN: Token = Token(INDEX_MASK);

/// A source's identity: its slot in the reactor's slab, and the generation of that slot when
/// it was registered. Displayed as `#slot.generation`, e.g. `#5.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    index: usize,
    generation: usize,
}

impl Key {
    /// The key for slot `index` in its `generation`.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`MAX_SOURCES`] or `generation` does not fit in its bits (it
    /// always does when it comes from [`next_generation`]): a token could not carry it.
    pub fn new(index: usize, generation: usize) -> Key {
        assert!(index < MAX_SOURCES, "slot index {index} out of range");
        assert!(
            generation <= GENERATION_MASK,
            "generation {generation} out of range"
        );
        Key { index, generation }
    }

    /// Decodes a token the OS gave back. (It may describe a slot that has since been reused;
    /// the reactor checks the generation.)
    pub fn from_token(token: Token) -> Key {
        Key {
            index: token.0 & INDEX_MASK,
            generation: token.0 >> INDEX_BITS,
        }
    }

    /// The token to register with the OS.
    pub fn token(self) -> Token {
        Token(self.generation << INDEX_BITS | self.index)
    }

    /// The slot in the slab.
    pub fn index(self) -> usize {
        self.index
    }

    /// How many times the slot had been freed before this source took it (modulo the
    /// generation bits).
    pub fn generation(self) -> usize {
        self.generation
    }
}

/// The generation a slot gets after `generation`'s occupant leaves: one more, wrapping around
/// within the generation bits.
pub fn next_generation(generation: usize) -> usize {
    generation.wrapping_add(1) & GENERATION_MASK
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}.{}", self.index, self.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_the_round_trip_through_a_token() {
        for (index, generation) in [(0, 0), (5, 2), (MAX_SOURCES - 1, GENERATION_MASK)] {
            let key = Key::new(index, generation);
            assert_eq!(Key::from_token(key.token()), key);
        }
    }

    #[test]
    fn the_same_slot_in_another_generation_is_another_token() {
        let old = Key::new(5, 7);
        let new = Key::new(5, next_generation(7));
        assert_ne!(old.token(), new.token());
        assert_eq!(old.index(), new.index());
    }

    #[test]
    fn generations_wrap_and_no_key_is_the_wake_token() {
        assert_eq!(next_generation(GENERATION_MASK), 0);
        let last = Key::new(MAX_SOURCES - 1, GENERATION_MASK);
        assert_ne!(last.token(), WAKE_TOKEN);
        assert_ne!(Key::new(0, 0).token(), WAKE_TOKEN);
    }

    #[test]
    fn keys_display_slot_and_generation() {
        assert_eq!(Key::new(5, 2).to_string(), "#5.2");
    }
}
