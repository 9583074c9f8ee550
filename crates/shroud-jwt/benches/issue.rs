//! Minting: `Issuer::mint` against a bare `jsonwebtoken::encode` of the same
//! claims with the same key (HS256 and RS256), and a nested JWT (HS256
//! inside `dir` + A256GCM) against the plain HS256 mint.
//!
//! `cargo bench -p shroud-jwt --bench issue -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Map, Value, json};
use shroud_jwt::{Algorithm, ContentEncryption, Encrypter, EncryptionKey, Issuer, KeyManagement, SigningKey};

const SECRET: &[u8] = b"a-benchmark-secret-of-32-bytes!!";

/// The caller's claims (the issuer adds iss, aud, exp, iat, jti).
fn claims() -> Map<String, Value> {
    let v = json!({
        "sub": "248289761001", "scope": "openid profile email orders:read orders:write",
        "roles": ["reader", "writer"], "email": "jane.roe@example.com", "name": "Jane Roe",
        "tenant": "acme", "azp": "web-frontend", "sid": "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab"
    });
    v.as_object().unwrap().clone()
}

/// The same claims with the registered claims filled in, for the baseline.
fn full_claims() -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut c = claims();
    c.insert("iss".into(), json!("https://id.example.com/realms/main"));
    c.insert("aud".into(), json!("api"));
    c.insert("iat".into(), json!(now));
    c.insert("exp".into(), json!(now + 900));
    c.insert("jti".into(), json!("b7d3c0a26f7e4f5e9d1a2f"));
    Value::Object(c)
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 document (what jsonwebtoken's
/// `from_rsa_der` wants).
fn pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    fn tlv(i: &[u8]) -> (&[u8], &[u8]) {
        let (len, hdr) = if i[1] < 0x80 {
            (i[1] as usize, 2)
        } else {
            let n = (i[1] & 0x7f) as usize;
            (i[2..2 + n].iter().fold(0, |a, b| (a << 8) | *b as usize), 2 + n)
        };
        (&i[hdr..hdr + len], &i[hdr + len..])
    }
    let (seq, _) = tlv(pkcs8);
    let (_, rest) = tlv(seq); // version
    let (_, rest) = tlv(rest); // algorithm
    tlv(rest).0.to_vec()
}

fn issuer(key: SigningKey) -> Issuer {
    Issuer::builder()
        .signing_key(key.with_kid("k1"))
        .issuer("https://id.example.com/realms/main")
        .audience("api")
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    // jsonwebtoken names no backend when both are enabled (workspace builds).
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let rsa_der: Pkcs8V1Der<'_> = rsa.as_der().unwrap();
    let cases = [
        ("hs256", Algorithm::HS256, EncodingKey::from_secret(SECRET)),
        (
            "rs256",
            Algorithm::RS256,
            EncodingKey::from_rsa_der(&pkcs1(rsa_der.as_ref())),
        ),
    ];
    for (name, alg, ek) in cases {
        let mut g = c.benchmark_group(format!("issue/{name}"));
        let mut header = Header::new(alg);
        header.kid = Some("k1".into());
        let full = full_claims();
        g.bench_function("jsonwebtoken_encode", |b| {
            b.iter(|| jsonwebtoken::encode(black_box(&header), black_box(&full), &ek).unwrap())
        });
        let iss = issuer(SigningKey::from_encoding_key(&ek, alg).unwrap());
        let value = Value::Object(claims());
        g.bench_function("issuer_mint", |b| b.iter(|| iss.mint(black_box(&value)).unwrap()));
        g.bench_function("issuer_mint_map", |b| {
            b.iter_batched(claims, |m| iss.mint_map(m).unwrap(), BatchSize::SmallInput)
        });
        g.finish();
    }

    let mut g = c.benchmark_group("issue/nested");
    let plain = issuer(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap());
    let nested = Issuer::builder()
        .signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap().with_kid("k1"))
        .issuer("https://id.example.com/realms/main")
        .audience("api")
        .encryption(Encrypter::new(
            EncryptionKey::symmetric(&[0x42; 32], KeyManagement::Dir)
                .unwrap()
                .with_kid("e1"),
            ContentEncryption::A256Gcm,
        ))
        .build()
        .unwrap();
    g.bench_function("hs256_jws", |b| {
        b.iter_batched(claims, |m| plain.mint_map(m).unwrap(), BatchSize::SmallInput)
    });
    g.bench_function("hs256_in_dir_a256gcm", |b| {
        b.iter_batched(claims, |m| nested.mint_map(m).unwrap(), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
