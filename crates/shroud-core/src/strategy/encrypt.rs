//! Reversible encryption of values: AES-256-GCM-SIV (deterministic) or
//! AES-256-GCM (randomized), with the key id embedded.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm_siv::Aes256GcmSiv;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::key::{KeyError, KeyId, SecretKey};

/// The version tag every ciphertext starts with.
pub const CIPHERTEXT_PREFIX: &str = "enc1";
/// The longest plaintext [`Encryptor::encrypt`] takes and the longest
/// ciphertext [`Encryptor::decrypt`] looks at is bounded by it.
pub const MAX_PLAINTEXT: usize = 64 * 1024;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// How values are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionMode {
    /// AES-256-GCM-SIV with a nonce derived from the domain and value: equal
    /// values give equal ciphertexts (joinable, and equality is all it shows).
    #[default]
    Deterministic,
    /// AES-256-GCM with a random nonce: equal values give unrelated ciphertexts.
    Randomized,
}

impl EncryptionMode {
    fn tag(self) -> char {
        match self {
            EncryptionMode::Deterministic => 'd',
            EncryptionMode::Randomized => 'r',
        }
    }
}

/// Why a ciphertext could not be decrypted. Deliberately coarse: a wrong key,
/// a flipped bit and a wrong domain all read [`DecryptError::Failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// Not of the form `enc1.<key id>.<d|r>.<base64url>`, or too long.
    #[error("not a shroud ciphertext")]
    Malformed,
    /// The key id it names is not held.
    #[error("unknown key id")]
    UnknownKey,
    /// Authentication failed.
    #[error("decryption failed")]
    Failed,
}

/// Why a value could not be encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// The plaintext is longer than [`MAX_PLAINTEXT`].
    #[error("plaintext longer than {MAX_PLAINTEXT} bytes")]
    TooLarge,
    /// The system random number generator failed (randomized mode).
    #[error("the system random number generator failed")]
    Random,
}

#[derive(Clone)]
struct EncKey {
    id: KeyId,
    siv: Aes256GcmSiv,
    gcm: Aes256Gcm,
    nonce_mac: Hmac<Sha256>,
}

/// Encrypts values so that holders of the key can read them back:
/// `enc1.<key id>.<d|r>.<base64url(nonce || ciphertext || tag)>`.
///
/// The domain (claim or field name) is bound as associated data, so a
/// ciphertext moved to another field does not decrypt. Subkeys are derived
/// from the [`SecretKey`] with HKDF; the key schedule is prepared once.
///
/// ```
/// use shroud_core::{EncryptionMode, Encryptor, SecretKey};
///
/// let e = Encryptor::new(SecretKey::new("k1", [9u8; 32])?);
/// let c = e.encrypt("email", b"jane@example.com", EncryptionMode::Randomized).unwrap();
/// assert!(c.starts_with("enc1.k1.r."));
/// assert_eq!(&*e.decrypt("email", &c).unwrap(), b"jane@example.com");
/// assert!(e.decrypt("phone", &c).is_err());
/// # Ok::<(), shroud_core::KeyError>(())
/// ```
#[derive(Clone)]
pub struct Encryptor {
    keys: Vec<EncKey>,
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encryptor")
            .field("active", &self.keys[0].id)
            .field(
                "previous",
                &self.keys[1..].iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn prepare(key: &SecretKey) -> EncKey {
    let k_siv = key.derive(b"shroud/encrypt/gcm-siv/v1");
    let k_gcm = key.derive(b"shroud/encrypt/gcm/v1");
    let k_nonce = key.derive(b"shroud/encrypt/nonce/v1");
    EncKey {
        id: key.id().clone(),
        siv: Aes256GcmSiv::new_from_slice(k_siv.as_slice()).expect("32-byte key"),
        gcm: Aes256Gcm::new_from_slice(k_gcm.as_slice()).expect("32-byte key"),
        nonce_mac: <Hmac<Sha256> as KeyInit>::new_from_slice(k_nonce.as_slice())
            .expect("HMAC takes any key length"),
    }
}

fn aad(domain: &str, mode: EncryptionMode, id: &KeyId) -> Vec<u8> {
    let mut a = Vec::with_capacity(24 + domain.len() + id.as_str().len());
    a.extend_from_slice(CIPHERTEXT_PREFIX.as_bytes());
    a.push(mode.tag() as u8);
    a.extend_from_slice(&(id.as_str().len() as u64).to_be_bytes());
    a.extend_from_slice(id.as_str().as_bytes());
    a.extend_from_slice(&(domain.len() as u64).to_be_bytes());
    a.extend_from_slice(domain.as_bytes());
    a
}

impl Encryptor {
    /// An encryptor with one key.
    pub fn new(active: SecretKey) -> Encryptor {
        Encryptor {
            keys: vec![prepare(&active)],
        }
    }

    /// An encryptor whose active key encrypts while previous keys still decrypt.
    pub fn with_previous(
        active: SecretKey,
        previous: impl IntoIterator<Item = SecretKey>,
    ) -> Result<Encryptor, KeyError> {
        let mut e = Encryptor::new(active);
        for k in previous {
            if e.keys.iter().any(|x| &x.id == k.id()) {
                return Err(KeyError::DuplicateId(k.id().to_string()));
            }
            e.keys.push(prepare(&k));
        }
        Ok(e)
    }

    /// The id of the key new ciphertexts use.
    pub fn active_key_id(&self) -> &KeyId {
        &self.keys[0].id
    }

    /// Encrypts `plaintext` for `domain` under the active key.
    pub fn encrypt(
        &self,
        domain: &str,
        plaintext: &[u8],
        mode: EncryptionMode,
    ) -> Result<String, EncryptError> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(EncryptError::TooLarge);
        }
        let k = &self.keys[0];
        let aad = aad(domain, mode, &k.id);
        let mut nonce = [0u8; NONCE_LEN];
        let payload = Payload {
            msg: plaintext,
            aad: &aad,
        };
        let ct = match mode {
            EncryptionMode::Deterministic => {
                let mut m = k.nonce_mac.clone();
                m.update(&(domain.len() as u64).to_be_bytes());
                m.update(domain.as_bytes());
                m.update(plaintext);
                nonce.copy_from_slice(&m.finalize().into_bytes()[..NONCE_LEN]);
                k.siv.encrypt(&nonce.into(), payload)
            }
            EncryptionMode::Randomized => {
                getrandom::fill(&mut nonce).map_err(|_| EncryptError::Random)?;
                k.gcm.encrypt(&nonce.into(), payload)
            }
        }
        .expect("AES-GCM(-SIV) encryption of a bounded plaintext cannot fail");
        let mut raw = Vec::with_capacity(NONCE_LEN + ct.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ct);
        let mut out = String::with_capacity(12 + k.id.as_str().len() + raw.len() * 4 / 3);
        out.push_str(CIPHERTEXT_PREFIX);
        out.push('.');
        out.push_str(k.id.as_str());
        out.push('.');
        out.push(mode.tag());
        out.push('.');
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(&raw, &mut out);
        Ok(out)
    }

    /// Decrypts a ciphertext made by [`encrypt`](Self::encrypt) for the same
    /// domain, under the active key or any previous key held.
    pub fn decrypt(&self, domain: &str, ciphertext: &str) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        let max_b64 = (MAX_PLAINTEXT + NONCE_LEN + TAG_LEN).div_ceil(3) * 4;
        let rest = ciphertext
            .strip_prefix(CIPHERTEXT_PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(DecryptError::Malformed)?;
        let mut parts = rest.splitn(3, '.');
        let (Some(id), Some(mode), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(DecryptError::Malformed);
        };
        if body.len() > max_b64 {
            return Err(DecryptError::Malformed);
        }
        let mode = match mode {
            "d" => EncryptionMode::Deterministic,
            "r" => EncryptionMode::Randomized,
            _ => return Err(DecryptError::Malformed),
        };
        let k = self
            .keys
            .iter()
            .find(|k| k.id.as_str() == id)
            .ok_or(DecryptError::UnknownKey)?;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| DecryptError::Malformed)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(DecryptError::Malformed);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError::Malformed)?;
        let aad = aad(domain, mode, &k.id);
        let payload = Payload { msg: ct, aad: &aad };
        let pt = match mode {
            EncryptionMode::Deterministic => k.siv.decrypt(&nonce.into(), payload),
            EncryptionMode::Randomized => k.gcm.decrypt(&nonce.into(), payload),
        };
        pt.map(Zeroizing::new).map_err(|_| DecryptError::Failed)
    }

    /// The key id a ciphertext names, if it has the ciphertext form.
    pub fn key_id_of(ciphertext: &str) -> Option<&str> {
        let rest = ciphertext.strip_prefix(CIPHERTEXT_PREFIX)?.strip_prefix('.')?;
        rest.split('.').next().filter(|s| !s.is_empty())
    }
}
