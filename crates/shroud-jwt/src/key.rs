//! Verification keys: HMAC secrets, RSA/EC/Ed25519 public keys from PEM or
//! JWK, and key sets from JWKS documents. Each key is bound to the algorithms
//! it may verify and is parsed and prepared once, here, never per request.

use core::fmt;
use std::sync::Arc;

use aws_lc_rs::signature as sig;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::alg::{AlgSet, Algorithm, alg_name, parse_alg};

/// The largest JWKS document accepted, in bytes.
pub const MAX_JWKS_LEN: usize = 512 * 1024;
/// The most keys a key set holds; further keys are skipped.
pub const MAX_KEYS: usize = 64;

/// Why key material was refused. Never holds key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The HMAC secret is shorter than the hash output of its algorithm (RFC 7518 §3.2).
    #[error("HMAC secret for {alg} must be at least {min} bytes")]
    ShortSecret {
        /// The algorithm.
        alg: &'static str,
        /// The minimum length in bytes.
        min: usize,
    },
    /// The algorithm does not fit the key type (for example HS256 for an RSA key).
    #[error("algorithm {alg} cannot be used with a {kty} key")]
    AlgorithmMismatch {
        /// The algorithm.
        alg: &'static str,
        /// The key type.
        kty: &'static str,
    },
    /// The PEM document is not a supported public key.
    #[error("not a supported public key in PEM form")]
    Pem,
    /// The JWK is malformed or unsupported; `what` says which part.
    #[error("invalid JWK: {0}")]
    Jwk(&'static str),
    /// The JWKS document is malformed.
    #[error("invalid JWKS: {0}")]
    Jwks(&'static str),
    /// The key material was refused by the crypto backend (bad point, bad modulus, ...).
    #[error("key rejected: {0}")]
    Rejected(&'static str),
}

/// What kind of key it is (for errors and Debug; no key bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kty {
    Oct,
    Rsa,
    Ec256,
    Ec384,
    Ed25519,
}

impl Kty {
    fn name(self) -> &'static str {
        match self {
            Kty::Oct => "oct",
            Kty::Rsa => "RSA",
            Kty::Ec256 => "EC P-256",
            Kty::Ec384 => "EC P-384",
            Kty::Ed25519 => "OKP Ed25519",
        }
    }

    /// The algorithms a key of this type can ever verify.
    fn family(self) -> AlgSet {
        match self {
            Kty::Oct => AlgSet::hmac(),
            Kty::Rsa => AlgSet::rsa(),
            Kty::Ec256 => AlgSet::EMPTY.with(Algorithm::ES256),
            Kty::Ec384 => AlgSet::EMPTY.with(Algorithm::ES384),
            Kty::Ed25519 => AlgSet::EMPTY.with(Algorithm::EdDSA),
        }
    }
}

/// A verifier prepared for one algorithm. HMAC keeps the keyed state (inner
/// and outer pads already absorbed, zeroized on drop) and clones it per
/// token; public keys are parsed once by aws-lc.
enum Prepared {
    Hs256(Box<::hmac::Hmac<sha2::Sha256>>),
    Hs384(Box<::hmac::Hmac<sha2::Sha384>>),
    Hs512(Box<::hmac::Hmac<sha2::Sha512>>),
    Public(sig::ParsedPublicKey),
}

impl Prepared {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use ::hmac::Mac as _;
        // `verify_slice` compares in constant time.
        match self {
            Prepared::Hs256(mac) => (**mac)
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
            Prepared::Hs384(mac) => (**mac)
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
            Prepared::Hs512(mac) => (**mac)
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
            Prepared::Public(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}

/// Raw public material, kept to prepare a verifier per algorithm.
enum Material<'a> {
    Secret(&'a [u8]),
    RsaDer(&'a [u8]),
    RsaComponents { n: &'a [u8], e: &'a [u8] },
    Point(&'a [u8]),
}

/// A verification key bound to the algorithms it may verify.
///
/// A token whose `alg` is not among the key's algorithms is never verified
/// with it, whatever the token says: an RSA public key can never be used as
/// an HMAC secret (the HS256/RS256 confusion attack).
///
/// `Debug` shows the key id, type and algorithms, never key bytes.
///
/// ```
/// use shroud_jwt::{Algorithm, Key};
/// let key = Key::hmac(b"0123456789abcdef0123456789abcdef", Algorithm::HS256)?.with_kid("k1");
/// assert!(key.algorithms().contains(Algorithm::HS256));
/// assert!(Key::hmac(b"short", Algorithm::HS256).is_err());
/// # Ok::<(), shroud_jwt::KeyError>(())
/// ```
pub struct Key {
    kid: Option<Arc<str>>,
    kty: Kty,
    algs: AlgSet,
    prepared: Vec<(Algorithm, Prepared)>,
}

impl Key {
    /// An HMAC secret for `alg` (HS256, HS384 or HS512). The secret must be at
    /// least as long as the hash output (32, 48 or 64 bytes).
    pub fn hmac(secret: &[u8], alg: Algorithm) -> Result<Key, KeyError> {
        Key::prepare(Kty::Oct, Material::Secret(secret), AlgSet::EMPTY.with(alg))
    }

    /// A public key in PEM form (`PUBLIC KEY` SPKI or `RSA PUBLIC KEY`) for
    /// `alg`. The key type must fit: RSA for RS*/PS*, P-256 for ES256, P-384
    /// for ES384, Ed25519 for EdDSA.
    pub fn from_pem(pem: &[u8], alg: Algorithm) -> Result<Key, KeyError> {
        Key::from_pem_algs(pem, AlgSet::EMPTY.with(alg))
    }

    /// A public key in PEM form allowed to verify each of `algs`.
    pub fn from_pem_algs(pem: &[u8], algs: AlgSet) -> Result<Key, KeyError> {
        use jsonwebtoken::DecodingKey;
        if let Ok(k) = DecodingKey::from_rsa_pem(pem) {
            let der = k.try_get_as_bytes().map_err(|_| KeyError::Pem)?;
            return Key::prepare(Kty::Rsa, Material::RsaDer(der), algs);
        }
        if let Ok(k) = DecodingKey::from_ec_pem(pem) {
            let point = k.try_get_as_bytes().map_err(|_| KeyError::Pem)?;
            let kty = match point.len() {
                65 => Kty::Ec256,
                97 => Kty::Ec384,
                _ => return Err(KeyError::Pem),
            };
            return Key::prepare(kty, Material::Point(point), algs);
        }
        if let Ok(k) = DecodingKey::from_ed_pem(pem) {
            let point = k.try_get_as_bytes().map_err(|_| KeyError::Pem)?;
            return Key::prepare(Kty::Ed25519, Material::Point(point), algs);
        }
        Err(KeyError::Pem)
    }

    /// A key from a JWK (RFC 7517) as JSON text.
    pub fn from_jwk_str(jwk: &str) -> Result<Key, KeyError> {
        // Private parameters are wiped with the parsed document.
        let value =
            shroud_core::SecretJson::parse(jwk.as_bytes()).ok_or(KeyError::Jwk("not a JSON object"))?;
        Key::from_jwk(&value)
    }

    /// A key from a parsed JWK.
    ///
    /// The algorithms come from the JWK's `alg` when present (it must fit the
    /// key type), otherwise from `kty`/`crv`: every RSA algorithm for `RSA`,
    /// ES256 for P-256, ES384 for P-384, EdDSA for Ed25519, and for `oct` the
    /// HMAC algorithms the secret is long enough for. Keys with `use` other
    /// than `sig`, `key_ops` without `verify`, or private members are refused;
    /// `x5c`, `x5u` and `jku` are ignored.
    pub fn from_jwk(jwk: &Value) -> Result<Key, KeyError> {
        let obj = jwk.as_object().ok_or(KeyError::Jwk("not a JSON object"))?;
        let alg = signature_jwk_alg(obj, KeyOp::Verify)?;
        let kid = match obj.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.as_str()),
            Some(_) => return Err(KeyError::Jwk("`kid` is not a string")),
        };
        let kty = obj
            .get("kty")
            .and_then(Value::as_str)
            .ok_or(KeyError::Jwk("missing `kty`"))?;
        let b64 = |name: &'static str| -> Result<Vec<u8>, KeyError> {
            let s = obj
                .get(name)
                .and_then(Value::as_str)
                .ok_or(KeyError::Jwk("missing key member"))?;
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| KeyError::Jwk("key member is not base64url"))
        };
        let key = match kty {
            "oct" => {
                let k = zeroize::Zeroizing::new(b64("k")?);
                let algs = match alg {
                    Some(a) => AlgSet::EMPTY.with(a),
                    None => AlgSet::hmac()
                        .iter()
                        .filter(|a| k.len() >= hmac_min_len(*a))
                        .collect::<AlgSet>(),
                };
                if algs.is_empty() {
                    return Err(KeyError::ShortSecret {
                        alg: "HS256",
                        min: 32,
                    });
                }
                Key::prepare(Kty::Oct, Material::Secret(&k), algs)?
            }
            "RSA" => {
                if obj.contains_key("d") || obj.contains_key("p") || obj.contains_key("q") {
                    return Err(KeyError::Jwk("private RSA key in a verification key set"));
                }
                let n = b64("n")?;
                let e = b64("e")?;
                let algs = alg.map_or(AlgSet::rsa(), |a| AlgSet::EMPTY.with(a));
                Key::prepare(Kty::Rsa, Material::RsaComponents { n: &n, e: &e }, algs)?
            }
            "EC" => {
                if obj.contains_key("d") {
                    return Err(KeyError::Jwk("private EC key in a verification key set"));
                }
                let (kty, len) = match obj.get("crv").and_then(Value::as_str) {
                    Some("P-256") => (Kty::Ec256, 32),
                    Some("P-384") => (Kty::Ec384, 48),
                    _ => return Err(KeyError::Jwk("unsupported `crv`")),
                };
                let (x, y) = (b64("x")?, b64("y")?);
                if x.len() != len || y.len() != len {
                    return Err(KeyError::Jwk("coordinate has the wrong length"));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Key::prepare(
                    kty,
                    Material::Point(&point),
                    alg.map_or(kty.family(), |a| AlgSet::EMPTY.with(a)),
                )?
            }
            "OKP" => {
                if obj.contains_key("d") {
                    return Err(KeyError::Jwk("private OKP key in a verification key set"));
                }
                if obj.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                    return Err(KeyError::Jwk("unsupported `crv`"));
                }
                let x = b64("x")?;
                if x.len() != 32 {
                    return Err(KeyError::Jwk("Ed25519 key must be 32 bytes"));
                }
                let algs = alg.map_or(Kty::Ed25519.family(), |a| AlgSet::EMPTY.with(a));
                Key::prepare(Kty::Ed25519, Material::Point(&x), algs)?
            }
            _ => return Err(KeyError::Jwk("unsupported `kty`")),
        };
        Ok(match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    }

    fn prepare(kty: Kty, material: Material<'_>, algs: AlgSet) -> Result<Key, KeyError> {
        if algs.is_empty() {
            return Err(KeyError::Rejected("no algorithm given"));
        }
        if let Some(bad) = algs.iter().find(|a| !kty.family().contains(*a)) {
            return Err(KeyError::AlgorithmMismatch {
                alg: alg_name(bad),
                kty: kty.name(),
            });
        }
        let mut prepared = Vec::with_capacity(algs.iter().count());
        for alg in algs.iter() {
            prepared.push((alg, prepare_one(alg, &material)?));
        }
        Ok(Key {
            kid: None,
            kty,
            algs,
            prepared,
        })
    }

    /// The same key with a key id, matched against the token's `kid` header.
    #[must_use]
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> Key {
        self.kid = Some(Arc::from(kid.as_ref()));
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(crate) fn kid_arc(&self) -> Option<Arc<str>> {
        self.kid.clone()
    }

    /// The algorithms this key may verify.
    pub fn algorithms(&self) -> AlgSet {
        self.algs
    }

    /// Verifies `signature` over `message` with `alg`. Returns `false` when
    /// the key is not bound to `alg`.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.prepared
            .iter()
            .any(|(a, p)| *a == alg && p.verify(message, signature))
    }
}

pub(crate) fn hmac_min_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

fn prepare_one(alg: Algorithm, material: &Material<'_>) -> Result<Prepared, KeyError> {
    let rsa_params: Option<&'static sig::RsaParameters> = match alg {
        Algorithm::RS256 => Some(&sig::RSA_PKCS1_2048_8192_SHA256),
        Algorithm::RS384 => Some(&sig::RSA_PKCS1_2048_8192_SHA384),
        Algorithm::RS512 => Some(&sig::RSA_PKCS1_2048_8192_SHA512),
        Algorithm::PS256 => Some(&sig::RSA_PSS_2048_8192_SHA256),
        Algorithm::PS384 => Some(&sig::RSA_PSS_2048_8192_SHA384),
        Algorithm::PS512 => Some(&sig::RSA_PSS_2048_8192_SHA512),
        _ => None,
    };
    let rejected = |_| KeyError::Rejected("the key does not parse for its algorithm");
    match (alg, material) {
        (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512, Material::Secret(secret)) => {
            let min = hmac_min_len(alg);
            if secret.len() < min {
                return Err(KeyError::ShortSecret {
                    alg: alg_name(alg),
                    min,
                });
            }
            use ::hmac::KeyInit as _;
            let bad = |_| KeyError::Rejected("HMAC key");
            Ok(match alg {
                Algorithm::HS256 => {
                    Prepared::Hs256(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?))
                }
                Algorithm::HS384 => {
                    Prepared::Hs384(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?))
                }
                _ => Prepared::Hs512(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?)),
            })
        }
        (_, Material::RsaDer(der)) if rsa_params.is_some() => {
            let params = rsa_params.unwrap_or(&sig::RSA_PKCS1_2048_8192_SHA256);
            let public = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(rejected)?;
            let n = public.modulus();
            let n = strip_zeros(n.big_endian_without_leading_zero());
            check_rsa_size(n.len() * 8 >= 2048 && n.len() * 8 <= 8192)?;
            if roca_fingerprint(n) {
                return Err(KeyError::Rejected(
                    "RSA modulus has the ROCA fingerprint (CVE-2017-15361)",
                ));
            }
            Ok(Prepared::Public(
                sig::ParsedPublicKey::new(params, der).map_err(rejected)?,
            ))
        }
        (_, Material::RsaComponents { n, e }) if rsa_params.is_some() => {
            let params = rsa_params.unwrap_or(&sig::RSA_PKCS1_2048_8192_SHA256);
            let n = strip_zeros(n);
            let e = strip_zeros(e);
            check_rsa_size(n.len() * 8 >= 2048 && n.len() * 8 <= 8192)?;
            // e must be odd and at least 3.
            let e_ok =
                !e.is_empty() && e.len() <= 8 && e[e.len() - 1] & 1 == 1 && !(e.len() == 1 && e[0] < 3);
            if !e_ok {
                return Err(KeyError::Rejected("RSA public exponent is invalid"));
            }
            if roca_fingerprint(n) {
                return Err(KeyError::Rejected(
                    "RSA modulus has the ROCA fingerprint (CVE-2017-15361)",
                ));
            }
            let comps = sig::RsaPublicKeyComponents { n, e };
            Ok(Prepared::Public(
                comps.to_parsed_public_key(params).map_err(rejected)?,
            ))
        }
        (Algorithm::ES256, Material::Point(p)) => Ok(Prepared::Public(
            sig::ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, p).map_err(rejected)?,
        )),
        (Algorithm::ES384, Material::Point(p)) => Ok(Prepared::Public(
            sig::ParsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, p).map_err(rejected)?,
        )),
        (Algorithm::EdDSA, Material::Point(p)) => Ok(Prepared::Public(
            sig::ParsedPublicKey::new(&sig::ED25519, p).map_err(rejected)?,
        )),
        _ => Err(KeyError::Rejected("the key does not fit its algorithm")),
    }
}

/// Whether an RSA modulus was generated by the vulnerable Infineon library
/// (ROCA, CVE-2017-15361): for such keys `n mod p` lies in the subgroup
/// generated by 65537 modulo each of these small primes.
fn roca_fingerprint(n: &[u8]) -> bool {
    const PRIMES: [u32; 38] = [
        3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101,
        103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
    ];
    PRIMES.iter().all(|&p| {
        let r = n.iter().fold(0u32, |acc, b| (acc * 256 + u32::from(*b)) % p);
        let g = 65537 % p;
        let mut x = 1u32;
        for _ in 0..p {
            if x == r {
                return true;
            }
            x = x * g % p;
        }
        false
    })
}

fn check_rsa_size(ok: bool) -> Result<(), KeyError> {
    if ok {
        Ok(())
    } else {
        Err(KeyError::Rejected("RSA modulus must be 2048-8192 bits"))
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[start..]
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("kty", &self.kty.name())
            .field("algorithms", &self.algs)
            .finish_non_exhaustive()
    }
}

/// A set of verification keys, for one issuer.
///
/// A token that names a `kid` is tried against the keys with that id (and
/// keys without an id); a token without `kid` against every key bound to its
/// algorithm, at most [`MAX_TRIED`] of them.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

pub(crate) enum SignatureError {
    /// No key is bound to the token's `alg` (and `kid`).
    NoKey,
    Rejected(crate::Rejection),
}

/// The most keys one token is tried against when it names no `kid`.
pub const MAX_TRIED: usize = 8;

impl KeySet {
    /// A key set from keys.
    pub fn new(keys: impl IntoIterator<Item = Key>) -> KeySet {
        KeySet {
            keys: keys.into_iter().take(MAX_KEYS).collect(),
        }
    }

    /// Parses a JWKS document (`{"keys": [...]}`). Keys that cannot verify
    /// signatures here (encryption keys, unsupported types or curves, private
    /// keys) are skipped with a debug event; a document that is not a JWKS,
    /// is larger than [`MAX_JWKS_LEN`], or has no usable key is an error.
    pub fn from_jwks(json: &[u8]) -> Result<KeySet, KeyError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(KeyError::Jwks("document too large"));
        }
        // An `oct` key's secret is wiped with the parsed document.
        let doc = shroud_core::SecretJson::parse(json)
            .filter(|d| d.is_object())
            .ok_or(KeyError::Jwks("not a JSON object"))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::Jwks("missing `keys` array"))?;
        let mut out = Vec::new();
        for jwk in keys.iter() {
            if out.len() == MAX_KEYS {
                tracing::debug!(max = MAX_KEYS, "JWKS has too many keys; the rest are skipped");
                break;
            }
            match Key::from_jwk(jwk) {
                Ok(key) => out.push(key),
                Err(error) => tracing::debug!(%error, "JWKS key skipped"),
            }
        }
        if out.is_empty() {
            return Err(KeyError::Jwks("no usable signature key"));
        }
        let set = KeySet { keys: out };
        if set.is_mixed() {
            // Secrets published next to public keys: whoever can read the
            // set can forge tokens.
            return Err(KeyError::Jwks("mixes secret (oct) and public keys"));
        }
        Ok(set)
    }

    /// The keys.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether some key has exactly this id.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// Verifies a compact JWS (`header.payload.signature`) against this key
    /// set and returns its decoded payload, without looking at the payload:
    /// for JWS that are not JWTs. The header is checked as for tokens (`alg`
    /// bound to the key, no `crit`, no `b64`, no key-carrying headers used).
    pub fn verify_jws(&self, compact: &str) -> Result<Vec<u8>, crate::Rejection> {
        use crate::token::{self, Compact};
        let Compact::Jws {
            header,
            payload,
            signature,
            signing_input,
        } = token::split(compact.as_bytes())?
        else {
            return Err(crate::Rejection::EncryptedToken);
        };
        let mut header_buf = token::HeaderBuf::new();
        let header = token::header(header, &mut header_buf)?;
        let payload = token::b64(payload)?;
        match self.check_signature(header.alg, header.kid.as_deref(), signing_input, signature) {
            Ok(_) => Ok(payload),
            Err(SignatureError::NoKey) => Err(crate::Rejection::UnknownKey),
            Err(SignatureError::Rejected(r)) => Err(r),
        }
    }

    /// Whether the set holds both secret (HMAC) and public keys.
    pub fn is_mixed(&self) -> bool {
        let oct = self.keys.iter().filter(|k| k.kty == Kty::Oct).count();
        oct > 0 && oct < self.keys.len()
    }

    /// Decodes `signature` and tries the candidate keys.
    pub(crate) fn check_signature<'a>(
        &'a self,
        alg: Algorithm,
        kid: Option<&'a str>,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<&'a Key, SignatureError> {
        let mut buf = [0u8; crate::token::MAX_SIGNATURE];
        let len = crate::token::signature(signature, &mut buf).map_err(SignatureError::Rejected)?;
        let sig = &buf[..len];
        let mut tried = false;
        for key in self.candidates(kid, alg) {
            tried = true;
            if key.verify(alg, signing_input, sig) {
                return Ok(key);
            }
        }
        if tried {
            Err(SignatureError::Rejected(crate::Rejection::BadSignature))
        } else {
            Err(SignatureError::NoKey)
        }
    }

    /// The keys a token with `kid` and `alg` may be tried against.
    pub(crate) fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = &'a Key> + 'a {
        self.keys
            .iter()
            .filter(move |k| k.algs.contains(alg) && (kid.is_none() || k.kid.is_none() || k.kid() == kid))
            .take(MAX_TRIED)
    }
}

/// What a signature JWK is imported for.
#[derive(Clone, Copy)]
pub(crate) enum KeyOp {
    /// Verifying (`key_ops` must allow `verify`).
    Verify,
    /// Signing (`key_ops` must allow `sign`).
    Sign,
}

/// Checks a signature JWK's `use` (`sig` when present) and `key_ops` (must
/// allow `op` when present), and answers its `alg`, if any.
pub(crate) fn signature_jwk_alg(obj: &Map<String, Value>, op: KeyOp) -> Result<Option<Algorithm>, KeyError> {
    if let Some(u) = obj.get("use")
        && u.as_str() != Some("sig")
    {
        return Err(KeyError::Jwk("`use` is not `sig`"));
    }
    if let Some(ops) = obj.get("key_ops") {
        let ops = ops.as_array().ok_or(KeyError::Jwk("`key_ops` is not an array"))?;
        let (name, refusal) = match op {
            KeyOp::Verify => ("verify", "`key_ops` does not allow `verify`"),
            KeyOp::Sign => ("sign", "`key_ops` does not allow `sign`"),
        };
        if !ops.iter().any(|o| o.as_str() == Some(name)) {
            return Err(KeyError::Jwk(refusal));
        }
    }
    match obj.get("alg") {
        None => Ok(None),
        Some(Value::String(a)) => Ok(Some(parse_alg(a).ok_or(KeyError::Jwk("unsupported `alg`"))?)),
        Some(_) => Err(KeyError::Jwk("`alg` is not a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn hmac_length_enforced_per_alg() {
        assert!(Key::hmac(SECRET, Algorithm::HS256).is_ok());
        assert_eq!(
            Key::hmac(SECRET, Algorithm::HS384).unwrap_err(),
            KeyError::ShortSecret {
                alg: "HS384",
                min: 48
            }
        );
        assert!(Key::hmac(&SECRET[..31], Algorithm::HS256).is_err());
    }

    #[test]
    fn hmac_key_refuses_asymmetric_alg() {
        assert!(matches!(
            Key::hmac(SECRET, Algorithm::RS256),
            Err(KeyError::AlgorithmMismatch {
                alg: "RS256",
                kty: "oct"
            })
        ));
    }

    #[test]
    fn key_verifies_only_its_algorithms() {
        let key = Key::hmac(SECRET, Algorithm::HS256).unwrap();
        use aws_lc_rs::hmac;
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET), b"msg");
        assert!(key.verify(Algorithm::HS256, b"msg", tag.as_ref()));
        assert!(!key.verify(Algorithm::HS384, b"msg", tag.as_ref()));
        assert!(!key.verify(Algorithm::HS256, b"msh", tag.as_ref()));
    }

    #[test]
    fn jwk_oct_algorithms_follow_length() {
        let k = URL_SAFE_NO_PAD.encode([7u8; 48]);
        let key = Key::from_jwk(&json!({"kty": "oct", "k": k, "kid": "a"})).unwrap();
        assert_eq!(
            key.algorithms(),
            AlgSet::from_iter([Algorithm::HS256, Algorithm::HS384])
        );
        assert_eq!(key.kid(), Some("a"));
        let short = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert!(Key::from_jwk(&json!({"kty": "oct", "k": short})).is_err());
    }

    #[test]
    fn jwk_refusals() {
        let k = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let cases = [
            json!({"kty": "oct", "k": k, "use": "enc"}),
            json!({"kty": "oct", "k": k, "key_ops": ["sign"]}),
            json!({"kty": "oct", "k": k, "alg": "RS256"}),
            json!({"kty": "oct", "k": k, "alg": "none"}),
            json!({"kty": "oct", "k": k, "kid": 5}),
            json!({"kty": "oct", "k": "!!"}),
            json!({"kty": "EC", "crv": "P-256", "x": k, "y": k}),
            json!({"kty": "EC", "crv": "P-521", "x": k, "y": k}),
            json!({"kty": "OKP", "crv": "X25519", "x": k}),
            json!({"kty": "RSA", "n": k, "e": "AQAB"}),
            json!({"kty": "RSA", "n": k, "e": "AQAB", "d": k}),
            json!({"kty": "whatever"}),
            json!("not an object"),
        ];
        for c in cases {
            assert!(Key::from_jwk(&c).is_err(), "{c}");
        }
    }

    #[test]
    fn jwks_skips_unusable_keys_and_needs_one() {
        let k = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let doc = json!({"keys": [{"kty": "oct", "k": k, "kid": "x"}, {"kty": "nope"}]}).to_string();
        let set = KeySet::from_jwks(doc.as_bytes()).unwrap();
        assert_eq!(set.len(), 1);
        assert!(set.has_kid("x"));
        assert!(KeySet::from_jwks(br#"{"keys": [{"kty": "nope"}]}"#).is_err());
        assert!(KeySet::from_jwks(b"[]").is_err());
        assert!(KeySet::from_jwks(&vec![b' '; MAX_JWKS_LEN + 1]).is_err());
    }

    #[test]
    fn debug_has_no_key_bytes() {
        let key = Key::hmac(SECRET, Algorithm::HS256).unwrap().with_kid("k");
        let s = format!("{key:?}");
        assert!(s.contains("\"k\"") && s.contains("HS256"));
        assert!(!s.contains("0123"), "{s}");
    }
}
