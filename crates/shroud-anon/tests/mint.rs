//! Token minting with the policy: a token signed over anonymized claims
//! carries no raw personal data in any segment. (The `Issuer` calls
//! `AnonPolicy::apply` the same way before it signs.)

use base64::Engine as _;
use serde_json::{Value, json};
use shroud_anon::{AnonPolicy, DefaultAction};
use shroud_core::{EncryptionMode, Encryptor, Kind, Mask, Pseudonymizer, SecretKey, Strategy};

#[test]
fn minted_token_holds_no_raw_pii_in_any_segment() {
    let policy = AnonPolicy::builder()
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
        .pointer("/address/street_address", Strategy::Redact { text: None })
        .pointer("/address/country", Strategy::Keep)
        .detect(Kind::Email, Strategy::Redact { text: None })
        .build()
        .unwrap();
    let raw = json!({
        "iss": "https://id.example", "sub": "248289761001", "exp": 1_900_000_000,
        "email": "jane.roe@example.com", "phone_number": "+14155552671", "name": "Jane Roe",
        "address": {"street_address": "1234 Hollywood Blvd", "country": "US"},
        "nickname": "jane.roe@example.com", "ssn_note": "SSN 078-05-1120",
    });
    let Value::Object(map) = raw else { unreachable!() };
    let anonymized = policy.apply(&map);
    // Name the backend: in a workspace build another crate's benchmarks
    // enable both of jsonwebtoken's backends, and then none is the default.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &anonymized,
        &jsonwebtoken::EncodingKey::from_secret(&[1u8; 32]),
    )
    .unwrap();
    let segments: Vec<String> = token
        .split('.')
        .map(|s| {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect();
    assert_eq!(segments.len(), 3);
    for pii in [
        "248289761001",
        "jane.roe",
        "4155552671",
        "Jane Roe",
        "Hollywood",
        "078-05-1120",
        "Roe",
    ] {
        for (i, seg) in segments.iter().enumerate() {
            assert!(!seg.contains(pii), "segment {i} holds {pii:?}");
        }
        assert!(!token.contains(pii));
    }
    let payload: Value = serde_json::from_str(&segments[1]).unwrap();
    for claim in ["sub", "email"] {
        assert!(
            payload[claim].as_str().unwrap().starts_with("ps1.k2026."),
            "{claim}"
        );
    }
    assert_eq!(payload["name"], "J*******");
    assert_eq!(payload["nickname"], "[REDACTED]", "the detector caught the email");
    assert!(
        payload.get("ssn_note").is_none(),
        "allow-list mode drops unnamed claims"
    );
    assert_eq!(
        payload["address"],
        json!({"street_address": "[REDACTED]", "country": "US"})
    );
    // The encrypted claim is still readable by holders of the key.
    let caller = shroud_core::CallerId::new("ps1.k2026.support");
    let phone = policy
        .reveal("phone_number", payload["phone_number"].as_str().unwrap(), &caller)
        .unwrap();
    assert_eq!(&*phone, b"+14155552671");
}
