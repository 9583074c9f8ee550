//! Keyed pseudonyms: HMAC-SHA256, truncated, base64url, with the key id.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::key::{KeyError, KeyId, SecretKey};

/// The version tag every pseudonym starts with.
pub const PSEUDONYM_PREFIX: &str = "ps1";
const PURPOSE: &[u8] = b"shroud/pseudonym/v1";
/// `ps1.` + a 32-byte key id + `.` + 43 characters of a 32-byte tag.
const MAX_PSEUDONYM: usize = 4 + 32 + 1 + 43;

/// A pseudonym held on the stack (see [`Pseudonymizer::pseudonym`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pseudonym {
    buf: [u8; MAX_PSEUDONYM],
    len: u8,
}

impl Pseudonym {
    /// The pseudonym as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).expect("pseudonyms are ASCII")
    }
}

impl core::fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl AsRef<str> for Pseudonym {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Base64url without padding into `out`, answering the length written.
fn base64url(bytes: &[u8], out: &mut [u8]) -> usize {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let len = bytes.len() / 3 * 4 + [0, 2, 3][bytes.len() % 3];
    // One bounds check for the whole output, none per character.
    let out = &mut out[..len];
    let mut chunks = bytes.chunks_exact(3);
    let mut quads = out.chunks_exact_mut(4);
    for (c, q) in (&mut chunks).zip(&mut quads) {
        let v = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        q[0] = ALPHABET[(v >> 18) as usize];
        q[1] = ALPHABET[(v >> 12 & 63) as usize];
        q[2] = ALPHABET[(v >> 6 & 63) as usize];
        q[3] = ALPHABET[(v & 63) as usize];
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let tail = quads.into_remainder();
        let v = u32::from(rest[0]) << 16 | rest.get(1).map_or(0, |&b| u32::from(b) << 8);
        for (k, o) in tail.iter_mut().enumerate() {
            *o = ALPHABET[(v >> (18 - 6 * k) & 63) as usize];
        }
    }
    len
}

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
        let len = (domain.len() as u64).to_be_bytes();
        // One update for the usual short domain and value.
        let mut buf = [0u8; 120];
        let n = 8 + domain.len() + value.len();
        if n <= buf.len() {
            buf[..8].copy_from_slice(&len);
            buf[8..8 + domain.len()].copy_from_slice(domain.as_bytes());
            buf[8 + domain.len()..n].copy_from_slice(value);
            m.update(&buf[..n]);
        } else {
            m.update(&len);
            m.update(domain.as_bytes());
            m.update(value);
        }
        m.finalize().into_bytes().into()
    }

    /// The pseudonym of `value` in `domain` under the active key.
    pub fn pseudonymize(&self, domain: &str, value: &[u8]) -> String {
        self.pseudonym(domain, value).as_str().to_owned()
    }

    /// [`pseudonymize`](Self::pseudonymize) without allocating: the
    /// pseudonym in a fixed-size value on the stack.
    ///
    /// ```
    /// use shroud_core::{Pseudonymizer, SecretKey};
    ///
    /// let p = Pseudonymizer::new(SecretKey::new("k1", [7u8; 32])?);
    /// let a = p.pseudonym("email", b"jane@example.com");
    /// assert_eq!(a.as_str(), p.pseudonymize("email", b"jane@example.com"));
    /// # Ok::<(), shroud_core::KeyError>(())
    /// ```
    pub fn pseudonym(&self, domain: &str, value: &[u8]) -> Pseudonym {
        let mut buf = [0u8; MAX_PSEUDONYM];
        let n = self.write(domain, value, &mut buf);
        Pseudonym { buf, len: n as u8 }
    }

    /// Appends the pseudonym of `value` in `domain` to `out`.
    pub fn pseudonymize_into(&self, domain: &str, value: &[u8], out: &mut String) {
        let mut buf = [0u8; MAX_PSEUDONYM];
        let n = self.write(domain, value, &mut buf);
        out.push_str(core::str::from_utf8(&buf[..n]).expect("pseudonyms are ASCII"));
    }

    /// Writes `ps1.<key id>.<tag>` into `buf`, answering its length.
    fn write(&self, domain: &str, value: &[u8], buf: &mut [u8; MAX_PSEUDONYM]) -> usize {
        let (id, mac) = &self.keys[0];
        let tag = Self::tag(mac, domain, value);
        let id = id.as_str().as_bytes();
        let p = PSEUDONYM_PREFIX.len();
        buf[..p].copy_from_slice(PSEUDONYM_PREFIX.as_bytes());
        buf[p] = b'.';
        buf[p + 1..p + 1 + id.len()].copy_from_slice(id);
        let at = p + 1 + id.len();
        buf[at] = b'.';
        at + 1 + base64url(&tag[..self.tag_len], &mut buf[at + 1..])
    }

    /// This pseudonymizer's active key bound to `domain`, for callers that
    /// pseudonymize many values in one domain (a claim rule, the caller
    /// id): the domain is absorbed into the MAC state once, so each value
    /// costs what a bare HMAC-SHA256 of the value costs, plus the encoding.
    /// Gives the same pseudonyms as [`pseudonym`](Self::pseudonym).
    ///
    /// ```
    /// use shroud_core::{Pseudonymizer, SecretKey};
    ///
    /// let p = Pseudonymizer::new(SecretKey::new("k1", [7u8; 32])?);
    /// let email = p.for_domain("email");
    /// assert_eq!(email.pseudonym(b"jane@example.com"), p.pseudonym("email", b"jane@example.com"));
    /// # Ok::<(), shroud_core::KeyError>(())
    /// ```
    pub fn for_domain(&self, domain: &str) -> DomainPseudonymizer {
        let (id, mac) = &self.keys[0];
        let mut mac = mac.clone();
        mac.update(&(domain.len() as u64).to_be_bytes());
        mac.update(domain.as_bytes());
        let mut head = [0u8; MAX_PSEUDONYM];
        let id = id.as_str().as_bytes();
        let p = PSEUDONYM_PREFIX.len();
        head[..p].copy_from_slice(PSEUDONYM_PREFIX.as_bytes());
        head[p] = b'.';
        head[p + 1..p + 1 + id.len()].copy_from_slice(id);
        head[p + 1 + id.len()] = b'.';
        DomainPseudonymizer {
            mac,
            head,
            head_len: (p + 2 + id.len()) as u8,
            tag_len: self.tag_len as u8,
        }
    }

    /// The key id a pseudonym names, if it has the pseudonym form.
    pub fn key_id_of(pseudonym: &str) -> Option<&str> {
        let rest = pseudonym.strip_prefix(PSEUDONYM_PREFIX)?.strip_prefix('.')?;
        let (id, tag) = rest.split_once('.')?;
        (!id.is_empty() && !tag.is_empty()).then_some(id)
    }

    /// Whether `pseudonym` is the pseudonym of `value` in `domain` under the
    /// key it names, which may be the active or a previous key. The tag must
    /// have this pseudonymizer's length (a shorter one would be easier to
    /// forge). Compares in constant time.
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
        if given.len() != self.tag_len {
            return false;
        }
        let tag = Self::tag(mac, domain, value);
        tag[..given.len()].ct_eq(&given).into()
    }
}

/// A [`Pseudonymizer`]'s active key bound to one domain; see
/// [`Pseudonymizer::for_domain`]. Cheap to clone; its `Debug` shows the
/// pseudonym prefix (`ps1.<key id>.`), never key material.
#[derive(Clone)]
pub struct DomainPseudonymizer {
    /// The keyed MAC with the domain's length and bytes absorbed.
    mac: Hmac<Sha256>,
    /// `ps1.<key id>.`, then room for the tag.
    head: [u8; MAX_PSEUDONYM],
    head_len: u8,
    tag_len: u8,
}

impl core::fmt::Debug for DomainPseudonymizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let head = core::str::from_utf8(&self.head[..usize::from(self.head_len)]).unwrap_or("ps1");
        f.debug_struct("DomainPseudonymizer")
            .field("prefix", &head)
            .field("tag_len", &self.tag_len)
            .finish()
    }
}

impl DomainPseudonymizer {
    /// The pseudonym of `value`, on the stack.
    pub fn pseudonym(&self, value: &[u8]) -> Pseudonym {
        let mut m = self.mac.clone();
        m.update(value);
        let tag = m.finalize().into_bytes();
        let mut buf = self.head;
        let at = usize::from(self.head_len);
        let n = at + base64url(&tag[..usize::from(self.tag_len)], &mut buf[at..]);
        Pseudonym { buf, len: n as u8 }
    }

    /// The pseudonym of `value` as a `String`.
    pub fn pseudonymize(&self, value: &[u8]) -> String {
        self.pseudonym(value).as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Pseudonymizer, SecretKey};

    #[test]
    fn a_bound_domain_gives_the_same_pseudonyms() {
        let p = Pseudonymizer::new(SecretKey::new("k2026", [9u8; 32]).unwrap())
            .with_tag_len(20)
            .unwrap();
        for domain in [
            "",
            "email",
            "sub",
            "a-domain-longer-than-one-sha256-block-of-sixty-four-bytes-xxxxxxxxxx",
        ] {
            let bound = p.for_domain(domain);
            for value in [&b""[..], b"jane@example.com", &[0xAB; 200]] {
                let a = bound.pseudonym(value);
                assert_eq!(a, p.pseudonym(domain, value));
                assert_eq!(bound.pseudonymize(value), a.as_str());
                assert!(p.verify(domain, value, a.as_str()));
            }
        }
        let bound = p.for_domain("email");
        assert_ne!(bound.pseudonym(b"x"), p.pseudonym("sub", b"x"));
        let dbg = format!("{bound:?}");
        assert!(dbg.contains("ps1.k2026.") && !dbg.contains("mac"), "{dbg}");
    }

    use base64::Engine as _;

    #[test]
    fn a_truncated_tag_does_not_verify() {
        let p = Pseudonymizer::new(SecretKey::new("k1", [3u8; 32]).unwrap());
        let full = p.pseudonym("email", b"jane@example.com");
        assert!(p.verify("email", b"jane@example.com", full.as_str()));
        // The first 8 bytes of the real tag: right, and too short to accept.
        let tag = full.as_str().rsplit('.').next().unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .unwrap();
        let short = format!(
            "ps1.k1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..8])
        );
        assert!(!p.verify("email", b"jane@example.com", &short));
    }

    #[test]
    fn base64url_agrees_with_the_base64_crate() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut out = [0u8; 64];
            let n = super::base64url(&bytes, &mut out);
            let want = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), want);
        }
    }
}
