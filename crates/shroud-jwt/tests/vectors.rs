//! Published vectors: RFC 7515 Appendix A (+ RFC 8037 A.4) and Project
//! Wycheproof's JWS and JOSE-crypto files, read from the shared vectors
//! folder next to the project.

mod common;

use serde_json::{Value, json};
use shroud_jwt::{Key, KeySet, Rejection, TrustedIssuer, Verifier};

fn load(rel: &str) -> Value {
    let path = common::vectors().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The public half of a JWK (private members removed).
fn public(jwk: &Value) -> Value {
    let mut jwk = jwk.clone();
    if jwk["kty"] != "oct" {
        for m in ["d", "p", "q", "dp", "dq", "qi"] {
            jwk.as_object_mut().unwrap().remove(m);
        }
    }
    jwk
}

#[test]
fn rfc7515_appendix_a() {
    let doc = load("rfc7515-rfc7516-appendix/rfc7515_appendix_a_jws.json");
    let mut checked = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let section = v["section"].as_str().unwrap();
        let compact = v["compact"].as_str().unwrap();
        match v["alg"].as_str().unwrap() {
            "none" => {
                // A.5: an unsecured JWS is refused by every verifier.
                let key = Key::hmac(&[1; 32], shroud_jwt::Algorithm::HS256).unwrap();
                let set = KeySet::new([key]);
                assert_eq!(
                    set.verify_jws(compact).unwrap_err(),
                    Rejection::AlgorithmNotAllowed,
                    "{section}"
                );
            }
            "ES512" => {
                // A.4: P-521 is not supported: the key is refused, the token too.
                assert!(Key::from_jwk(&public(&v["key"])).is_err(), "{section}");
            }
            _ => {
                let key = Key::from_jwk(&public(&v["key"])).unwrap_or_else(|e| panic!("{section}: {e}"));
                let set = KeySet::new([key]);
                let payload = set
                    .verify_jws(compact)
                    .unwrap_or_else(|e| panic!("{section}: {e:?}"));
                assert_eq!(
                    String::from_utf8(payload).unwrap(),
                    v["payload"].as_str().unwrap(),
                    "{section}"
                );
                // One bit flipped in the signature is refused.
                let (input, sig) = compact.rsplit_once('.').unwrap();
                let mut bad = sig.as_bytes().to_vec();
                bad[4] = if bad[4] == b'A' { b'B' } else { b'A' };
                let bad = format!("{input}.{}", String::from_utf8(bad).unwrap());
                assert_eq!(
                    set.verify_jws(&bad).unwrap_err(),
                    Rejection::BadSignature,
                    "{section}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4);
}

#[test]
fn rfc7515_appendix_a_through_the_verifier() {
    // A.1-A.3 carry JWT claims (iss "joe", exp 1300819380): verify them as
    // tokens with a clock set before their expiry.
    let doc = load("rfc7515-rfc7516-appendix/rfc7515_appendix_a_jws.json");
    for v in doc["vectors"].as_array().unwrap().iter().take(3) {
        let key = Key::from_jwk(&public(&v["key"])).unwrap();
        let verifier = Verifier::builder()
            .issuer(TrustedIssuer::new("joe").key(key))
            .clock(|| 1_300_819_000)
            .build()
            .unwrap();
        let ok = verifier.verify(v["compact"].as_str().unwrap()).unwrap();
        assert_eq!(ok.claims.get("http://example.com/is_root"), Some(&json!(true)));
        let late = Verifier::builder()
            .issuer(TrustedIssuer::new("joe").key(Key::from_jwk(&public(&v["key"])).unwrap()))
            .build()
            .unwrap();
        assert_eq!(
            late.verify(v["compact"].as_str().unwrap()).unwrap_err(),
            Rejection::Expired
        );
    }
}

/// Cases whose expected result contradicts another case of the same file:
/// 367 and 370 are byte-identical to the valid tcId 357 yet marked invalid
/// (their padding was lost upstream); 372 and 373 insert `?` into the header
/// or payload, which RFC 7515 base64url forbids, yet are marked valid.
/// shroud decodes strictly: it accepts 367/370 (they are 357) and refuses
/// 372/373. 346 and 350 (RFC 7520 figure 20) verify a PS384 token with a
/// JWK whose `alg` is PS256 and are marked valid, while 338 and 340 (a PS512
/// key used for PS256/PS384, flag `WrongPrimitive`) are marked invalid:
/// shroud binds a key to its JWK `alg` and refuses all four.
const CONTRADICTORY: [(u64, bool); 6] = [
    (367, true),
    (370, true),
    (372, false),
    (373, false),
    (346, false),
    (350, false),
];

/// Algorithms shroud does not support: valid cases with them must be refused.
fn unsupported_key(group: &Value) -> bool {
    let key = group.get("public").or(group.get("private")).unwrap();
    key["crv"] == "P-521" || key["alg"] == "ES521" || key["alg"] == "ES512"
}

struct Tally {
    agree: usize,
    unsupported: usize,
    contradictory: usize,
}

fn run_wycheproof(file: &str) -> Tally {
    let doc = load(&format!("wycheproof/testvectors_v1/{file}"));
    let mut t = Tally {
        agree: 0,
        unsupported: 0,
        contradictory: 0,
    };
    for group in doc["testGroups"].as_array().unwrap() {
        let key = group.get("public").or(group.get("private")).unwrap();
        let set = if key.get("keys").is_some() {
            KeySet::from_jwks(key.to_string().as_bytes())
        } else {
            Key::from_jwk(key).map(|k| KeySet::new([k]))
        };
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let expected_valid = match case["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {id}: unexpected result {other}"),
            };
            // JWE cases (the later decryption support covers them): an
            // encrypted token is refused here, whatever it holds.
            let got_valid = match (&set, case.get("jws")) {
                (Ok(set), Some(Value::String(jws))) => set.verify_jws(jws).is_ok(),
                // JSON serialization is not accepted, and neither are keys
                // that cannot verify signatures here.
                _ => false,
            };
            if let Some((_, want)) = CONTRADICTORY.iter().find(|(c, _)| *c == id) {
                assert_eq!(got_valid, *want, "tcId {id} ({})", case["comment"]);
                t.contradictory += 1;
            } else if expected_valid && (unsupported_key(group) || case.get("jwe").is_some()) {
                assert!(!got_valid, "tcId {id}: unsupported algorithm accepted");
                t.unsupported += 1;
            } else {
                assert_eq!(
                    got_valid, expected_valid,
                    "{file} tcId {id} ({}) {}",
                    case["comment"], group["comment"]
                );
                t.agree += 1;
            }
        }
    }
    t
}

#[test]
fn wycheproof_json_web_signature() {
    let t = run_wycheproof("json_web_signature_test.json");
    // 401 cases: all agree except two valid P-521 cases (unsupported, refused)
    // and the six contradictory ones.
    assert_eq!((t.agree, t.unsupported, t.contradictory), (393, 2, 6));
}

#[test]
fn wycheproof_json_web_crypto() {
    let t = run_wycheproof("json_web_crypto_test.json");
    // 83 cases: every JWS case agrees (HS/EC confusion, embedded jwk, ROCA
    // key, mixed keyset); the JWE cases are refused, the two valid ones
    // counted as unsupported here.
    assert_eq!((t.agree + t.unsupported + t.contradictory), 83);
    assert_eq!(t.unsupported, 2);
}
