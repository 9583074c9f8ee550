//! Anonymizing a typical token's claims, and the HMAC pseudonym against a
//! bare HMAC-SHA256 in the same run.
#![allow(missing_docs)]

use std::hint::black_box;

use base64::Engine as _;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use shroud_anon::{AnonPolicy, DefaultAction};
use shroud_core::{Generalize, Kind, Mask, Pseudonymizer, SecretKey, Strategy};

#[path = "../../../benches/support/interleave.rs"]
mod interleave;

/// 12 claims, 4 of them personal data (sub, email, name, birthdate).
fn token_claims() -> Map<String, Value> {
    let Value::Object(m) = json!({
        "iss": "https://id.example.com",
        "sub": "248289761001",
        "aud": ["orders-api", "web"],
        "exp": 1_900_000_000,
        "iat": 1_899_999_400,
        "nbf": 1_899_999_400,
        "jti": "8b9f1c2e-4d6a-4f5b-9e3c-7a1d2b3c4d5e",
        "email": "jane.roe@example.com",
        "name": "Jane Roe",
        "birthdate": "1990-05-17",
        "scope": "orders:read orders:write profile",
        "roles": ["customer", "beta"],
    }) else {
        unreachable!()
    };
    m
}

fn pseudonymizer() -> Pseudonymizer {
    Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap())
}

fn policy(detectors: bool) -> AnonPolicy {
    let mut b = AnonPolicy::builder()
        .pseudonymizer(pseudonymizer())
        .default_action(DefaultAction::Keep)
        .claim(
            "sub",
            Strategy::Pseudonymize {
                domain: Some("person".into()),
            },
        )
        .claim("email", Strategy::Pseudonymize { domain: None })
        .claim("name", Strategy::Mask(Mask::default()))
        .claim("birthdate", Strategy::Generalize(Generalize::Year));
    if detectors {
        b = b
            .detect(Kind::Email, Strategy::Redact { text: None })
            .detect(Kind::PaymentCard, Strategy::Redact { text: None });
    }
    b.build().unwrap()
}

fn anonymize(c: &mut Criterion) {
    let claims = token_claims();
    let mut g = c.benchmark_group("anonymize_12_claims_4_pii");
    // What any anonymizer that returns a new claim set pays at least.
    g.bench_function("baseline_clone_map", |b| b.iter(|| black_box(&claims).clone()));
    let plain = policy(false);
    g.bench_function("rules", |b| b.iter(|| plain.apply(black_box(&claims))));
    // The layer's path when it owns the claims: in place, the copy made in
    // the (untimed) setup.
    g.bench_function("rules_in_place", |b| {
        b.iter_batched(
            || claims.clone(),
            |mut m| {
                plain.apply_in_place(&mut m);
                m
            },
            BatchSize::SmallInput,
        )
    });
    let detect = policy(true);
    g.bench_function("rules_and_detectors", |b| {
        b.iter(|| detect.apply(black_box(&claims)))
    });
    g.bench_function("rules_and_caller_id", |b| {
        b.iter(|| {
            (
                plain.apply(black_box(&claims)),
                plain.caller_id(black_box(&claims)),
            )
        })
    });
    g.finish();
}

fn pseudonym_vs_hmac(c: &mut Criterion) {
    let value = b"jane.roe@example.com";
    let p = pseudonymizer();
    // The baseline: HMAC-SHA256 over the same bytes with a prepared key, as
    // any keyed-hash pseudonym needs at least.
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).unwrap();
    let mut g = c.benchmark_group("pseudonym");
    g.bench_function("shroud_pseudonymize", |b| {
        b.iter(|| p.pseudonymize(black_box("email"), black_box(value)))
    });
    g.bench_function("shroud_pseudonym_no_alloc", |b| {
        b.iter(|| p.pseudonym(black_box("email"), black_box(value)))
    });
    // The active key bound to the domain once, as the policy does for each
    // top-level pseudonymize rule and for the caller id.
    let bound = p.for_domain("email");
    g.bench_function("shroud_bound_domain_no_alloc", |b| {
        b.iter(|| bound.pseudonym(black_box(value)))
    });
    g.bench_function("shroud_bound_domain_string", |b| {
        b.iter(|| bound.pseudonymize(black_box(value)))
    });
    g.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut m = mac.clone();
            m.update(black_box(value));
            m.finalize().into_bytes()
        })
    });
    // The same HMAC with the output a pseudonym needs: the domain bound in,
    // a 16-byte tag base64url-encoded into a new String.
    g.bench_function("hmac_sha256_domain_base64url_string", |b| {
        b.iter(|| {
            let mut m = mac.clone();
            let domain = black_box("email");
            m.update(&(domain.len() as u64).to_be_bytes());
            m.update(domain.as_bytes());
            m.update(black_box(value));
            let tag = m.finalize().into_bytes();
            let mut out = String::with_capacity(40);
            out.push_str("ps1.k2026.");
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(&tag[..16], &mut out);
            out
        })
    });
    g.finish();

    // The bound-domain pseudonym and the bare HMAC interleaved: batches of
    // 256 of each, taking turns at going first, their time ratio reported
    // with 1 ns = 0.001x (this machine's speed drifts too much between two
    // sequential measurements for a 1.2x comparison).
    let mut g = c.benchmark_group("pseudonym_ratio_x1000");
    g.bench_function("bound_domain_over_bare_hmac", |b| {
        b.iter_custom(|iters| {
            interleave::ratio_x1000(
                iters,
                256,
                |n| {
                    for _ in 0..n {
                        let mut m = mac.clone();
                        m.update(black_box(value));
                        black_box(m.finalize().into_bytes());
                    }
                },
                |n| {
                    for _ in 0..n {
                        black_box(bound.pseudonym(black_box(value)));
                    }
                },
            )
        })
    });
    g.finish();
}

criterion_group!(benches, anonymize, pseudonym_vs_hmac);
criterion_main!(benches);
