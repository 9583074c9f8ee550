//! The whole stack against the bare service, in one run: a JSON endpoint
//! (2 KiB body with personal data) called with `oneshot` and its body read to
//! the end.
//!
//! - `bare`: the service alone;
//! - `stack/hs256`: trace -> JWT (HS256, cache off) -> authorization rule ->
//!   anonymize -> redact -> the service;
//! - `stack/rs256_cached`: the same with an RS256 token and the verified-token
//!   cache on (the steady state of a client reusing its token).
//!
//! - `part/*`: the parts of the HS256 stack alone;
//! - `floor/*`: what any middleware doing this job with the standard crates
//!   pays at least, with no detection, anonymization or tracing: the HS256
//!   token verified by a bare `jsonwebtoken::decode` (issuer and audience
//!   checked), and the whole response body read once by serde_json's
//!   validating tokenizer (`from_slice::<IgnoredAny>`), apart and together.
//!
//! No tracing subscriber is installed: spans are created and dropped
//! disabled, as in a service that logs at `warn`.
//!
//! `cargo bench -p shroud --bench stack -- --warm-up-time 1 --measurement-time 3`

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::{BodyExt, Empty, Full};
use serde_json::json;
use shroud::{Config, Stack};
use tower::{Service, ServiceBuilder, ServiceExt};

const SECRET_B64: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";

/// About 2 KiB of JSON: user records with emails, phones, cards, addresses.
fn body() -> Bytes {
    let users: Vec<_> = (0..12)
        .map(|i| {
            json!({
                "id": i,
                "email": format!("user{i}@example.com"),
                "phone": "+1 415 555 0134",
                "card": "4111 1111 1111 1111",
                "address": {"street": "1 Market Street", "city": "San Francisco"},
                "plan": "pro",
            })
        })
        .collect();
    let b = serde_json::to_vec(&json!({ "users": users })).expect("JSON");
    assert!((1800..2300).contains(&b.len()), "{}", b.len());
    Bytes::from(b)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn claims() -> serde_json::Value {
    json!({
        "iss": "https://id.example", "aud": "api", "sub": "jane@example.com",
        "email": "jane@example.com", "name": "Jane Doe", "scope": "users:read",
        "iat": now(), "exp": now() + 3600,
    })
}

fn jws(alg: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let head = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    let input = format!("{head}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(sign(input.as_bytes()));
    format!("{input}.{sig}")
}

fn config(key: &str, cache: usize) -> Config {
    Config::from_toml(&format!(
        r#"
        [keys]
        pseudonym = {{ id = "k1", value = "base64:{SECRET_B64}" }}
        [jwt]
        [[jwt.issuers]]
        issuer = "https://id.example"
        keys = [{key}]
        [jwt.validation]
        audiences = ["api"]
        [jwt.cache]
        entries = {cache}
        [[jwt.authorization]]
        path_prefix = "/users"
        scopes = ["users:read"]
        [anonymize]
        default = "drop"
        rules = [{{ claim = "sub", action = "pseudonymize" }}, {{ claim = "scope", action = "keep" }}]
        [redact]
        keys = [{{ key = "email", action = "mask" }}, {{ key = "street", action = "redact" }}]
        [trace]
        "#
    ))
    .expect("config")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let body = body();
    let handler = move |_req: Request<Empty<Bytes>>| {
        let body = body.clone();
        async move {
            Ok::<_, Infallible>(
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Full::new(body))
                    .expect("response"),
            )
        }
    };

    // HS256.
    let hs_token = {
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let secret = URL_SAFE_NO_PAD.decode(SECRET_B64).expect("b64");
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .expect("sign")
    };
    let hs_key = format!(r#"{{ format = "hmac", alg = "HS256", value = "base64:{SECRET_B64}" }}"#);

    // RS256, 2048-bit key generated now.
    let rsa = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
    let rs_token = jws("RS256", |m| {
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        rsa.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            m,
            &mut sig,
        )
        .expect("sign");
        sig
    });
    let spki = aws_lc_rs::signature::KeyPair::public_key(&rsa)
        .as_der()
        .expect("SPKI");
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(spki.as_ref())
    );
    let rs_key = format!(r#"{{ format = "pem", alg = "RS256", value = """{pem}""" }}"#);

    let mut group = c.benchmark_group("stack");
    let bare = ServiceBuilder::new().service_fn(handler.clone());
    group.bench_function("bare", |b| {
        b.iter(|| {
            rt.block_on(async {
                let res = bare.clone().oneshot(request(None)).await.expect("infallible");
                black_box(res.into_body().collect().await.expect("body").to_bytes().len())
            })
        })
    });
    for (name, key, token, cache) in [
        ("stack/hs256", &hs_key, &hs_token, 0),
        ("stack/rs256_cached", &rs_key, &rs_token, 4096),
    ] {
        let stack = Stack::from_config(&config(key, cache)).expect("stack");
        let svc = ServiceBuilder::new().layer(stack).service_fn(handler.clone());
        // The stack does answer 200 with a redacted body.
        rt.block_on(async {
            let res = svc
                .clone()
                .oneshot(request(Some(token)))
                .await
                .expect("infallible");
            assert_eq!(res.status(), 200, "{name}");
            let out = res.into_body().collect().await.expect("body").to_bytes();
            assert!(
                !out.windows(16).any(|w| w == b"user1@example.co"),
                "{name} redacts"
            );
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut svc = svc.clone();
                    let res = svc
                        .ready()
                        .await
                        .expect("ready")
                        .call(request(Some(token)))
                        .await
                        .expect("infallible");
                    black_box(res.into_body().collect().await.expect("body").to_bytes().len())
                })
            })
        });
    }

    // Where the time goes: the parts of the HS256 stack alone.
    let full = Stack::from_config(&config(&hs_key, 0)).expect("stack");
    let jwt = full.jwt().expect("jwt").clone();
    let anon = full.anonymize().expect("anonymize").clone();
    let redact = full.redact().expect("redact").clone();
    let parts = [
        ("part/jwt_hs256", Stack::builder().jwt(jwt.clone()).build(), true),
        (
            "part/jwt_hs256_anonymize",
            Stack::builder().jwt(jwt).anonymize(anon).build(),
            true,
        ),
        ("part/redact", Stack::builder().redact(redact).build(), false),
        (
            "part/trace",
            Stack::builder()
                .trace(shroud::trace::http_trace_layer(
                    shroud::trace::TracePolicy::default(),
                ))
                .build(),
            false,
        ),
    ];
    for (name, stack, authed) in parts {
        let svc = ServiceBuilder::new().layer(stack).service_fn(handler.clone());
        let token = authed.then_some(hs_token.as_str());
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let res = svc.clone().oneshot(request(token)).await.expect("infallible");
                    black_box(res.into_body().collect().await.expect("body").to_bytes().len())
                })
            })
        });
    }

    // The floor: a bare `jsonwebtoken::decode` of the same token and one
    // pass of serde_json's validating tokenizer over the same body.
    let secret = URL_SAFE_NO_PAD.decode(SECRET_B64).expect("b64");
    let key = jsonwebtoken::DecodingKey::from_secret(&secret);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["api"]);
    validation.set_issuer(&["https://id.example"]);
    for (name, verify, tokenize) in [
        ("floor/jsonwebtoken", true, false),
        ("floor/tokenize_body", false, true),
        ("floor/jsonwebtoken_and_tokenize_body", true, true),
    ] {
        // Shared, so that cloning the service per call costs what cloning
        // the stack does (a reference count), not a key and a validation.
        let (handler, check) = (handler.clone(), Arc::new((key.clone(), validation.clone())));
        let svc = tower::service_fn(move |req: Request<Empty<Bytes>>| {
            let (key, validation) = &*check;
            let verified = !verify
                || req
                    .headers()
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .is_some_and(|t| {
                        jsonwebtoken::decode::<serde::de::IgnoredAny>(t, key, validation).is_ok()
                    });
            assert!(verified, "the floor verifies the token");
            let res = handler(req);
            async move {
                let res = res.await?;
                if !tokenize {
                    return Ok::<_, Infallible>(res);
                }
                let (parts, body) = res.into_parts();
                let bytes = body.collect().await.expect("body").to_bytes();
                serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).expect("JSON");
                Ok(Response::from_parts(parts, Full::new(bytes)))
            }
        });
        let token = verify.then_some(hs_token.as_str());
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let res = svc.clone().oneshot(request(token)).await.expect("infallible");
                    black_box(res.into_body().collect().await.expect("body").to_bytes().len())
                })
            })
        });
    }
    group.finish();
}

fn request(token: Option<&str>) -> Request<Empty<Bytes>> {
    let mut req = Request::get("/users");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(Empty::new()).expect("request")
}

criterion_group!(benches, bench);
criterion_main!(benches);
