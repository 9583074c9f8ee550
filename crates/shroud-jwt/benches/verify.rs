//! The full layer call against a bare `jsonwebtoken::decode` of the same
//! token, per algorithm; the verified-token cache; and jsonwebtoken's two
//! crypto backends side by side.
//!
//! `cargo bench -p shroud-jwt --bench verify -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use aws_lc_rs::{hmac, rsa::KeySize};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use jsonwebtoken::crypto::{aws_lc, rust_crypto};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use shroud_jwt::{JwtLayer, Key, TrustedIssuer, Verifier};
use tower::{Service, ServiceExt};

fn b64(b: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

const SECRET: &[u8] = b"a-benchmark-secret-of-32-bytes!!";

struct Case {
    name: &'static str,
    alg: Algorithm,
    token: String,
    jwk: Value,
    decoding: DecodingKey,
}

fn claims() -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    // About 600 bytes once signed with HS256.
    json!({
        "iss": "https://id.example.com/realms/main", "sub": "248289761001", "aud": ["api", "web"],
        "exp": now + 3600, "iat": now - 5, "nbf": now - 5, "jti": "b7d3c0a2-6f7e-4f5e-9d1a-2f6c3e9b8a71",
        "scope": "openid profile email orders:read orders:write", "roles": ["reader", "writer"],
        "email": "jane.roe@example.com", "name": "Jane Roe", "tenant": "acme",
        "azp": "web-frontend", "sid": "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab"
    })
}

fn token(alg: &str, kid: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        b64(json!({"alg": alg, "typ": "JWT", "kid": kid}).to_string()),
        b64(claims().to_string())
    );
    let s = sign(input.as_bytes());
    format!("{input}.{}", b64(s))
}

fn cases() -> Vec<Case> {
    let rng = SystemRandom::new();
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let rc = RsaPublicKeyComponents::<Vec<u8>>::from(rsa.public_key());
    let ec = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let ep = ec.public_key().as_ref().to_vec();
    let ed = Ed25519KeyPair::generate().unwrap();
    let edp = ed.public_key().as_ref().to_vec();
    vec![
        Case {
            name: "HS256",
            alg: Algorithm::HS256,
            token: token("HS256", "k", |m| {
                hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET), m)
                    .as_ref()
                    .to_vec()
            }),
            jwk: json!({"kty": "oct", "kid": "k", "alg": "HS256", "k": b64(SECRET)}),
            decoding: DecodingKey::from_secret(SECRET),
        },
        Case {
            name: "RS256",
            alg: Algorithm::RS256,
            token: token("RS256", "k", |m| {
                let mut out = vec![0; rsa.public_modulus_len()];
                rsa.sign(&sig::RSA_PKCS1_SHA256, &rng, m, &mut out).unwrap();
                out
            }),
            jwk: json!({"kty": "RSA", "kid": "k", "alg": "RS256", "n": b64(&rc.n), "e": b64(&rc.e)}),
            decoding: DecodingKey::from_rsa_raw_components(&rc.n, &rc.e),
        },
        Case {
            name: "ES256",
            alg: Algorithm::ES256,
            token: token("ES256", "k", |m| ec.sign(&rng, m).unwrap().as_ref().to_vec()),
            jwk: json!({"kty": "EC", "crv": "P-256", "kid": "k", "x": b64(&ep[1..33]), "y": b64(&ep[33..])}),
            decoding: DecodingKey::from_ec_components(&b64(&ep[1..33]), &b64(&ep[33..])).unwrap(),
        },
        Case {
            name: "EdDSA",
            alg: Algorithm::EdDSA,
            token: token("EdDSA", "k", |m| ed.sign(m).as_ref().to_vec()),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": b64(&edp)}),
            decoding: DecodingKey::from_ed_der(&edp),
        },
    ]
}

/// Polls a future that completes without waiting (the inner service is
/// immediate and the keys are static).
fn now_or_never<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the layer waited"),
    }
}

fn layer_service(
    case: &Case,
    cache: usize,
) -> impl Service<Request<()>, Response = Response<shroud_jwt::JwtBody<String>>, Error = Infallible> + Clone {
    let verifier = Verifier::builder()
        .issuer(
            TrustedIssuer::new("https://id.example.com/realms/main").key(Key::from_jwk(&case.jwk).unwrap()),
        )
        .audience("api")
        .cache(cache)
        .build()
        .unwrap();
    tower::ServiceBuilder::new()
        .layer(JwtLayer::new(verifier))
        .service_fn(|_req: Request<()>| async { Ok::<_, Infallible>(Response::new(String::new())) })
}

fn request(token: &str) -> Request<()> {
    Request::get("/")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
}

fn bench(c: &mut Criterion) {
    // Both jsonwebtoken backends are compiled in for the comparison below,
    // so the process-wide default must be chosen explicitly.
    let _ = aws_lc::DEFAULT_PROVIDER.install_default();
    let cases = cases();
    for case in &cases {
        let mut g = c.benchmark_group(format!("verify/{}", case.name));
        let mut validation = Validation::new(case.alg);
        validation.set_audience(&["api"]);
        validation.set_issuer(&["https://id.example.com/realms/main"]);
        assert!(jsonwebtoken::decode::<Value>(&case.token, &case.decoding, &validation).is_ok());
        g.bench_function("jsonwebtoken_decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<Value>(black_box(&case.token), &case.decoding, &validation).unwrap()
            })
        });
        let svc = layer_service(case, 0);
        let res = now_or_never(svc.clone().oneshot(request(&case.token))).unwrap();
        assert_eq!(res.status(), 200);
        g.bench_function("jwt_layer", |b| {
            b.iter_batched(
                || request(&case.token),
                |req| now_or_never(svc.clone().oneshot(req)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let cached = layer_service(case, 1024);
        g.bench_function("jwt_layer_cache_hit", |b| {
            b.iter_batched(
                || request(&case.token),
                |req| now_or_never(cached.clone().oneshot(req)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let verifier = Verifier::builder()
            .issuer(
                TrustedIssuer::new("https://id.example.com/realms/main")
                    .key(Key::from_jwk(&case.jwk).unwrap()),
            )
            .audience("api")
            .cache(1024)
            .build()
            .unwrap();
        g.bench_function("verifier_cache_hit", |b| {
            b.iter(|| verifier.verify(black_box(&case.token)).unwrap())
        });
        let bare = tower::service_fn(|_req: Request<()>| async {
            Ok::<_, Infallible>(Response::new(String::new()))
        });
        g.bench_function("trivial_service_alone", |b| {
            b.iter_batched(
                || request(&case.token),
                |req| now_or_never(bare.oneshot(req)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("layer_overhead_missing_token", |b| {
            b.iter_batched(
                || Request::get("/").body(()).unwrap(),
                |req| now_or_never(svc.clone().oneshot(req)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }

    // jsonwebtoken's backends: signature verification alone, key prepared once.
    let mut g = c.benchmark_group("backend");
    for case in &cases {
        let (input, sig) = case.token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        for (name, provider) in [
            ("aws_lc_rs", &aws_lc::DEFAULT_PROVIDER),
            ("rust_crypto", &rust_crypto::DEFAULT_PROVIDER),
        ] {
            let verifier = (provider.verifier_factory)(&case.alg, &case.decoding).unwrap();
            assert!(
                verifier.verify(input.as_bytes(), &sig).is_ok(),
                "{name} {}",
                case.name
            );
            g.bench_function(format!("{}/{name}", case.name), |b| {
                b.iter(|| {
                    verifier
                        .verify(black_box(input.as_bytes()), black_box(&sig))
                        .unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
