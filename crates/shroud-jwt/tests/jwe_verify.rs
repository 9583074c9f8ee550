//! Encrypted tokens through the Verifier: nested JWS inside JWE, required
//! encryption, unsigned claims, one rejection for every decryption failure.

mod common;

use common::*;
use serde_json::json;
use shroud_jwt::jwe::DecryptOptions;
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, KeyManagement, Rejection,
    TrustedIssuer, UnsignedClaims, Verifier, VerifierBuilder,
};

const DIR_KEY: [u8; 32] = [0x42; 32];
const KW_KEY: [u8; 32] = [0x17; 32];

fn decryption_keys() -> DecryptionKeySet {
    DecryptionKeySet::new([
        DecryptionKey::symmetric(&DIR_KEY, KeyManagement::Dir)
            .unwrap()
            .with_kid("dir-1"),
        DecryptionKey::symmetric(&KW_KEY, KeyManagement::A256Kw)
            .unwrap()
            .with_kid("kw-1"),
        DecryptionKey::symmetric(&[0x18; 32], KeyManagement::A256Kw)
            .unwrap()
            .with_kid("kw-2"),
    ])
}

fn builder() -> VerifierBuilder {
    Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(hs().key("hs")))
        .audience("api")
        .decryption_keys(decryption_keys())
}

fn dir() -> Encrypter {
    Encrypter::new(
        EncryptionKey::symmetric(&DIR_KEY, KeyManagement::Dir)
            .unwrap()
            .with_kid("dir-1"),
        ContentEncryption::A256Gcm,
    )
}

fn kw(kid: Option<&str>, key: &[u8; 32]) -> Encrypter {
    let mut k = EncryptionKey::symmetric(key, KeyManagement::A256Kw).unwrap();
    if let Some(kid) = kid {
        k = k.with_kid(kid);
    }
    Encrypter::new(k, ContentEncryption::A128CbcHs256)
}

fn nested(enc: &Encrypter) -> String {
    enc.encrypt(hs().token("hs", &claims()).as_bytes(), Some("JWT"))
        .unwrap()
}

#[test]
fn nested_jwe_verifies_with_inner_signature() {
    let v = builder().build().unwrap();
    for token in [
        nested(&dir()),
        nested(&kw(Some("kw-1"), &KW_KEY)),
        nested(&kw(None, &KW_KEY)),
    ] {
        let got = v.verify(&token).unwrap();
        assert_eq!(got.claims.sub(), Some("user-1"));
        assert!(got.info.encrypted);
        assert_eq!(got.info.alg, "HS256");
        assert_eq!(got.info.kid.as_deref(), Some("hs"));
    }
    // `cty` is case-insensitive and may be `application/jwt`.
    let inner = hs().token("hs", &claims());
    for cty in ["jwt", "application/JWT"] {
        let token = dir().encrypt(inner.as_bytes(), Some(cty)).unwrap();
        assert!(v.verify(&token).is_ok(), "{cty}");
    }
    // Rotation: the second A256KW key (kid kw-2) decrypts its tokens too.
    assert!(v.verify(&nested(&kw(Some("kw-2"), &[0x18; 32]))).is_ok());
    assert!(v.verify(&nested(&kw(None, &[0x18; 32]))).is_ok());
}

#[test]
fn inner_signature_is_always_checked() {
    let v = builder().build().unwrap();
    let good = hs().token("hs", &claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{input}.AAAA");
    let token = dir().encrypt(forged.as_bytes(), Some("JWT")).unwrap();
    assert_eq!(v.verify(&token).unwrap_err(), Rejection::BadSignature);
    // alg none inside is refused like outside.
    let unsigned = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(claims().to_string()));
    let token = dir().encrypt(unsigned.as_bytes(), Some("JWT")).unwrap();
    assert_eq!(v.verify(&token).unwrap_err(), Rejection::AlgorithmNotAllowed);
    // Inner claims are validated: expired.
    let mut old = claims();
    old["exp"] = json!(now() - 3600);
    let token = dir()
        .encrypt(hs().token("hs", &old).as_bytes(), Some("JWT"))
        .unwrap();
    assert_eq!(v.verify(&token).unwrap_err(), Rejection::Expired);
    // A JWE inside a JWE is refused.
    let twice = dir().encrypt(nested(&dir()).as_bytes(), Some("JWT")).unwrap();
    assert_eq!(v.verify(&twice).unwrap_err(), Rejection::Malformed);
}

#[test]
fn unsigned_claims_in_a_jwe_are_refused() {
    let v = builder().build().unwrap();
    for cty in [None, Some("json"), Some("JWS")] {
        let token = dir().encrypt(claims().to_string().as_bytes(), cty).unwrap();
        assert_eq!(
            v.verify(&token).unwrap_err(),
            Rejection::UnsignedClaims,
            "{cty:?}"
        );
    }
    // Even a JWS payload without `cty: JWT` is refused: the header decides.
    let token = dir()
        .encrypt(hs().token("hs", &claims()).as_bytes(), None)
        .unwrap();
    assert_eq!(v.verify(&token).unwrap_err(), Rejection::UnsignedClaims);
}

#[test]
fn require_encryption_refuses_plain_jws() {
    let v = builder().require_encryption(true).build().unwrap();
    assert_eq!(
        v.verify(&hs().token("hs", &claims())).unwrap_err(),
        Rejection::EncryptionRequired
    );
    assert!(v.verify(&nested(&dir())).unwrap().info.encrypted);
    // Without it, plain JWS still passes (encrypted = false).
    let v = builder().build().unwrap();
    assert!(!v.verify(&hs().token("hs", &claims())).unwrap().info.encrypted);
    // Requiring encryption without keys is a configuration error.
    assert!(
        Verifier::builder()
            .issuer(TrustedIssuer::new("https://id.example").key(hs().key("hs")))
            .require_encryption(true)
            .build()
            .is_err()
    );
    assert!(
        builder()
            .decryption_keys(DecryptionKeySet::new([]))
            .build()
            .is_err()
    );
}

#[test]
fn without_decryption_keys_jwe_is_refused() {
    let v = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(hs().key("hs")))
        .build()
        .unwrap();
    assert_eq!(v.verify(&nested(&dir())).unwrap_err(), Rejection::EncryptedToken);
}

#[test]
fn every_decryption_failure_is_one_rejection() {
    let v = builder().build().unwrap();
    let good = nested(&kw(Some("kw-1"), &KW_KEY));
    let parts: Vec<&str> = good.split('.').collect();
    let with = |i: usize, s: &str| {
        let mut p = parts.clone();
        p[i] = s;
        p.join(".")
    };
    let flip = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b[2] = if b[2] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    let wrong_key = nested(&kw(Some("kw-1"), &[0x99; 32]));
    let unknown_kid = nested(&kw(Some("nope"), &KW_KEY));
    let wrong_dir = Encrypter::new(
        EncryptionKey::symmetric(&[1; 32], KeyManagement::Dir)
            .unwrap()
            .with_kid("dir-1"),
        ContentEncryption::A256Gcm,
    )
    .encrypt(hs().token("hs", &claims()).as_bytes(), Some("JWT"))
    .unwrap();
    let cases = [
        wrong_key,
        unknown_kid,
        wrong_dir,
        with(1, &flip(parts[1])),
        with(2, &flip(parts[2])),
        with(3, &flip(parts[3])),
        with(4, &flip(parts[4])),
        with(2, "AAAA"),
        with(4, "AAAA"),
        with(1, ""),
        with(3, ""),
    ];
    for (i, bad) in cases.iter().enumerate() {
        assert_eq!(v.verify(bad).unwrap_err(), Rejection::Undecryptable, "case {i}");
    }
    // Refused algorithms and headers: RSA1_5, PBES2, crit, zip by default.
    let hdr = |h: &str| format!("{}.{}", b64(h), parts[1..].join("."));
    for h in [
        r#"{"alg":"RSA1_5","enc":"A128CBC-HS256"}"#,
        r#"{"alg":"PBES2-HS256+A128KW","enc":"A128CBC-HS256","p2s":"AAAAAAAAAAA","p2c":100000000}"#,
        r#"{"alg":"A256KW","enc":"A128CBC-HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"A256KW","enc":"A128CBC-HS256","zip":"DEF","kid":"kw-1","cty":"JWT"}"#,
    ] {
        assert_eq!(
            v.verify(&hdr(h)).unwrap_err(),
            Rejection::AlgorithmNotAllowed,
            "{h}"
        );
    }
    assert_eq!(v.verify(&hdr("not json")).unwrap_err(), Rejection::Malformed);
}

#[test]
fn zip_is_accepted_when_enabled() {
    use std::io::Write as _;
    let inner = hs().token("hs", &claims());
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(inner.as_bytes()).unwrap();
    let deflated = z.finish().unwrap();
    // A zip token: deflated inner JWS, header with zip=DEF (made by hand).
    let token = zip_token(&deflated);
    let refused = builder().build().unwrap();
    assert_eq!(
        refused.verify(&token).unwrap_err(),
        Rejection::AlgorithmNotAllowed
    );
    let accepted = builder()
        .decrypt_options(DecryptOptions::default().with_default_zip())
        .build()
        .unwrap();
    assert_eq!(accepted.verify(&token).unwrap().claims.sub(), Some("user-1"));
    let small = builder()
        .decrypt_options(DecryptOptions::default().with_zip(64))
        .build()
        .unwrap();
    assert_eq!(small.verify(&token).unwrap_err(), Rejection::Undecryptable);
    // A deflate bomb stops at the cap.
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![b'a'; 4 * 1024 * 1024]).unwrap();
    let bomb = zip_token(&z.finish().unwrap());
    assert!(bomb.len() < 8192, "{}", bomb.len());
    assert_eq!(accepted.verify(&bomb).unwrap_err(), Rejection::Undecryptable);
}

#[test]
fn an_inflated_inner_token_obeys_the_token_size_cap() {
    use std::io::Write as _;
    // 20 KiB of claims deflate to a few hundred bytes: the JWE is small,
    // the inner JWS is not.
    let mut big = claims();
    big["pad"] = json!("a".repeat(20 * 1024));
    let inner = hs().token("hs", &big);
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(inner.as_bytes()).unwrap();
    let token = zip_token(&z.finish().unwrap());
    assert!(token.len() < 2048, "{}", token.len());
    let zip = DecryptOptions::default().with_zip(64 * 1024);
    let capped = builder()
        .decrypt_options(zip.clone())
        .max_token_len(8 * 1024)
        .build()
        .unwrap();
    assert_eq!(capped.verify(&token).unwrap_err(), Rejection::TokenTooLarge);
    let roomy = builder()
        .decrypt_options(zip)
        .max_token_len(32 * 1024)
        .build()
        .unwrap();
    assert_eq!(roomy.verify(&token).unwrap().claims.sub(), Some("user-1"));
}

#[test]
fn unsigned_claims_obey_the_required_type() {
    let claims = claims().to_string();
    let token = |header: &str| dir_token(header, claims.as_bytes());
    let v = builder()
        .unsigned_claims(UnsignedClaims::SymmetricKeys)
        .typ("at+jwt")
        .build()
        .unwrap();
    let typed = token(r#"{"alg":"dir","enc":"A256GCM","kid":"dir-1","typ":"at+jwt"}"#);
    assert_eq!(v.verify(&typed).unwrap().claims.sub(), Some("user-1"));
    for header in [
        r#"{"alg":"dir","enc":"A256GCM","kid":"dir-1"}"#,
        r#"{"alg":"dir","enc":"A256GCM","kid":"dir-1","typ":"JWT"}"#,
    ] {
        assert_eq!(
            v.verify(&token(header)).unwrap_err(),
            Rejection::WrongType,
            "{header}"
        );
    }
    // Without a required type, the same untyped token is accepted.
    let any = builder()
        .unsigned_claims(UnsignedClaims::SymmetricKeys)
        .build()
        .unwrap();
    let untyped = token(r#"{"alg":"dir","enc":"A256GCM","kid":"dir-1"}"#);
    assert!(any.verify(&untyped).is_ok());
}

/// Unsigned claims are vouched for by the decryption keys alone, which
/// belong to no issuer: a verifier accepting them trusts exactly one, and
/// the claims must name it. `TokenInfo::kid` is the decryption key's.
#[test]
fn unsigned_claims_are_bound_to_the_one_trusted_issuer() {
    let two = builder()
        .issuer(TrustedIssuer::new("https://other.example").key(hs().key("hs")))
        .unsigned_claims(UnsignedClaims::SymmetricKeys)
        .build();
    let Err(e) = two else {
        panic!("two issuers with unsigned claims")
    };
    assert!(e.to_string().contains("exactly one trusted issuer"), "{e}");
    // With unsigned claims refused, two issuers are fine.
    assert!(
        builder()
            .issuer(TrustedIssuer::new("https://other.example").key(hs().key("hs")))
            .build()
            .is_ok()
    );

    let v = builder()
        .unsigned_claims(UnsignedClaims::SymmetricKeys)
        .build()
        .unwrap();
    // No `kid` in the header: the key that opened the token is named.
    let header = r#"{"alg":"dir","enc":"A256GCM"}"#;
    let mut c = claims();
    let ok = v.verify(&dir_token(header, c.to_string().as_bytes())).unwrap();
    assert_eq!(ok.info.kid.as_deref(), Some("dir-1"));
    c["iss"] = serde_json::json!("https://other.example");
    assert_eq!(
        v.verify(&dir_token(header, c.to_string().as_bytes()))
            .unwrap_err(),
        Rejection::UnknownIssuer
    );
}

/// dir + A256GCM with `zip: DEF`, made with aes-gcm directly.
fn zip_token(deflated: &[u8]) -> String {
    dir_token(
        r#"{"alg":"dir","enc":"A256GCM","zip":"DEF","cty":"JWT","kid":"dir-1"}"#,
        deflated,
    )
}

/// dir + A256GCM under the protected header `header`, made with aes-gcm
/// directly.
fn dir_token(header: &str, plaintext: &[u8]) -> String {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let header = b64(header);
    let iv = [5u8; 12];
    let mut buf = plaintext.to_vec();
    let tag = aes_gcm::Aes256Gcm::new_from_slice(&DIR_KEY)
        .unwrap()
        .encrypt_inout_detached(&iv.into(), header.as_bytes(), buf.as_mut_slice().into())
        .unwrap();
    format!("{header}..{}.{}.{}", b64(iv), b64(&buf), b64(tag))
}

#[test]
fn cached_encrypted_tokens_keep_the_flag() {
    let v = builder().cache(100).build().unwrap();
    let token = nested(&dir());
    assert!(v.verify(&token).unwrap().info.encrypted);
    assert!(v.verify(&token).unwrap().info.encrypted);
}

/// The per-route requirement, through the layer: the typed rejection is in
/// the response extensions.
#[tokio::test]
async fn route_requirement_rejection_is_typed() {
    use http::{Request, Response, StatusCode};
    use shroud_jwt::JwtLayer;
    use shroud_jwt::authz::require_encryption;
    use tower::{ServiceBuilder, ServiceExt};

    let svc = ServiceBuilder::new()
        .layer(JwtLayer::new(builder().build().unwrap()))
        .layer(require_encryption())
        .service_fn(|_req: Request<()>| async {
            Ok::<_, std::convert::Infallible>(Response::new(String::new()))
        });
    let call = |token: String| {
        let svc = svc.clone();
        async move {
            svc.oneshot(
                Request::get("/")
                    .header("authorization", format!("Bearer {token}"))
                    .body(())
                    .unwrap(),
            )
            .await
            .unwrap()
        }
    };
    let plain = call(hs().token("hs", &claims())).await;
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        plain.extensions().get::<Rejection>(),
        Some(&Rejection::EncryptionRequired)
    );
    assert_eq!(call(nested(&dir())).await.status(), StatusCode::OK);
    let bad = call(nested(&kw(Some("kw-1"), &[9; 32]))).await;
    assert_eq!(
        bad.extensions().get::<Rejection>(),
        Some(&Rejection::Undecryptable)
    );
}
