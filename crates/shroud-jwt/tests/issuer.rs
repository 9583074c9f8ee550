//! The mint side: tokens from `Issuer` verify with shroud's own `Verifier`
//! and `JwtLayer`; misuse is refused at build time or at mint time.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Signer, now};
use http::{Request, StatusCode};
use serde_json::{Map, Value, json};
use shroud_jwt::{
    Algorithm, Claims, ClaimsTransform, Issuer, IssuerError, JwtLayer, Key, KeyError, MintError, Rejection,
    SigningKey, TransformError, TrustedIssuer, Verifier,
};
use tower::{ServiceBuilder, ServiceExt};

const ISS: &str = "https://id.example";
const SECRET: &[u8] = b"an-issuer-secret-of-32-bytes-min";

fn hs_issuer() -> shroud_jwt::IssuerBuilder {
    Issuer::builder()
        .signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap().with_kid("hs"))
        .issuer(ISS)
        .audience("api")
}

fn verifier(key: Key) -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(key))
        .audience("api")
        .build()
        .unwrap()
}

fn segments(token: &str) -> Vec<Value> {
    token
        .split('.')
        .take(2)
        .map(|s| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap())
        .collect()
}

#[test]
fn every_algorithm_round_trips_through_the_verifier_from_private_jwks() {
    let rsa = common::rsa();
    let ec = common::ec();
    let ed = common::ed();
    let cases: Vec<(&Signer, Algorithm)> = vec![
        (rsa, Algorithm::RS256),
        (rsa, Algorithm::RS384),
        (rsa, Algorithm::RS512),
        (rsa, Algorithm::PS256),
        (rsa, Algorithm::PS384),
        (rsa, Algorithm::PS512),
        (ec, Algorithm::ES256),
        (ed, Algorithm::EdDSA),
    ];
    for (signer, alg) in cases {
        let key = SigningKey::from_jwk(&signer.private_jwk("k1"), Some(alg)).unwrap();
        assert_eq!(key.kid(), Some("k1"));
        let issuer = Issuer::builder()
            .signing_key(key)
            .issuer(ISS)
            .audience("api")
            .build()
            .unwrap();
        let token = issuer.mint(&json!({"sub": "user-1", "scope": "a b"})).unwrap();
        let public = Key::from_jwk(&signer.jwk("k1")).unwrap();
        let verified = verifier(public)
            .verify(&token)
            .unwrap_or_else(|r| panic!("{alg:?}: {r:?}"));
        assert_eq!(verified.claims.sub(), Some("user-1"));
        assert_eq!(verified.info.alg, shroud_jwt::alg_name(alg));
        let header = &segments(&token)[0];
        assert_eq!(
            header,
            &json!({"alg": shroud_jwt::alg_name(alg), "typ": "JWT", "kid": "k1"})
        );
    }
}

#[test]
fn hmac_sizes_round_trip() {
    for (alg, len) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let secret = vec![7u8; len];
        let issuer = Issuer::builder()
            .signing_key(SigningKey::hmac(&secret, alg).unwrap())
            .issuer(ISS)
            .audience("api")
            .build()
            .unwrap();
        let token = issuer.mint(&json!({"sub": "s"})).unwrap();
        let v = verifier(Key::hmac(&secret, alg).unwrap()).verify(&token).unwrap();
        assert_eq!(v.claims.sub(), Some("s"));
        let wrong = verifier(Key::hmac(&[8u8; 64][..len], alg).unwrap()).verify(&token);
        assert_eq!(wrong.unwrap_err(), Rejection::BadSignature);
    }
}

#[test]
fn pem_and_encoding_keys_are_accepted() {
    for (signer, alg) in [
        (common::rsa(), Algorithm::RS256),
        (common::ec(), Algorithm::ES256),
        (common::ed(), Algorithm::EdDSA),
    ] {
        let pem = signer.private_pem();
        let from_pem = SigningKey::from_pem(pem.as_bytes(), alg).unwrap();
        let ek = match alg {
            Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()),
            Algorithm::ES256 => jsonwebtoken::EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_ed_pem(pem.as_bytes()),
        }
        .unwrap();
        let from_ek = SigningKey::from_encoding_key(&ek, alg).unwrap();
        for key in [from_pem, from_ek] {
            let issuer = Issuer::builder().signing_key(key).build().unwrap();
            let token = issuer.mint(&json!({"sub": "p"})).unwrap();
            let v = Verifier::builder()
                .issuer(TrustedIssuer::any().key(Key::from_pem(signer.pem().as_bytes(), alg).unwrap()))
                .build()
                .unwrap();
            assert_eq!(v.verify(&token).unwrap().claims.sub(), Some("p"));
        }
        // The PEM of another key type is refused for this algorithm.
        let other = if alg == Algorithm::ES256 {
            Algorithm::RS256
        } else {
            Algorithm::ES256
        };
        assert!(
            SigningKey::from_pem(pem.as_bytes(), other).is_err(),
            "{alg:?} PEM as {other:?}"
        );
    }
    assert_eq!(
        SigningKey::from_pem(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            Algorithm::RS256
        )
        .unwrap_err(),
        KeyError::Pem
    );
    assert!(matches!(
        SigningKey::from_pem(b"x", Algorithm::HS256),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
}

#[test]
fn the_issuer_sets_registered_claims_from_its_clock() {
    let issuer = hs_issuer()
        .clock(|| 1_800_000_000)
        .lifetime(Duration::from_secs(120))
        .not_before(true)
        .build()
        .unwrap();
    let token = issuer.mint(&json!({"sub": "u", "roles": ["a"]})).unwrap();
    let claims = &segments(&token)[1];
    assert_eq!(claims["iat"], 1_800_000_000);
    assert_eq!(claims["nbf"], 1_800_000_000);
    assert_eq!(claims["exp"], 1_800_000_120);
    assert_eq!(claims["iss"], ISS);
    assert_eq!(claims["aud"], "api");
    assert_eq!(claims["roles"], json!(["a"]));
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(jti).unwrap().len(), 16);
    let again = segments(&issuer.mint(&json!({"sub": "u"})).unwrap())[1]["jti"].clone();
    assert_ne!(again, json!(jti), "jti is random per token");

    let two = hs_issuer().audience("admin").jti(false).build().unwrap();
    let claims = &segments(&two.mint(&json!({})).unwrap())[1];
    assert_eq!(claims["aud"], json!(["api", "admin"]));
    assert!(claims.get("jti").is_none() && claims.get("nbf").is_none());
}

#[test]
fn typed_claims_and_maps_are_accepted_and_other_values_refused() {
    #[derive(serde::Serialize)]
    struct Mine<'a> {
        sub: &'a str,
        tenant: u32,
    }
    let issuer = hs_issuer().build().unwrap();
    let token = issuer.mint(&Mine { sub: "t", tenant: 7 }).unwrap();
    assert_eq!(segments(&token)[1]["tenant"], 7);
    let mut map = Map::new();
    map.insert("sub".into(), "m".into());
    assert_eq!(segments(&issuer.mint_map(map).unwrap())[1]["sub"], "m");
    for bad in [json!("string"), json!([1, 2]), json!(null), json!(3)] {
        assert_eq!(issuer.mint(&bad).unwrap_err(), MintError::NotAnObject);
    }
}

#[test]
fn caller_supplied_registered_claims_the_issuer_owns_are_refused() {
    let issuer = hs_issuer().not_before(true).build().unwrap();
    for name in ["exp", "iat", "nbf", "jti", "iss", "aud"] {
        let mut claims = json!({"sub": "u"});
        claims[name] = json!(1);
        assert_eq!(
            issuer.mint(&claims).unwrap_err(),
            MintError::ReservedClaim(name),
            "{name}"
        );
    }
    // Without a configured iss/aud/nbf/jti, the caller's pass through.
    let bare = Issuer::builder()
        .signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap())
        .jti(false)
        .build()
        .unwrap();
    let token = bare
        .mint(&json!({"iss": "other", "aud": "x", "nbf": 5, "jti": "mine"}))
        .unwrap();
    let claims = &segments(&token)[1];
    assert_eq!(
        (claims["iss"].as_str(), claims["jti"].as_str()),
        (Some("other"), Some("mine"))
    );
    assert_eq!(
        bare.mint(&json!({"exp": 5})).unwrap_err(),
        MintError::ReservedClaim("exp")
    );
}

#[test]
fn transforms_run_in_order_and_fail_closed() {
    let upper = |c: &mut Map<String, Value>| -> Result<(), TransformError> {
        if let Some(Value::String(s)) = c.get_mut("sub") {
            *s = s.to_uppercase();
        }
        Ok(())
    };
    let suffix = |c: &mut Map<String, Value>| -> Result<(), TransformError> {
        if let Some(Value::String(s)) = c.get_mut("sub") {
            s.push_str("-x");
        }
        Ok(())
    };
    let issuer = hs_issuer().transform(upper).transform(suffix).build().unwrap();
    assert_eq!(
        segments(&issuer.mint(&json!({"sub": "ab"})).unwrap())[1]["sub"],
        "AB-x"
    );

    struct Refuse;
    impl ClaimsTransform for Refuse {
        fn transform(&self, _: &mut Map<String, Value>) -> Result<(), TransformError> {
            Err(TransformError::new("policy refused the claims"))
        }
    }
    let refusing = hs_issuer().transform(Arc::new(Refuse)).build().unwrap();
    let err = refusing.mint(&json!({"sub": "jane@example.com"})).unwrap_err();
    assert_eq!(
        err,
        MintError::Transform(TransformError::new("policy refused the claims"))
    );
    assert!(!err.to_string().contains("jane"), "{err}");

    // A transform cannot smuggle in a claim the issuer owns.
    let sneaky = hs_issuer()
        .transform(|c: &mut Map<String, Value>| -> Result<(), TransformError> {
            c.insert("exp".into(), json!(9_999_999_999u64));
            Ok(())
        })
        .build()
        .unwrap();
    assert_eq!(
        sneaky.mint(&json!({})).unwrap_err(),
        MintError::ReservedClaim("exp")
    );
}

#[test]
fn misconfiguration_is_refused_at_build_time() {
    assert_eq!(Issuer::builder().build().unwrap_err(), IssuerError::NoSigningKey);
    let err = hs_issuer().lifetime(Duration::ZERO).build().unwrap_err();
    assert_eq!(err, IssuerError::Lifetime);
    assert_eq!(
        hs_issuer()
            .lifetime(Duration::from_millis(500))
            .build()
            .unwrap_err(),
        IssuerError::Lifetime
    );
    let absurd = shroud_jwt::MAX_LIFETIME + Duration::from_secs(1);
    assert_eq!(
        hs_issuer().lifetime(absurd).build().unwrap_err(),
        IssuerError::Lifetime
    );
    assert!(hs_issuer().lifetime(shroud_jwt::MAX_LIFETIME).build().is_ok());
    assert!(matches!(
        hs_issuer().issuer("").build(),
        Err(IssuerError::Invalid(_))
    ));
    assert!(matches!(
        hs_issuer().audience("").build(),
        Err(IssuerError::Invalid(_))
    ));
    for typ in ["", "a b", "x\n"] {
        assert!(
            matches!(hs_issuer().typ(typ).build(), Err(IssuerError::Invalid(_))),
            "{typ:?}"
        );
    }
    let empty_kid =
        Issuer::builder().signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap().with_kid(""));
    assert!(matches!(empty_kid.build(), Err(IssuerError::Invalid(_))));
}

#[test]
fn unusable_private_jwks_are_refused() {
    let rsa = common::rsa().private_jwk("r");
    let ec = common::ec().private_jwk("e");
    let ed = common::ed().private_jwk("d");
    let mut none = json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(SECRET)});
    none["alg"] = json!("none");
    assert_eq!(
        SigningKey::from_jwk(&none, None).unwrap_err(),
        KeyError::Jwk("unsupported `alg`")
    );
    let oct = json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(SECRET)});
    assert!(
        SigningKey::from_jwk(&oct, None).is_err(),
        "oct needs an algorithm"
    );
    assert!(SigningKey::from_jwk(&oct, Some(Algorithm::HS256)).is_ok());
    assert!(matches!(
        SigningKey::from_jwk(&oct, Some(Algorithm::HS512)),
        Err(KeyError::ShortSecret { .. })
    ));
    assert!(
        SigningKey::from_jwk(&rsa, None).is_err(),
        "RSA needs an algorithm"
    );
    assert!(matches!(
        SigningKey::from_jwk(&rsa, Some(Algorithm::HS256)),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    assert!(matches!(
        SigningKey::from_jwk(&ec, Some(Algorithm::ES384)),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    assert!(matches!(
        SigningKey::from_jwk(&ed, Some(Algorithm::ES256)),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    // Public JWKs have no private part.
    assert!(SigningKey::from_jwk(&common::ec().jwk("e"), None).is_err());
    assert!(SigningKey::from_jwk(&common::rsa().jwk("r"), Some(Algorithm::RS256)).is_err());
    // A private scalar from another key does not match the public point.
    let mut mixed = ec.clone();
    mixed["d"] = common::ed().private_jwk("x")["d"].clone();
    assert!(matches!(
        SigningKey::from_jwk(&mixed, None),
        Err(KeyError::Rejected(_))
    ));
    let mut tampered = rsa.clone();
    tampered["p"] = tampered["q"].clone();
    assert!(matches!(
        SigningKey::from_jwk(&tampered, Some(Algorithm::RS256)),
        Err(KeyError::Rejected(_))
    ));
    let mut enc = ec.clone();
    enc["use"] = json!("enc");
    assert!(SigningKey::from_jwk(&enc, None).is_err());
    let mut ops = ec.clone();
    ops["key_ops"] = json!(["verify"]);
    assert!(SigningKey::from_jwk(&ops, None).is_err());
    let mut both = ec;
    both["alg"] = json!("ES256");
    assert!(SigningKey::from_jwk(&both, Some(Algorithm::ES256)).is_ok());
    assert!(SigningKey::from_jwk_str("{", None).is_err());
}

#[test]
fn expired_and_foreign_tokens_are_refused() {
    let t = Arc::new(AtomicI64::new(now() - 3600));
    let clock = t.clone();
    let issuer = hs_issuer()
        .clock(move || clock.load(Ordering::Relaxed))
        .lifetime(Duration::from_secs(60))
        .build()
        .unwrap();
    let v = verifier(Key::hmac(SECRET, Algorithm::HS256).unwrap());
    assert_eq!(
        v.verify(&issuer.mint(&json!({"sub": "u"})).unwrap()).unwrap_err(),
        Rejection::Expired
    );
    t.store(now(), Ordering::Relaxed);
    assert!(v.verify(&issuer.mint(&json!({"sub": "u"})).unwrap()).is_ok());
    // Another key, same kid-less HS256.
    let other = verifier(Key::hmac(b"another-secret-of-32-bytes-min!!", Algorithm::HS256).unwrap());
    assert_eq!(
        other
            .verify(&issuer.mint(&json!({"sub": "u"})).unwrap())
            .unwrap_err(),
        Rejection::BadSignature
    );
    // An RS256 token against an HMAC-only verifier.
    let rs = Issuer::builder()
        .signing_key(SigningKey::from_jwk(&common::rsa().private_jwk("r"), Some(Algorithm::RS256)).unwrap())
        .issuer(ISS)
        .audience("api")
        .build()
        .unwrap();
    assert_eq!(
        v.verify(&rs.mint(&json!({"sub": "u"})).unwrap()).unwrap_err(),
        Rejection::AlgorithmNotAllowed
    );
    // Wrong audience.
    let aud = Issuer::builder()
        .signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap())
        .issuer(ISS)
        .audience("other")
        .build()
        .unwrap();
    assert_eq!(
        v.verify(&aud.mint(&json!({})).unwrap()).unwrap_err(),
        Rejection::AudienceMismatch
    );
}

#[tokio::test]
async fn minted_tokens_pass_the_jwt_layer() {
    let issuer = hs_issuer().typ("at+jwt").build().unwrap();
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new(ISS).key(Key::hmac(SECRET, Algorithm::HS256).unwrap()))
        .audience("api")
        .typ("at+jwt")
        .build()
        .unwrap();
    let svc =
        ServiceBuilder::new()
            .layer(JwtLayer::new(verifier))
            .service_fn(|req: Request<String>| async move {
                let sub = req
                    .extensions()
                    .get::<Claims>()
                    .and_then(|c| c.sub())
                    .unwrap_or("")
                    .to_owned();
                Ok::<_, std::convert::Infallible>(http::Response::new(sub))
            });
    let token = issuer.mint(&json!({"sub": "layer-user"})).unwrap();
    let req = Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(String::new())
        .unwrap();
    let res = svc.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    use http_body_util::BodyExt as _;
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "layer-user");

    let plain = hs_issuer().build().unwrap().mint(&json!({"sub": "u"})).unwrap();
    let req = Request::builder()
        .header("authorization", format!("Bearer {plain}"))
        .body(String::new())
        .unwrap();
    let res = svc.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.extensions().get::<Rejection>(), Some(&Rejection::WrongType));
}

#[test]
fn debug_output_holds_no_key_material() {
    let key = SigningKey::from_jwk(&common::ec().private_jwk("ec-1"), None).unwrap();
    let d = common::ec().private_jwk("ec-1")["d"].as_str().unwrap().to_owned();
    let issuer = Issuer::builder().signing_key(key.clone()).build().unwrap();
    for dbg in [
        format!("{key:?}"),
        format!("{issuer:?}"),
        format!("{:?}", Issuer::builder().signing_key(key)),
    ] {
        assert!(dbg.contains("ES256") && dbg.contains("ec-1"), "{dbg}");
        assert!(!dbg.contains(&d), "{dbg}");
    }
}

mod nested {
    use super::*;
    use shroud_jwt::{
        ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, KeyManagement,
    };

    /// (name, encrypter, the matching decryption key)
    fn matrix() -> Vec<(&'static str, Encrypter, DecryptionKey)> {
        let dir = common::random(32);
        let kw = common::random(32);
        let (rsa_private, rsa_public) = common::rsa_enc_jwk("rsa-enc");
        let (p256_private, p256_public) = common::ecdh_jwk("P-256", "p256-enc");
        let (x_private, x_public) = common::ecdh_jwk("X25519", "x25519-enc");
        let pair = |private: &Value, public: &Value, alg: KeyManagement| {
            (
                EncryptionKey::from_jwk(public).unwrap().with_alg(alg).unwrap(),
                DecryptionKey::from_jwk(private).unwrap_or_else(|_| {
                    let mut p = private.clone();
                    p["alg"] = json!(alg.name());
                    DecryptionKey::from_jwk(&p).unwrap()
                }),
            )
        };
        let (rsa_e, rsa_d) = pair(&rsa_private, &rsa_public, KeyManagement::RsaOaep256);
        let (p_e, p_d) = pair(&p256_private, &p256_public, KeyManagement::EcdhEsA256Kw);
        let (x_e, x_d) = pair(&x_private, &x_public, KeyManagement::EcdhEsA256Kw);
        vec![
            (
                "dir+A256GCM",
                Encrypter::new(
                    EncryptionKey::symmetric(&dir, KeyManagement::Dir)
                        .unwrap()
                        .with_kid("dir-1"),
                    ContentEncryption::A256Gcm,
                ),
                DecryptionKey::symmetric(&dir, KeyManagement::Dir)
                    .unwrap()
                    .with_kid("dir-1"),
            ),
            (
                "A256KW+A128CBC-HS256",
                Encrypter::new(
                    EncryptionKey::symmetric(&kw, KeyManagement::A256Kw)
                        .unwrap()
                        .with_kid("kw-1"),
                    ContentEncryption::A128CbcHs256,
                ),
                DecryptionKey::symmetric(&kw, KeyManagement::A256Kw)
                    .unwrap()
                    .with_kid("kw-1"),
            ),
            (
                "RSA-OAEP-256+A256GCM",
                Encrypter::new(rsa_e, ContentEncryption::A256Gcm),
                rsa_d,
            ),
            (
                "ECDH-ES+A256KW P-256",
                Encrypter::new(p_e, ContentEncryption::A256Gcm),
                p_d,
            ),
            (
                "ECDH-ES+A256KW X25519",
                Encrypter::new(x_e, ContentEncryption::A256Gcm),
                x_d,
            ),
        ]
    }

    fn jwe_header(token: &str) -> Value {
        let h = token.split('.').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
    }

    #[test]
    fn nested_tokens_round_trip_for_every_key_management() {
        for (name, encrypter, decryption) in matrix() {
            let (alg, enc) = (encrypter.alg().unwrap(), encrypter.enc());
            let issuer = hs_issuer().encryption(encrypter).build().unwrap();
            assert!(issuer.is_encrypted());
            let token = issuer
                .mint(&json!({"sub": "secret-user", "email": "jane@example.com"}))
                .unwrap();
            assert_eq!(token.split('.').count(), 5, "{name}");
            assert!(!token.contains("secret-user"));
            let header = jwe_header(&token);
            assert_eq!(header["alg"], alg.name(), "{name}");
            assert_eq!(header["enc"], enc.name(), "{name}");
            assert_eq!(header["cty"], "JWT", "{name}");

            let keys = DecryptionKeySet::new([decryption]);
            let verifier = Verifier::builder()
                .issuer(
                    TrustedIssuer::new(ISS).key(Key::hmac(SECRET, Algorithm::HS256).unwrap().with_kid("hs")),
                )
                .audience("api")
                .decryption_keys(keys)
                .require_encryption(true)
                .build()
                .unwrap();
            let verified = verifier
                .verify(&token)
                .unwrap_or_else(|r| panic!("{name}: {r:?}"));
            assert!(verified.info.encrypted, "{name}");
            assert_eq!(
                verified.info.kid.as_deref(),
                Some("hs"),
                "{name}: the inner JWS key"
            );
            assert_eq!(verified.claims.get_str("email"), Some("jane@example.com"));

            // Without decryption keys the verifier refuses it.
            assert_eq!(
                verifier_without_keys().verify(&token).unwrap_err(),
                Rejection::EncryptedToken
            );
        }
    }

    fn verifier_without_keys() -> Verifier {
        verifier(Key::hmac(SECRET, Algorithm::HS256).unwrap())
    }

    #[test]
    fn wrong_keys_expired_and_plain_tokens_are_refused() {
        let (encrypters, keys): (Vec<Encrypter>, Vec<DecryptionKey>) =
            matrix().into_iter().map(|(_, e, d)| (e, d)).unzip();
        let keys = DecryptionKeySet::new(keys);
        let verifier = Verifier::builder()
            .issuer(TrustedIssuer::new(ISS).key(Key::hmac(SECRET, Algorithm::HS256).unwrap()))
            .audience("api")
            .decryption_keys(keys)
            .require_encryption(true)
            .build()
            .unwrap();
        // Encrypted to a key the verifier does not hold.
        let stranger = Encrypter::new(
            EncryptionKey::symmetric(&common::random(32), KeyManagement::Dir).unwrap(),
            ContentEncryption::A256Gcm,
        );
        let token = hs_issuer()
            .encryption(stranger)
            .build()
            .unwrap()
            .mint(&json!({}))
            .unwrap();
        assert_eq!(verifier.verify(&token).unwrap_err(), Rejection::Undecryptable);
        // Decrypts, but the inner JWS is signed with another key.
        let enc = encrypters[0].clone();
        let other_signer = Issuer::builder()
            .signing_key(SigningKey::hmac(b"another-secret-of-32-bytes-min!!", Algorithm::HS256).unwrap())
            .issuer(ISS)
            .audience("api")
            .encryption(enc.clone())
            .build()
            .unwrap();
        assert_eq!(
            verifier
                .verify(&other_signer.mint(&json!({})).unwrap())
                .unwrap_err(),
            Rejection::BadSignature
        );
        // Expired.
        let old = hs_issuer()
            .encryption(enc)
            .clock(|| now() - 7200)
            .lifetime(Duration::from_secs(60))
            .build()
            .unwrap();
        assert_eq!(
            verifier.verify(&old.mint(&json!({})).unwrap()).unwrap_err(),
            Rejection::Expired
        );
        // A plain JWS where encryption is required.
        let plain = hs_issuer().build().unwrap().mint(&json!({})).unwrap();
        assert_eq!(
            verifier.verify(&plain).unwrap_err(),
            Rejection::EncryptionRequired
        );
    }

    #[test]
    fn unusable_encryption_is_refused_at_build_time() {
        // A public key bound to no algorithm.
        let (_, public) = common::ecdh_jwk("P-256", "e");
        let unbound = Encrypter::new(
            EncryptionKey::from_jwk(&public).unwrap(),
            ContentEncryption::A256Gcm,
        );
        assert!(matches!(
            hs_issuer().encryption(unbound).build(),
            Err(IssuerError::Encryption(_))
        ));
        // A `dir` key whose length does not fit `enc` (32 bytes for A128GCM).
        let wrong_len = Encrypter::new(
            EncryptionKey::symmetric(&[1u8; 32], KeyManagement::Dir).unwrap(),
            ContentEncryption::A128Gcm,
        );
        assert!(matches!(
            hs_issuer().encryption(wrong_len).build(),
            Err(IssuerError::Encryption(_))
        ));
        // Key type and algorithm that do not fit are refused by the key itself.
        assert!(
            EncryptionKey::from_jwk(&public)
                .unwrap()
                .with_alg(KeyManagement::RsaOaep256)
                .is_err()
        );
        assert!(EncryptionKey::symmetric(&[1u8; 16], KeyManagement::A256Kw).is_err());
    }

    #[tokio::test]
    async fn nested_tokens_pass_the_jwt_layer() {
        let (name, enc, dec) = matrix().into_iter().nth(3).unwrap();
        let issuer = hs_issuer().encryption(enc).build().unwrap();
        let verifier = Verifier::builder()
            .issuer(TrustedIssuer::new(ISS).key(Key::hmac(SECRET, Algorithm::HS256).unwrap()))
            .audience("api")
            .decryption_keys(DecryptionKeySet::new([dec]))
            .build()
            .unwrap();
        let svc = ServiceBuilder::new().layer(JwtLayer::new(verifier)).service_fn(
            |req: Request<String>| async move {
                let info = req.extensions().get::<shroud_jwt::TokenInfo>().cloned();
                let sub = req
                    .extensions()
                    .get::<Claims>()
                    .and_then(|c| c.sub())
                    .unwrap_or("")
                    .to_owned();
                Ok::<_, std::convert::Infallible>(http::Response::new(format!(
                    "{sub} {}",
                    info.is_some_and(|i| i.encrypted)
                )))
            },
        );
        let req = Request::builder()
            .header(
                "authorization",
                format!("Bearer {}", issuer.mint(&json!({"sub": "n"})).unwrap()),
            )
            .body(String::new())
            .unwrap();
        let res = svc.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        use http_body_util::BodyExt as _;
        assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "n true");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        json_leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any claim set either mints a token that verifies back to the
        /// same claims, or is refused for holding a claim the issuer owns.
        #[test]
        fn mint_then_verify_round_trips_any_claims(
            claims in prop::collection::btree_map(any::<String>(), json_value(), 0..8),
        ) {
            let issuer = hs_issuer().build().unwrap();
            let verifier = verifier(Key::hmac(SECRET, Algorithm::HS256).unwrap());
            let map: Map<String, Value> = claims.into_iter().collect();
            let owned = ["exp", "iat", "jti", "iss", "aud"].into_iter().find(|n| map.contains_key(*n));
            match issuer.mint_map(map.clone()) {
                Err(MintError::ReservedClaim(name)) => prop_assert_eq!(Some(name), owned),
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
                Ok(token) => {
                    prop_assert_eq!(owned, None);
                    // `nbf`/`sub` of a wrong type are the verifier's to refuse.
                    if let Ok(v) = verifier.verify(&token) {
                        for (k, val) in &map {
                            prop_assert_eq!(v.claims.get(k), Some(val));
                        }
                    } else {
                        prop_assert!(map.contains_key("nbf"));
                    }
                }
            }
        }

        /// Arbitrary text as a private JWK or PEM never panics.
        #[test]
        fn private_key_parsers_do_not_panic(text in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = SigningKey::from_jwk_str(&text, None);
            let _ = SigningKey::from_jwk_str(&text, Some(Algorithm::RS256));
            for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
                let _ = SigningKey::from_pem(&bytes, alg);
                let _ = SigningKey::from_pem(text.as_bytes(), alg);
            }
        }

        /// JWK-shaped objects with arbitrary members are refused, not panicked on.
        #[test]
        fn jwk_members_of_any_size_are_refused_cleanly(
            kty in prop::sample::select(vec!["RSA", "EC", "OKP", "oct"]),
            crv in prop::sample::select(vec!["P-256", "P-384", "Ed25519", "X25519", ""]),
            members in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 8),
        ) {
            let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
            let mut jwk = json!({"kty": kty, "crv": crv, "x": URL_SAFE_NO_PAD.encode(&members[0]),
                                 "y": URL_SAFE_NO_PAD.encode(&members[1]), "k": URL_SAFE_NO_PAD.encode(&members[2])});
            for (name, m) in names.iter().zip(&members) {
                jwk[*name] = json!(URL_SAFE_NO_PAD.encode(m));
            }
            for alg in [None, Some(Algorithm::RS256), Some(Algorithm::HS256), Some(Algorithm::ES256)] {
                if let Ok(key) = SigningKey::from_jwk(&jwk, alg) {
                    // Only an `oct` secret of random bytes can be valid.
                    prop_assert_eq!(kty, "oct");
                    prop_assert_eq!(key.algorithm(), Algorithm::HS256);
                }
            }
        }
    }
}

#[test]
fn debug_of_an_encrypting_issuer_holds_no_key_material() {
    use shroud_jwt::{ContentEncryption, Encrypter, EncryptionKey, KeyManagement};
    let cek = [0x6bu8; 32]; // "kkkk..." as text
    let issuer = hs_issuer()
        .encryption(Encrypter::new(
            EncryptionKey::symmetric(&cek, KeyManagement::Dir)
                .unwrap()
                .with_kid("enc-1"),
            ContentEncryption::A256Gcm,
        ))
        .build()
        .unwrap();
    let dbg = format!("{issuer:?}");
    assert!(dbg.contains("dir") && dbg.contains("A256GCM"), "{dbg}");
    for secret in [
        "kkkkkkkk".to_owned(),
        URL_SAFE_NO_PAD.encode(cek),
        String::from_utf8_lossy(SECRET).into_owned(),
        URL_SAFE_NO_PAD.encode(SECRET),
    ] {
        assert!(!dbg.contains(&secret), "{dbg}");
    }
}
