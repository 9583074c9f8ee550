//! The JWS security checklist, one negative test per item, plus claim
//! validation, multi-issuer selection and the verified-token cache.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use common::*;
use serde_json::json;
use shroud_jwt::{AlgSet, Algorithm, ConfigError, Key, KeySet, Rejection, TrustedIssuer, Verifier};

const ISS: &str = "https://id.example";

fn verifier_with(keys: KeySet) -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).keys(keys))
        .audience("api")
        .build()
        .unwrap()
}

fn all_keys() -> KeySet {
    KeySet::new([hs().key("hs"), rsa().key("rs"), ec().key("es"), ed().key("ed")])
}

#[test]
fn every_algorithm_verifies_and_fills_token_info() {
    let v = verifier_with(all_keys());
    for (signer, kid) in [(&hs(), "hs"), (rsa(), "rs"), (ec(), "es"), (ed(), "ed")] {
        // One claim set: `claims()` reads the clock, which may tick between calls.
        let claims = claims();
        let t = signer.token(kid, &claims);
        let ok = v.verify(&t).unwrap_or_else(|e| panic!("{kid}: {e:?}"));
        assert_eq!(ok.claims.sub(), Some("user-1"));
        assert_eq!(ok.info.alg, signer.alg());
        assert_eq!(ok.info.kid.as_deref(), Some(kid));
        assert_eq!(ok.info.issuer.as_deref(), Some(ISS));
        assert!(!ok.info.encrypted);
        assert_eq!(ok.info.expires_at, claims["exp"].as_i64());
    }
}

#[test]
fn pem_keys_verify_their_algorithm_only() {
    let rs = Key::from_pem(rsa().pem().as_bytes(), Algorithm::RS256)
        .unwrap()
        .with_kid("rs");
    let es = Key::from_pem(ec().pem().as_bytes(), Algorithm::ES256)
        .unwrap()
        .with_kid("es");
    let edk = Key::from_pem(ed().pem().as_bytes(), Algorithm::EdDSA)
        .unwrap()
        .with_kid("ed");
    let v = verifier_with(KeySet::new([rs, es, edk]));
    for (s, kid) in [(rsa(), "rs"), (ec(), "es"), (ed(), "ed")] {
        assert!(v.verify(&s.token(kid, &claims())).is_ok(), "{kid}");
    }
    // The key type must fit the algorithm.
    assert!(Key::from_pem(rsa().pem().as_bytes(), Algorithm::ES256).is_err());
    assert!(Key::from_pem(ec().pem().as_bytes(), Algorithm::HS256).is_err());
    assert!(Key::from_pem(ec().pem().as_bytes(), Algorithm::ES384).is_err());
    assert!(Key::from_pem(ed().pem().as_bytes(), Algorithm::RS256).is_err());
    assert!(
        Key::from_pem(
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            Algorithm::RS256
        )
        .is_err()
    );
    // An RSA PEM key allowed only RS256 refuses PS256 tokens.
    let only_rs = Key::from_pem(rsa().pem().as_bytes(), Algorithm::RS256).unwrap();
    assert!(!only_rs.algorithms().contains(Algorithm::PS256));
}

#[test]
fn alg_none_is_rejected() {
    let v = verifier_with(all_keys());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = b64(json!({"alg": alg}).to_string());
        let p = b64(claims().to_string());
        for t in [format!("{h}.{p}."), format!("{h}.{p}.{}", b64(b"x"))] {
            assert_eq!(v.verify(&t).unwrap_err(), Rejection::AlgorithmNotAllowed, "{alg}");
        }
    }
}

#[test]
fn hs_rs_confusion_is_impossible() {
    // The attacker signs HS256 with the RSA public key bytes as the secret.
    let Signer::Rs(kp) = rsa() else { unreachable!() };
    use aws_lc_rs::signature::KeyPair;
    let public_der = kp.public_key().as_ref().to_vec();
    let jwk_n = rsa().jwk("rs")["n"].as_str().unwrap().as_bytes().to_vec();
    let v = verifier_with(KeySet::new([rsa().key("rs")]));
    for secret in [public_der, jwk_n] {
        let forged = Signer::Hs(secret).token("rs", &claims());
        assert_eq!(v.verify(&forged).unwrap_err(), Rejection::AlgorithmNotAllowed);
    }
    // Even when HS256 is allowed for another key, the RSA key never verifies HS256.
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).keys(KeySet::new([rsa().key("rs"), hs().key("hs")])))
        .build()
        .unwrap();
    let forged = Signer::Hs(kp.public_key().as_ref().to_vec()).token("rs", &claims());
    assert_eq!(v.verify(&forged).unwrap_err(), Rejection::UnknownKey);
}

#[test]
fn key_is_bound_to_its_configured_algorithm() {
    // An RSA key configured for PS256 only does not verify RS256.
    let mut jwk = rsa().jwk("rs");
    jwk["alg"] = json!("PS256");
    let v = verifier_with(KeySet::new([Key::from_jwk(&jwk).unwrap()]));
    assert_eq!(
        v.verify(&rsa().token("rs", &claims())).unwrap_err(),
        Rejection::AlgorithmNotAllowed
    );
}

#[test]
fn kid_is_an_opaque_lookup_key() {
    let v = verifier_with(KeySet::new([ec().key("es")]));
    for kid in [
        "../../etc/passwd",
        "' OR 1=1 --",
        "es ",
        "ES",
        "http://evil.example/key",
    ] {
        let t = ec().token(kid, &claims());
        assert_eq!(v.verify(&t).unwrap_err(), Rejection::UnknownKey, "{kid}");
    }
    // A token signed by another key under a known kid fails the signature.
    let other = Signer::Es(
        aws_lc_rs::signature::EcdsaKeyPair::generate(&aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING)
            .unwrap(),
    );
    assert_eq!(
        v.verify(&other.token("es", &claims())).unwrap_err(),
        Rejection::BadSignature
    );
}

#[test]
fn embedded_and_remote_key_headers_are_never_used() {
    // The attacker's own key, offered in every header that could carry one.
    let attacker = Signer::Es(
        aws_lc_rs::signature::EcdsaKeyPair::generate(&aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING)
            .unwrap(),
    );
    let v = verifier_with(KeySet::new([ec().key("es")]));
    let jwk = attacker.jwk("es");
    for header in [
        json!({"kid": "es", "jwk": jwk}),
        json!({"jwk": jwk}),
        json!({"kid": "es", "jku": "http://127.0.0.1:1/jwks.json"}),
        json!({"kid": "es", "x5u": "http://127.0.0.1:1/cert.pem"}),
        json!({"kid": "es", "x5c": ["MIIB"]}),
    ] {
        let t = attacker.token_with(header.clone(), &claims());
        assert_eq!(v.verify(&t).unwrap_err(), Rejection::BadSignature, "{header}");
    }
}

#[test]
fn unknown_crit_is_rejected() {
    let v = verifier_with(KeySet::new([hs().key("hs")]));
    for header in [
        json!({"kid": "hs", "crit": ["http://example.invalid/UNDEFINED"], "http://example.invalid/UNDEFINED": true}),
        json!({"kid": "hs", "crit": ["exp"], "exp": 1}),
        json!({"kid": "hs", "crit": []}),
        json!({"kid": "hs", "b64": false, "crit": ["b64"]}),
    ] {
        let t = hs().token_with(header.clone(), &claims());
        assert_eq!(v.verify(&t).unwrap_err(), Rejection::CriticalHeader, "{header}");
    }
}

#[test]
fn es256_zero_and_out_of_range_signatures_are_rejected() {
    let v = verifier_with(KeySet::new([ec().key("es")]));
    let good = ec().token("es", &claims());
    let input = &good[..good.rfind('.').unwrap()];
    // P-256 group order n.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let mut sigs: Vec<Vec<u8>> = vec![
        vec![0; 64],
        [vec![0; 32], vec![1; 32]].concat(),
        [vec![1; 32], vec![0; 32]].concat(),
    ];
    sigs.push([n.clone(), n.clone()].concat());
    sigs.push([n.clone(), vec![1; 32]].concat());
    sigs.push(vec![0xff; 64]);
    sigs.push(vec![1; 63]);
    sigs.push(vec![1; 65]);
    // A DER-encoded signature is not the JWS form.
    sigs.push(vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
    for s in sigs {
        let t = format!("{input}.{}", b64(&s));
        assert_eq!(v.verify(&t).unwrap_err(), Rejection::BadSignature, "{}", s.len());
    }
    assert!(v.verify(&good).is_ok());
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn token_size_is_capped_before_decoding() {
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .audience("api")
        .max_token_len(512)
        .build()
        .unwrap();
    let mut c = claims();
    c["pad"] = json!("x".repeat(600));
    assert_eq!(
        v.verify(&hs().token("hs", &c)).unwrap_err(),
        Rejection::TokenTooLarge
    );
    // Not even base64 is looked at.
    assert_eq!(v.verify(&"!".repeat(513)).unwrap_err(), Rejection::TokenTooLarge);
    assert!(v.verify(&hs().token("hs", &claims())).is_ok());
}

fn clocked(now: Arc<AtomicI64>) -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .leeway(Duration::from_secs(30))
        .clock(move || now.load(Ordering::SeqCst))
        .build()
        .unwrap()
}

#[test]
fn exp_nbf_iat_with_bounded_leeway() {
    let now = Arc::new(AtomicI64::new(1_000_000));
    let v = clocked(now.clone());
    let t = |c: serde_json::Value| hs().token("hs", &c);
    let base = json!({"iss": ISS});
    let with = |k: &str, val: i64| {
        let mut c = base.clone();
        c["exp"] = json!(2_000_000);
        c[k] = json!(val);
        c
    };
    // exp: valid until exp + leeway.
    assert!(v.verify(&t(with("exp", 1_000_000 - 29))).is_ok());
    assert_eq!(
        v.verify(&t(with("exp", 1_000_000 - 30))).unwrap_err(),
        Rejection::Expired
    );
    // nbf
    assert!(v.verify(&t(with("nbf", 1_000_000 + 30))).is_ok());
    assert_eq!(
        v.verify(&t(with("nbf", 1_000_000 + 31))).unwrap_err(),
        Rejection::NotYetValid
    );
    // iat not in the future
    assert!(v.verify(&t(with("iat", 1_000_000 + 30))).is_ok());
    assert_eq!(
        v.verify(&t(with("iat", 1_000_000 + 31))).unwrap_err(),
        Rejection::IssuedInFuture
    );
    // exp required by default, and must be a number
    assert_eq!(v.verify(&t(base.clone())).unwrap_err(), Rejection::MissingClaim);
    let mut c = base.clone();
    c["exp"] = json!("2000000");
    assert_eq!(v.verify(&t(c)).unwrap_err(), Rejection::InvalidClaim);
    // The clock moves: a token that was valid expires.
    let tok = t(with("exp", 1_000_100));
    assert!(v.verify(&tok).is_ok());
    now.store(1_000_130, Ordering::SeqCst);
    assert_eq!(v.verify(&tok).unwrap_err(), Rejection::Expired);
}

#[test]
fn leeway_is_bounded() {
    let r = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .leeway(Duration::from_secs(301))
        .build();
    assert_eq!(r.unwrap_err(), ConfigError::LeewayTooLarge);
}

#[test]
fn issuer_audience_type_required_claims_and_validators() {
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .audience("api")
        .audience("web")
        .typ("at+jwt")
        .require_claim("sub")
        .validator(|c| c.get_str("tenant") != Some("blocked"))
        .build()
        .unwrap();
    let at = |c: &serde_json::Value| hs().token_with(json!({"kid": "hs", "typ": "application/AT+JWT"}), c);
    assert!(v.verify(&at(&claims())).is_ok());
    let mut c = claims();
    c["aud"] = json!(["other", "web"]);
    assert!(v.verify(&at(&c)).is_ok());
    c["aud"] = json!(["other"]);
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::AudienceMismatch);
    c["aud"] = json!(7);
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::InvalidClaim);
    let mut c = claims();
    c.as_object_mut().unwrap().remove("aud");
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::MissingClaim);
    let mut c = claims();
    c.as_object_mut().unwrap().remove("sub");
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::MissingClaim);
    let mut c = claims();
    c["tenant"] = json!("blocked");
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::ValidatorFailed);
    let mut c = claims();
    c["iss"] = json!("https://evil.example");
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::UnknownIssuer);
    c["iss"] = json!(5);
    assert_eq!(v.verify(&at(&c)).unwrap_err(), Rejection::InvalidClaim);
    // typ: missing or other
    assert_eq!(
        v.verify(&hs().token_with(json!({"kid": "hs"}), &claims()))
            .unwrap_err(),
        Rejection::WrongType
    );
    assert_eq!(
        v.verify(&hs().token("hs", &claims())).unwrap_err(),
        Rejection::WrongType
    );
}

#[test]
fn algorithm_allow_list() {
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).keys(all_keys()))
        .audience("api")
        .algorithms(AlgSet::from_iter([Algorithm::ES256]))
        .build()
        .unwrap();
    assert!(v.verify(&ec().token("es", &claims())).is_ok());
    for (s, kid) in [(&hs(), "hs"), (rsa(), "rs"), (ed(), "ed")] {
        assert_eq!(
            v.verify(&s.token(kid, &claims())).unwrap_err(),
            Rejection::AlgorithmNotAllowed
        );
    }
    let none = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .algorithms(AlgSet::from_iter([Algorithm::ES256]))
        .build();
    assert_eq!(none.unwrap_err(), ConfigError::NoAlgorithm);
}

#[test]
fn multi_issuer_selects_keys_by_unverified_iss() {
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new("https://a.example").key(rsa().key("a")))
        .issuer(
            TrustedIssuer::new("https://b.example")
                .key(ec().key("b"))
                .audiences(["b-api"]),
        )
        .audience("api")
        .build()
        .unwrap();
    let mut a = claims();
    a["iss"] = json!("https://a.example");
    let mut b = claims();
    b["iss"] = json!("https://b.example");
    b["aud"] = json!("b-api");
    assert_eq!(
        v.verify(&rsa().token("a", &a)).unwrap().info.issuer.as_deref(),
        Some("https://a.example")
    );
    assert_eq!(
        v.verify(&ec().token("b", &b)).unwrap().info.issuer.as_deref(),
        Some("https://b.example")
    );
    // Tenant A's key cannot vouch for tenant B's issuer, nor the reverse.
    assert_eq!(
        v.verify(&rsa().token("a", &b)).unwrap_err(),
        Rejection::UnknownKey
    );
    assert!(v.verify(&ec().token("b", &a)).is_err());
    let mut c = claims();
    c["iss"] = json!("https://c.example");
    assert_eq!(
        v.verify(&rsa().token("a", &c)).unwrap_err(),
        Rejection::UnknownIssuer
    );
    // Per-issuer audiences replace the default.
    let mut b2 = b.clone();
    b2["aud"] = json!("api");
    assert_eq!(
        v.verify(&ec().token("b", &b2)).unwrap_err(),
        Rejection::AudienceMismatch
    );
    assert_eq!(
        Verifier::builder()
            .issuer(TrustedIssuer::new("x").key(hs().key("1")))
            .issuer(TrustedIssuer::new("x").key(hs().key("2")))
            .build()
            .unwrap_err(),
        ConfigError::DuplicateIssuer
    );
}

#[test]
fn tampered_tokens_are_rejected() {
    let v = verifier_with(all_keys());
    for (s, kid) in [(&hs(), "hs"), (rsa(), "rs"), (ec(), "es"), (ed(), "ed")] {
        let t = s.token(kid, &claims());
        let (input, sig) = t.rsplit_once('.').unwrap();
        let (h, _) = input.split_once('.').unwrap();
        let mut c = claims();
        c["sub"] = json!("admin");
        let swapped = format!("{h}.{}.{sig}", b64(c.to_string()));
        assert_eq!(v.verify(&swapped).unwrap_err(), Rejection::BadSignature, "{kid}");
        assert_eq!(
            v.verify(&format!("{input}.")).unwrap_err(),
            Rejection::BadSignature,
            "{kid}"
        );
        assert_eq!(
            v.verify(&format!("{input}.{sig}=")).unwrap_err(),
            Rejection::Malformed,
            "{kid}"
        );
        assert_eq!(
            v.verify(&format!("{input}.{sig}.x")).unwrap_err(),
            Rejection::Malformed,
            "{kid}"
        );
        assert_eq!(
            v.verify(&format!("{t} ")).unwrap_err(),
            Rejection::Malformed,
            "{kid}"
        );
    }
}

#[test]
fn encrypted_tokens_are_refused_by_a_signature_verifier() {
    let v = verifier_with(all_keys());
    assert_eq!(
        v.verify("eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aaaa.bbbb.cccc")
            .unwrap_err(),
        Rejection::EncryptedToken
    );
}

#[test]
fn cache_serves_repeats_and_respects_expiry() {
    let now = Arc::new(AtomicI64::new(1_000_000));
    let n = now.clone();
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(rsa().key("rs")))
        .leeway(Duration::ZERO)
        .clock(move || n.load(Ordering::SeqCst))
        .cache(100)
        .build()
        .unwrap();
    let t = rsa().token("rs", &json!({"iss": ISS, "exp": 1_000_010, "sub": "s"}));
    let first = v.verify(&t).unwrap();
    let second = v.verify(&t).unwrap();
    assert_eq!(first.claims, second.claims);
    assert_eq!(second.info.alg, "RS256");
    // A different (tampered) token is not a hit.
    let (input, _) = t.rsplit_once('.').unwrap();
    assert_eq!(
        v.verify(&format!("{input}.AAAA")).unwrap_err(),
        Rejection::BadSignature
    );
    // An expired token is refused even though it was cached.
    now.store(1_000_010, Ordering::SeqCst);
    assert_eq!(v.verify(&t).unwrap_err(), Rejection::Expired);
}

/// A token carrying `aud` is refused by a verifier that names no audience
/// (RFC 7519 §4.1.3): it was minted for some service, perhaps another one
/// trusting the same issuer. `any_audience` is the explicit opt-out.
#[test]
fn an_audience_the_verifier_does_not_name_is_refused() {
    let base = || Verifier::builder().issuer(TrustedIssuer::new(ISS).key(hs().key("hs")));
    let strict = base().build().unwrap();
    let mut c = claims();
    c["aud"] = json!("billing-api");
    assert_eq!(
        strict.verify(&hs().token("hs", &c)).unwrap_err(),
        Rejection::AudienceMismatch
    );
    c["aud"] = json!([]);
    assert_eq!(
        strict.verify(&hs().token("hs", &c)).unwrap_err(),
        Rejection::AudienceMismatch
    );
    c.as_object_mut().unwrap().remove("aud");
    assert!(strict.verify(&hs().token("hs", &c)).is_ok());

    let lax = base().any_audience(true).build().unwrap();
    c["aud"] = json!("billing-api");
    assert!(lax.verify(&hs().token("hs", &c)).is_ok());
    // An issuer's own list still decides for its tokens.
    let per_issuer = Verifier::builder()
        .issuer(
            TrustedIssuer::new(ISS)
                .key(hs().key("hs"))
                .audiences(["billing-api"]),
        )
        .build()
        .unwrap();
    assert!(per_issuer.verify(&hs().token("hs", &c)).is_ok());
}

/// Custom validators see every presentation, cached or not: a replay set
/// refuses the second use of a token the cache holds.
#[test]
fn validators_run_on_cache_hits() {
    let seen = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let s = seen.clone();
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(hs().key("hs")))
        .audience("api")
        .cache(100)
        .validator(move |c| {
            let jti = c.get_str("jti").unwrap_or_default().to_owned();
            s.lock().unwrap().insert(jti)
        })
        .build()
        .unwrap();
    let mut c = claims();
    c["jti"] = json!("once-1");
    let t = hs().token("hs", &c);
    assert!(v.verify(&t).is_ok());
    assert_eq!(v.verify(&t).unwrap_err(), Rejection::ValidatorFailed);
    c["jti"] = json!("once-2");
    assert!(v.verify(&hs().token("hs", &c)).is_ok());
}

/// `TokenInfo::kid` names the key that verified the token, never the
/// header's `kid`, which the sender picks: a key without an id matches any.
#[test]
fn token_info_kid_is_the_verifying_keys() {
    let anonymous = Key::hmac(SECRET, Algorithm::HS256).unwrap();
    let v = verifier_with(KeySet::new([anonymous]));
    let info = v.verify(&hs().token("admin-2026", &claims())).unwrap().info;
    assert_eq!(info.kid, None);
    let v = verifier_with(KeySet::new([hs().key("hs")]));
    let info = v.verify(&hs().token("hs", &claims())).unwrap().info;
    assert_eq!(info.kid.as_deref(), Some("hs"));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn b64_parts() -> impl Strategy<Value = String> {
        let json = prop_oneof![
            Just(r#"{"alg":"HS256","kid":"hs"}"#.to_owned()),
            Just(r#"{"alg":"ES256"}"#.to_owned()),
            "\\{(\"[a-z]{1,4}\":(\"[A-Za-z0-9]{0,8}\"|-?[0-9]{1,12}|\\[\\]|\\{\\}|null|true),?){0,6}\\}",
            ".{0,40}",
        ];
        (json.clone(), json, proptest::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(h, p, s)| format!("{}.{}.{}", b64(h), b64(p), b64(s)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn verifier_never_panics_and_never_accepts_garbage(token in prop_oneof![b64_parts(), ".{0,300}"]) {
            let v = verifier_with(all_keys());
            prop_assert!(v.verify(&token).is_err());
            let set = all_keys();
            prop_assert!(set.verify_jws(&token).is_err());
        }
    }
}
