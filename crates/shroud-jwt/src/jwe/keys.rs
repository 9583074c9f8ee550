//! Decryption and encryption keys: JWK import (oct, RSA, EC, OKP), each
//! key bound to exactly one `alg`, and key sets for rotation.

use core::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeyPair, KeyPairComponents, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey, PublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::content::Failed;
use super::ecdh::{EcPublic, EcSecret, concat_kdf, peer_key};
use super::header::{ContentEncryption, Header, KeyManagement, Mechanism};
use super::{kw, rsa};
use crate::key::{KeyError, MAX_JWKS_LEN, MAX_KEYS};

/// The most keys tried for one token when its `kid` does not single one out.
pub const MAX_DECRYPTION_TRIES: usize = 4;

enum Secret {
    Oct(Zeroizing<Vec<u8>>),
    Rsa(Box<OaepPrivateDecryptingKey>),
    Ec(Box<EcSecret>),
}

/// A private or symmetric key that decrypts tokens for exactly one `alg`.
///
/// The algorithm is bound at import, from the JWK's `alg` or given
/// explicitly: a token naming another `alg` is never decrypted with this key.
/// Key bytes are zeroized on drop; `Debug` shows the key id and algorithm only.
///
/// ```
/// use shroud_jwt::{DecryptionKey, KeyManagement};
/// let key = DecryptionKey::from_jwk_str(
///     r#"{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg","alg":"A128KW","kid":"k1","use":"enc"}"#,
/// )?;
/// assert_eq!(key.alg(), KeyManagement::A128Kw);
/// assert_eq!(key.kid(), Some("k1"));
/// // Without `alg` the algorithm must be given.
/// assert!(DecryptionKey::from_jwk_str(r#"{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg"}"#).is_err());
/// # Ok::<(), shroud_jwt::KeyError>(())
/// ```
pub struct DecryptionKey {
    kid: Option<Arc<str>>,
    alg: KeyManagement,
    /// For `dir`: the one content encryption the key serves.
    enc: Option<ContentEncryption>,
    secret: Secret,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg.name())
            .finish_non_exhaustive()
    }
}

fn b64(s: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Jwk("member is not base64url"))
}

fn str_member<'a>(jwk: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, KeyError> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(KeyError::Jwk("member is not a string")),
    }
}

fn bytes_member(jwk: &Map<String, Value>, name: &'static str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    b64(str_member(jwk, name)?.ok_or(KeyError::Jwk("missing key member"))?)
}

/// Checks `use` (must be `enc`) and `key_ops` (must allow one of `ops`).
fn check_usage(jwk: &Map<String, Value>, ops: &[&str]) -> Result<(), KeyError> {
    if let Some(u) = str_member(jwk, "use")?
        && u != "enc"
    {
        return Err(KeyError::Jwk("key `use` is not \"enc\""));
    }
    match jwk.get("key_ops") {
        None => Ok(()),
        Some(Value::Array(list)) => {
            if list.iter().any(|o| o.as_str().is_some_and(|o| ops.contains(&o))) {
                Ok(())
            } else {
                Err(KeyError::Jwk("key_ops does not allow this use"))
            }
        }
        Some(_) => Err(KeyError::Jwk("key_ops is not an array")),
    }
}

/// The algorithm of a JWK: its `alg` and/or the given one, which must agree.
fn bind_alg(jwk: &Map<String, Value>, given: Option<KeyManagement>) -> Result<KeyManagement, KeyError> {
    let named = match str_member(jwk, "alg")? {
        Some(name) => Some(KeyManagement::parse(name).ok_or(KeyError::Jwk("unsupported or refused alg"))?),
        None => None,
    };
    match (named, given) {
        (Some(a), Some(b)) if a != b => Err(KeyError::AlgorithmMismatch {
            alg: b.name(),
            kty: "JWK bound to another alg",
        }),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Err(KeyError::Jwk("alg required (set it with with_alg)")),
    }
}

fn check_oct_len(alg: KeyManagement, len: usize) -> Result<(), KeyError> {
    let ok = match alg.mechanism() {
        Mechanism::Dir => matches!(len, 16 | 24 | 32 | 48 | 64),
        Mechanism::AesKw(n) | Mechanism::AesGcmKw(n) => len == n,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(KeyError::Jwk("symmetric key length does not fit its alg"))
    }
}

/// The content encryption a `dir` key of `len` bytes serves by default:
/// the first of [`ContentEncryption::ALL`] whose key is that long (GCM
/// before CBC-HS, so a 32-byte key serves A256GCM).
fn dir_enc(alg: KeyManagement, len: usize) -> Option<ContentEncryption> {
    if alg.mechanism() != Mechanism::Dir {
        return None;
    }
    ContentEncryption::ALL.into_iter().find(|e| e.key_len() == len)
}

fn mismatch(alg: KeyManagement, kty: &'static str) -> KeyError {
    KeyError::AlgorithmMismatch { alg: alg.name(), kty }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

fn object(jwk: &Value) -> Result<&Map<String, Value>, KeyError> {
    jwk.as_object().ok_or(KeyError::Jwk("not a JSON object"))
}

fn kid_of(jwk: &Map<String, Value>) -> Result<Option<Arc<str>>, KeyError> {
    Ok(str_member(jwk, "kid")?.map(Arc::from))
}

/// `kty`/`crv` of an EC or OKP key usable for ECDH-ES.
fn ecdh_curve(jwk: &Map<String, Value>, kty: &str) -> Result<&'static str, KeyError> {
    let crv = str_member(jwk, "crv")?.ok_or(KeyError::Jwk("missing crv"))?;
    match (kty, crv) {
        ("EC", "P-256") => Ok("P-256"),
        ("EC", "P-384") => Ok("P-384"),
        ("EC", "P-521") => Ok("P-521"),
        ("OKP", "X25519") => Ok("X25519"),
        _ => Err(KeyError::Jwk("unsupported curve for ECDH-ES")),
    }
}

fn ec_public_of(jwk: &Map<String, Value>, crv: &'static str) -> Result<EcPublic, KeyError> {
    let x = bytes_member(jwk, "x")?;
    let y = match crv {
        "X25519" => None,
        _ => Some(bytes_member(jwk, "y")?),
    };
    EcPublic::from_coordinates(crv, &x, y.as_deref().map(|v| &v[..]))
        .map_err(|_| KeyError::Rejected("point not on the curve"))
}

impl DecryptionKey {
    /// A key from a parsed private (or `oct`) JWK whose `alg` names the key
    /// management algorithm. Supported: `oct` (dir, A*KW, A*GCMKW), `RSA`
    /// (RSA-OAEP, RSA-OAEP-256; 2048 to 8192 bits), `EC` P-256/P-384/P-521
    /// and `OKP` X25519 (ECDH-ES, ECDH-ES+A*KW). `use`, when present, must
    /// be `enc`; `key_ops`, when present, must allow decryption.
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        Self::import(jwk, None)
    }

    /// Like [`from_jwk`](Self::from_jwk) for a JWK without `alg`: binds the
    /// key to `alg` (a JWK that names another `alg` is refused).
    pub fn from_jwk_with_alg(jwk: &Value, alg: KeyManagement) -> Result<Self, KeyError> {
        Self::import(jwk, Some(alg))
    }

    /// A key from a JWK as JSON text.
    pub fn from_jwk_str(jwk: &str) -> Result<Self, KeyError> {
        // Private parameters are wiped with the parsed document.
        let value =
            shroud_core::SecretJson::parse(jwk.as_bytes()).ok_or(KeyError::Jwk("not a JSON object"))?;
        Self::from_jwk(&value)
    }

    /// A symmetric key for `dir` (16, 24, 32, 48 or 64 bytes, matching the
    /// `enc` of the tokens), `A*KW` or `A*GCMKW` (the AES key length).
    pub fn symmetric(secret: &[u8], alg: KeyManagement) -> Result<Self, KeyError> {
        match alg.mechanism() {
            Mechanism::Dir | Mechanism::AesKw(_) | Mechanism::AesGcmKw(_) => {}
            _ => return Err(mismatch(alg, "oct")),
        }
        check_oct_len(alg, secret.len())?;
        Ok(DecryptionKey {
            kid: None,
            alg,
            enc: dir_enc(alg, secret.len()),
            secret: Secret::Oct(Zeroizing::new(secret.to_vec())),
        })
    }

    /// Binds a `dir` key to the content encryption it serves. By default a
    /// `dir` key serves the one its length names: 16 bytes `A128GCM`, 24
    /// `A192GCM`, 32 `A256GCM`, 48 `A192CBC-HS384`, 64 `A256CBC-HS512`; a
    /// 32-byte key for `A128CBC-HS256` must say so here. One key, one
    /// algorithm (RFC 8725 §3.1): a token under another `enc` is not
    /// decrypted with it. Refused for other key management algorithms
    /// (their content key is fresh per token) and for a length that does
    /// not fit `enc`.
    ///
    /// ```
    /// use shroud_jwt::jwe::{ContentEncryption, DecryptionKey, KeyManagement};
    ///
    /// let key = DecryptionKey::symmetric(&[7u8; 32], KeyManagement::Dir)?;
    /// assert_eq!(key.enc(), Some(ContentEncryption::A256Gcm));
    /// let cbc = key.with_enc(ContentEncryption::A128CbcHs256)?;
    /// assert_eq!(cbc.enc(), Some(ContentEncryption::A128CbcHs256));
    /// # Ok::<(), shroud_jwt::KeyError>(())
    /// ```
    pub fn with_enc(mut self, enc: ContentEncryption) -> Result<Self, KeyError> {
        let len = match &self.secret {
            Secret::Oct(k) if self.alg.mechanism() == Mechanism::Dir => k.len(),
            _ => return Err(KeyError::Rejected("only a `dir` key is bound to an `enc`")),
        };
        if len != enc.key_len() {
            return Err(KeyError::Rejected("the key length does not fit this `enc`"));
        }
        self.enc = Some(enc);
        Ok(self)
    }

    /// For a `dir` key, the content encryption it serves.
    pub fn enc(&self) -> Option<ContentEncryption> {
        self.enc
    }

    fn import(jwk: &Value, given: Option<KeyManagement>) -> Result<Self, KeyError> {
        let jwk = object(jwk)?;
        let alg = bind_alg(jwk, given)?;
        let kty = str_member(jwk, "kty")?.ok_or(KeyError::Jwk("missing kty"))?;
        let kid = kid_of(jwk)?;
        let m = alg.mechanism();
        let secret = match (kty, m) {
            ("oct", Mechanism::Dir | Mechanism::AesKw(_) | Mechanism::AesGcmKw(_)) => {
                check_usage(jwk, &["decrypt", "unwrapKey"])?;
                let k = bytes_member(jwk, "k")?;
                check_oct_len(alg, k.len())?;
                Secret::Oct(k)
            }
            ("RSA", Mechanism::RsaOaep(_)) => {
                check_usage(jwk, &["unwrapKey", "decrypt"])?;
                if jwk.contains_key("oth") {
                    return Err(KeyError::Jwk("multi-prime RSA keys are not supported"));
                }
                let n = bytes_member(jwk, "n")?;
                let e = bytes_member(jwk, "e")?;
                let parts = ["d", "p", "q", "dp", "dq", "qi"].map(|m| bytes_member(jwk, m));
                let [d, p, q, dp, dq, qi] = parts;
                let (d, p, q, dp, dq, qi) = (d?, p?, q?, dp?, dq?, qi?);
                let comps = KeyPairComponents {
                    public_key: PublicKeyComponents {
                        n: strip_zeros(&n),
                        e: strip_zeros(&e),
                    },
                    d: strip_zeros(&d),
                    p: strip_zeros(&p),
                    q: strip_zeros(&q),
                    dP: strip_zeros(&dp),
                    dQ: strip_zeros(&dq),
                    qInv: strip_zeros(&qi),
                };
                let pair =
                    KeyPair::from_components(&comps).map_err(|_| KeyError::Rejected("RSA private key"))?;
                let der = pair.as_der().map_err(|_| KeyError::Rejected("RSA private key"))?;
                let key = PrivateDecryptingKey::from_pkcs8(der.as_ref())
                    .map_err(|_| KeyError::Rejected("RSA key size must be 2048 to 8192 bits"))?;
                Secret::Rsa(Box::new(
                    OaepPrivateDecryptingKey::new(key).map_err(|_| KeyError::Rejected("RSA private key"))?,
                ))
            }
            ("EC" | "OKP", Mechanism::Ecdh(_)) => {
                check_usage(jwk, &["deriveKey", "deriveBits", "unwrapKey", "decrypt"])?;
                let crv = ecdh_curve(jwk, kty)?;
                let d = bytes_member(jwk, "d")?;
                let secret = EcSecret::from_d(crv, &d).map_err(|_| KeyError::Rejected("private scalar"))?;
                // The public part, when given, must be this key's.
                if jwk.contains_key("x") {
                    let public = ec_public_of(jwk, crv)?;
                    if public.coordinates() != secret.public().coordinates() {
                        return Err(KeyError::Rejected("public part does not match the private key"));
                    }
                }
                Secret::Ec(Box::new(secret))
            }
            ("oct", _) => return Err(mismatch(alg, "oct")),
            ("RSA", _) => return Err(mismatch(alg, "RSA")),
            ("EC" | "OKP", _) => return Err(mismatch(alg, "EC/OKP")),
            _ => return Err(KeyError::Jwk("unsupported kty")),
        };
        let enc = match &secret {
            Secret::Oct(k) => dir_enc(alg, k.len()),
            _ => None,
        };
        Ok(DecryptionKey {
            kid,
            alg,
            enc,
            secret,
        })
    }

    /// Sets the key id.
    #[must_use]
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> Self {
        self.kid = Some(Arc::from(kid.as_ref()));
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key id, shared.
    pub(crate) fn kid_arc(&self) -> Option<Arc<str>> {
        self.kid.clone()
    }

    /// The one key management algorithm this key decrypts.
    pub fn alg(&self) -> KeyManagement {
        self.alg
    }

    /// Recovers the CEK for `header` into `cek` (already sized for the
    /// `enc`). For AES-KW, AES-GCMKW and RSA-OAEP an unwrap failure leaves
    /// a random CEK in place so that the content tag check fails in the same
    /// way (RFC 7516 §11.5). `Err` only for failures that depend on public
    /// inputs alone (wrong `dir` length, bad `epk`, encrypted key present
    /// for direct modes).
    pub(crate) fn recover_cek(&self, h: &Header<'_>, ek: &[u8], cek: &mut [u8]) -> Result<(), Failed> {
        let random = |cek: &mut [u8]| getrandom::fill(cek).map_err(|_| Failed);
        match (&self.secret, self.alg.mechanism()) {
            (Secret::Oct(k), Mechanism::Dir) => {
                // The key serves one `enc` (a public header input).
                if !ek.is_empty() || k.len() != cek.len() || self.enc != Some(h.enc) {
                    return Err(Failed);
                }
                cek.copy_from_slice(k);
                Ok(())
            }
            (Secret::Oct(k), Mechanism::AesKw(_)) => {
                if kw::unwrap(k, ek, cek).is_err() {
                    random(cek)?;
                }
                Ok(())
            }
            (Secret::Oct(k), Mechanism::AesGcmKw(_)) => {
                let iv = decode_small(h.iv.as_deref(), 12)?;
                let tag = decode_small(h.tag.as_deref(), 16)?;
                if kw::gcm_unwrap(k, &iv, &tag, ek, cek).is_err() {
                    random(cek)?;
                }
                Ok(())
            }
            (Secret::Rsa(k), Mechanism::RsaOaep(sha256)) => {
                if rsa::decrypt(k, sha256, ek, cek).is_err() {
                    random(cek)?;
                }
                Ok(())
            }
            (Secret::Ec(k), Mechanism::Ecdh(wrap)) => {
                let epk = h.epk.as_ref().ok_or(Failed)?;
                let peer = peer_key(epk, k.crv())?;
                let z = k.agree(&peer)?;
                let apu = decode_party(h.apu.as_deref())?;
                let apv = decode_party(h.apv.as_deref())?;
                match wrap {
                    None => {
                        if !ek.is_empty() {
                            return Err(Failed);
                        }
                        let derived = concat_kdf(&z, h.enc.name(), &apu, &apv, cek.len());
                        cek.copy_from_slice(&derived);
                    }
                    Some(n) => {
                        let kek = concat_kdf(&z, self.alg.name(), &apu, &apv, n);
                        if kw::unwrap(&kek, ek, cek).is_err() {
                            random(cek)?;
                        }
                    }
                }
                Ok(())
            }
            _ => Err(Failed),
        }
    }
}

/// Decodes a base64url header member of exactly `len` bytes.
fn decode_small(v: Option<&str>, len: usize) -> Result<Vec<u8>, Failed> {
    let v = v.ok_or(Failed)?;
    if v.len() > len * 4 / 3 + 3 {
        return Err(Failed);
    }
    let out = URL_SAFE_NO_PAD.decode(v).map_err(|_| Failed)?;
    if out.len() != len {
        return Err(Failed);
    }
    Ok(out)
}

/// The most bytes accepted in `apu`/`apv`.
const MAX_PARTY_INFO: usize = 256;

fn decode_party(v: Option<&str>) -> Result<Vec<u8>, Failed> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.len() <= MAX_PARTY_INFO * 4 / 3 + 3 => URL_SAFE_NO_PAD.decode(v).map_err(|_| Failed),
        Some(_) => Err(Failed),
    }
}

/// Decryption keys, several live at once for rotation.
///
/// A token's `kid` selects the keys with that id (or, when none has it, the
/// keys without an id); a token without `kid` is tried with the keys for its
/// `alg`. At most [`MAX_DECRYPTION_TRIES`] keys are tried per token.
#[derive(Debug, Default)]
pub struct DecryptionKeySet {
    keys: Vec<DecryptionKey>,
}

impl DecryptionKeySet {
    /// A set of keys (at most [`MAX_KEYS`]; further keys are dropped).
    pub fn new(keys: impl IntoIterator<Item = DecryptionKey>) -> Self {
        DecryptionKeySet {
            keys: keys.into_iter().take(MAX_KEYS).collect(),
        }
    }

    /// A set from a JWKS document (`{"keys": [...]}`) of private keys.
    ///
    /// Keys with `use: "sig"` and public-only keys are skipped; every other
    /// key must import (including its `alg`), or the whole document is
    /// refused. At least one key must remain.
    pub fn from_jwks(json: &[u8]) -> Result<Self, KeyError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(KeyError::Jwks("document too large"));
        }
        // Private parameters are wiped with the parsed document.
        let doc = shroud_core::SecretJson::parse(json).ok_or(KeyError::Jwks("not JSON"))?;
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::Jwks("no keys array"))?;
        let mut keys = Vec::new();
        for jwk in list {
            let obj = object(jwk)?;
            if obj.get("use").and_then(Value::as_str) == Some("sig") {
                continue;
            }
            let private = obj.contains_key("d") || obj.get("kty").and_then(Value::as_str) == Some("oct");
            if !private {
                continue;
            }
            keys.push(DecryptionKey::from_jwk(jwk)?);
            if keys.len() == MAX_KEYS {
                break;
            }
        }
        if keys.is_empty() {
            return Err(KeyError::Jwks("no decryption key"));
        }
        Ok(DecryptionKeySet { keys })
    }

    /// The keys.
    pub fn keys(&self) -> &[DecryptionKey] {
        &self.keys
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys to try for a token with this `alg` and `kid`.
    pub(crate) fn candidates<'a>(
        &'a self,
        alg: KeyManagement,
        kid: Option<&'a str>,
    ) -> impl Iterator<Item = &'a DecryptionKey> + 'a {
        let by_kid = kid.is_some_and(|kid| self.keys.iter().any(|k| k.alg == alg && k.kid() == Some(kid)));
        self.keys
            .iter()
            .filter(move |k| {
                k.alg == alg
                    && match kid {
                        Some(_) if by_kid => k.kid() == kid,
                        Some(_) => k.kid.is_none(),
                        None => true,
                    }
            })
            .take(MAX_DECRYPTION_TRIES)
    }
}

impl FromIterator<DecryptionKey> for DecryptionKeySet {
    fn from_iter<I: IntoIterator<Item = DecryptionKey>>(iter: I) -> Self {
        DecryptionKeySet::new(iter)
    }
}

#[derive(Clone)]
pub(crate) enum Public {
    Oct(Arc<Zeroizing<Vec<u8>>>),
    Rsa(Arc<OaepPublicEncryptingKey>),
    Ec(EcPublic),
}

/// The recipient's public (or symmetric) key, for minting encrypted tokens.
///
/// Bound to one key management algorithm, from the JWK's `alg` or
/// [`with_alg`](Self::with_alg). `Debug` shows no key bytes.
#[derive(Clone)]
pub struct EncryptionKey {
    pub(crate) kid: Option<Arc<str>>,
    pub(crate) alg: Option<KeyManagement>,
    pub(crate) key: Public,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg.map(KeyManagement::name))
            .finish_non_exhaustive()
    }
}

impl EncryptionKey {
    /// A key from a parsed JWK: `oct`, `RSA` (`n`, `e`), `EC` P-256/P-384/
    /// P-521 or `OKP` X25519 (`x`, `y`). Private members are ignored. The
    /// algorithm comes from `alg` or must be set with
    /// [`with_alg`](Self::with_alg) before encrypting.
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        let obj = object(jwk)?;
        let kty = str_member(obj, "kty")?.ok_or(KeyError::Jwk("missing kty"))?;
        let key = match kty {
            "oct" => {
                check_usage(obj, &["encrypt", "wrapKey"])?;
                Public::Oct(Arc::new(bytes_member(obj, "k")?))
            }
            "RSA" => {
                check_usage(obj, &["encrypt", "wrapKey"])?;
                let n = bytes_member(obj, "n")?;
                let e = bytes_member(obj, "e")?;
                let comps = PublicKeyComponents {
                    n: strip_zeros(&n),
                    e: strip_zeros(&e),
                };
                let der = comps.as_der().map_err(|_| KeyError::Rejected("RSA public key"))?;
                let key = PublicEncryptingKey::from_der(der.as_ref())
                    .map_err(|_| KeyError::Rejected("RSA key size must be 2048 to 8192 bits"))?;
                Public::Rsa(Arc::new(
                    OaepPublicEncryptingKey::new(key).map_err(|_| KeyError::Rejected("RSA public key"))?,
                ))
            }
            "EC" | "OKP" => {
                check_usage(obj, &["deriveKey", "deriveBits", "encrypt", "wrapKey"])?;
                let crv = ecdh_curve(obj, kty)?;
                Public::Ec(ec_public_of(obj, crv)?)
            }
            _ => return Err(KeyError::Jwk("unsupported kty")),
        };
        let mut out = EncryptionKey {
            kid: kid_of(obj)?,
            alg: None,
            key,
        };
        if let Some(name) = str_member(obj, "alg")? {
            let alg = KeyManagement::parse(name).ok_or(KeyError::Jwk("unsupported or refused alg"))?;
            out = out.with_alg(alg)?;
        }
        Ok(out)
    }

    /// A key from a JWK as JSON text.
    pub fn from_jwk_str(jwk: &str) -> Result<Self, KeyError> {
        // Private parameters are wiped with the parsed document.
        let value =
            shroud_core::SecretJson::parse(jwk.as_bytes()).ok_or(KeyError::Jwk("not a JSON object"))?;
        Self::from_jwk(&value)
    }

    /// A symmetric key for `dir`, `A*KW` or `A*GCMKW` (see
    /// [`DecryptionKey::symmetric`]).
    pub fn symmetric(secret: &[u8], alg: KeyManagement) -> Result<Self, KeyError> {
        EncryptionKey {
            kid: None,
            alg: None,
            key: Public::Oct(Arc::new(Zeroizing::new(secret.to_vec()))),
        }
        .with_alg(alg)
    }

    /// Sets the key id (written as `kid` in the JWE header).
    #[must_use]
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> Self {
        self.kid = Some(Arc::from(kid.as_ref()));
        self
    }

    /// Binds the key to `alg`; refused when the key type (or, for symmetric
    /// keys, the length) does not fit.
    pub fn with_alg(mut self, alg: KeyManagement) -> Result<Self, KeyError> {
        match (&self.key, alg.mechanism()) {
            (Public::Oct(k), Mechanism::Dir | Mechanism::AesKw(_) | Mechanism::AesGcmKw(_)) => {
                check_oct_len(alg, k.len())?
            }
            (Public::Rsa(_), Mechanism::RsaOaep(_)) | (Public::Ec(_), Mechanism::Ecdh(_)) => {}
            (Public::Oct(_), _) => return Err(mismatch(alg, "oct")),
            (Public::Rsa(_), _) => return Err(mismatch(alg, "RSA")),
            (Public::Ec(_), _) => return Err(mismatch(alg, "EC/OKP")),
        }
        self.alg = Some(alg);
        Ok(self)
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key management algorithm, once bound.
    pub fn alg(&self) -> Option<KeyManagement> {
        self.alg
    }
}
