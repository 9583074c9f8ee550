//! The verified-token cache: repeated tokens cost a hash and a lookup.
//!
//! Keyed by the first 128 bits of SHA-256 over the whole token (the token
//! itself is not stored), bounded by entries and by each token's expiry,
//! sharded so that concurrent requests rarely share a lock, and tied to a key
//! generation so that a key change invalidates every entry.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::digest;
use shroud_core::{Claims, TokenInfo};

const SHARDS: usize = 16;

#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) claims: Claims,
    pub(crate) info: TokenInfo,
    /// Unix seconds after which the entry is dead.
    pub(crate) until: i64,
    /// Which issuer verified it, and that issuer's key generation then.
    pub(crate) issuer: usize,
    pub(crate) generation: u64,
}

pub(crate) struct TokenCache {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
}

#[derive(Default)]
struct Shard {
    map: HashMap<u128, Entry>,
    /// When expired entries were last swept out (Unix seconds): a full
    /// shard is swept at most once a second, so that inserts into a shard
    /// full of live entries (a caller minting fresh JWEs around one JWS)
    /// cost a constant, not a pass over the shard each.
    swept: i64,
}

pub(crate) fn token_hash(token: &[u8]) -> u128 {
    let d = digest::digest(&digest::SHA256, token);
    let mut k = [0u8; 16];
    k.copy_from_slice(&d.as_ref()[..16]);
    u128::from_le_bytes(k)
}

impl TokenCache {
    pub(crate) fn new(capacity: usize) -> TokenCache {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    map: HashMap::with_capacity(per_shard.min(1024)),
                    swept: i64::MIN,
                })
            })
            .collect();
        TokenCache { shards, per_shard }
    }

    fn shard(&self, key: u128) -> &Mutex<Shard> {
        &self.shards[(key as usize) % SHARDS]
    }

    /// A live entry; `generation` gives an issuer's current key generation.
    pub(crate) fn get(
        &self,
        key: u128,
        now: i64,
        generation: impl Fn(usize) -> Option<u64>,
    ) -> Option<(Claims, TokenInfo)> {
        let mut shard = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        match shard.map.get(&key) {
            Some(e) if e.until > now && generation(e.issuer) == Some(e.generation) => {
                Some((e.claims.clone(), e.info.clone()))
            }
            Some(_) => {
                shard.map.remove(&key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn insert(&self, key: u128, entry: Entry, now: i64) {
        let mut guard = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        let shard = &mut *guard;
        if shard.map.len() >= self.per_shard && !shard.map.contains_key(&key) {
            if now > shard.swept {
                shard.map.retain(|_, e| e.until > now);
                shard.swept = now;
            }
            if shard.map.len() >= self.per_shard {
                // Still full of live entries: drop one (the map's iteration
                // order is randomized per process, so this is a random victim).
                if let Some(victim) = shard.map.keys().next().copied() {
                    shard.map.remove(&victim);
                }
            }
        }
        shard.map.insert(key, entry);
    }

    /// When the key's shard was last swept, for the tests.
    #[cfg(test)]
    fn swept_at(&self, key: u128) -> i64 {
        self.shard(key).lock().unwrap_or_else(|p| p.into_inner()).swept
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).map.len())
            .sum()
    }

    pub(crate) fn clear(&self) {
        for s in self.shards.iter() {
            s.lock().unwrap_or_else(|p| p.into_inner()).map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(until: i64, generation: u64) -> Entry {
        Entry {
            claims: Claims::default(),
            info: TokenInfo::new("HS256", None, None, None, false),
            until,
            issuer: 0,
            generation,
        }
    }

    #[test]
    fn expiry_generation_and_bound() {
        let c = TokenCache::new(32);
        let k = token_hash(b"a.b.c");
        assert_ne!(k, token_hash(b"a.b.d"));
        c.insert(k, entry(100, 1), 0);
        assert!(c.get(k, 99, |_| Some(1)).is_some());
        assert!(c.get(k, 99, |_| Some(2)).is_none(), "other key generation");
        c.insert(k, entry(100, 1), 0);
        assert!(c.get(k, 100, |_| Some(1)).is_none(), "expired");
        for i in 0..1000u32 {
            c.insert(token_hash(&i.to_le_bytes()), entry(1000, 1), 0);
        }
        assert!(c.len() <= 32, "{}", c.len());
        c.clear();
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn a_full_shard_is_swept_once_a_second() {
        // One entry a shard.
        let c = TokenCache::new(SHARDS);
        let keys: Vec<u128> = (0..64u32).map(|i| token_hash(&i.to_le_bytes())).collect();
        let same_shard: Vec<u128> = keys
            .iter()
            .copied()
            .filter(|k| (*k as usize) % SHARDS == (keys[0] as usize) % SHARDS)
            .take(3)
            .collect();
        assert_eq!(same_shard.len(), 3);
        let [a, b, d] = [same_shard[0], same_shard[1], same_shard[2]];
        c.insert(a, entry(100, 1), 10);
        assert_eq!(c.swept_at(a), i64::MIN, "not full: no sweep");
        // Full of live entries: swept once at 10, then only a victim drops.
        c.insert(b, entry(100, 1), 10);
        assert_eq!(c.swept_at(b), 10);
        assert!(c.get(b, 10, |_| Some(1)).is_some());
        assert!(c.get(a, 10, |_| Some(1)).is_none(), "evicted");
        c.insert(d, entry(11, 1), 10);
        assert_eq!(c.swept_at(d), 10);
        // A second later the expired entry is swept out before a victim
        // is chosen.
        c.insert(a, entry(100, 1), 12);
        assert_eq!(c.swept_at(a), 12);
        assert!(c.get(a, 12, |_| Some(1)).is_some());
        assert_eq!(c.len(), 1);
    }
}
