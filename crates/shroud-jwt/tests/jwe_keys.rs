//! Decryption and encryption key import: algorithm binding, `use` and
//! `key_ops`, lengths, curves, JWKS, rotation by `kid`, Debug without key
//! bytes.

use serde_json::{Value, json};
use shroud_jwt::jwe::{self, DecryptOptions, JweError};
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, KeyError, KeyManagement,
};

const K16: &str = "GawgguFyGrWKav7AX4VKUg";
const P256: &str = r#"{"kty":"EC","crv":"P-256","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

fn p256() -> Value {
    serde_json::from_str(P256).unwrap()
}

#[test]
fn alg_is_bound_at_import() {
    let ok = DecryptionKey::from_jwk(&json!({"kty": "oct", "k": K16, "alg": "A128KW"})).unwrap();
    assert_eq!(ok.alg(), KeyManagement::A128Kw);
    // No alg: refused unless given.
    assert!(matches!(
        DecryptionKey::from_jwk(&json!({"kty": "oct", "k": K16})),
        Err(KeyError::Jwk(_))
    ));
    let given =
        DecryptionKey::from_jwk_with_alg(&json!({"kty": "oct", "k": K16}), KeyManagement::A128GcmKw).unwrap();
    assert_eq!(given.alg(), KeyManagement::A128GcmKw);
    // A JWK naming another alg than the one given.
    assert!(matches!(
        DecryptionKey::from_jwk_with_alg(
            &json!({"kty": "oct", "k": K16, "alg": "A128KW"}),
            KeyManagement::Dir
        ),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    // Refused and unknown algorithms.
    for alg in ["RSA1_5", "PBES2-HS256+A128KW", "HS256", "none"] {
        assert!(
            DecryptionKey::from_jwk(&json!({"kty": "oct", "k": K16, "alg": alg})).is_err(),
            "{alg}"
        );
    }
}

#[test]
fn key_type_and_length_must_fit_the_alg() {
    let cases = [
        json!({"kty": "oct", "k": K16, "alg": "A256KW"}),
        json!({"kty": "oct", "k": K16, "alg": "A192GCMKW"}),
        json!({"kty": "oct", "k": "AAAA", "alg": "dir"}),
        json!({"kty": "oct", "k": K16, "alg": "RSA-OAEP"}),
        json!({"kty": "oct", "k": K16, "alg": "ECDH-ES"}),
        json!({"kty": "oct", "k": "not base64!", "alg": "A128KW"}),
        json!({"kty": "oct", "alg": "A128KW"}),
        json!({"kty": "oct", "k": 5, "alg": "A128KW"}),
        json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "alg": "A128KW"}),
        json!({"kty": "XYZ", "k": K16, "alg": "A128KW"}),
        json!({"k": K16, "alg": "A128KW"}),
        json!(["not", "an", "object"]),
    ];
    for jwk in cases {
        assert!(DecryptionKey::from_jwk(&jwk).is_err(), "{jwk}");
    }
    // EC: curve, private part, matching public part.
    let mut k = p256();
    k["alg"] = "ECDH-ES".into();
    assert!(DecryptionKey::from_jwk(&k).is_ok());
    let mut bad = k.clone();
    bad["crv"] = "secp256k1".into();
    assert!(DecryptionKey::from_jwk(&bad).is_err());
    let mut bad = k.clone();
    bad.as_object_mut().unwrap().remove("d");
    assert!(
        DecryptionKey::from_jwk(&bad).is_err(),
        "a public key cannot decrypt"
    );
    let mut bad = k.clone();
    bad["x"] = "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0".into();
    assert!(
        DecryptionKey::from_jwk(&bad).is_err(),
        "public part of another key"
    );
    let mut bad = k.clone();
    bad["d"] = "AAAA".into();
    assert!(DecryptionKey::from_jwk(&bad).is_err(), "short scalar");
    let mut bad = k.clone();
    bad["d"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into();
    assert!(DecryptionKey::from_jwk(&bad).is_err(), "zero scalar");
    let mut bad = k;
    bad["alg"] = "RSA-OAEP".into();
    assert!(matches!(
        DecryptionKey::from_jwk(&bad),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
}

#[test]
fn use_and_key_ops_are_respected() {
    let base = json!({"kty": "oct", "k": K16, "alg": "A128KW"});
    let with = |m: &str, v: Value| {
        let mut j = base.clone();
        j[m] = v;
        j
    };
    assert!(DecryptionKey::from_jwk(&with("use", json!("enc"))).is_ok());
    assert!(DecryptionKey::from_jwk(&with("use", json!("sig"))).is_err());
    assert!(DecryptionKey::from_jwk(&with("key_ops", json!(["unwrapKey"]))).is_ok());
    assert!(DecryptionKey::from_jwk(&with("key_ops", json!(["sign", "verify"]))).is_err());
    assert!(DecryptionKey::from_jwk(&with("key_ops", json!("unwrapKey"))).is_err());
    assert!(EncryptionKey::from_jwk(&with("key_ops", json!(["wrapKey"]))).is_ok());
    assert!(EncryptionKey::from_jwk(&with("key_ops", json!(["unwrapKey"]))).is_err());
    assert!(EncryptionKey::from_jwk(&with("use", json!("sig"))).is_err());
}

#[test]
fn encryption_keys() {
    // Without alg the key exists but cannot encrypt until one is bound.
    let key = EncryptionKey::from_jwk(&json!({"kty": "oct", "k": K16})).unwrap();
    assert_eq!(key.alg(), None);
    let unbound = Encrypter::new(key.clone(), ContentEncryption::A128Gcm);
    assert_eq!(unbound.encrypt(b"x", None).unwrap_err(), JweError::Encryption);
    assert!(key.clone().with_alg(KeyManagement::A128Kw).is_ok());
    assert!(key.clone().with_alg(KeyManagement::A256Kw).is_err());
    assert!(key.clone().with_alg(KeyManagement::RsaOaep).is_err());
    // A dir key must match the enc's key length.
    let dir = key.with_alg(KeyManagement::Dir).unwrap();
    assert!(
        Encrypter::new(dir.clone(), ContentEncryption::A128Gcm)
            .encrypt(b"x", None)
            .is_ok()
    );
    assert_eq!(
        Encrypter::new(dir, ContentEncryption::A256Gcm)
            .encrypt(b"x", None)
            .unwrap_err(),
        JweError::Encryption
    );
    // EC public keys are checked on the curve.
    let mut bad = p256();
    bad["y"] = bad["x"].clone();
    assert!(EncryptionKey::from_jwk(&bad).is_err());
    let mut p = p256();
    p.as_object_mut().unwrap().remove("d");
    assert!(
        EncryptionKey::from_jwk(&p)
            .unwrap()
            .with_alg(KeyManagement::A128Kw)
            .is_err()
    );
}

#[test]
fn debug_shows_no_key_bytes() {
    let key =
        DecryptionKey::from_jwk(&json!({"kty": "oct", "k": K16, "alg": "A128KW", "kid": "k1"})).unwrap();
    let set = DecryptionKeySet::new([key]);
    let enc =
        EncryptionKey::from_jwk(&json!({"kty": "oct", "k": K16, "alg": "A128KW", "kid": "k1"})).unwrap();
    let encrypter = Encrypter::new(enc.clone(), ContentEncryption::A128Gcm);
    let mut ec = p256();
    ec["alg"] = "ECDH-ES".into();
    let ec = DecryptionKey::from_jwk(&ec).unwrap();
    let token = encrypter.encrypt(b"secret plaintext", None).unwrap();
    let out = jwe::decrypt(&token, &set, &DecryptOptions::default()).unwrap();
    for text in [
        format!("{set:?}"),
        format!("{enc:?}"),
        format!("{encrypter:?}"),
        format!("{ec:?}"),
        format!("{out:?}"),
    ] {
        assert!(
            !text.contains(K16) && !text.contains("jpsQnn") && !text.contains("secret plaintext"),
            "{text}"
        );
        assert!(!text.contains("[26, 12"), "{text}");
    }
    assert!(format!("{set:?}").contains("k1"));
}

#[test]
fn jwks_and_rotation_by_kid() {
    let jwks = json!({"keys": [
        {"kty": "oct", "kid": "old", "alg": "A128KW", "k": K16},
        {"kty": "oct", "kid": "new", "alg": "A128KW", "k": "AAECAwQFBgcICQoLDA0ODw"},
        {"kty": "oct", "kid": "mac", "alg": "HS256", "use": "sig", "k": K16},
        {"kty": "EC", "crv": "P-256", "kid": "pub", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
         "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
    ]});
    let set = DecryptionKeySet::from_jwks(jwks.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys().len(), 2, "signing and public-only keys are skipped");
    let encrypter = |kid: Option<&str>, k: &str| {
        let mut jwk = json!({"kty": "oct", "alg": "A128KW", "k": k});
        if let Some(kid) = kid {
            jwk["kid"] = kid.into();
        }
        Encrypter::new(
            EncryptionKey::from_jwk(&jwk).unwrap(),
            ContentEncryption::A128CbcHs256,
        )
    };
    let opts = DecryptOptions::default();
    for kid in [Some("old"), None] {
        let t = encrypter(kid, K16).encrypt(b"a", None).unwrap();
        assert_eq!(jwe::decrypt(&t, &set, &opts).unwrap().plaintext(), b"a");
    }
    let t = encrypter(Some("new"), "AAECAwQFBgcICQoLDA0ODw")
        .encrypt(b"b", None)
        .unwrap();
    assert_eq!(jwe::decrypt(&t, &set, &opts).unwrap().plaintext(), b"b");
    // The right kid with the other key's bytes, or an unknown kid: refused.
    let t = encrypter(Some("old"), "AAECAwQFBgcICQoLDA0ODw")
        .encrypt(b"c", None)
        .unwrap();
    assert_eq!(
        jwe::decrypt(&t, &set, &opts).unwrap_err(),
        JweError::Undecryptable
    );
    let t = encrypter(Some("other"), K16).encrypt(b"c", None).unwrap();
    assert_eq!(
        jwe::decrypt(&t, &set, &opts).unwrap_err(),
        JweError::Undecryptable
    );
    // A key for one alg is never used for another (A128KW key, A128GCMKW token).
    let gcmkw = Encrypter::new(
        EncryptionKey::from_jwk(&json!({"kty": "oct", "alg": "A128GCMKW", "k": K16, "kid": "old"})).unwrap(),
        ContentEncryption::A128Gcm,
    )
    .encrypt(b"d", None)
    .unwrap();
    assert_eq!(
        jwe::decrypt(&gcmkw, &set, &opts).unwrap_err(),
        JweError::Undecryptable
    );

    // Refused documents.
    for doc in [
        json!({"keys": []}),
        json!({"keys": [{"kty": "oct", "k": K16}]}),
        json!({"nokeys": 1}),
        json!({"keys": [{"kty": "oct", "k": K16, "alg": "RSA1_5"}]}),
    ] {
        assert!(
            DecryptionKeySet::from_jwks(doc.to_string().as_bytes()).is_err(),
            "{doc}"
        );
    }
    assert!(DecryptionKeySet::from_jwks(b"not json").is_err());
    assert!(DecryptionKeySet::from_jwks(&vec![b' '; 600 * 1024]).is_err());
}
