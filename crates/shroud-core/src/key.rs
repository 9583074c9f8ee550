//! Key material: [`SecretKey`] and [`KeyId`].

use core::fmt;
use std::path::Path;

use base64::Engine as _;
use zeroize::Zeroizing;

/// The shortest secret accepted, in bytes (256 bits).
pub const MIN_SECRET_LEN: usize = 32;
/// The longest secret accepted, in bytes.
pub const MAX_SECRET_LEN: usize = 1024;

/// Why key material was refused. Never holds key bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// A key id must be 1-32 characters of `[A-Za-z0-9_-]`.
    #[error("key id must be 1-32 characters of [A-Za-z0-9_-]")]
    InvalidId,
    /// The secret is shorter than [`MIN_SECRET_LEN`] or longer than [`MAX_SECRET_LEN`].
    #[error("key `{id}`: secret must be {min}-{max} bytes, got {len}")]
    Length {
        /// The key id.
        id: String,
        /// The length given.
        len: usize,
        /// The minimum.
        min: usize,
        /// The maximum.
        max: usize,
    },
    /// The encoded form was not valid.
    #[error("key `{id}`: {what}")]
    Encoding {
        /// The key id.
        id: String,
        /// What is wrong with the encoding (never the value).
        what: &'static str,
    },
    /// The key source (file or environment variable) could not be read.
    #[error("key `{id}`: cannot read {source_name}: {reason}")]
    Source {
        /// The key id.
        id: String,
        /// The file path or variable name.
        source_name: String,
        /// Why it could not be read.
        reason: String,
    },
    /// The random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Two keys of one key ring share an id.
    #[error("key id `{0}` appears twice")]
    DuplicateId(String),
}

/// Whether a path is the encoded form of a key.
fn looks_like_a_key(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("base64:") || s.starts_with("hex:")
}

/// The public name of a key, embedded in pseudonyms and ciphertexts so that
/// keys can rotate: 1-32 characters of `[A-Za-z0-9_-]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// Validates a key id.
    ///
    /// ```
    /// use shroud_core::KeyId;
    /// assert!(KeyId::new("k2026").is_ok());
    /// assert!(KeyId::new("has.dot").is_err());
    /// ```
    pub fn new(id: impl Into<String>) -> Result<KeyId, KeyError> {
        let id = id.into();
        let ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(KeyId(id))
        } else {
            Err(KeyError::InvalidId)
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A symmetric secret with a public [`KeyId`].
///
/// The bytes are zeroized on drop, `Debug` shows only the id, and there is
/// no `PartialEq`: compare keys by id. Secrets are 32-1024 bytes.
///
/// Encoded forms name their encoding: `base64:...` (standard or URL-safe,
/// padding optional) or `hex:...`. A bare string is refused, since a hex
/// string is also valid base64 and would silently become another key.
///
/// ```
/// use shroud_core::SecretKey;
///
/// let key = SecretKey::parse("k1", "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// assert_eq!(key.id().as_str(), "k1");
/// assert_eq!(format!("{key:?}"), r#"SecretKey { id: "k1", .. }"#);
/// # Ok::<(), shroud_core::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SecretKey {
    id: KeyId,
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A key from raw bytes.
    pub fn new(id: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<SecretKey, KeyError> {
        let id = KeyId::new(id)?;
        let bytes = Zeroizing::new(bytes.into());
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&bytes.len()) {
            return Err(KeyError::Length {
                id: id.0,
                len: bytes.len(),
                min: MIN_SECRET_LEN,
                max: MAX_SECRET_LEN,
            });
        }
        Ok(SecretKey { id, bytes })
    }

    /// A fresh random 256-bit key from the operating system's generator.
    pub fn generate(id: impl Into<String>) -> Result<SecretKey, KeyError> {
        let mut bytes = Zeroizing::new(vec![0u8; 32]);
        getrandom::fill(&mut bytes).map_err(|_| KeyError::Random)?;
        SecretKey::new(id, bytes.to_vec())
    }

    /// A key from base64 (standard or URL-safe alphabet, padding optional).
    pub fn from_base64(id: impl Into<String>, encoded: &str) -> Result<SecretKey, KeyError> {
        let id = id.into();
        let s = encoded.trim().trim_end_matches('=');
        let decoded = if s.contains(['+', '/']) {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(s)
        } else {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s)
        };
        let bytes = Zeroizing::new(decoded.map_err(|_| KeyError::Encoding {
            id: id.clone(),
            what: "invalid base64",
        })?);
        SecretKey::new(id, bytes.to_vec())
    }

    /// A key from hexadecimal.
    pub fn from_hex(id: impl Into<String>, encoded: &str) -> Result<SecretKey, KeyError> {
        let id = id.into();
        let s = encoded.trim().as_bytes();
        let bad = || KeyError::Encoding {
            id: id.clone(),
            what: "invalid hex",
        };
        if !s.len().is_multiple_of(2) {
            return Err(bad());
        }
        let mut out = Zeroizing::new(Vec::with_capacity(s.len() / 2));
        for pair in s.chunks_exact(2) {
            let hi = hex_val(pair[0]).ok_or_else(bad)?;
            let lo = hex_val(pair[1]).ok_or_else(bad)?;
            out.push(hi << 4 | lo);
        }
        SecretKey::new(id, out.to_vec())
    }

    /// A key from its encoded form, `base64:...` or `hex:...`.
    pub fn parse(id: impl Into<String>, encoded: &str) -> Result<SecretKey, KeyError> {
        let id = id.into();
        let s = encoded.trim();
        if let Some(rest) = s.strip_prefix("base64:") {
            SecretKey::from_base64(id, rest)
        } else if let Some(rest) = s.strip_prefix("hex:") {
            SecretKey::from_hex(id, rest)
        } else {
            Err(KeyError::Encoding {
                id,
                what: "encoded keys must start with `base64:` or `hex:`",
            })
        }
    }

    /// A key from a file holding its encoded form (see [`SecretKey::parse`]).
    pub fn from_file(id: impl Into<String>, path: impl AsRef<Path>) -> Result<SecretKey, KeyError> {
        let id = id.into();
        let path = path.as_ref();
        // A key pasted where its file's path goes is not echoed in the error.
        if path.to_str().is_some_and(looks_like_a_key) {
            return Err(KeyError::Encoding {
                id,
                what: "`file` takes a path, and this one looks like a key itself (not shown): put the key in `value` or `env`",
            });
        }
        let source = |reason: String| KeyError::Source {
            id: id.clone(),
            source_name: path.display().to_string(),
            reason,
        };
        // At most the hex form of the largest secret, its prefix and some
        // whitespace: a wrong path (a log, a device) is refused, not read whole.
        let cap = (2 * MAX_SECRET_LEN + 64) as u64;
        let file = std::fs::File::open(path).map_err(|e| source(e.kind().to_string()))?;
        let mut text = Zeroizing::new(String::new());
        std::io::Read::read_to_string(&mut std::io::Read::take(file, cap + 1), &mut text)
            .map_err(|e| source(e.kind().to_string()))?;
        if text.len() as u64 > cap {
            return Err(source(format!("file larger than {cap} bytes")));
        }
        SecretKey::parse(id, &text)
    }

    /// A key from an environment variable holding its encoded form (see
    /// [`SecretKey::parse`]).
    pub fn from_env(id: impl Into<String>, var: &str) -> Result<SecretKey, KeyError> {
        let id = id.into();
        // A key pasted where the variable's name goes is not echoed in the
        // error, nor is anything else that is no variable name (an encoded
        // key's `base64:` or `hex:` prefix is none).
        let is_name = !var.is_empty()
            && var.len() <= 128
            && !var.starts_with(|c: char| c.is_ascii_digit())
            && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !is_name {
            return Err(KeyError::Encoding {
                id,
                what: "`env` takes a variable name (letters, digits, `_`), and this is none (not shown)",
            });
        }
        let text = Zeroizing::new(std::env::var(var).map_err(|e| KeyError::Source {
            id: id.clone(),
            source_name: var.to_owned(),
            reason: match e {
                std::env::VarError::NotPresent => "not set".to_owned(),
                std::env::VarError::NotUnicode(_) => "not unicode".to_owned(),
            },
        })?);
        SecretKey::parse(id, &text)
    }

    /// The key's public id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The secret bytes. The name makes every use visible in review.
    pub fn expose_secret(&self) -> &[u8] {
        &self.bytes
    }

    /// Derives a 32-byte subkey for one purpose (HKDF-SHA256, the key id as
    /// salt and `info` as the purpose label), so one secret can serve
    /// pseudonyms and encryption without the two ever sharing a key.
    pub(crate) fn derive(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(self.id.as_str().as_bytes()), &self.bytes);
        let mut out = Zeroizing::new([0u8; 32]);
        hk.expand(info, out.as_mut_slice())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A parsed JSON document that holds key material (a private JWK, a JWKS of
/// secrets): every string in it is zeroed when it is dropped, so private
/// key parameters (`d`, `k`, `p`, ...) do not stay behind in freed memory.
///
/// ```
/// use shroud_core::SecretJson;
///
/// let doc = SecretJson::parse(br#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
/// assert_eq!(doc["kty"], "oct");
/// ```
pub struct SecretJson(serde_json::Value);

impl SecretJson {
    /// Parses `json`; `None` when it is not JSON (the error would quote the
    /// input's position only, but callers answer their own error).
    pub fn parse(json: &[u8]) -> Option<SecretJson> {
        serde_json::from_slice(json).ok().map(SecretJson)
    }

    /// The document.
    pub fn value(&self) -> &serde_json::Value {
        &self.0
    }

    /// The document, to change before use (setting an `alg`).
    pub fn value_mut(&mut self) -> &mut serde_json::Value {
        &mut self.0
    }
}

impl core::ops::Deref for SecretJson {
    type Target = serde_json::Value;

    fn deref(&self) -> &serde_json::Value {
        &self.0
    }
}

impl fmt::Debug for SecretJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretJson([REDACTED])")
    }
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        fn wipe(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::String(s) => zeroize::Zeroize::zeroize(s),
                serde_json::Value::Array(a) => a.iter_mut().for_each(wipe),
                serde_json::Value::Object(o) => o.values_mut().for_each(wipe),
                _ => {}
            }
        }
        wipe(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn encodings_agree() {
        let a = SecretKey::parse("a", &format!("hex:{HEX}")).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(a.expose_secret());
        let b = SecretKey::parse("a", &format!("base64:{b64}")).unwrap();
        let b64u = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(a.expose_secret());
        let c = SecretKey::from_base64("a", &b64u).unwrap();
        assert_eq!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret(), c.expose_secret());
    }

    #[test]
    fn refusals_name_no_secret() {
        let short = SecretKey::from_hex("k", "00ff").unwrap_err();
        assert!(matches!(short, KeyError::Length { len: 2, .. }));
        let bare = SecretKey::parse("k", HEX).unwrap_err();
        assert!(!bare.to_string().contains(HEX));
        assert!(SecretKey::from_hex("k", "zz").is_err());
        assert!(SecretKey::new("bad id", vec![0; 32]).is_err());
        assert_eq!(SecretKey::new("", vec![0; 32]).unwrap_err(), KeyError::InvalidId);
    }

    #[test]
    fn debug_shows_only_the_id() {
        let k = SecretKey::new("kid-1", vec![0xAB; 32]).unwrap();
        let dbg = format!("{k:?}");
        assert!(dbg.contains("kid-1"));
        assert!(!dbg.to_lowercase().contains("ab, ") && !dbg.contains("171"));
    }

    #[test]
    fn file_and_env_sources() {
        let dir = std::env::temp_dir().join(format!("shroud-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.txt");
        std::fs::write(&path, format!("hex:{HEX}\n")).unwrap();
        let k = SecretKey::from_file("f", &path).unwrap();
        assert_eq!(k.expose_secret()[31], 0x1f);
        let missing = SecretKey::from_file("f", dir.join("missing")).unwrap_err();
        assert!(matches!(missing, KeyError::Source { .. }));
        // A file far larger than any encoded secret is refused unread.
        let big = dir.join("big.txt");
        std::fs::write(&big, "a".repeat(1 << 20)).unwrap();
        let e = SecretKey::from_file("f", &big).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        let var = "SHROUD_CORE_TEST_KEY_UNSET_VARIABLE";
        assert!(matches!(
            SecretKey::from_env("e", var),
            Err(KeyError::Source { .. })
        ));
    }

    /// A key pasted where a path or a variable name goes is refused without
    /// being echoed; real names are shown (they say what to fix).
    #[test]
    fn a_key_in_place_of_its_source_is_not_echoed() {
        let pasted = format!("hex:{HEX}");
        for e in [
            SecretKey::from_file("f", &pasted).unwrap_err(),
            SecretKey::from_env("e", &pasted).unwrap_err(),
            SecretKey::from_env("e", "c2VjcmV0LXZhbHVlLW9mLTMyLWJ5dGVz+/=").unwrap_err(),
        ] {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(HEX) && !shown.contains("c2VjcmV0"), "{shown}");
            assert!(matches!(e, KeyError::Encoding { .. }), "{shown}");
        }
        let unset = SecretKey::from_env("e", "SHROUD_UNSET_1").unwrap_err();
        assert!(unset.to_string().contains("SHROUD_UNSET_1"), "{unset}");
    }

    #[test]
    fn generated_keys_differ() {
        let a = SecretKey::generate("a").unwrap();
        let b = SecretKey::generate("b").unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 32);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let doc = SecretJson::parse(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}]}"#).unwrap();
        assert_eq!(doc["keys"][0]["k"], "c2VjcmV0LXZhbHVl");
        assert!(!format!("{doc:?}").contains("c2VjcmV0"));
        assert!(SecretJson::parse(b"{not json").is_none());
    }
}
