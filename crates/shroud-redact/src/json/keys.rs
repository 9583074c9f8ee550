//! Which key rule a member name matches, remembered per name.
//!
//! API responses repeat a handful of member names; matching each against
//! every key rule (case-insensitive exact, globs) costs more than the rest of
//! the member. The cache is two-way set-associative, per redactor, and bounded: names
//! an attacker floods it with only evict entries, and every answer is the
//! matchers' own, computed on a miss.

use crate::policy::Inner;

/// Slots in the cache.
const SLOTS: usize = 128;
/// The longest name the cache keeps; longer names are matched every time.
const CAP: usize = 30;
/// No rule.
const NONE: u16 = u16::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// `u8::MAX`: empty.
    len: u8,
    rule: u16,
    /// The name's [`words`]: with `len`, the whole name up to 16 bytes.
    head: u64,
    tail: u64,
    /// The whole name, compared past 16 bytes.
    name: [u8; CAP],
}

const EMPTY: Slot = Slot {
    len: u8::MAX,
    rule: NONE,
    head: 0,
    tail: 0,
    name: [0; CAP],
};

/// A two-way set-associative cache from raw member names to the key rule
/// they match.
#[derive(Debug)]
pub(super) struct KeyCache {
    slots: Box<[Slot; SLOTS]>,
    lower: Vec<u8>,
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            slots: Box::new([EMPTY; SLOTS]),
            lower: Vec::new(),
        }
    }
}

/// Two words that, with the length, spell a name of up to 16 bytes: its
/// first and last eight bytes (four from 4 to 7 bytes; the bytes themselves
/// below 4).
#[inline(always)]
fn words(name: &[u8]) -> (u64, u64) {
    let n = name.len();
    if n >= 8 {
        (
            u64::from_le_bytes(name[..8].try_into().expect("eight bytes")),
            u64::from_le_bytes(name[n - 8..].try_into().expect("eight bytes")),
        )
    } else if n >= 4 {
        (
            u64::from(u32::from_le_bytes(name[..4].try_into().expect("four bytes"))),
            u64::from(u32::from_le_bytes(name[n - 4..].try_into().expect("four bytes"))),
        )
    } else {
        let mut h = 0u64;
        for (j, &b) in name.iter().enumerate() {
            h |= u64::from(b) << (8 * j);
        }
        (h, 0)
    }
}

/// The first of the two slots a name may live in.
#[inline(always)]
fn set_of(head: u64, tail: u64, len: usize) -> usize {
    ((head ^ tail.rotate_left(23) ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        >> (64 - SLOTS.trailing_zeros())) as usize
        & !1
}

impl KeyCache {
    /// The rule (an index into `inner.rules`) that the member name `name`
    /// (raw, unescaped) matches among the key rules, if any.
    ///
    /// A hit on a name of up to 16 bytes is inlined: two loads, a multiply
    /// and two compares a way.
    #[inline(always)]
    pub(super) fn lookup(&mut self, inner: &Inner, name: &[u8]) -> Option<usize> {
        if name.len() <= 16 {
            let (head, tail) = words(name);
            let s = set_of(head, tail, name.len());
            for w in [s, s + 1] {
                let slot = &self.slots[w];
                if slot.head == head && slot.tail == tail && usize::from(slot.len) == name.len() {
                    return (slot.rule != NONE).then_some(usize::from(slot.rule));
                }
            }
        }
        self.lookup_slow(inner, name)
    }

    /// Everything but a short hit. Only names a key rule could match are
    /// cached, so the inlined hit path needs no other check.
    #[inline(never)]
    fn lookup_slow(&mut self, inner: &Inner, name: &[u8]) -> Option<usize> {
        if inner.keys.is_empty() || name.len() > inner.key_max_len {
            return None;
        }
        if name.len() > CAP {
            return self.compute(inner, name);
        }
        let (head, tail) = words(name);
        let s = set_of(head, tail, name.len());
        for w in [s, s + 1] {
            let slot = &self.slots[w];
            if slot.head == head
                && slot.tail == tail
                && usize::from(slot.len) == name.len()
                && slot.name[..name.len()] == *name
            {
                return (slot.rule != NONE).then_some(usize::from(slot.rule));
            }
        }
        self.miss(inner, name, s, head, tail)
    }

    #[cold]
    #[inline(never)]
    fn miss(&mut self, inner: &Inner, name: &[u8], s: usize, head: u64, tail: u64) -> Option<usize> {
        let rule = self.compute(inner, name);
        self.slots[s + 1] = self.slots[s];
        let slot = &mut self.slots[s];
        slot.len = name.len() as u8;
        slot.head = head;
        slot.tail = tail;
        slot.name[..name.len()].copy_from_slice(name);
        slot.rule = rule.map_or(NONE, |r| r as u16);
        rule
    }

    fn compute(&mut self, inner: &Inner, name: &[u8]) -> Option<usize> {
        let lower = &mut self.lower;
        inner
            .keys
            .iter()
            .position(|m| m.matches(name, lower))
            .map(|j| inner.paths.len() + j)
    }
}

#[cfg(test)]
mod tests {
    use shroud_core::Strategy;

    use super::*;
    use crate::Policy;

    #[test]
    fn answers_as_the_matchers_do_through_collisions_and_long_names() {
        let policy = Policy::builder()
            .key("password", Strategy::Drop)
            .key("*token*", Strategy::default())
            .key("email", Strategy::default())
            .detectors(false)
            .build()
            .unwrap();
        let inner = &*policy.inner;
        let mut cache = KeyCache::default();
        let long = format!("{}token", "x".repeat(40));
        let names: Vec<String> = (0..500)
            .map(|i| format!("field_{i}"))
            .chain(
                [
                    "password",
                    "PassWord",
                    "api_token",
                    "TOKEN",
                    "email",
                    "e-mail",
                    "",
                    &long,
                ]
                .map(String::from),
            )
            .collect();
        for round in 0..3 {
            for name in &names {
                let want = cache.compute(inner, name.as_bytes());
                assert_eq!(
                    cache.lookup(inner, name.as_bytes()),
                    want,
                    "{name} (round {round})"
                );
            }
        }
        assert_eq!(cache.lookup(inner, b"PASSWORD"), Some(0));
        assert_eq!(cache.lookup(inner, b"x_Token_y"), Some(1));
        assert_eq!(cache.lookup(inner, b"emails"), None);
        assert_eq!(cache.lookup(inner, long.as_bytes()), Some(1));
        // Same first and last eight bytes, different middles.
        for _ in 0..3 {
            assert_eq!(cache.lookup(inner, b"aaaaaaaatokenaaaaaaaa"), Some(1));
            assert_eq!(cache.lookup(inner, b"aaaaaaaatokexaaaaaaaa"), None);
        }
        // Same words below four bytes save for the length.
        assert_eq!(cache.lookup(inner, b"ab"), None);
        assert_eq!(cache.lookup(inner, b"ab\0"), None);
    }
}
