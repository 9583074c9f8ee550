//! Minting compact JWEs.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use super::JweError;
use super::content;
use super::ecdh::{EcSecret, concat_kdf};
use super::header::{ContentEncryption, KeyManagement, Mechanism};
use super::keys::{EncryptionKey, Public};
use super::{kw, rsa};

/// Encrypts payloads to one recipient key as compact JWEs.
///
/// Every call draws a fresh random IV and (for ECDH-ES) ephemeral key from
/// the operating system, and a fresh random CEK unless the key management is
/// `dir` (the key is the CEK). Cheap to clone; `Send + Sync`.
///
/// With random 96-bit IVs, AES-GCM under one key is safe for about 2^32
/// messages (NIST SP 800-38D). Under `dir` with an `A*GCM` encryption, and
/// for the key wrap of `A*GCMKW`, that key is the long-lived one: rotate it
/// well before then, or prefer `A*KW` or `ECDH-ES+A*KW` for an issuer that
/// mints many tokens (a fresh CEK per token).
///
/// ```
/// use shroud_jwt::jwe::{self, DecryptOptions};
/// use shroud_jwt::{ContentEncryption, DecryptionKey, DecryptionKeySet, EncryptionKey, Encrypter, KeyManagement};
///
/// let secret = [7u8; 32];
/// let encrypter = Encrypter::new(
///     EncryptionKey::symmetric(&secret, KeyManagement::A256Kw)?.with_kid("k1"),
///     ContentEncryption::A256Gcm,
/// );
/// let token = encrypter.encrypt(br#"{"sub":"user-1"}"#, None)?;
/// assert_eq!(token.split('.').count(), 5);
///
/// let keys = DecryptionKeySet::new([DecryptionKey::symmetric(&secret, KeyManagement::A256Kw)?.with_kid("k1")]);
/// let out = jwe::decrypt(&token, &keys, &DecryptOptions::default())?;
/// assert_eq!(out.plaintext(), br#"{"sub":"user-1"}"#);
/// assert_eq!(out.kid(), Some("k1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Encrypter {
    inner: Arc<(EncryptionKey, ContentEncryption)>,
}

/// Fixed "random" values, to reproduce published vectors byte for byte.
/// Never use outside tests: a repeated CEK/IV pair breaks AES-GCM.
#[doc(hidden)]
#[derive(Default)]
pub struct Fixed {
    /// The content encryption key.
    pub cek: Option<Vec<u8>>,
    /// The content IV.
    pub iv: Option<Vec<u8>>,
    /// The IV of AES-GCM key encryption.
    pub kw_iv: Option<Vec<u8>>,
    /// The ephemeral private scalar of ECDH-ES.
    pub epk_d: Option<Vec<u8>>,
    /// `apu`/`apv` for ECDH-ES.
    pub apu: Option<Vec<u8>>,
    /// `apv` for ECDH-ES.
    pub apv: Option<Vec<u8>>,
}

fn random(n: usize) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let mut v = Zeroizing::new(vec![0u8; n]);
    getrandom::fill(&mut v).map_err(|_| JweError::Encryption)?;
    Ok(v)
}

/// A JSON object written member by member, in order.
#[derive(Default)]
struct Header(String);

impl Header {
    fn raw(&mut self, name: &str, json: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push('"');
        self.0.push_str(name);
        self.0.push_str("\":");
        self.0.push_str(json);
    }

    fn member(&mut self, name: &str, value: &str) {
        let json = serde_json::Value::from(value).to_string();
        self.raw(name, &json);
    }
}

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

impl Encrypter {
    /// An encrypter to `key` with content encryption `enc`. The key must be
    /// bound to an algorithm (JWK `alg` or [`EncryptionKey::with_alg`]),
    /// otherwise [`encrypt`](Self::encrypt) fails.
    pub fn new(key: EncryptionKey, enc: ContentEncryption) -> Self {
        Encrypter {
            inner: Arc::new((key, enc)),
        }
    }

    /// The key management algorithm, if the key is bound to one.
    pub fn alg(&self) -> Option<KeyManagement> {
        self.inner.0.alg
    }

    /// The content encryption algorithm.
    pub fn enc(&self) -> ContentEncryption {
        self.inner.1
    }

    /// Encrypts `plaintext` into a compact JWE. The protected header holds
    /// `alg`, `kid` (if the key has one), `epk` (ECDH-ES), `iv`/`tag`
    /// (AES-GCMKW), `enc`, and `cty` when given (`"JWT"` for a nested,
    /// signed JWT).
    pub fn encrypt(&self, plaintext: &[u8], cty: Option<&str>) -> Result<String, JweError> {
        self.encrypt_fixed(plaintext, cty, &Fixed::default())
    }

    /// [`encrypt`](Self::encrypt) with fixed CEK/IV/ephemeral key, for
    /// reproducing published vectors.
    #[doc(hidden)]
    pub fn encrypt_fixed(
        &self,
        plaintext: &[u8],
        cty: Option<&str>,
        fixed: &Fixed,
    ) -> Result<String, JweError> {
        let (key, enc) = (&self.inner.0, self.inner.1);
        let alg = key.alg.ok_or(JweError::Encryption)?;
        // Members in a fixed order: alg, kid, epk, apu, apv, tag, iv, enc, cty.
        let mut header = Header::default();
        header.member("alg", alg.name());
        if let Some(kid) = &key.kid {
            header.member("kid", kid);
        }
        let fresh = |given: &Option<Vec<u8>>, n: usize| -> Result<Zeroizing<Vec<u8>>, JweError> {
            match given {
                Some(v) if v.len() == n => Ok(Zeroizing::new(v.clone())),
                Some(_) => Err(JweError::Encryption),
                None => random(n),
            }
        };
        let (cek, encrypted_key) = match (&key.key, alg.mechanism()) {
            (Public::Oct(k), Mechanism::Dir) => {
                if k.len() != enc.key_len() {
                    return Err(JweError::Encryption);
                }
                (Zeroizing::new(k.to_vec()), Vec::new())
            }
            (Public::Oct(k), Mechanism::AesKw(_)) => {
                let cek = fresh(&fixed.cek, enc.key_len())?;
                let ek = kw::wrap(k, &cek).map_err(|_| JweError::Encryption)?;
                (cek, ek)
            }
            (Public::Oct(k), Mechanism::AesGcmKw(_)) => {
                let cek = fresh(&fixed.cek, enc.key_len())?;
                let iv = fresh(&fixed.kw_iv, 12)?;
                let (ek, tag) = kw::gcm_wrap(k, &iv, &cek).map_err(|_| JweError::Encryption)?;
                header.member("tag", &b64(&tag));
                header.member("iv", &b64(&iv));
                (cek, ek)
            }
            (Public::Rsa(k), Mechanism::RsaOaep(sha256)) => {
                let cek = fresh(&fixed.cek, enc.key_len())?;
                let ek = rsa::encrypt(k, sha256, &cek).map_err(|_| JweError::Encryption)?;
                (cek, ek)
            }
            (Public::Ec(peer), Mechanism::Ecdh(wrap)) => {
                let eph = match &fixed.epk_d {
                    Some(d) => EcSecret::from_d(peer.crv(), d),
                    None => EcSecret::random(peer),
                }
                .map_err(|_| JweError::Encryption)?;
                let z = eph.agree(peer).map_err(|_| JweError::Encryption)?;
                header.raw("epk", &eph.public().to_jwk());
                let apu = fixed.apu.as_deref().unwrap_or_default();
                let apv = fixed.apv.as_deref().unwrap_or_default();
                if !apu.is_empty() {
                    header.member("apu", &b64(apu));
                }
                if !apv.is_empty() {
                    header.member("apv", &b64(apv));
                }
                match wrap {
                    None => (concat_kdf(&z, enc.name(), apu, apv, enc.key_len()), Vec::new()),
                    Some(n) => {
                        let kek = concat_kdf(&z, alg.name(), apu, apv, n);
                        let cek = fresh(&fixed.cek, enc.key_len())?;
                        let ek = kw::wrap(&kek, &cek).map_err(|_| JweError::Encryption)?;
                        (cek, ek)
                    }
                }
            }
            _ => return Err(JweError::Encryption),
        };
        header.member("enc", enc.name());
        if let Some(cty) = cty {
            header.member("cty", cty);
        }
        header.0.push('}');
        let protected = b64(header.0.as_bytes());
        let iv = fresh(&fixed.iv, enc.iv_len())?;
        let (ct, tag) = content::seal(enc, &cek, &iv, protected.as_bytes(), plaintext)
            .map_err(|_| JweError::Encryption)?;
        let mut out =
            String::with_capacity(protected.len() + (encrypted_key.len() + ct.len() + 64) * 4 / 3 + 8);
        out.push_str(&protected);
        for part in [&encrypted_key[..], &iv[..], &ct[..], &tag[..]] {
            out.push('.');
            URL_SAFE_NO_PAD.encode_string(part, &mut out);
        }
        Ok(out)
    }
}
