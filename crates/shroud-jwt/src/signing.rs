//! Signing keys for the [`Issuer`](crate::Issuer): HMAC secrets, RSA, P-256,
//! P-384 and Ed25519 private keys from PEM, DER (through jsonwebtoken's
//! [`EncodingKey`]) or JWK. Each key is bound to one algorithm and prepared
//! once by aws-lc, never per token.

use core::fmt;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature as sig;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{AlgorithmFamily, EncodingKey};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::alg::{Algorithm, alg_name};
use crate::key::{KeyError, hmac_min_len};

/// The prepared private key.
enum Prepared {
    Hs256(Box<::hmac::Hmac<sha2::Sha256>>),
    Hs384(Box<::hmac::Hmac<sha2::Sha384>>),
    Hs512(Box<::hmac::Hmac<sha2::Sha512>>),
    Rsa(Box<sig::RsaKeyPair>),
    Ecdsa(Box<sig::EcdsaKeyPair>),
    Ed25519(Box<sig::Ed25519KeyPair>),
}

/// A private key (or HMAC secret) that signs tokens with exactly one
/// algorithm.
///
/// The key type must fit the algorithm: an HMAC secret at least as long as
/// the hash output for HS256/HS384/HS512, RSA (2048 to 8192 bits) for
/// RS*/PS*, P-256 for ES256, P-384 for ES384, Ed25519 for EdDSA. There is no
/// way to ask for `none`.
///
/// `Debug` shows the algorithm and key id, never key bytes.
///
/// ```
/// use shroud_jwt::{Algorithm, SigningKey};
/// let key = SigningKey::hmac(b"0123456789abcdef0123456789abcdef", Algorithm::HS256)?.with_kid("k1");
/// assert_eq!(key.algorithm(), Algorithm::HS256);
/// assert!(SigningKey::hmac(b"short", Algorithm::HS256).is_err());
/// assert!(SigningKey::hmac(b"0123456789abcdef0123456789abcdef", Algorithm::RS256).is_err());
/// # Ok::<(), shroud_jwt::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<Arc<str>>,
    prepared: Arc<Prepared>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &alg_name(self.alg))
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn mismatch(alg: Algorithm, kty: &'static str) -> KeyError {
    KeyError::AlgorithmMismatch {
        alg: alg_name(alg),
        kty,
    }
}

impl SigningKey {
    /// An HMAC secret for HS256, HS384 or HS512. The secret must be at least
    /// as long as the hash output (32, 48 or 64 bytes, RFC 7518 §3.2).
    pub fn hmac(secret: &[u8], alg: Algorithm) -> Result<SigningKey, KeyError> {
        if family(alg) != AlgorithmFamily::Hmac {
            return Err(mismatch(alg, "oct"));
        }
        let min = hmac_min_len(alg);
        if secret.len() < min {
            return Err(KeyError::ShortSecret {
                alg: alg_name(alg),
                min,
            });
        }
        // The keyed state (pads absorbed, zeroized on drop) is cloned per
        // token: cheaper than keying again.
        use ::hmac::KeyInit as _;
        let bad = |_| KeyError::Rejected("HMAC key");
        let prepared = match alg {
            Algorithm::HS256 => Prepared::Hs256(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?)),
            Algorithm::HS384 => Prepared::Hs384(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?)),
            _ => Prepared::Hs512(Box::new(::hmac::Hmac::new_from_slice(secret).map_err(bad)?)),
        };
        Ok(SigningKey::new(alg, prepared))
    }

    /// A private key in PEM form: PKCS#8 `PRIVATE KEY` (RSA, P-256, P-384,
    /// Ed25519) or PKCS#1 `RSA PRIVATE KEY`.
    pub fn from_pem(pem: &[u8], alg: Algorithm) -> Result<SigningKey, KeyError> {
        let key = match family(alg) {
            AlgorithmFamily::Hmac => return Err(mismatch(alg, "PEM")),
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
        }
        .map_err(|_| KeyError::Pem)?;
        SigningKey::from_encoding_key(&key, alg)
    }

    /// A key from jsonwebtoken's [`EncodingKey`] (secret, PEM or DER), for
    /// `alg`. The key's family must fit the algorithm; the key is parsed
    /// here, so a malformed key is refused now rather than at the first
    /// token.
    pub fn from_encoding_key(key: &EncodingKey, alg: Algorithm) -> Result<SigningKey, KeyError> {
        let bytes = key.as_bytes();
        if key.family() != family(alg) {
            return Err(mismatch(alg, family_name(key.family())));
        }
        let prepared = match key.family() {
            AlgorithmFamily::Hmac => return SigningKey::hmac(bytes, alg),
            AlgorithmFamily::Rsa => {
                let pair = sig::RsaKeyPair::from_der(bytes)
                    .or_else(|_| sig::RsaKeyPair::from_pkcs8(bytes))
                    .map_err(|_| KeyError::Rejected("not an RSA private key (2048 to 8192 bits)"))?;
                Prepared::Rsa(Box::new(pair))
            }
            AlgorithmFamily::Ec => {
                let pair = sig::EcdsaKeyPair::from_pkcs8(ecdsa_alg(alg), bytes)
                    .map_err(|_| KeyError::Rejected("not a PKCS#8 private key on the algorithm's curve"))?;
                Prepared::Ecdsa(Box::new(pair))
            }
            AlgorithmFamily::Ed => {
                let pair = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes)
                    .map_err(|_| KeyError::Rejected("not a PKCS#8 Ed25519 private key"))?;
                Prepared::Ed25519(Box::new(pair))
            }
        };
        Ok(SigningKey::new(alg, prepared))
    }

    /// A private key from a JWK (RFC 7517) as JSON text. See
    /// [`from_jwk`](Self::from_jwk).
    pub fn from_jwk_str(jwk: &str, alg: Option<Algorithm>) -> Result<SigningKey, KeyError> {
        // Private parameters are wiped with the parsed document.
        let value =
            shroud_core::SecretJson::parse(jwk.as_bytes()).ok_or(KeyError::Jwk("not a JSON object"))?;
        SigningKey::from_jwk(&value, alg)
    }

    /// A private key from a parsed JWK: `oct` (`k`), `RSA` (`n`, `e`, `d`,
    /// `p`, `q`, `dp`, `dq`, `qi`; two primes only), `EC` P-256/P-384 (`x`,
    /// `y`, `d`) or `OKP` Ed25519 (`x`, `d`).
    ///
    /// The algorithm is `alg` when given, else the JWK's `alg`; if both are
    /// present they must agree. For `EC` and `OKP` keys it may be left out
    /// (the curve decides); `oct` and `RSA` keys need one. The JWK's `kid`
    /// becomes the key id. Keys whose `use` is not `sig` or whose `key_ops`
    /// lack `sign` are refused.
    pub fn from_jwk(jwk: &Value, alg: Option<Algorithm>) -> Result<SigningKey, KeyError> {
        let obj = jwk.as_object().ok_or(KeyError::Jwk("not a JSON object"))?;
        let jwk_alg = crate::key::signature_jwk_alg(obj, crate::key::KeyOp::Sign)?;
        let alg = match (alg, jwk_alg) {
            (Some(a), Some(b)) if a != b => {
                return Err(KeyError::Jwk("`alg` differs from the one asked for"));
            }
            (a, b) => a.or(b),
        };
        let kid = match obj.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.as_str()),
            Some(_) => return Err(KeyError::Jwk("`kid` is not a string")),
        };
        let b64 = |name: &'static str| -> Result<Zeroizing<Vec<u8>>, KeyError> {
            let s = obj
                .get(name)
                .and_then(Value::as_str)
                .ok_or(KeyError::Jwk("missing key member"))?;
            URL_SAFE_NO_PAD
                .decode(s)
                .map(Zeroizing::new)
                .map_err(|_| KeyError::Jwk("key member is not base64url"))
        };
        let kty = obj
            .get("kty")
            .and_then(Value::as_str)
            .ok_or(KeyError::Jwk("missing `kty`"))?;
        let key = match kty {
            "oct" => {
                let alg = alg.ok_or(KeyError::Jwk("an `oct` key needs an algorithm"))?;
                SigningKey::hmac(&b64("k")?, alg)?
            }
            "RSA" => {
                let alg = alg.ok_or(KeyError::Jwk("an `RSA` key needs an algorithm"))?;
                if family(alg) != AlgorithmFamily::Rsa {
                    return Err(mismatch(alg, "RSA"));
                }
                if obj.contains_key("oth") {
                    return Err(KeyError::Jwk("multi-prime RSA keys are not supported"));
                }
                let mut parts = Vec::with_capacity(8);
                for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                    parts.push(b64(name)?);
                }
                let der = Zeroizing::new(rsa_private_key_der(&parts));
                let pair = sig::RsaKeyPair::from_der(&der)
                    .map_err(|_| KeyError::Rejected("inconsistent RSA private key (2048 to 8192 bits)"))?;
                SigningKey::new(alg, Prepared::Rsa(Box::new(pair)))
            }
            "EC" => {
                let (curve_alg, len) = match obj.get("crv").and_then(Value::as_str) {
                    Some("P-256") => (Algorithm::ES256, 32),
                    Some("P-384") => (Algorithm::ES384, 48),
                    _ => return Err(KeyError::Jwk("unsupported `crv`")),
                };
                let alg = alg.unwrap_or(curve_alg);
                if alg != curve_alg {
                    return Err(mismatch(alg, if len == 32 { "EC P-256" } else { "EC P-384" }));
                }
                let (x, y, d) = (b64("x")?, b64("y")?, b64("d")?);
                if x.len() != len || y.len() != len || d.len() != len {
                    return Err(KeyError::Jwk("EC coordinate of the wrong length"));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let pair = sig::EcdsaKeyPair::from_private_key_and_public_key(ecdsa_alg(alg), &d, &point)
                    .map_err(|_| KeyError::Rejected("EC private key does not match its public point"))?;
                SigningKey::new(alg, Prepared::Ecdsa(Box::new(pair)))
            }
            "OKP" => {
                if obj.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                    return Err(KeyError::Jwk("unsupported `crv`"));
                }
                let alg = alg.unwrap_or(Algorithm::EdDSA);
                if alg != Algorithm::EdDSA {
                    return Err(mismatch(alg, "OKP Ed25519"));
                }
                let pair = sig::Ed25519KeyPair::from_seed_and_public_key(&b64("d")?, &b64("x")?)
                    .map_err(|_| KeyError::Rejected("Ed25519 private key does not match its public key"))?;
                SigningKey::new(alg, Prepared::Ed25519(Box::new(pair)))
            }
            _ => return Err(KeyError::Jwk("unsupported `kty`")),
        };
        Ok(match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    }

    fn new(alg: Algorithm, prepared: Prepared) -> SigningKey {
        SigningKey {
            alg,
            kid: None,
            prepared: Arc::new(prepared),
        }
    }

    /// Sets the key id written to the `kid` header.
    #[must_use]
    pub fn with_kid(mut self, kid: impl AsRef<str>) -> SigningKey {
        self.kid = Some(Arc::from(kid.as_ref()));
        self
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Signs `message`; `None` only if the crypto backend fails.
    pub(crate) fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        use ::hmac::Mac as _;
        match &*self.prepared {
            Prepared::Hs256(mac) => Some(
                (**mac)
                    .clone()
                    .chain_update(message)
                    .finalize()
                    .into_bytes()
                    .to_vec(),
            ),
            Prepared::Hs384(mac) => Some(
                (**mac)
                    .clone()
                    .chain_update(message)
                    .finalize()
                    .into_bytes()
                    .to_vec(),
            ),
            Prepared::Hs512(mac) => Some(
                (**mac)
                    .clone()
                    .chain_update(message)
                    .finalize()
                    .into_bytes()
                    .to_vec(),
            ),
            Prepared::Rsa(pair) => {
                let padding: &'static dyn sig::RsaEncoding = match self.alg {
                    Algorithm::RS256 => &sig::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &sig::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &sig::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &sig::RSA_PSS_SHA256,
                    Algorithm::PS384 => &sig::RSA_PSS_SHA384,
                    _ => &sig::RSA_PSS_SHA512,
                };
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &SystemRandom::new(), message, &mut out).ok()?;
                Some(out)
            }
            Prepared::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .ok()
                .map(|s| s.as_ref().to_vec()),
            Prepared::Ed25519(pair) => Some(pair.sign(message).as_ref().to_vec()),
        }
    }
}

fn family(alg: Algorithm) -> AlgorithmFamily {
    alg.family()
}

fn family_name(f: AlgorithmFamily) -> &'static str {
    match f {
        AlgorithmFamily::Hmac => "oct",
        AlgorithmFamily::Rsa => "RSA",
        AlgorithmFamily::Ec => "EC",
        AlgorithmFamily::Ed => "OKP",
    }
}

fn ecdsa_alg(alg: Algorithm) -> &'static sig::EcdsaSigningAlgorithm {
    if alg == Algorithm::ES384 {
        &sig::ECDSA_P384_SHA384_FIXED_SIGNING
    } else {
        &sig::ECDSA_P256_SHA256_FIXED_SIGNING
    }
}

/// DER `RSAPrivateKey` (RFC 8017 A.1.2, version 0) from its big-endian
/// unsigned components n, e, d, p, q, dp, dq, qi.
fn rsa_private_key_der(parts: &[Zeroizing<Vec<u8>>]) -> Vec<u8> {
    let mut body = Zeroizing::new(Vec::with_capacity(
        parts.iter().map(|p| p.len() + 6).sum::<usize>() + 3,
    ));
    der_integer(&mut body, &[0]);
    for p in parts {
        der_integer(&mut body, p);
    }
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(0x30);
    der_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn der_integer(out: &mut Vec<u8>, unsigned: &[u8]) {
    let start = unsigned
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(unsigned.len().saturating_sub(1));
    let digits = &unsigned[start.min(unsigned.len())..];
    let digits = if digits.is_empty() { &[0u8][..] } else { digits };
    let pad = digits[0] & 0x80 != 0;
    out.push(0x02);
    der_len(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers_are_minimal_and_positive() {
        let mut out = Vec::new();
        der_integer(&mut out, &[0, 0, 0x7f]);
        assert_eq!(out, [2, 1, 0x7f]);
        out.clear();
        der_integer(&mut out, &[0x80]);
        assert_eq!(out, [2, 2, 0, 0x80]);
        out.clear();
        der_integer(&mut out, &[]);
        assert_eq!(out, [2, 1, 0]);
        out.clear();
        der_len(&mut out, 300);
        assert_eq!(out, [0x82, 1, 44]);
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = SigningKey::hmac(b"super-secret-value-of-32-bytes!!", Algorithm::HS256)
            .unwrap()
            .with_kid("k1");
        let dbg = format!("{key:?}");
        assert!(dbg.contains("HS256") && dbg.contains("k1"), "{dbg}");
        assert!(!dbg.contains("super-secret"), "{dbg}");
    }

    #[test]
    fn hmac_secret_length_and_family_are_checked() {
        assert!(matches!(
            SigningKey::hmac(&[1; 47], Algorithm::HS384),
            Err(KeyError::ShortSecret { min: 48, .. })
        ));
        assert!(SigningKey::hmac(&[1; 48], Algorithm::HS384).is_ok());
        assert!(matches!(
            SigningKey::hmac(&[1; 64], Algorithm::ES256),
            Err(KeyError::AlgorithmMismatch { .. })
        ));
        let ek = EncodingKey::from_secret(&[1; 32]);
        assert!(matches!(
            SigningKey::from_encoding_key(&ek, Algorithm::RS256),
            Err(KeyError::AlgorithmMismatch { .. })
        ));
        let garbage = EncodingKey::from_rsa_der(&[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(matches!(
            SigningKey::from_encoding_key(&garbage, Algorithm::RS256),
            Err(KeyError::Rejected(_))
        ));
    }
}
