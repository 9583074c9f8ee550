//! Test signers built on aws-lc-rs key generation, and JWKs for them.
#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use aws_lc_rs::{hmac, rsa::KeySize};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

pub const SECRET: &[u8] = b"a-test-secret-of-32-bytes-or-mor";

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub enum Signer {
    Hs(Vec<u8>),
    Rs(RsaKeyPair),
    Es(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

pub fn rsa() -> &'static Signer {
    static K: OnceLock<Signer> = OnceLock::new();
    K.get_or_init(|| Signer::Rs(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()))
}

pub fn rsa2() -> &'static Signer {
    static K: OnceLock<Signer> = OnceLock::new();
    K.get_or_init(|| Signer::Rs(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()))
}

pub fn ec() -> &'static Signer {
    static K: OnceLock<Signer> = OnceLock::new();
    K.get_or_init(|| Signer::Es(EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap()))
}

pub fn ed() -> &'static Signer {
    static K: OnceLock<Signer> = OnceLock::new();
    K.get_or_init(|| Signer::Ed(Ed25519KeyPair::generate().unwrap()))
}

pub fn hs() -> Signer {
    Signer::Hs(SECRET.to_vec())
}

impl Signer {
    pub fn alg(&self) -> &'static str {
        match self {
            Signer::Hs(_) => "HS256",
            Signer::Rs(_) => "RS256",
            Signer::Es(_) => "ES256",
            Signer::Ed(_) => "EdDSA",
        }
    }

    /// Signs `signing_input` with this key's algorithm.
    pub fn raw_sign(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Signer::Hs(k) => hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k), input)
                .as_ref()
                .to_vec(),
            Signer::Rs(k) => {
                let mut out = vec![0; k.public_modulus_len()];
                k.sign(&sig::RSA_PKCS1_SHA256, &SystemRandom::new(), input, &mut out)
                    .unwrap();
                out
            }
            Signer::Es(k) => k.sign(&SystemRandom::new(), input).unwrap().as_ref().to_vec(),
            Signer::Ed(k) => k.sign(input).as_ref().to_vec(),
        }
    }

    /// A compact token with this header (alg filled in unless given) and claims.
    pub fn token_with(&self, mut header: Value, claims: &Value) -> String {
        if header.get("alg").is_none() {
            header["alg"] = json!(self.alg());
        }
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let s = self.raw_sign(input.as_bytes());
        format!("{input}.{}", b64(s))
    }

    pub fn token(&self, kid: &str, claims: &Value) -> String {
        self.token_with(json!({"kid": kid, "typ": "JWT"}), claims)
    }

    /// The public JWK.
    pub fn jwk(&self, kid: &str) -> Value {
        match self {
            Signer::Hs(k) => json!({"kty": "oct", "kid": kid, "k": b64(k), "alg": "HS256"}),
            Signer::Rs(k) => {
                let c = RsaPublicKeyComponents::<Vec<u8>>::from(k.public_key());
                json!({"kty": "RSA", "kid": kid, "n": b64(&c.n), "e": b64(&c.e), "use": "sig"})
            }
            Signer::Es(k) => {
                let p = k.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(&p[1..33]), "y": b64(&p[33..65])})
            }
            Signer::Ed(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(k.public_key().as_ref())})
            }
        }
    }

    /// The public key as a PEM `PUBLIC KEY` (SPKI) document.
    pub fn pem(&self) -> String {
        use aws_lc_rs::encoding::AsDer;
        let der = match self {
            Signer::Hs(_) => panic!("no PEM for secrets"),
            Signer::Rs(k) => k.public_key().as_der().unwrap().as_ref().to_vec(),
            Signer::Es(k) => k.public_key().as_der().unwrap().as_ref().to_vec(),
            Signer::Ed(k) => k.public_key().as_der().unwrap().as_ref().to_vec(),
        };
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }

    pub fn key(&self, kid: &str) -> shroud_jwt::Key {
        shroud_jwt::Key::from_jwk(&self.jwk(kid)).unwrap()
    }
}

pub fn claims() -> Value {
    json!({"iss": "https://id.example", "sub": "user-1", "aud": "api", "exp": now() + 600,
           "iat": now() - 10, "scope": "orders:read profile", "roles": ["reader"], "email": "jane@example.com"})
}

/// Reads one DER TLV: (tag, content, rest).
fn der_next(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, hdr) = if input[1] < 0x80 {
        (input[1] as usize, 2)
    } else {
        let n = (input[1] & 0x7f) as usize;
        let len = input[2..2 + n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, 2 + n)
    };
    (tag, &input[hdr..hdr + len], &input[hdr + len..])
}

fn unsigned(int: &[u8]) -> &[u8] {
    match int {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => int,
    }
}

/// The private JWK of an aws-lc-rs key pair (RSA from its PKCS#8 DER, EC
/// and Ed25519 from their scalar/seed), with `kid`.
impl Signer {
    pub fn private_jwk(&self, kid: &str) -> Value {
        use aws_lc_rs::encoding::{AsBigEndian, AsDer, Curve25519SeedBin, EcPrivateKeyBin, Pkcs8V1Der};
        let mut jwk = self.jwk(kid);
        match self {
            Signer::Hs(_) => {}
            Signer::Rs(k) => {
                let doc: Pkcs8V1Der<'_> = k.as_der().unwrap();
                let (_, pkcs8, _) = der_next(doc.as_ref());
                let (_, _version, rest) = der_next(pkcs8);
                let (_, _algid, rest) = der_next(rest);
                let (_, octets, _) = der_next(rest);
                let (_, mut seq, _) = der_next(octets);
                let mut ints = Vec::new();
                while !seq.is_empty() {
                    let (_, int, rest) = der_next(seq);
                    ints.push(unsigned(int).to_vec());
                    seq = rest;
                }
                for (i, name) in ["n", "e", "d", "p", "q", "dp", "dq", "qi"].iter().enumerate() {
                    jwk[*name] = json!(b64(&ints[i + 1]));
                }
            }
            Signer::Es(k) => {
                let d: EcPrivateKeyBin<'_> = k.private_key().as_be_bytes().unwrap();
                jwk["d"] = json!(b64(d.as_ref()));
            }
            Signer::Ed(k) => {
                let seed: Curve25519SeedBin<'_> = k.seed().unwrap().as_be_bytes().unwrap();
                jwk["d"] = json!(b64(seed.as_ref()));
            }
        }
        if let Some(obj) = jwk.as_object_mut() {
            obj.remove("use");
        }
        jwk
    }

    /// The private key as a PKCS#8 `PRIVATE KEY` PEM document.
    pub fn private_pem(&self) -> String {
        use aws_lc_rs::encoding::AsDer;
        let der = match self {
            Signer::Hs(_) => panic!("no PEM for secrets"),
            Signer::Rs(k) => {
                let d: aws_lc_rs::encoding::Pkcs8V1Der<'_> = k.as_der().unwrap();
                d.as_ref().to_vec()
            }
            Signer::Es(k) => k.to_pkcs8v1().unwrap().as_ref().to_vec(),
            Signer::Ed(k) => k.to_pkcs8v1().unwrap().as_ref().to_vec(),
        };
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }
}

/// A fresh ECDH key pair as (private JWK, public JWK): `crv` is `P-256` or
/// `X25519`.
pub fn ecdh_jwk(crv: &str, kid: &str) -> (Value, Value) {
    use aws_lc_rs::agreement::{ECDH_P256, PrivateKey, X25519};
    use aws_lc_rs::encoding::{AsBigEndian, Curve25519SeedBin, EcPrivateKeyBin};
    match crv {
        "P-256" => {
            let k = PrivateKey::generate(&ECDH_P256).unwrap();
            let d: EcPrivateKeyBin<'_> = k.as_be_bytes().unwrap();
            let p = k.compute_public_key().unwrap();
            let p = p.as_ref();
            let public =
                json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(&p[1..33]), "y": b64(&p[33..65])});
            let mut private = public.clone();
            private["d"] = json!(b64(d.as_ref()));
            (private, public)
        }
        "X25519" => {
            let k = PrivateKey::generate(&X25519).unwrap();
            let d: Curve25519SeedBin<'_> = k.as_be_bytes().unwrap();
            let p = k.compute_public_key().unwrap();
            let public = json!({"kty": "OKP", "crv": "X25519", "kid": kid, "x": b64(p.as_ref())});
            let mut private = public.clone();
            private["d"] = json!(b64(d.as_ref()));
            (private, public)
        }
        other => panic!("no ECDH curve {other}"),
    }
}

/// The RSA key of [`rsa2`] as an encryption key pair (private JWK, public
/// JWK), without `use`.
pub fn rsa_enc_jwk(kid: &str) -> (Value, Value) {
    let private = rsa2().private_jwk(kid);
    let mut public = rsa2().jwk(kid);
    public.as_object_mut().unwrap().remove("use");
    (private, public)
}

/// `n` random bytes.
pub fn random(n: usize) -> Vec<u8> {
    let mut k = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut k).unwrap();
    k
}

/// The public test vectors: `shared/vectors` beside the workspace (a clone
/// sits next to `shared/`), else the development machine's copy.
pub fn vectors() -> std::path::PathBuf {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    for candidate in ["shared/vectors", "../shared/vectors"] {
        let p = root.join(candidate);
        if p.exists() {
            return p;
        }
    }
    std::path::PathBuf::from("/work/shared/vectors")
}
