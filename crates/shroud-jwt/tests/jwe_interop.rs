//! Project Wycheproof's JWE vectors and tokens from an independent JOSE
//! implementation (josekit), read from the shared vectors folder.

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use shroud_jwt::jwe::{self, ContentEncryption, DecryptOptions, JweError};
use shroud_jwt::{
    Algorithm, DecryptionKey, DecryptionKeySet, Key, KeyManagement, Rejection, TrustedIssuer, UnsignedClaims,
    Verifier,
};

fn read(rel: &str) -> String {
    let path = common::vectors().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn header_alg(token: &str) -> Option<String> {
    let h = URL_SAFE_NO_PAD.decode(token.split('.').next()?).ok()?;
    let h: Value = serde_json::from_slice(&h).ok()?;
    h["alg"].as_str().map(str::to_owned)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The group's key, bound to its `alg`. An `RSA1_5` key is imported for
/// RSA-OAEP instead (shroud has no RSA1_5), to show that RSA1_5 tokens are
/// refused even with the right RSA key at hand; the RFC 7520 group whose
/// `alg` member holds an `enc` name (the cookbook's typo) is bound to `dir`.
fn group_key(jwk: &Value) -> DecryptionKey {
    let mut jwk = jwk.clone();
    let named = jwk["alg"].as_str().unwrap_or_default().to_owned();
    let alg = match named.as_str() {
        "RSA1_5" => KeyManagement::RsaOaep,
        other => KeyManagement::parse(other).unwrap_or(KeyManagement::Dir),
    };
    if KeyManagement::parse(&named).is_none() {
        jwk.as_object_mut().unwrap().remove("alg");
        return DecryptionKey::from_jwk_with_alg(&jwk, alg).unwrap();
    }
    DecryptionKey::from_jwk(&jwk).unwrap()
}

#[test]
fn wycheproof_json_web_encryption() {
    let doc: Value =
        serde_json::from_str(&read("wycheproof/testvectors_v1/json_web_encryption_test.json")).unwrap();
    let mut valid_ok = 0;
    let mut invalid_refused = 0;
    // Valid cases shroud deliberately refuses, by reason.
    let mut unsupported: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let keys = DecryptionKeySet::new([group_key(&group["private"])]);
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let token = t["jwe"].as_str().unwrap_or_default();
            let valid = t["result"] == "valid";
            let flags: Vec<&str> = t["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            let got = jwe::decrypt(token, &keys, &DecryptOptions::default());
            let alg = header_alg(token);
            if alg.as_deref() == Some("RSA1_5") {
                assert_eq!(got.unwrap_err(), JweError::Unsupported, "tcId {id}");
                if valid {
                    unsupported.entry("RSA1_5").or_default().push(id);
                } else {
                    invalid_refused += 1;
                }
                continue;
            }
            if flags.contains(&"CompressedPlaintext") {
                assert_eq!(
                    got.unwrap_err(),
                    JweError::Unsupported,
                    "tcId {id}: zip is off by default"
                );
                let out = jwe::decrypt(token, &keys, &DecryptOptions::default().with_default_zip()).unwrap();
                if let Some(pt) = t["pt"].as_str() {
                    assert_eq!(out.plaintext(), hex(pt), "tcId {id}");
                }
                unsupported
                    .entry("zip (accepted when enabled)")
                    .or_default()
                    .push(id);
                continue;
            }
            if valid {
                let out = got.unwrap_or_else(|e| panic!("tcId {id} ({}): {e:?}", t["comment"]));
                if let Some(pt) = t["pt"].as_str() {
                    assert_eq!(out.plaintext(), hex(pt), "tcId {id}");
                }
                valid_ok += 1;
            } else {
                assert!(got.is_err(), "tcId {id} ({}) must be refused", t["comment"]);
                invalid_refused += 1;
            }
        }
    }
    assert_eq!(doc["numberOfTests"], 139);
    let refused_valid: usize = unsupported.values().map(Vec::len).sum();
    assert_eq!(valid_ok + invalid_refused + refused_valid, 139);
    assert_eq!(invalid_refused, 74, "every invalid case is refused");
    assert_eq!(
        unsupported,
        BTreeMap::from([
            ("RSA1_5", vec![100, 101, 102, 103, 104, 105, 112, 128]),
            ("zip (accepted when enabled)", vec![135]),
        ])
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect::<BTreeMap<_, Vec<u64>>>(),
        "the valid cases not accepted by default are a known set"
    );
    assert_eq!(valid_ok, 65 - 9);
}

/// The josekit tokens: `<alg>[_<crv>]_<enc>[_DEF].jwt`, signed JWS tokens
/// (`<alg>.jwt`) are not JWEs and skipped. Keys by alg family.
#[test]
fn josekit_tokens() {
    let dir = common::vectors().join("josekit-interop/data/jwt");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut decrypted = 0;
    let mut zip_accepted = 0;
    let mut refused = BTreeMap::<&str, usize>::new();
    for name in &names {
        let token = std::fs::read_to_string(dir.join(name)).unwrap();
        let token = token.trim();
        if token.split('.').count() != 5 {
            continue;
        }
        let stem = name.trim_end_matches(".jwt");
        let zip = stem.ends_with("_DEF");
        let stem = stem.trim_end_matches("_DEF");
        let mut parts: Vec<&str> = stem.split('_').collect();
        let alg = parts.remove(0);
        let crv = (parts.len() == 2).then(|| parts.remove(0));
        let Some(km) = KeyManagement::parse(alg) else {
            // RSA1_5 and PBES2: refused.
            let keys = DecryptionKeySet::new([rsa_key(KeyManagement::RsaOaep)]);
            assert_eq!(
                jwe::decrypt(token, &keys, &DecryptOptions::default().with_default_zip()).unwrap_err(),
                JweError::Unsupported,
                "{name}"
            );
            *refused
                .entry(if alg == "RSA1" { "RSA1_5" } else { "PBES2" })
                .or_default() += 1;
            continue;
        };
        let key = key_for(km, crv, token);
        // A 32-byte `dir` key serves one `enc`: unbound, A256GCM, so the
        // same secret does not open an A128CBC-HS256 token.
        if km == KeyManagement::Dir && token_enc(token) == "A128CBC-HS256" {
            let unbound = DecryptionKey::from_jwk_with_alg(&jwk("oct_256bit_private.jwk"), km).unwrap();
            assert_eq!(unbound.enc(), Some(ContentEncryption::A256Gcm));
            assert_eq!(
                jwe::decrypt(
                    token,
                    &DecryptionKeySet::new([unbound]),
                    &DecryptOptions::default().with_default_zip()
                )
                .unwrap_err(),
                JweError::Undecryptable,
                "{name}"
            );
        }
        let keys = DecryptionKeySet::new([key]);
        let opts = if zip {
            assert_eq!(
                jwe::decrypt(token, &keys, &DecryptOptions::default()).unwrap_err(),
                JweError::Unsupported,
                "{name}: zip refused by default"
            );
            zip_accepted += 1;
            DecryptOptions::default().with_default_zip()
        } else {
            DecryptOptions::default()
        };
        let out = jwe::decrypt(token, &keys, &opts).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let claims: Value = serde_json::from_slice(out.plaintext()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(claims["iss"], "joe", "{name}");
        decrypted += 1;

        // Through the Verifier with a fixed clock: the claims are validated
        // (exp=1300819380). They are not signed, so only an explicit policy
        // accepts them, and the symmetric-only policy refuses the public-key
        // algorithms (anyone can encrypt to a public key).
        let verifier = |policy: UnsignedClaims, now: i64| {
            Verifier::builder()
                .issuer(TrustedIssuer::new("joe").key(Key::hmac(&[1; 32], Algorithm::HS256).unwrap()))
                .decryption_keys(DecryptionKeySet::new([key_for(km, crv, token)]))
                .decrypt_options(opts.clone())
                .unsigned_claims(policy)
                .clock(move || now)
                .build()
                .unwrap()
        };
        let before = 1_300_819_380 - 100;
        let got = verifier(UnsignedClaims::AnyKey, before).verify(token).unwrap();
        assert_eq!(got.claims.iss(), Some("joe"));
        assert!(got.info.encrypted);
        assert_eq!(got.info.alg, km.name());
        assert_eq!(
            verifier(UnsignedClaims::AnyKey, 1_300_819_380 + 3600)
                .verify(token)
                .unwrap_err(),
            Rejection::Expired,
            "{name}"
        );
        assert_eq!(
            verifier(UnsignedClaims::Refuse, before)
                .verify(token)
                .unwrap_err(),
            Rejection::UnsignedClaims
        );
        let symmetric = verifier(UnsignedClaims::SymmetricKeys, before).verify(token);
        if alg.starts_with("RSA") || alg.starts_with("ECDH") {
            assert_eq!(symmetric.unwrap_err(), Rejection::UnsignedClaims, "{name}");
        } else {
            assert!(symmetric.is_ok(), "{name}");
        }
    }
    // 9 symmetric algs... see the directory listing: 6 KW/GCMKW x 4, dir x 4,
    // 4 ECDH-ES variants x 4 curves x 4, RSA-OAEP(-256) x 4 each.
    assert_eq!(decrypted, 6 * 4 + 4 + 4 * 16 + 2 * 4);
    assert_eq!(zip_accepted, decrypted / 2);
    assert_eq!(refused, BTreeMap::from([("PBES2", 12), ("RSA1_5", 4)]));
}

fn jwk(name: &str) -> Value {
    serde_json::from_str(&read(&format!("josekit-interop/data/jwk/{name}"))).unwrap()
}

fn rsa_key(alg: KeyManagement) -> DecryptionKey {
    DecryptionKey::from_jwk_with_alg(&jwk("RSA_private.jwk"), alg).unwrap()
}

fn key_for(alg: KeyManagement, crv: Option<&str>, token: &str) -> DecryptionKey {
    let name = alg.name();
    if name.starts_with("RSA") {
        return rsa_key(alg);
    }
    if name.starts_with("ECDH") {
        let file = match crv.unwrap() {
            "X25519" => "OKP_X25519_private.jwk".to_owned(),
            c => format!("EC_{c}_private.jwk"),
        };
        return DecryptionKey::from_jwk_with_alg(&jwk(&file), alg).unwrap();
    }
    let bits = match name {
        "dir" => {
            // The dir key length is the enc's, and the key is bound to it.
            let enc = ContentEncryption::parse(token_enc(token)).unwrap();
            let key = DecryptionKey::from_jwk_with_alg(
                &jwk(&format!("oct_{}bit_private.jwk", enc.key_len() * 8)),
                alg,
            )
            .unwrap();
            return key.with_enc(enc).unwrap();
        }
        n => n[1..4].parse::<usize>().unwrap(),
    };
    DecryptionKey::from_jwk_with_alg(&jwk(&format!("oct_{bits}bit_private.jwk")), alg).unwrap()
}

/// The `enc` of a JWE's protected header.
fn token_enc(token: &str) -> &'static str {
    let h = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    let h: Value = serde_json::from_slice(&h).unwrap();
    ContentEncryption::parse(h["enc"].as_str().unwrap())
        .unwrap()
        .name()
}
