//! Token minting with the policy: `shroud_jwt::Issuer` with
//! `anonymize_with` signs anonymized claims only, so no segment of the token
//! holds a raw personal value, and shroud's verifier accepts it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shroud_anon::{AnonPolicy, AnonymizeIssuer, DefaultAction};
use shroud_core::{EncryptionMode, Encryptor, Kind, Mask, Pseudonymizer, SecretKey, Strategy};
use shroud_jwt::{Algorithm, Issuer, Key, SigningKey, TrustedIssuer, Verifier};

const SECRET: &[u8] = b"a-mint-test-secret-of-32-bytes!!";

/// Raw values of the claims below that must appear nowhere.
const PII: [&str; 9] = [
    "248289761001",
    "jane.roe",
    "example.com",
    "4155552671",
    "Jane Roe",
    "Roe",
    "Hollywood",
    "078-05-1120",
    "1990-04-12",
];

fn policy() -> AnonPolicy {
    AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap()))
        .encryptor(Encryptor::new(SecretKey::new("e1", [8u8; 32]).unwrap()))
        .default_action(DefaultAction::Drop)
        .claim(
            "sub",
            Strategy::Pseudonymize {
                domain: Some("person".into()),
            },
        )
        .claim(
            "email",
            Strategy::Pseudonymize {
                domain: Some("person".into()),
            },
        )
        .claim(
            "phone_number",
            Strategy::Encrypt {
                mode: EncryptionMode::Randomized,
                domain: None,
            },
        )
        .claim("name", Strategy::Mask(Mask::default()))
        .claim("scope", Strategy::Keep)
        .pointer("/address/street_address", Strategy::Redact { text: None })
        .pointer("/address/country", Strategy::Keep)
        .detect(Kind::Email, Strategy::Redact { text: None })
        .build()
        .unwrap()
}

fn raw_claims() -> Value {
    json!({
        "sub": "248289761001", "email": "jane.roe@example.com", "phone_number": "+14155552671",
        "name": "Jane Roe", "birthdate": "1990-04-12", "scope": "orders:read",
        "address": {"street_address": "1234 Hollywood Blvd", "country": "US"},
        "nickname": "jane.roe@example.com", "ssn_note": "SSN 078-05-1120",
    })
}

fn issuer() -> Issuer {
    Issuer::builder()
        .signing_key(
            SigningKey::hmac(SECRET, Algorithm::HS256)
                .unwrap()
                .with_kid("mint-1"),
        )
        .issuer("https://id.example")
        .audience("api")
        .anonymize_with(policy())
        .build()
        .unwrap()
}

/// Every segment of a compact token, base64url-decoded (lossy UTF-8).
fn decoded_segments(token: &str) -> Vec<String> {
    token
        .split('.')
        .map(|s| String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(s).unwrap()).into_owned())
        .collect()
}

fn assert_no_pii(token: &str, segments: &[String]) {
    for pii in PII {
        assert!(!token.contains(pii), "the token text holds {pii:?}");
        for (i, seg) in segments.iter().enumerate() {
            assert!(!seg.contains(pii), "segment {i} holds {pii:?}");
        }
    }
}

fn check_payload(payload: &Value, policy: &AnonPolicy) {
    for claim in ["sub", "email"] {
        assert!(
            payload[claim].as_str().unwrap().starts_with("ps1.k2026."),
            "{claim}"
        );
    }
    // Same domain, different inputs: different pseudonyms; stable per input.
    assert_ne!(payload["sub"], payload["email"]);
    assert_eq!(payload["name"], "J*******");
    assert_eq!(payload["scope"], "orders:read");
    assert_eq!(payload["nickname"], "[REDACTED]", "the detector caught the email");
    for dropped in ["ssn_note", "birthdate"] {
        assert!(payload.get(dropped).is_none(), "allow-list mode drops {dropped}");
    }
    assert_eq!(
        payload["address"],
        json!({"street_address": "[REDACTED]", "country": "US"})
    );
    // The issuer's own claims are there, untouched by the policy.
    assert_eq!(payload["iss"], "https://id.example");
    assert_eq!(payload["aud"], "api");
    assert!(payload["exp"].is_i64() && payload["iat"].is_i64() && payload["jti"].is_string());
    // The encrypted claim is still readable by holders of the key.
    let caller = shroud_core::CallerId::new("ps1.k2026.support");
    let phone = policy
        .reveal("phone_number", payload["phone_number"].as_str().unwrap(), &caller)
        .unwrap();
    assert_eq!(&*phone, b"+14155552671");
}

#[test]
fn minted_jws_holds_no_raw_pii_in_any_segment() {
    let issuer = issuer();
    let token = issuer.mint(&raw_claims()).unwrap();
    let segments = decoded_segments(&token);
    assert_eq!(segments.len(), 3);
    assert_no_pii(&token, &segments);
    let header: Value = serde_json::from_str(&segments[0]).unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT", "kid": "mint-1"}));
    let payload: Value = serde_json::from_str(&segments[1]).unwrap();
    check_payload(&payload, &policy());

    // The pseudonym is the one the policy gives for the same input.
    let expected = policy().apply(raw_claims().as_object().unwrap());
    assert_eq!(payload["sub"], expected["sub"]);

    // shroud's own verifier accepts the minted token.
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(SECRET, Algorithm::HS256).unwrap()))
        .audience("api")
        .build()
        .unwrap();
    let verified = verifier.verify(&token).unwrap();
    assert_eq!(verified.claims.sub(), expected["sub"].as_str());

    // Control: without the policy the same claims do show up in the payload.
    let bare = Issuer::builder()
        .signing_key(SigningKey::hmac(SECRET, Algorithm::HS256).unwrap())
        .build()
        .unwrap();
    let raw = decoded_segments(&bare.mint(&raw_claims()).unwrap());
    assert!(PII.iter().all(|pii| raw[1].contains(pii)));
}

#[test]
fn the_policy_keeps_its_hands_off_issuer_claims_and_typed_input_works() {
    #[derive(serde::Serialize)]
    struct Profile<'a> {
        sub: &'a str,
        email: &'a str,
    }
    let token = issuer()
        .mint(&Profile {
            sub: "248289761001",
            email: "jane.roe@example.com",
        })
        .unwrap();
    let segments = decoded_segments(&token);
    assert_no_pii(&token, &segments);
    // A caller-provided `exp` is refused even though the policy would keep it.
    let err = issuer().mint(&json!({"sub": "x", "exp": 1})).unwrap_err();
    assert_eq!(err, shroud_jwt::MintError::ReservedClaim("exp"));
}

#[test]
fn minted_nested_jwe_holds_no_raw_pii_outside_or_inside() {
    use shroud_jwt::jwe::{self, DecryptOptions};
    use shroud_jwt::{
        ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, KeyManagement,
    };

    let cek = [0x5au8; 32];
    let issuer = Issuer::builder()
        .signing_key(
            SigningKey::hmac(SECRET, Algorithm::HS256)
                .unwrap()
                .with_kid("mint-1"),
        )
        .issuer("https://id.example")
        .audience("api")
        .anonymize_with(policy())
        .encryption(Encrypter::new(
            EncryptionKey::symmetric(&cek, KeyManagement::Dir)
                .unwrap()
                .with_kid("enc-1"),
            ContentEncryption::A256Gcm,
        ))
        .build()
        .unwrap();
    let token = issuer.mint(&raw_claims()).unwrap();
    let outer = decoded_segments(&token);
    assert_eq!(outer.len(), 5, "compact JWE");
    assert_no_pii(&token, &outer);
    let header: Value = serde_json::from_str(&outer[0]).unwrap();
    assert_eq!(
        header,
        json!({"alg": "dir", "enc": "A256GCM", "kid": "enc-1", "cty": "JWT"})
    );

    // Decrypt, then decode every segment of the inner JWS.
    let keys = DecryptionKeySet::new([DecryptionKey::symmetric(&cek, KeyManagement::Dir).unwrap()]);
    let decrypted = jwe::decrypt(&token, &keys, &DecryptOptions::default()).unwrap();
    let inner = std::str::from_utf8(decrypted.plaintext()).unwrap().to_owned();
    let segments = decoded_segments(&inner);
    assert_eq!(segments.len(), 3, "a signed JWT inside");
    assert_no_pii(&inner, &segments);
    let payload: Value = serde_json::from_str(&segments[1]).unwrap();
    check_payload(&payload, &policy());

    // shroud's verifier decrypts, verifies the inner signature and agrees.
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(SECRET, Algorithm::HS256).unwrap()))
        .audience("api")
        .decryption_keys(keys)
        .require_encryption(true)
        .build()
        .unwrap();
    let verified = verifier.verify(&token).unwrap();
    assert!(verified.info.encrypted);
    assert_eq!(verified.claims.get("sub"), Some(&payload["sub"]));
}
