//! JSON Web Encryption (RFC 7516, algorithms of RFC 7518): decryption of
//! compact JWEs and encryption primitives for minting them.
//!
//! # Algorithms
//!
//! | `alg` | keys |
//! |---|---|
//! | `dir` | `oct`, the CEK itself |
//! | `A128KW`, `A192KW`, `A256KW` | `oct` (AES key wrap, RustCrypto `aes-kw`) |
//! | `A128GCMKW`, `A192GCMKW`, `A256GCMKW` | `oct` (AES-GCM, `aes-gcm`) |
//! | `RSA-OAEP`, `RSA-OAEP-256` | `RSA`, 2048 to 8192 bits (aws-lc-rs) |
//! | `ECDH-ES`, `ECDH-ES+A128KW`, `+A192KW`, `+A256KW` | `EC` P-256/P-384/P-521, `OKP` X25519 |
//!
//! `enc`: `A128GCM`, `A192GCM`, `A256GCM` (aes-gcm), `A128CBC-HS256`,
//! `A192CBC-HS384`, `A256CBC-HS512` (RustCrypto `cbc` + `hmac`).
//!
//! # Refused
//!
//! - `RSA1_5` always: RSAES-PKCS1-v1_5 decryption is a padding oracle
//!   (Bleichenbacher); no option enables it.
//! - PBES2 (`PBES2-HS*+A*KW`): password-based keys are not offered, so a
//!   token cannot make the server run an attacker-chosen `p2c` iteration count.
//! - Any `crit` header: shroud implements no JWE extension.
//! - `zip` unless [`DecryptOptions::with_zip`] enables it with an inflate cap
//!   (inflation stops at the cap; nothing beyond it is allocated).
//! - The JSON serializations: compact only.
//!
//! # Failures look alike
//!
//! Every decryption failure after the header (wrong key, bad tag, bad
//! padding, invalid point, wrong IV/tag/key lengths, key unwrap failure) is
//! the one [`JweError::Undecryptable`]. When unwrapping the CEK fails
//! (AES-KW, AES-GCMKW, RSA-OAEP) decryption goes on with a random CEK and
//! fails at the content tag, as RFC 7516 §11.5 recommends, so timing does not
//! tell which step failed. CBC-HS tags are compared in constant time before
//! any decryption.
//!
//! # Nested tokens
//!
//! [`decrypt`] returns the plaintext and the `cty` header; the
//! [`Verifier`](crate::Verifier) (with
//! [`decryption_keys`](crate::VerifierBuilder::decryption_keys)) requires
//! `cty: JWT` and verifies the inner JWS with its signing keys. Claims put
//! directly into a JWE, unsigned, are refused there.

mod content;
mod ecdh;
mod encrypt;
mod header;
mod keys;
mod kw;
mod rsa;

use core::fmt;
use std::io::Read as _;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

pub use encrypt::Encrypter;
#[doc(hidden)]
pub use encrypt::Fixed;
pub use header::{ContentEncryption, KeyManagement, MAX_HEADER_LEN};
pub use keys::{DecryptionKey, DecryptionKeySet, EncryptionKey, MAX_DECRYPTION_TRIES};

/// The inflate cap used by [`DecryptOptions::with_default_zip`]: 250 KiB.
pub const DEFAULT_MAX_INFLATED: usize = 250 * 1024;
/// The largest encrypted key accepted, in bytes (RSA-8192).
pub const MAX_ENCRYPTED_KEY: usize = 1024;

/// Why a JWE was refused or could not be made. Never holds key or plaintext
/// bytes, and never says which decryption step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JweError {
    /// Not five base64url segments with a JSON object header.
    #[error("malformed encrypted token")]
    Malformed,
    /// `alg`/`enc` unknown or refused (`RSA1_5`, PBES2), a `crit` header, or
    /// `zip` while it is not enabled.
    #[error("encryption algorithm or header not accepted")]
    Unsupported,
    /// The token could not be decrypted (any key, tag, length or padding
    /// failure, or no key for it).
    #[error("token could not be decrypted")]
    Undecryptable,
    /// Encryption failed: the key is not bound to an algorithm that fits it,
    /// a `dir` key does not match the `enc` key length, or randomness failed.
    #[error("token could not be encrypted")]
    Encryption,
}

/// Options for [`decrypt`].
///
/// By default `zip` is refused. PBES2 is never accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    max_inflated: Option<usize>,
}

impl DecryptOptions {
    /// The defaults: `zip` refused.
    pub fn new() -> Self {
        DecryptOptions::default()
    }

    /// Accepts `zip: "DEF"` and inflates at most `max_inflated` bytes; a
    /// payload that inflates beyond is refused without allocating more.
    #[must_use]
    pub fn with_zip(mut self, max_inflated: usize) -> Self {
        self.max_inflated = Some(max_inflated);
        self
    }

    /// Accepts `zip: "DEF"` with the [`DEFAULT_MAX_INFLATED`] cap (250 KiB).
    #[must_use]
    pub fn with_default_zip(self) -> Self {
        self.with_zip(DEFAULT_MAX_INFLATED)
    }

    /// The inflate cap, `None` while `zip` is refused.
    pub fn max_inflated(&self) -> Option<usize> {
        self.max_inflated
    }
}

/// A decrypted JWE: the plaintext (zeroized on drop) and the header values
/// that matter to the caller. `Debug` shows no plaintext.
pub struct Decrypted {
    plaintext: Zeroizing<Vec<u8>>,
    cty: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    key_id: Option<Arc<str>>,
    alg: KeyManagement,
    enc: ContentEncryption,
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("len", &self.plaintext.len())
            .field("cty", &self.cty)
            .field("typ", &self.typ)
            .field("kid", &self.kid)
            .field("alg", &self.alg.name())
            .field("enc", &self.enc.name())
            .finish()
    }
}

impl Decrypted {
    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The plaintext, still zeroized on drop.
    pub fn into_plaintext(self) -> Zeroizing<Vec<u8>> {
        self.plaintext
    }

    /// The `cty` header.
    pub fn cty(&self) -> Option<&str> {
        self.cty.as_deref()
    }

    /// Whether `cty` says the payload is a nested JWT (`JWT` or
    /// `application/jwt`, case-insensitive, RFC 7519 §5.2).
    pub fn is_nested_jwt(&self) -> bool {
        self.cty
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("JWT") || c.eq_ignore_ascii_case("application/jwt"))
    }

    /// The `typ` header.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The `kid` header, as the sender wrote it.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The id of the decryption key that opened the token, if it has one.
    /// Unlike [`kid`](Self::kid), the sender does not choose it: a key
    /// without an id is tried for any `kid`.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The key management algorithm.
    pub fn alg(&self) -> KeyManagement {
        self.alg
    }

    /// The content encryption algorithm.
    pub fn enc(&self) -> ContentEncryption {
        self.enc
    }
}

/// The five segments of a compact JWE.
pub(crate) struct Parts<'a> {
    header: &'a [u8],
    encrypted_key: &'a [u8],
    iv: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

fn split(token: &[u8]) -> Result<Parts<'_>, JweError> {
    let mut it = token.split(|&b| b == b'.');
    let mut next = || it.next().ok_or(JweError::Malformed);
    let parts = Parts {
        header: next()?,
        encrypted_key: next()?,
        iv: next()?,
        ciphertext: next()?,
        tag: next()?,
    };
    if it.next().is_some() {
        return Err(JweError::Malformed);
    }
    Ok(parts)
}

/// Decodes a segment of at most `max` decoded bytes.
fn decode_capped(seg: &[u8], max: usize) -> Result<Vec<u8>, JweError> {
    if seg.len() > max.div_ceil(3) * 4 {
        return Err(JweError::Undecryptable);
    }
    URL_SAFE_NO_PAD.decode(seg).map_err(|_| JweError::Undecryptable)
}

/// Decodes a segment that must be exactly `N` (or `len` <= N) bytes.
fn decode_exact<const N: usize>(seg: &[u8], len: usize) -> Result<([u8; N], usize), JweError> {
    let mut buf = [0u8; N];
    if seg.len() > N.div_ceil(3) * 4 {
        return Err(JweError::Undecryptable);
    }
    let n = URL_SAFE_NO_PAD
        .decode_slice(seg, &mut buf)
        .map_err(|_| JweError::Undecryptable)?;
    if n != len {
        return Err(JweError::Undecryptable);
    }
    Ok((buf, n))
}

/// Decrypts a compact JWE with `keys`.
///
/// The header must name a supported `alg` and `enc`, no `crit`, and `zip`
/// only when `opts` enables it. The header (at most [`MAX_HEADER_LEN`]),
/// IV, tag and encrypted key (at most [`MAX_ENCRYPTED_KEY`]) are checked
/// before they are decoded; the ciphertext is decoded once into a buffer of
/// its own size, so the caller caps the token length (the
/// [`Verifier`](crate::Verifier) does, with its `max_token_len`). The keys tried are those bound to the
/// token's `alg`, selected by `kid` (see [`DecryptionKeySet`]).
///
/// ```
/// use shroud_jwt::jwe::{self, DecryptOptions, JweError};
/// use shroud_jwt::{ContentEncryption, DecryptionKey, DecryptionKeySet, EncryptionKey, Encrypter, KeyManagement};
///
/// let cek = [1u8; 32];
/// let token = Encrypter::new(EncryptionKey::symmetric(&cek, KeyManagement::Dir)?, ContentEncryption::A256Gcm)
///     .encrypt(b"hello", Some("text/plain"))?;
/// let keys = DecryptionKeySet::new([DecryptionKey::symmetric(&cek, KeyManagement::Dir)?]);
/// let out = jwe::decrypt(&token, &keys, &DecryptOptions::default())?;
/// assert_eq!(out.plaintext(), b"hello");
/// assert_eq!(out.cty(), Some("text/plain"));
///
/// // Another key: the same error as any other failure.
/// let other = DecryptionKeySet::new([DecryptionKey::symmetric(&[2u8; 32], KeyManagement::Dir)?]);
/// assert_eq!(jwe::decrypt(&token, &other, &DecryptOptions::default()).unwrap_err(), JweError::Undecryptable);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decrypt(token: &str, keys: &DecryptionKeySet, opts: &DecryptOptions) -> Result<Decrypted, JweError> {
    let parts = split(token.as_bytes())?;
    if parts.header.len() > MAX_HEADER_LEN {
        return Err(JweError::Malformed);
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(parts.header)
        .map_err(|_| JweError::Malformed)?;
    let h = header::parse(&header_json)?;
    if h.zip && opts.max_inflated.is_none() {
        return Err(JweError::Unsupported);
    }
    let enc = h.enc;
    // Lengths first, before any key work or allocation from the token.
    let (iv, _) = decode_exact::<16>(parts.iv, enc.iv_len())?;
    let iv = &iv[..enc.iv_len()];
    let (tag, _) = decode_exact::<32>(parts.tag, enc.tag_len())?;
    let tag = &tag[..enc.tag_len()];
    let encrypted_key = decode_capped(parts.encrypted_key, MAX_ENCRYPTED_KEY)?;
    let ciphertext = URL_SAFE_NO_PAD
        .decode(parts.ciphertext)
        .map_err(|_| JweError::Undecryptable)?;
    if !enc.is_gcm() && (ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16)) {
        return Err(JweError::Undecryptable);
    }
    let aad = parts.header;

    let mut cek = Zeroizing::new(vec![0u8; enc.key_len()]);
    let mut plaintext = None;
    let mut ciphertext = Some(ciphertext);
    let kid = h.kid.as_deref();
    let mut candidates = keys.candidates(h.alg, kid).peekable();
    while let Some(key) = candidates.next() {
        if key.recover_cek(&h, &encrypted_key, &mut cek).is_err() {
            continue;
        }
        // The last candidate takes the buffer; earlier ones work on a copy.
        let ct = match candidates.peek() {
            Some(_) => ciphertext.clone(),
            None => ciphertext.take(),
        };
        if let Some(ct) = ct
            && let Ok(pt) = content::open(enc, &cek, iv, aad, ct, tag)
        {
            plaintext = Some((pt, key.kid_arc()));
            break;
        }
    }
    drop(candidates);
    let (mut plaintext, key_id) = plaintext.ok_or(JweError::Undecryptable)?;
    if h.zip {
        let cap = opts.max_inflated.unwrap_or(0);
        plaintext = inflate(&plaintext, cap)?;
    }
    Ok(Decrypted {
        plaintext,
        cty: h.cty.map(|c| c.into_owned()),
        typ: h.typ.map(|t| t.into_owned()),
        kid: h.kid.map(|k| k.into_owned()),
        key_id,
        alg: h.alg,
        enc,
    })
}

/// The content step alone (authenticate and decrypt already-decoded
/// ciphertext), for benchmarks against raw `aes-gcm`. Not a stable API.
#[doc(hidden)]
pub fn open_content(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: Vec<u8>,
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, JweError> {
    content::open(enc, cek, iv, aad, ciphertext, tag).map_err(|_| JweError::Undecryptable)
}

/// Raw DEFLATE (RFC 1951) decompression of at most `cap` bytes.
fn inflate(data: &[u8], cap: usize) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        cap.min(data.len().saturating_mul(4)).min(64 * 1024),
    ));
    let decoder = flate2::read::DeflateDecoder::new(data);
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    decoder
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| JweError::Undecryptable)?;
    if out.len() > cap {
        return Err(JweError::Undecryptable);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn inflate_is_capped() {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b'a'; 100_000]).unwrap();
        let z = e.finish().unwrap();
        assert_eq!(inflate(&z, 100_000).unwrap().len(), 100_000);
        assert_eq!(inflate(&z, 99_999).unwrap_err(), JweError::Undecryptable);
        assert_eq!(inflate(b"\xff\xff\xff", 10).unwrap_err(), JweError::Undecryptable);
    }

    #[test]
    fn split_needs_five_parts() {
        assert!(split(b"a.b.c.d.e").is_ok());
        assert!(split(b"a..c..").is_ok());
        for bad in [&b"a.b.c.d"[..], b"a.b.c.d.e.f", b"", b"abc"] {
            assert_eq!(split(bad).err(), Some(JweError::Malformed));
        }
    }
}
