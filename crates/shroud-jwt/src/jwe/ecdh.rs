//! ECDH-ES (RFC 7518 §4.6): P-256, P-384, P-521 (RustCrypto `p256`/`p384`/
//! `p521`) and X25519 (`x25519-dalek`, RFC 8037), with the Concat KDF of
//! NIST SP 800-56A §5.8.1 over SHA-256.
//!
//! Every ephemeral public key is decoded strictly: the curve must be the
//! recipient's, coordinates must have the exact field length and the point
//! must lie on the curve (not the identity); an X25519 agreement that yields
//! the all-zero secret (a small-order point) is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToSec1Point;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::content::Failed;
use super::header::RawEpk;

/// A recipient's static private key.
pub(crate) enum EcSecret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    X25519(x25519_dalek::StaticSecret),
}

/// A public key on one of the supported curves.
#[derive(Clone)]
pub(crate) enum EcPublic {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
    X25519(x25519_dalek::PublicKey),
}

/// The JWK `crv` names and field lengths.
pub(crate) fn field_len(crv: &str) -> Option<usize> {
    match crv {
        "P-256" | "X25519" => Some(32),
        "P-384" => Some(48),
        "P-521" => Some(66),
        _ => None,
    }
}

fn sec1(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(1 + x.len() + y.len());
    p.push(0x04);
    p.extend_from_slice(x);
    p.extend_from_slice(y);
    p
}

impl EcPublic {
    /// A point from its JWK coordinates, validated on the curve.
    pub(crate) fn from_coordinates(crv: &str, x: &[u8], y: Option<&[u8]>) -> Result<Self, Failed> {
        let n = field_len(crv).ok_or(Failed)?;
        if x.len() != n {
            return Err(Failed);
        }
        if crv == "X25519" {
            if y.is_some() {
                return Err(Failed);
            }
            let mut b = [0u8; 32];
            b.copy_from_slice(x);
            return Ok(EcPublic::X25519(x25519_dalek::PublicKey::from(b)));
        }
        let y = y.ok_or(Failed)?;
        if y.len() != n {
            return Err(Failed);
        }
        let p = sec1(x, y);
        Ok(match crv {
            "P-256" => EcPublic::P256(p256::PublicKey::from_sec1_bytes(&p).map_err(|_| Failed)?),
            "P-384" => EcPublic::P384(p384::PublicKey::from_sec1_bytes(&p).map_err(|_| Failed)?),
            _ => EcPublic::P521(p521::PublicKey::from_sec1_bytes(&p).map_err(|_| Failed)?),
        })
    }

    pub(crate) fn crv(&self) -> &'static str {
        match self {
            EcPublic::P256(_) => "P-256",
            EcPublic::P384(_) => "P-384",
            EcPublic::P521(_) => "P-521",
            EcPublic::X25519(_) => "X25519",
        }
    }

    /// `(x, y)` as in a JWK; `y` is `None` for X25519.
    pub(crate) fn coordinates(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        fn split(bytes: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
            let n = (bytes.len() - 1) / 2;
            (bytes[1..1 + n].to_vec(), Some(bytes[1 + n..].to_vec()))
        }
        match self {
            EcPublic::P256(k) => split(k.to_sec1_point(false).as_bytes()),
            EcPublic::P384(k) => split(k.to_sec1_point(false).as_bytes()),
            EcPublic::P521(k) => split(k.to_sec1_point(false).as_bytes()),
            EcPublic::X25519(k) => (k.as_bytes().to_vec(), None),
        }
    }

    /// The `epk` header member for this (ephemeral) public key, as JSON
    /// text with members in the order `kty`, `crv`, `x`, `y`.
    pub(crate) fn to_jwk(&self) -> String {
        let (x, y) = self.coordinates();
        match y {
            Some(y) => format!(
                r#"{{"kty":"EC","crv":"{}","x":"{}","y":"{}"}}"#,
                self.crv(),
                URL_SAFE_NO_PAD.encode(x),
                URL_SAFE_NO_PAD.encode(y)
            ),
            None => format!(
                r#"{{"kty":"OKP","crv":"{}","x":"{}"}}"#,
                self.crv(),
                URL_SAFE_NO_PAD.encode(x)
            ),
        }
    }
}

impl EcSecret {
    /// A private key from its JWK `d` on curve `crv`.
    pub(crate) fn from_d(crv: &str, d: &[u8]) -> Result<Self, Failed> {
        if field_len(crv) != Some(d.len()) {
            return Err(Failed);
        }
        Ok(match crv {
            "P-256" => EcSecret::P256(p256::SecretKey::from_slice(d).map_err(|_| Failed)?),
            "P-384" => EcSecret::P384(p384::SecretKey::from_slice(d).map_err(|_| Failed)?),
            "P-521" => EcSecret::P521(p521::SecretKey::from_slice(d).map_err(|_| Failed)?),
            _ => {
                let mut b = Zeroizing::new([0u8; 32]);
                b.copy_from_slice(d);
                EcSecret::X25519(x25519_dalek::StaticSecret::from(*b))
            }
        })
    }

    /// A fresh random private key on the curve of `like`.
    pub(crate) fn random(like: &EcPublic) -> Result<Self, Failed> {
        let n = field_len(like.crv()).ok_or(Failed)?;
        let mut d = Zeroizing::new([0u8; 66]);
        // Rejection sampling; P-521's order has 521 bits, so the top byte is masked.
        for _ in 0..64 {
            getrandom::fill(&mut d[..n]).map_err(|_| Failed)?;
            if n == 66 {
                d[0] &= 0x01;
            }
            if let Ok(k) = EcSecret::from_d(like.crv(), &d[..n]) {
                return Ok(k);
            }
        }
        Err(Failed)
    }

    pub(crate) fn crv(&self) -> &'static str {
        match self {
            EcSecret::P256(_) => "P-256",
            EcSecret::P384(_) => "P-384",
            EcSecret::P521(_) => "P-521",
            EcSecret::X25519(_) => "X25519",
        }
    }

    pub(crate) fn public(&self) -> EcPublic {
        match self {
            EcSecret::P256(k) => EcPublic::P256(k.public_key()),
            EcSecret::P384(k) => EcPublic::P384(k.public_key()),
            EcSecret::P521(k) => EcPublic::P521(k.public_key()),
            EcSecret::X25519(k) => EcPublic::X25519(x25519_dalek::PublicKey::from(k)),
        }
    }

    /// The shared secret `Z` with `peer`, which must be on the same curve.
    pub(crate) fn agree(&self, peer: &EcPublic) -> Result<Zeroizing<Vec<u8>>, Failed> {
        Ok(match (self, peer) {
            (EcSecret::P256(k), EcPublic::P256(p)) => {
                Zeroizing::new(k.diffie_hellman(p).raw_secret_bytes().to_vec())
            }
            (EcSecret::P384(k), EcPublic::P384(p)) => {
                Zeroizing::new(k.diffie_hellman(p).raw_secret_bytes().to_vec())
            }
            (EcSecret::P521(k), EcPublic::P521(p)) => {
                Zeroizing::new(k.diffie_hellman(p).raw_secret_bytes().to_vec())
            }
            (EcSecret::X25519(k), EcPublic::X25519(p)) => {
                let shared = k.diffie_hellman(p);
                if !shared.was_contributory() {
                    return Err(Failed);
                }
                Zeroizing::new(shared.as_bytes().to_vec())
            }
            _ => return Err(Failed),
        })
    }
}

/// Decodes and validates the `epk` header against the recipient's curve.
pub(crate) fn peer_key(epk: &RawEpk<'_>, curve: &str) -> Result<EcPublic, Failed> {
    if epk.d.0 || epk.crv != curve {
        return Err(Failed);
    }
    let kty_ok = match curve {
        "X25519" => epk.kty == "OKP",
        _ => epk.kty == "EC",
    };
    if !kty_ok || epk.x.len() > 128 || epk.y.as_ref().is_some_and(|y| y.len() > 128) {
        return Err(Failed);
    }
    let x = URL_SAFE_NO_PAD.decode(epk.x.as_bytes()).map_err(|_| Failed)?;
    let y = match &epk.y {
        Some(y) => Some(URL_SAFE_NO_PAD.decode(y.as_bytes()).map_err(|_| Failed)?),
        None => None,
    };
    EcPublic::from_coordinates(curve, &x, y.as_deref())
}

/// The Concat KDF of RFC 7518 §4.6.2 with SHA-256: `out_len` bytes from the
/// shared secret `z`, the algorithm id and the party infos.
pub(crate) fn concat_kdf(
    z: &[u8],
    alg_id: &str,
    apu: &[u8],
    apv: &[u8],
    out_len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(out_len + 32));
    let bits = ((out_len * 8) as u32).to_be_bytes();
    let mut counter = 1u32;
    while out.len() < out_len {
        let mut h = Sha256::new();
        h.update(counter.to_be_bytes());
        h.update(z);
        for part in [alg_id.as_bytes(), apu, apv] {
            h.update((part.len() as u32).to_be_bytes());
            h.update(part);
        }
        h.update(bits);
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(out_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7518 Appendix C.
    #[test]
    fn rfc7518_appendix_c() {
        let d = URL_SAFE_NO_PAD
            .decode("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw")
            .unwrap();
        let bob = EcSecret::from_d("P-256", &d).unwrap();
        let x = URL_SAFE_NO_PAD
            .decode("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0")
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps")
            .unwrap();
        let alice = EcPublic::from_coordinates("P-256", &x, Some(&y)).unwrap();
        let z = bob.agree(&alice).unwrap();
        let key = concat_kdf(&z, "A128GCM", b"Alice", b"Bob", 16);
        assert_eq!(URL_SAFE_NO_PAD.encode(&key[..]), "VqqN6vgjbSBcIijNcacQGg");
    }

    #[test]
    fn invalid_points_are_refused() {
        let n = vec![0u8; 32];
        assert!(EcPublic::from_coordinates("P-256", &n, Some(&n)).is_err());
        let mut x = vec![0u8; 32];
        x[31] = 1;
        assert!(EcPublic::from_coordinates("P-256", &x, Some(&x)).is_err());
        assert!(EcPublic::from_coordinates("P-256", &x[..31], Some(&x)).is_err());
        assert!(EcPublic::from_coordinates("P-257", &x, Some(&x)).is_err());
        assert!(EcPublic::from_coordinates("X25519", &x, Some(&x)).is_err());
        // X25519 low-order point (u = 0): the all-zero secret is refused.
        let me = EcSecret::from_d("X25519", &[7u8; 32]).unwrap();
        let zero = EcPublic::from_coordinates("X25519", &[0u8; 32], None).unwrap();
        assert!(me.agree(&zero).is_err());
        let other = EcSecret::from_d("P-384", &[1u8; 48]).unwrap();
        assert!(me.agree(&other.public()).is_err());
    }

    #[test]
    fn an_ephemeral_key_with_a_private_part_is_refused() {
        let d = [5u8; 32];
        let x = URL_SAFE_NO_PAD.encode(EcSecret::from_d("X25519", &d).unwrap().public().coordinates().0);
        let parse = |extra: &str| -> RawEpk<'static> {
            let json = format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"{extra}}}"#);
            serde_json::from_str(Box::leak(json.into_boxed_str())).unwrap()
        };
        assert!(peer_key(&parse(""), "X25519").is_ok());
        for extra in [r#","d":"AAAA""#, r#","d":null"#, r#","d":{}"#] {
            assert!(peer_key(&parse(extra), "X25519").is_err(), "{extra}");
        }
    }

    #[test]
    fn random_keys_on_every_curve() {
        for crv in ["P-256", "P-384", "P-521", "X25519"] {
            let mut d = vec![3u8; field_len(crv).unwrap()];
            d[0] = 0;
            let a = EcSecret::from_d(crv, &d).unwrap();
            let e = EcSecret::random(&a.public()).unwrap();
            assert_eq!(e.crv(), crv);
            assert_eq!(
                &e.agree(&a.public()).unwrap()[..],
                &a.agree(&e.public()).unwrap()[..]
            );
        }
    }
}
