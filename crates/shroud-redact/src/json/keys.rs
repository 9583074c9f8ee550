//! What the policy makes of a member name, remembered per name: the key
//! rule it matches and whether the detectors could find anything in it.
//!
//! API responses repeat a handful of member names; matching each against
//! every key rule (case-insensitive exact, globs) and prefiltering it for
//! the detectors costs more than the rest of the member. The cache is
//! two-way set-associative, per redactor, and bounded: names an attacker
//! floods it with only evict entries, and every answer is the matchers' and
//! the scanner's own, computed on a miss.
//!
//! Responses of one API repeat the names of the last one, so a finished
//! body hands its cache back to a small per-thread pool, tagged with the
//! policy it answers for, and the next body of that policy on the thread
//! starts warm. A cache taken for another policy is cleared first. Like the
//! bodies themselves, the names stay in this process's memory; nothing
//! shows them (`Debug` counts them).

use std::cell::RefCell;

use crate::policy::Inner;

/// Slots in the cache.
const SLOTS: usize = 128;
/// The longest name the cache keeps; longer names are looked at every time.
const CAP: usize = 30;
/// No rule.
const NONE: u16 = u16::MAX;

/// What the policy makes of one member name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyInfo {
    rule: u16,
    /// Whether the detectors could find anything in the name itself
    /// ([`Scanner::may_match`](shroud_core::Scanner::may_match)).
    pub(super) scan: bool,
}

impl KeyInfo {
    /// The key rule the name matches: an index into `inner.rules`.
    #[inline(always)]
    pub(super) fn rule(self) -> Option<usize> {
        (self.rule != NONE).then_some(usize::from(self.rule))
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// `u8::MAX`: empty.
    len: u8,
    info: KeyInfo,
    /// The name's [`words`]: with `len`, the whole name up to 16 bytes.
    head: u64,
    tail: u64,
    /// The whole name, compared past 16 bytes.
    name: [u8; CAP],
}

const EMPTY: Slot = Slot {
    len: u8::MAX,
    info: KeyInfo {
        rule: NONE,
        scan: false,
    },
    head: 0,
    tail: 0,
    name: [0; CAP],
};

/// Caches each thread keeps between bodies.
const POOLED: usize = 4;

/// A cache's slots (always `SLOTS` of them) and the id of the policy they
/// answer for.
type Pooled = (u64, Box<[Slot]>);

thread_local! {
    static POOL: RefCell<Vec<Pooled>> = const { RefCell::new(Vec::new()) };
}

/// A two-way set-associative cache from raw member names to what the policy
/// makes of them.
pub(super) struct KeyCache {
    /// `SLOTS` slots; empty only once handed back to the pool.
    slots: Box<[Slot]>,
    lower: Vec<u8>,
    /// [`Inner::id`] of the policy the answers are for.
    policy: u64,
}

/// Member names can be personal data (objects keyed by email): not shown.
impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.slots.iter().filter(|s| s.len != u8::MAX).count();
        f.debug_struct("KeyCache")
            .field("names", &used)
            .finish_non_exhaustive()
    }
}

impl KeyCache {
    /// A cache for `inner`'s policy: the last one this thread finished for
    /// that policy, another pooled one cleared, or a new one.
    pub(super) fn for_policy(inner: &Inner) -> KeyCache {
        let policy = inner.id;
        let pooled = POOL
            .try_with(|pool| {
                let mut pool = pool.try_borrow_mut().ok()?;
                let at = pool
                    .iter()
                    .rposition(|(id, _)| *id == policy)
                    .or_else(|| pool.len().checked_sub(1))?;
                let (id, mut slots) = pool.swap_remove(at);
                if id != policy {
                    slots.fill(EMPTY);
                }
                Some(slots)
            })
            .ok()
            .flatten();
        KeyCache {
            slots: pooled.unwrap_or_else(|| vec![EMPTY; SLOTS].into_boxed_slice()),
            lower: Vec::new(),
            policy,
        }
    }
}

impl Drop for KeyCache {
    fn drop(&mut self) {
        let slots = std::mem::take(&mut self.slots);
        if slots.len() != SLOTS {
            return;
        }
        let policy = self.policy;
        // During thread teardown the pool may be gone: the slots are freed.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut() {
                if pool.len() == POOLED {
                    // The oldest goes.
                    pool.remove(0);
                }
                pool.push((policy, slots));
            }
        });
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
    /// What the policy makes of the member name `name` (raw, unescaped).
    ///
    /// A hit on a name of up to 16 bytes is inlined: two loads, a multiply
    /// and two compares a way.
    #[inline(always)]
    pub(super) fn lookup(&mut self, inner: &Inner, name: &[u8]) -> KeyInfo {
        if name.len() <= 16 {
            let (head, tail) = words(name);
            let s = set_of(head, tail, name.len());
            for w in [s, s + 1] {
                let slot = &self.slots[w];
                if slot.head == head && slot.tail == tail && usize::from(slot.len) == name.len() {
                    return slot.info;
                }
            }
        }
        self.lookup_slow(inner, name)
    }

    /// Everything but a short hit.
    #[inline(never)]
    fn lookup_slow(&mut self, inner: &Inner, name: &[u8]) -> KeyInfo {
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
                return slot.info;
            }
        }
        let info = self.compute(inner, name);
        // The older entry of the set moves to the second way.
        self.slots[s + 1] = self.slots[s];
        let slot = &mut self.slots[s];
        slot.len = name.len() as u8;
        slot.head = head;
        slot.tail = tail;
        slot.name[..name.len()].copy_from_slice(name);
        slot.info = info;
        info
    }

    #[cold]
    fn compute(&mut self, inner: &Inner, name: &[u8]) -> KeyInfo {
        let rule = if inner.keys.is_empty() || name.len() > inner.key_max_len {
            None
        } else {
            let lower = &mut self.lower;
            inner
                .keys
                .iter()
                .position(|m| m.matches(name, lower))
                .map(|j| inner.paths.len() + j)
        };
        KeyInfo {
            rule: rule.map_or(NONE, |r| r as u16),
            scan: inner
                .redactor
                .as_ref()
                .is_some_and(|r| r.scanner().may_match(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use shroud_core::Strategy;

    use super::*;
    use crate::Policy;

    #[test]
    fn answers_as_the_matchers_and_the_scanner_do_through_collisions_and_long_names() {
        for detectors in [false, true] {
            let policy = Policy::builder()
                .key("password", Strategy::Drop)
                .key("*token*", Strategy::default())
                .key("email", Strategy::default())
                .detectors(detectors)
                .build()
                .unwrap();
            let inner = &*policy.inner;
            let mut cache = KeyCache::for_policy(inner);
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
                        "jane@example.com",
                        "note",
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
            let rule = |cache: &mut KeyCache, name: &[u8]| cache.lookup(inner, name).rule();
            assert_eq!(rule(&mut cache, b"PASSWORD"), Some(0));
            assert_eq!(rule(&mut cache, b"x_Token_y"), Some(1));
            assert_eq!(rule(&mut cache, b"emails"), None);
            assert_eq!(rule(&mut cache, long.as_bytes()), Some(1));
            // Same first and last eight bytes, different middles.
            for _ in 0..3 {
                assert_eq!(rule(&mut cache, b"aaaaaaaatokenaaaaaaaa"), Some(1));
                assert_eq!(rule(&mut cache, b"aaaaaaaatokexaaaaaaaa"), None);
            }
            // Same words below four bytes save for the length.
            assert_eq!(rule(&mut cache, b"ab"), None);
            assert_eq!(rule(&mut cache, b"ab\0"), None);
            // The detectors' prefilter, per name.
            assert_eq!(cache.lookup(inner, b"jane@example.com").scan, detectors);
            assert_eq!(
                cache.lookup(inner, b"x_jane@example.com_0123456789").scan,
                detectors
            );
            assert!(!cache.lookup(inner, b"note").scan);
        }
    }

    #[test]
    fn a_pooled_cache_answers_only_for_its_own_policy() {
        let doc = br#"{"email":"x","name":"y","password":"z"}"#;
        let by_email = Policy::builder()
            .key("email", Strategy::Drop)
            .detectors(false)
            .build()
            .unwrap();
        let by_name = Policy::builder()
            .key("password", Strategy::Drop)
            .key("name", Strategy::Drop)
            .detectors(false)
            .build()
            .unwrap();
        let nothing = Policy::builder().detectors(false).build().unwrap();
        // Alternating on one thread, each body starts from the cache the
        // last one handed back.
        for _ in 0..3 {
            assert_eq!(
                by_email.redact_json(doc).unwrap(),
                br#"{"name":"y","password":"z"}"#
            );
            assert_eq!(by_name.redact_json(doc).unwrap(), br#"{"email":"x"}"#);
            assert_eq!(nothing.redact_json(doc).unwrap(), doc);
            assert_eq!(
                by_email.clone().redact_json(doc).unwrap(),
                br#"{"name":"y","password":"z"}"#
            );
        }
        // More policies than the pool holds.
        let many: Vec<Policy> = (0..2 * POOLED)
            .map(|i| {
                Policy::builder()
                    .key(format!("k{i}"), Strategy::Drop)
                    .detectors(false)
                    .build()
                    .unwrap()
            })
            .collect();
        for _ in 0..2 {
            for (i, p) in many.iter().enumerate() {
                let doc = format!(r#"{{"k{i}":1,"k{}":2}}"#, i + 1);
                assert_eq!(
                    p.redact_json(doc.as_bytes()).unwrap(),
                    format!(r#"{{"k{}":2}}"#, i + 1).as_bytes()
                );
            }
        }
        POOL.with(|pool| assert!(pool.borrow().len() <= POOLED));
    }
}
