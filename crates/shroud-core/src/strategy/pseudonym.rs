//! Keyed pseudonyms: HMAC-SHA256, truncated, base64url, with the key id.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::key::{KeyError, KeyId, SecretKey};

/// The version tag every pseudonym starts with.
pub const PSEUDONYM_PREFIX: &str = "ps1";
const PURPOSE: &[u8] = b"shroud/pseudonym/v1";

/// Turns values into stable, keyed pseudonyms: `ps1.<key id>.<tag>`.
///
/// The tag is HMAC-SHA256 under a subkey derived from the [`SecretKey`] over
/// the *domain* and the value, truncated (16 bytes by default) and base64url
/// encoded. The same value in the same domain under the same key always gives
/// the same pseudonym; another domain (claim, field) gives an unrelated one,
/// so values are not linkable across fields unless both use one domain.
///
/// Keys rotate: new pseudonyms use the active key, and [`verify`](Self::verify)
/// still resolves pseudonyms made under any previous key still held.
///
/// ```
/// use shroud_core::{Pseudonymizer, SecretKey};
///
/// let p = Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32])?);
/// let a = p.pseudonymize("email", b"jane@example.com");
/// assert!(a.starts_with("ps1.k2026."));
/// assert_eq!(a, p.pseudonymize("email", b"jane@example.com"));
/// assert_ne!(a, p.pseudonymize("sub", b"jane@example.com"));
/// assert!(p.verify("email", b"jane@example.com", &a));
/// # Ok::<(), shroud_core::KeyError>(())
/// ```
#[derive(Clone)]
pub struct Pseudonymizer {
    keys: Vec<(KeyId, Hmac<Sha256>)>,
    tag_len: usize,
}

impl core::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pseudonymizer")
            .field("active", &self.keys[0].0)
            .field(
                "previous",
                &self.keys[1..].iter().map(|k| &k.0).collect::<Vec<_>>(),
            )
            .field("tag_len", &self.tag_len)
            .finish()
    }
}

fn prepare(key: &SecretKey) -> Hmac<Sha256> {
    let sub = key.derive(PURPOSE);
    <Hmac<Sha256> as KeyInit>::new_from_slice(sub.as_slice()).expect("HMAC takes any key length")
}

impl Pseudonymizer {
    /// A pseudonymizer with one key.
    pub fn new(active: SecretKey) -> Pseudonymizer {
        Pseudonymizer {
            keys: vec![(active.id().clone(), prepare(&active))],
            tag_len: 16,
        }
    }

    /// A pseudonymizer whose active key makes new pseudonyms while the
    /// previous keys still verify old ones.
    pub fn with_previous(
        active: SecretKey,
        previous: impl IntoIterator<Item = SecretKey>,
    ) -> Result<Pseudonymizer, KeyError> {
        let mut p = Pseudonymizer::new(active);
        for k in previous {
            if p.keys.iter().any(|(id, _)| id == k.id()) {
                return Err(KeyError::DuplicateId(k.id().to_string()));
            }
            p.keys.push((k.id().clone(), prepare(&k)));
        }
        Ok(p)
    }

    /// Sets the tag length in bytes (8-32; default 16, 128 bits).
    pub fn with_tag_len(mut self, bytes: usize) -> Result<Pseudonymizer, KeyError> {
        if !(8..=32).contains(&bytes) {
            return Err(KeyError::Encoding {
                id: self.keys[0].0.to_string(),
                what: "pseudonym tag length must be 8-32 bytes",
            });
        }
        self.tag_len = bytes;
        Ok(self)
    }

    /// The id of the key new pseudonyms use.
    pub fn active_key_id(&self) -> &KeyId {
        &self.keys[0].0
    }

    fn tag(mac: &Hmac<Sha256>, domain: &str, value: &[u8]) -> [u8; 32] {
        let mut m = mac.clone();
        m.update(&(domain.len() as u64).to_be_bytes());
        m.update(domain.as_bytes());
        m.update(value);
        m.finalize().into_bytes().into()
    }

    /// The pseudonym of `value` in `domain` under the active key.
    pub fn pseudonymize(&self, domain: &str, value: &[u8]) -> String {
        let mut out = String::with_capacity(8 + self.keys[0].0.as_str().len() + 43);
        self.pseudonymize_into(domain, value, &mut out);
        out
    }

    /// Appends the pseudonym of `value` in `domain` to `out`.
    pub fn pseudonymize_into(&self, domain: &str, value: &[u8], out: &mut String) {
        let (id, mac) = &self.keys[0];
        let tag = Self::tag(mac, domain, value);
        out.push_str(PSEUDONYM_PREFIX);
        out.push('.');
        out.push_str(id.as_str());
        out.push('.');
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(&tag[..self.tag_len], out);
    }

    /// The key id a pseudonym names, if it has the pseudonym form.
    pub fn key_id_of(pseudonym: &str) -> Option<&str> {
        let rest = pseudonym.strip_prefix(PSEUDONYM_PREFIX)?.strip_prefix('.')?;
        let (id, tag) = rest.split_once('.')?;
        (!id.is_empty() && !tag.is_empty()).then_some(id)
    }

    /// Whether `pseudonym` is the pseudonym of `value` in `domain` under the
    /// key it names, which may be the active or a previous key. Compares in
    /// constant time.
    pub fn verify(&self, domain: &str, value: &[u8], pseudonym: &str) -> bool {
        let Some(id) = Self::key_id_of(pseudonym) else {
            return false;
        };
        let Some((_, mac)) = self.keys.iter().find(|(k, _)| k.as_str() == id) else {
            return false;
        };
        let tag_b64 = &pseudonym[PSEUDONYM_PREFIX.len() + 2 + id.len()..];
        let Ok(given) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag_b64) else {
            return false;
        };
        if !(8..=32).contains(&given.len()) {
            return false;
        }
        let tag = Self::tag(mac, domain, value);
        tag[..given.len()].ct_eq(&given).into()
    }
}
