//! Tampering: every changed character and every truncation of an encrypted
//! token is refused; arbitrary and mutated input never panics.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use shroud_jwt::jwe::{self, DecryptOptions};
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, KeyManagement,
};

const X25519: &str = r#"{"kty":"OKP","crv":"X25519","d":"qCMYkBb9OKbFyaufJzJ6LvTdBwX-5M2BYtbimSKstkQ","x":"SFXg_Hbaxi7O6vUic8nzGOGHJjnf_Wd3YZw8_VNzIhg"}"#;
const P256: &str = r#"{"kty":"EC","crv":"P-256","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

struct Fixture {
    keys: DecryptionKeySet,
    tokens: Vec<String>,
}

fn private(jwk: &str) -> Value {
    serde_json::from_str(jwk).unwrap()
}

fn public(jwk: &str) -> Value {
    let mut v = private(jwk);
    v.as_object_mut().unwrap().remove("d");
    v
}

/// One token per mechanism family, each with its own key in one set.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let payload = json!({"sub": "user-1", "iss": "https://id.example"}).to_string();
        let dir = [3u8; 16];
        let kw = [4u8; 24];
        let gcmkw = [5u8; 32];
        let mut keys = vec![
            DecryptionKey::symmetric(&dir, KeyManagement::Dir).unwrap(),
            DecryptionKey::symmetric(&kw, KeyManagement::A192Kw).unwrap(),
            DecryptionKey::symmetric(&gcmkw, KeyManagement::A256GcmKw).unwrap(),
        ];
        let mut encrypters = vec![
            Encrypter::new(
                EncryptionKey::symmetric(&dir, KeyManagement::Dir).unwrap(),
                ContentEncryption::A128Gcm,
            ),
            Encrypter::new(
                EncryptionKey::symmetric(&kw, KeyManagement::A192Kw).unwrap(),
                ContentEncryption::A192CbcHs384,
            ),
            Encrypter::new(
                EncryptionKey::symmetric(&gcmkw, KeyManagement::A256GcmKw).unwrap(),
                ContentEncryption::A256CbcHs512,
            ),
        ];
        for (jwk, alg, enc) in [
            (X25519, KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
            (P256, KeyManagement::EcdhEsA128Kw, ContentEncryption::A128CbcHs256),
        ] {
            keys.push(DecryptionKey::from_jwk_with_alg(&private(jwk), alg).unwrap());
            encrypters.push(Encrypter::new(
                EncryptionKey::from_jwk(&public(jwk))
                    .unwrap()
                    .with_alg(alg)
                    .unwrap(),
                enc,
            ));
        }
        let rsa: Value = serde_json::from_str(
            &std::fs::read_to_string(common::vectors().join("josekit-interop/data/jwk/RSA_private.jwk"))
                .unwrap(),
        )
        .unwrap();
        keys.push(DecryptionKey::from_jwk_with_alg(&rsa, KeyManagement::RsaOaep256).unwrap());
        encrypters.push(Encrypter::new(
            EncryptionKey::from_jwk(&rsa)
                .unwrap()
                .with_alg(KeyManagement::RsaOaep256)
                .unwrap(),
            ContentEncryption::A128Gcm,
        ));
        let tokens = encrypters
            .iter()
            .map(|e| e.encrypt(payload.as_bytes(), Some("JWT")).unwrap())
            .collect();
        Fixture {
            keys: DecryptionKeySet::new(keys),
            tokens,
        }
    })
}

fn decrypts(token: &str) -> bool {
    jwe::decrypt(token, &fixture().keys, &DecryptOptions::default()).is_ok()
}

#[test]
fn every_changed_character_is_refused() {
    let mut checked = 0;
    for token in &fixture().tokens {
        assert!(decrypts(token));
        let bytes = token.as_bytes();
        for i in 0..bytes.len() {
            if bytes[i] == b'.' {
                continue;
            }
            // A close replacement (low bit) at even positions, a far one at odd.
            let far = if bytes[i] == b'A' { b'_' } else { b'A' };
            for replacement in [if i % 2 == 0 { bytes[i] ^ 1 } else { far }, far] {
                if replacement == bytes[i]
                    || !(replacement.is_ascii_alphanumeric() || b"-_".contains(&replacement))
                {
                    continue;
                }
                let mut t = bytes.to_vec();
                t[i] = replacement;
                let t = String::from_utf8(t).unwrap();
                assert!(!decrypts(&t), "position {i} of {}", &token[..20]);
                checked += 1;
                break;
            }
        }
    }
    let positions: usize = fixture().tokens.iter().map(|t| t.len() - 4).sum();
    assert_eq!(checked, positions, "every position of every segment");
}

#[test]
fn every_truncation_is_refused() {
    for token in &fixture().tokens {
        for n in 0..token.len() {
            assert!(!decrypts(&token[..n]), "prefix {n}");
        }
        // Each segment shortened by one character, or emptied.
        let parts: Vec<&str> = token.split('.').collect();
        for i in 0..5 {
            for cut in [parts[i].len().saturating_sub(1), 0] {
                if cut == parts[i].len() {
                    continue;
                }
                let mut p = parts.clone();
                p[i] = &parts[i][..cut];
                assert!(!decrypts(&p.join(".")), "segment {i} cut to {cut}");
            }
        }
        // Extra data appended, or a sixth segment.
        assert!(!decrypts(&format!("{token}A")));
        assert!(!decrypts(&format!("{token}.")));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes);
        prop_assert!(!decrypts(&s));
    }

    #[test]
    fn five_arbitrary_segments_never_panic(parts in proptest::collection::vec("[A-Za-z0-9_-]{0,80}", 5)) {
        prop_assert!(!decrypts(&parts.join(".")));
    }

    #[test]
    fn arbitrary_headers_never_panic(
        alg in prop::sample::select(vec!["dir", "A192KW", "A256GCMKW", "ECDH-ES", "ECDH-ES+A128KW", "RSA-OAEP-256", "RSA1_5", "x"]),
        enc in prop::sample::select(vec!["A128GCM", "A192CBC-HS384", "A256CBC-HS512", "A256GCM", "?"]),
        extra in "(,\"(epk|iv|tag|zip|apu|apv|kid|crit)\":(\"[A-Za-z0-9_-]{0,50}\"|\\{\"kty\":\"(EC|OKP)\",\"crv\":\"(P-256|X25519|P-521)\",\"x\":\"[A-Za-z0-9_-]{0,90}\",\"y\":\"[A-Za-z0-9_-]{0,90}\"\\}|[0-9]{1,5}|null)){0,4}",
        rest in proptest::collection::vec("[A-Za-z0-9_-]{0,60}", 4),
    ) {
        use base64::Engine as _;
        let header = format!(r#"{{"alg":"{alg}","enc":"{enc}"{extra}}}"#);
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header);
        let token = format!("{h}.{}", rest.join("."));
        prop_assert!(!decrypts(&token));
    }

    #[test]
    fn mutated_tokens_are_refused(which in 0usize..6, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let token = &fixture().tokens[which];
        let mut bytes = token.as_bytes().to_vec();
        for (i, b) in &edits {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        let s = String::from_utf8_lossy(&bytes).into_owned();
        if s != *token {
            prop_assert!(!decrypts(&s));
        }
    }
}
