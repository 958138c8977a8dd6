//! Tests for `exercises/src/p2_stale_keys.rs`: slots are reused, and a key from an earlier
//! lifetime of a slot finds nothing. Run them with `cargo test -p exercises --test p2_stale_keys`.

// The code these tests run: your stub, unless `cargo run -p exercises -- verify` swaps in the
// reference solution or a deliberately wrong variant (see exercises/README.md).
#[cfg_attr(
    not(any(feature = "solution", exercise_variant_of = "p2_stale_keys")),
    path = "../src/p2_stale_keys.rs"
)]
#[cfg_attr(feature = "solution", path = "../solutions/p2_stale_keys.rs")]
#[cfg_attr(
    exercise_variant = "p2_stale_keys/a_freed_slot_keeps_its_generation",
    path = "../wrong/p2_stale_keys/a_freed_slot_keeps_its_generation.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_stale_keys/a_stale_remove_frees_the_slot",
    path = "../wrong/p2_stale_keys/a_stale_remove_frees_the_slot.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_stale_keys/generation_not_checked_on_lookup",
    path = "../wrong/p2_stale_keys/generation_not_checked_on_lookup.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_stale_keys/never_reuses_a_slot",
    path = "../wrong/p2_stale_keys/never_reuses_a_slot.rs"
)]
#[cfg_attr(
    exercise_variant = "p2_stale_keys/remove_ignores_the_generation",
    path = "../wrong/p2_stale_keys/remove_ignores_the_generation.rs"
)]
pub mod p2_stale_keys;

use std::collections::HashSet;

use exercises::harness::{explain_panic, within};
use p2_stale_keys::{Key, Slots};

const IF_STUCK: &str = "does every loop in the table end (looking for a free slot, say)?";

/// A table where `old`'s value was removed and `new` took its slot: the situation of a batch
/// of events in which connection `old` closed and a newcomer was accepted.
fn reused_slot() -> (Slots<&'static str>, Key, Key) {
    let mut slots = Slots::new();
    let old = slots.insert("old").expect("an empty table has room");
    assert_eq!(slots.remove(old), Some("old"), "remove returns the value");
    let new = slots
        .insert("new")
        .expect("a table with a free slot has room");
    assert_ne!(
        new, old,
        "the newcomer in the reused slot got the removed value's very key ({old}): remove \
         must move the slot on to the next generation (next_generation), or no lookup can \
         tell the two apart"
    );
    (slots, old, new)
}

#[test]
fn what_goes_in_comes_out_by_its_key() {
    within(IF_STUCK, || {
        let mut slots = Slots::new();
        assert_eq!(slots.len(), 0, "a new table holds nothing");
        assert!(slots.is_empty(), "a new table is empty");
        let a = slots.insert(String::from("a")).expect("room");
        let b = slots.insert(String::from("b")).expect("room");
        assert_ne!(a, b, "two values held at once have two keys");
        assert_ne!(a.index(), b.index(), "and two slots");
        assert_eq!(
            slots.get(a).map(String::as_str),
            Some("a"),
            "get with the key insert returned must find the value"
        );
        assert_eq!(
            slots.get(b).map(String::as_str),
            Some("b"),
            "each key finds its own value"
        );
        slots.get_mut(b).expect("b is held").push('!');
        assert_eq!(
            slots.get(b).map(String::as_str),
            Some("b!"),
            "get_mut must give access to the value held, not a copy"
        );
        assert_eq!(slots.len(), 2, "two values are held");
        assert!(!slots.is_empty(), "a table holding two values is not empty");
    });
}

#[test]
fn a_removed_value_is_gone_for_good() {
    within(IF_STUCK, || {
        let mut slots = Slots::new();
        let a = slots.insert('a').expect("room");
        let b = slots.insert('b').expect("room");
        assert_eq!(slots.remove(a), Some('a'), "remove returns the value");
        assert_eq!(slots.remove(a), None, "removing twice returns None");
        assert_eq!(slots.get(a), None, "get of a removed value finds nothing");
        assert_eq!(
            slots.get_mut(a),
            None,
            "get_mut of a removed value finds nothing"
        );
        assert_eq!(
            slots.len(),
            1,
            "one of two values was removed (the second remove of it changes nothing)"
        );
        assert_eq!(slots.get(b), Some(&'b'), "the other value stays");
    });
}

#[test]
fn a_freed_slot_is_reused_under_a_new_key() {
    within(IF_STUCK, || {
        let (slots, old, new) = reused_slot();
        assert_eq!(
            new.index(),
            old.index(),
            "the only free slot was the one just freed: insert must reuse it (memory follows \
             the values held, not how many were ever inserted)"
        );
        assert_ne!(
            new, old,
            "the reused slot's key must differ from the old one: remove must give the slot a \
             new generation (next_generation)"
        );
        assert_eq!(
            slots.get(new),
            Some(&"new"),
            "the new key finds the new value"
        );
    });
}

#[test]
fn a_stale_key_finds_nothing() {
    within(IF_STUCK, || {
        let (mut slots, old, new) = reused_slot();
        assert_eq!(
            slots.get(old),
            None,
            "{old} is stale (its value was removed; {new} took the slot): get must compare \
             generations, not only indexes"
        );
        assert_eq!(
            slots.get_mut(old),
            None,
            "get_mut({old}) must find nothing either"
        );
        assert_eq!(
            slots.get(new),
            Some(&"new"),
            "the current key {new} still finds the value in the slot"
        );
    });
}

#[test]
fn a_stale_key_removes_nothing() {
    within(IF_STUCK, || {
        let (mut slots, old, new) = reused_slot();
        assert_eq!(
            slots.remove(old),
            None,
            "remove({old}) must do nothing: the slot now holds {new}'s value. (The reactor \
             deregisters with the key it has: a stale one must not close the newcomer.)"
        );
        assert_eq!(slots.get(new), Some(&"new"), "the newcomer stays");
        assert_eq!(
            slots.len(),
            1,
            "a remove with a stale key changes nothing, the count neither"
        );
    });
}

#[test]
fn an_event_for_the_old_occupant_never_reaches_the_new_one() {
    within(IF_STUCK, || {
        let mut slots = Slots::new();
        let old = slots.insert("old connection").expect("room");
        // The OS reports the old connection readable: its token waits in the batch...
        let late_event = old.token();
        // ...while an earlier event's handler closes it, and a newcomer is accepted.
        slots.remove(old);
        let new = slots.insert("new connection").expect("room");
        assert_eq!(
            new.index(),
            old.index(),
            "the newcomer must reuse the only freed slot"
        );
        assert_ne!(
            new, old,
            "the newcomer in the reused slot got the removed value's very key ({old}): remove \
             must move the slot on to the next generation (next_generation), or no lookup can \
             tell the two apart"
        );

        let target = Key::from_token(late_event);
        assert_eq!(
            slots.get(target),
            None,
            "the event was about the old connection: it must not reach the new one in the same \
             slot"
        );
        let fresh_event = new.token();
        assert_eq!(
            slots.get(Key::from_token(fresh_event)),
            Some(&"new connection"),
            "an event for the new connection, through its token, must reach it"
        );
    });
}

#[test]
fn every_reuse_of_a_slot_has_its_own_key() {
    within(IF_STUCK, || {
        let mut slots = Slots::new();
        let mut earlier = Vec::new();
        for round in 0..100 {
            let key = slots.insert(round).expect("room");
            for stale in &earlier {
                assert_ne!(
                    key, *stale,
                    "round {round}: the slot got a key it had before"
                );
                assert_eq!(
                    slots.get(*stale),
                    None,
                    "round {round}: {stale} is from an earlier lifetime of the slot"
                );
            }
            assert_eq!(
                slots.remove(key),
                Some(round),
                "round {round}: remove with the key just returned must return the value"
            );
            earlier.push(key);
        }
    });
}

#[test]
fn slots_are_reused_so_indexes_stay_small() {
    within(IF_STUCK, || {
        const HELD: usize = 10;
        let mut slots = Slots::new();
        let mut held: Vec<Key> = (0..HELD).map(|i| slots.insert(i).expect("room")).collect();
        for round in 0..1000 {
            // A connection closes and another opens, a thousand times.
            let closing = held.remove(round % HELD);
            slots.remove(closing);
            let key = slots.insert(round).expect("room");
            assert!(
                key.index() < HELD,
                "after {round} closes and opens, with never more than {HELD} values held, \
                 insert used slot {}: freed slots must be reused, or the table grows forever",
                key.index()
            );
            held.push(key);
        }
        assert_eq!(
            slots.len(),
            HELD,
            "after as many closes as opens, {HELD} values are held"
        );
    });
}

#[test]
fn a_full_table_gives_the_value_back_until_a_slot_is_freed() {
    within(IF_STUCK, || {
        let mut slots = Slots::with_limit(2);
        let a = slots.insert("a").expect("room for a");
        slots.insert("b").expect("room for b");
        assert_eq!(
            slots.insert("c"),
            Err("c"),
            "a table with a limit of 2 that holds 2 values is full: insert gives the value back"
        );
        assert_eq!(
            slots.len(),
            2,
            "the refused insert must not count: the table still holds 2"
        );
        slots.remove(a);
        let c = slots.insert("c");
        assert!(
            matches!(c, Ok(key) if key.index() == a.index()),
            "a freed slot makes room again (and is reused): got {c:?}"
        );
    });
}

#[test]
fn keys_lists_the_values_held_in_slot_order() {
    within(IF_STUCK, || {
        let mut slots = Slots::new();
        let keys: Vec<Key> = (0..5).map(|i| slots.insert(i).expect("room")).collect();
        slots.remove(keys[1]);
        slots.remove(keys[3]);
        let reused = slots.insert(9).expect("room");
        let mut expected = vec![keys[0], keys[2], keys[4], reused];
        expected.sort_by_key(|key| key.index());
        assert_eq!(
            slots.keys(),
            expected,
            "keys() lists every value held, with the key that finds it, in slot order"
        );
        let distinct: HashSet<Key> = slots.keys().into_iter().collect();
        assert_eq!(
            distinct.len(),
            4,
            "the four values held have four different keys"
        );
    });
}

#[test]
fn any_mix_of_inserts_and_removes_with_stale_keys_matches_a_model() {
    const SEEDS: u64 = 20;
    const STEPS: u64 = 300;
    /// A small table, so that it fills up and every slot is reused many times.
    const LIMIT: usize = 8;

    /// A linear congruential generator (Knuth's MMIX constants): the same "random" operations
    /// on every run.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    /// The operations of one seed so far, to replay a failure by hand.
    fn history(seed: u64, log: &[String]) -> String {
        format!(
            "\nThe operations that led here (seed {seed}, limit {LIMIT}; values are step \
             numbers):\n  {}",
            log.join("\n  ")
        )
    }

    within(IF_STUCK, || {
        for seed in 0..SEEDS {
            let mut random = Lcg(seed);
            let mut slots = Slots::with_limit(LIMIT);
            // The values held, with their keys, and every key whose value was removed.
            let mut held: Vec<(Key, u64)> = Vec::new();
            let mut stale: Vec<Key> = Vec::new();
            let mut log = Vec::new();
            for step in 0..STEPS {
                match random.below(10) {
                    0..=4 => {
                        let result = explain_panic(
                            &format!("insert({step})"),
                            || history(seed, &log),
                            || slots.insert(step),
                        );
                        log.push(match &result {
                            Ok(key) => format!("insert({step}) → Ok({key})"),
                            Err(_) => format!("insert({step}) → Err (full)"),
                        });
                        match result {
                            Ok(key) => {
                                assert!(
                                    !stale.contains(&key),
                                    "insert({step}) returned {key}, the key of a value removed \
                                     earlier: a freed slot must move on to the next generation \
                                     (next_generation), or the old key finds the new value{}",
                                    history(seed, &log)
                                );
                                assert!(
                                    held.len() < LIMIT,
                                    "insert({step}) succeeded in a full table (limit \
                                     {LIMIT}){}",
                                    history(seed, &log)
                                );
                                if let Some((owner, value)) =
                                    held.iter().find(|(k, _)| k.index() == key.index())
                                {
                                    panic!(
                                        "insert({step}) got {key}, in slot {} where value \
                                         {value} (key {owner}) is still held: a slot was \
                                         handed out while occupied. Does a remove that finds \
                                         nothing (a stale key) still put its slot on the \
                                         free list, or is a slot freed twice?{}",
                                        key.index(),
                                        history(seed, &log)
                                    );
                                }
                                held.push((key, step));
                            }
                            Err(value) => assert!(
                                held.len() == LIMIT && value == step,
                                "insert({step}) was refused with {} of {LIMIT} slots in use: \
                                 only a full table refuses, and it gives the value back{}",
                                held.len(),
                                history(seed, &log)
                            ),
                        }
                    }
                    5..=7 if !held.is_empty() => {
                        let (key, value) = held.remove(random.below(held.len()));
                        let removed = explain_panic(
                            &format!("remove({key})"),
                            || history(seed, &log),
                            || slots.remove(key),
                        );
                        log.push(format!("remove({key}) → {removed:?}"));
                        assert_eq!(
                            removed,
                            Some(value),
                            "remove({key}) must return the value it holds{}",
                            history(seed, &log)
                        );
                        stale.push(key);
                    }
                    _ if !stale.is_empty() => {
                        let key = stale[random.below(stale.len())];
                        let removed = explain_panic(
                            &format!("remove({key}) (stale)"),
                            || history(seed, &log),
                            || slots.remove(key),
                        );
                        log.push(format!("remove({key}) (stale) → {removed:?}"));
                        assert_eq!(
                            removed,
                            None,
                            "{key} is stale: remove must find and change nothing{}",
                            history(seed, &log)
                        );
                    }
                    _ => {}
                }
                for (key, value) in &held {
                    let found = explain_panic(
                        &format!("get({key})"),
                        || history(seed, &log),
                        || slots.get(*key),
                    );
                    assert_eq!(
                        found,
                        Some(value),
                        "{key} must still find its value {value}{}",
                        history(seed, &log)
                    );
                }
                let len = explain_panic("len()", || history(seed, &log), || slots.len());
                assert_eq!(
                    len,
                    held.len(),
                    "len must count the values held{}",
                    history(seed, &log)
                );
            }
        }
    });
}
