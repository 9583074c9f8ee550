//! Encrypted tokens: a nested `dir`+A256GCM token (~1 KiB) through the
//! Verifier and the layer against a hand-rolled baseline (raw `aes-gcm`
//! AES-256-GCM decryption plus a bare `jsonwebtoken::decode` of the inner
//! JWS); A256KW and ECDH-ES+A256KW; AES-GCM content decryption of 1 MiB
//! against raw `aes-gcm`.
//!
//! `cargo bench -p shroud-jwt --bench jwe -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http::{Request, Response};
use jsonwebtoken::crypto::aws_lc;
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, Validation};
use serde_json::{Value, json};
use shroud_jwt::jwe::{self, DecryptOptions};
use shroud_jwt::{
    Algorithm, ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, JwtLayer, Key,
    KeyManagement, TrustedIssuer, Verifier,
};
use tower::ServiceExt;

const SECRET: &[u8] = b"a-benchmark-secret-of-32-bytes!!";
const CEK: [u8; 32] = [0x5a; 32];
const ISS: &str = "https://id.example.com/realms/main";
const P256: &str = r#"{"kty":"EC","crv":"P-256","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

fn b64(b: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// The same ~600-byte claims as benches/verify.rs, signed with HS256.
fn inner_jws() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({
        "iss": ISS, "sub": "248289761001", "aud": ["api", "web"],
        "exp": now + 3600, "iat": now - 5, "nbf": now - 5, "jti": "b7d3c0a2-6f7e-4f5e-9d1a-2f6c3e9b8a71",
        "scope": "openid profile email orders:read orders:write", "roles": ["reader", "writer"],
        "email": "jane.roe@example.com", "name": "Jane Roe", "tenant": "acme",
        "azp": "web-frontend", "sid": "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab"
    });
    let input = format!(
        "{}.{}",
        b64(json!({"alg": "HS256", "typ": "JWT", "kid": "k"}).to_string()),
        b64(claims.to_string())
    );
    let sig = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET),
        input.as_bytes(),
    );
    format!("{input}.{}", b64(sig))
}

fn verifier(keys: DecryptionKeySet) -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(Key::hmac(SECRET, Algorithm::HS256).unwrap().with_kid("k")))
        .audience("api")
        .decryption_keys(keys)
        .require_encryption(true)
        .cache(0)
        .build()
        .unwrap()
}

fn now_or_never<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the layer waited"),
    }
}

/// The hand-rolled baseline: split, base64url-decode IV/ciphertext/tag,
/// AES-256-GCM decrypt with the header as AAD, then `jsonwebtoken::decode`.
fn baseline(token: &str, cipher: &Aes256Gcm, key: &DecodingKey, validation: &Validation) -> Value {
    let mut parts = token.split('.');
    let (h, _ek, iv, ct, tag) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let iv = URL_SAFE_NO_PAD.decode(iv).unwrap();
    let mut buf = URL_SAFE_NO_PAD.decode(ct).unwrap();
    let tag = URL_SAFE_NO_PAD.decode(tag).unwrap();
    cipher
        .decrypt_inout_detached(
            &Nonce::try_from(&iv[..]).unwrap(),
            h.as_bytes(),
            buf.as_mut_slice().into(),
            &Tag::try_from(&tag[..]).unwrap(),
        )
        .unwrap();
    let inner = std::str::from_utf8(&buf).unwrap();
    jsonwebtoken::decode::<Value>(inner, key, validation)
        .unwrap()
        .claims
}

fn bench(c: &mut Criterion) {
    // Both jsonwebtoken backends are compiled in workspace builds: choose one.
    let _ = aws_lc::DEFAULT_PROVIDER.install_default();
    let jws = inner_jws();

    // Nested dir + A256GCM.
    let dir_keys = || DecryptionKeySet::new([DecryptionKey::symmetric(&CEK, KeyManagement::Dir).unwrap()]);
    let token = Encrypter::new(
        EncryptionKey::symmetric(&CEK, KeyManagement::Dir).unwrap(),
        ContentEncryption::A256Gcm,
    )
    .encrypt(jws.as_bytes(), Some("JWT"))
    .unwrap();
    let v = verifier(dir_keys());
    assert!(v.verify(&token).unwrap().info.encrypted);
    let cipher = Aes256Gcm::new_from_slice(&CEK).unwrap();
    let decoding = DecodingKey::from_secret(SECRET);
    let mut validation = Validation::new(JwtAlg::HS256);
    validation.set_audience(&["api"]);
    validation.set_issuer(&[ISS]);
    assert_eq!(
        baseline(&token, &cipher, &decoding, &validation)["sub"],
        "248289761001"
    );

    let mut g = c.benchmark_group(format!("jwe_nested_dir_a256gcm_{}B", token.len()));
    g.bench_function("baseline_aes_gcm_plus_jsonwebtoken_decode", |b| {
        b.iter(|| baseline(black_box(&token), &cipher, &decoding, &validation))
    });
    g.bench_function("verifier", |b| b.iter(|| v.verify(black_box(&token)).unwrap()));
    let svc = tower::ServiceBuilder::new()
        .layer(JwtLayer::new(verifier(dir_keys())))
        .service_fn(|_req: Request<()>| async { Ok::<_, Infallible>(Response::new(String::new())) });
    let request = || {
        Request::get("/")
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
    };
    assert_eq!(
        now_or_never(svc.clone().oneshot(request())).unwrap().status(),
        200
    );
    g.bench_function("jwt_layer", |b| {
        b.iter_batched(
            request,
            |req| now_or_never(svc.clone().oneshot(req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("jwe_decrypt_only", |b| {
        let keys = dir_keys();
        b.iter(|| jwe::decrypt(black_box(&token), &keys, &DecryptOptions::default()).unwrap())
    });
    g.finish();

    // Key management: A256KW and ECDH-ES+A256KW (P-256), nested, A256GCM.
    let mut g = c.benchmark_group("jwe_key_management");
    let kw = [0x33u8; 32];
    let p256: Value = serde_json::from_str(P256).unwrap();
    let mut p256_public = p256.clone();
    p256_public.as_object_mut().unwrap().remove("d");
    let cases = [
        (
            "A256KW",
            DecryptionKey::symmetric(&kw, KeyManagement::A256Kw).unwrap(),
            EncryptionKey::symmetric(&kw, KeyManagement::A256Kw).unwrap(),
        ),
        (
            "ECDH-ES+A256KW_P-256",
            DecryptionKey::from_jwk_with_alg(&p256, KeyManagement::EcdhEsA256Kw).unwrap(),
            EncryptionKey::from_jwk(&p256_public)
                .unwrap()
                .with_alg(KeyManagement::EcdhEsA256Kw)
                .unwrap(),
        ),
    ];
    for (name, dk, ek) in cases {
        let encrypter = Encrypter::new(ek, ContentEncryption::A256Gcm);
        let token = encrypter.encrypt(jws.as_bytes(), Some("JWT")).unwrap();
        let v = verifier(DecryptionKeySet::new([dk]));
        assert!(v.verify(&token).is_ok());
        g.bench_function(format!("{name}/verifier"), |b| {
            b.iter(|| v.verify(black_box(&token)).unwrap())
        });
        g.bench_function(format!("{name}/encrypt"), |b| {
            b.iter(|| encrypter.encrypt(black_box(jws.as_bytes()), Some("JWT")).unwrap())
        });
    }
    g.finish();

    // Content decryption at 1 MiB.
    let mib = vec![0x61u8; 1 << 20];
    let big = Encrypter::new(
        EncryptionKey::symmetric(&CEK, KeyManagement::Dir).unwrap(),
        ContentEncryption::A256Gcm,
    )
    .encrypt(&mib, None)
    .unwrap();
    let keys = dir_keys();
    assert_eq!(
        jwe::decrypt(&big, &keys, &DecryptOptions::default())
            .unwrap()
            .plaintext()
            .len(),
        1 << 20
    );
    let parts: Vec<&str> = big.split('.').collect();
    let iv = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let ct = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
    let tag = URL_SAFE_NO_PAD.decode(parts[4]).unwrap();
    let mut g = c.benchmark_group("jwe_content_1MiB");
    g.throughput(Throughput::Bytes(1 << 20));
    g.sample_size(20);
    g.bench_function("raw_aes_gcm_decrypt", |b| {
        b.iter_batched_ref(
            || ct.clone(),
            |buf| {
                cipher
                    .decrypt_inout_detached(
                        &Nonce::try_from(&iv[..]).unwrap(),
                        parts[0].as_bytes(),
                        buf.as_mut_slice().into(),
                        &Tag::try_from(&tag[..]).unwrap(),
                    )
                    .unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("jwe_content_step", |b| {
        b.iter_batched(
            || ct.clone(),
            |buf| {
                jwe::open_content(
                    ContentEncryption::A256Gcm,
                    &CEK,
                    &iv,
                    parts[0].as_bytes(),
                    buf,
                    &tag,
                )
                .unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("raw_base64_plus_aes_gcm_decrypt", |b| {
        b.iter(|| {
            let mut buf = URL_SAFE_NO_PAD.decode(black_box(parts[3])).unwrap();
            cipher
                .decrypt_inout_detached(
                    &Nonce::try_from(&iv[..]).unwrap(),
                    parts[0].as_bytes(),
                    buf.as_mut_slice().into(),
                    &Tag::try_from(&tag[..]).unwrap(),
                )
                .unwrap();
            buf
        })
    });
    g.bench_function("jwe_decrypt", |b| {
        b.iter(|| jwe::decrypt(black_box(&big), &keys, &DecryptOptions::default()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
