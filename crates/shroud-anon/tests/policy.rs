//! The claim policy over plain claim maps: the action x shape matrix,
//! selectors, detectors, validation, keys and rotation, and a property test
//! that no raw value survives the hiding actions.

use proptest::prelude::{Just, any, prop, prop_assert, prop_oneof, proptest};
use proptest::strategy::Strategy as _;
use serde_json::{Map, Value, json};
use shroud_anon::{AnonPolicy, DefaultAction, PolicyConfig, PolicyError, RevealError, Selector};
use shroud_core::{
    CallerId, EncryptionMode, Encryptor, Generalize, Kind, Mask, Pseudonymizer, SecretKey, Strategy,
    StrategyError,
};

fn key(id: &str, b: u8) -> SecretKey {
    SecretKey::new(id, [b; 32]).unwrap()
}

fn builder() -> shroud_anon::PolicyBuilder {
    AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::new(key("k2026", 1)))
        .encryptor(Encryptor::new(key("e1", 2)))
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn pseudonymize() -> Strategy {
    Strategy::Pseudonymize { domain: None }
}

fn encrypt() -> Strategy {
    Strategy::Encrypt {
        mode: EncryptionMode::Deterministic,
        domain: None,
    }
}

fn is_pseudonym(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("ps1.k2026."))
}

fn is_ciphertext(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("enc1.e1.d."))
}

/// Every action applied to every claim shape.
#[test]
fn matrix_action_by_shape() {
    let input = json!({
        "s": "jane@example.com",
        "n": 37,
        "a": ["jane@example.com", "joe@example.com"],
        "o": {"street": "1 Main St", "zip": "90210"},
    });
    let actions: Vec<(&str, Strategy)> = vec![
        ("keep", Strategy::Keep),
        ("drop", Strategy::Drop),
        ("pseudonymize", pseudonymize()),
        ("mask", Strategy::Mask(Mask::default())),
        (
            "generalize",
            Strategy::Generalize(Generalize::Bucket { width: 10 }),
        ),
        ("encrypt", encrypt()),
        ("redact", Strategy::Redact { text: None }),
    ];
    for (name, action) in actions {
        let mut b = builder().default_action(DefaultAction::Keep);
        for claim in ["s", "n", "a", "o", "missing"] {
            b = b.claim(claim, action.clone());
        }
        let policy = b.build().unwrap();
        let out = policy.apply(&map(input.clone()));
        assert!(
            !out.contains_key("missing"),
            "{name}: a missing claim stays missing"
        );
        match name {
            "keep" => assert_eq!(Value::Object(out), input),
            "drop" => assert!(out.is_empty(), "drop removes every shape"),
            "pseudonymize" => {
                assert!(is_pseudonym(&out["s"]));
                assert!(is_pseudonym(&out["n"]), "numbers by their text");
                let a = out["a"].as_array().unwrap();
                assert_eq!(a.len(), 2);
                assert!(a.iter().all(is_pseudonym));
                assert_ne!(a[0], a[1]);
                assert_ne!(a[0], out["s"], "same value in two claims: not linkable");
                assert!(is_pseudonym(&out["o"]["street"]) && is_pseudonym(&out["o"]["zip"]));
            }
            "mask" => {
                assert_eq!(out["s"], "j***@e******.com");
                assert_eq!(out["n"], Mask::default().apply("37"));
                assert!(out["n"].is_string() && out["n"] != "37");
                assert_eq!(out["a"][1], "j**@e******.com");
                assert_eq!(out["o"]["zip"], Mask::default().apply("90210"));
                assert_eq!(out["o"]["street"], "1********");
            }
            "generalize" => {
                // Not a number: fails closed to the redaction text.
                assert_eq!(out["s"], "[REDACTED]");
                assert_eq!(out["n"], "30-39");
                assert_eq!(out["a"], json!(["[REDACTED]", "[REDACTED]"]));
                assert_eq!(out["o"]["zip"], "90210-90219");
                assert_eq!(out["o"]["street"], "[REDACTED]");
            }
            "encrypt" => {
                assert!(is_ciphertext(&out["s"]) && is_ciphertext(&out["n"]));
                assert!(out["a"].as_array().unwrap().iter().all(is_ciphertext));
                assert!(is_ciphertext(&out["o"]["street"]));
                let e = policy.transformer().encryptor().unwrap();
                assert_eq!(
                    &*e.decrypt("s", out["s"].as_str().unwrap()).unwrap(),
                    b"jane@example.com"
                );
                assert_eq!(&*e.decrypt("n", out["n"].as_str().unwrap()).unwrap(), b"37");
            }
            "redact" => {
                assert_eq!(out["s"], "[REDACTED]");
                assert_eq!(out["n"], "[REDACTED]");
                assert_eq!(out["a"], json!(["[REDACTED]", "[REDACTED]"]));
                assert_eq!(out["o"], json!({"street": "[REDACTED]", "zip": "[REDACTED]"}));
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn default_drop_is_an_allow_list_but_keeps_registered_claims() {
    let policy = builder()
        .default_action(DefaultAction::Drop)
        .claim("sub", pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "sub": "user-17", "name": "Jane", "exp": 1, "iat": 2, "nbf": 3, "iss": "i", "aud": ["a"], "jti": "j",
        "nested": {"x": 1}, "list": [1, 2]
    })));
    let mut names: Vec<&str> = out.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["aud", "exp", "iat", "iss", "jti", "nbf", "sub"]);
    assert!(is_pseudonym(&out["sub"]));
    assert_eq!(out["aud"], json!(["a"]));
}

#[test]
fn a_rule_overrides_the_registered_claims() {
    let policy = builder()
        .default_action(DefaultAction::Keep)
        .claim("jti", Strategy::Drop)
        .claim("iss", pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({"jti": "abc", "iss": "https://id.example", "exp": 5})));
    assert!(!out.contains_key("jti"));
    assert!(is_pseudonym(&out["iss"]));
    assert_eq!(out["exp"], 5);
}

#[test]
fn globs_pointers_and_escapes() {
    let policy = builder()
        .default_action(DefaultAction::Drop)
        .glob("*_email", pseudonymize())
        .pointer("/address/street_address", Strategy::Redact { text: None })
        .pointer("/address/country", Strategy::Keep)
        .pointer("/https:~1~1example.com~1ssn", Strategy::Mask(Mask::plain(0, 4)))
        .pointer("/contacts/phone", Strategy::Mask(Mask::default()))
        .pointer("/contacts/kind", Strategy::Keep)
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "work_email": "jane@corp.example", "home_email": "jane@home.example", "email_verified": true,
        "address": {"street_address": "1 Main St", "country": "NZ", "postal_code": "6011"},
        "https://example.com/ssn": "123-45-6789",
        "contacts": [{"kind": "home", "phone": "+1 415 555 2671"}, {"kind": "work", "phone": "+1 415 555 0000", "note": "x"}],
    })));
    assert!(is_pseudonym(&out["work_email"]) && is_pseudonym(&out["home_email"]));
    assert!(!out.contains_key("email_verified"), "glob does not match");
    assert_eq!(
        out["address"],
        json!({"street_address": "[REDACTED]", "country": "NZ"})
    );
    assert_eq!(out["https://example.com/ssn"], "*******6789");
    assert_eq!(
        out["contacts"],
        json!([{"kind": "home", "phone": "+* *** *** 2671"}, {"kind": "work", "phone": "+* *** *** 0000"}])
    );
}

#[test]
fn pointer_index_selects_one_array_element() {
    let policy = builder()
        .default_action(DefaultAction::Keep)
        .pointer("/emails/0", Strategy::Redact { text: None })
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({"emails": ["a@x.example", "b@x.example"]})));
    assert_eq!(out["emails"], json!(["[REDACTED]", "b@x.example"]));
}

#[test]
fn nested_domains_are_pointers_and_differ_from_top_level() {
    let policy = builder()
        .claim("email", pseudonymize())
        .pointer("/profile/email", pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(
        json!({"email": "j@x.example", "profile": {"email": "j@x.example"}}),
    ));
    let p = policy.transformer().pseudonymizer().unwrap();
    assert!(p.verify("email", b"j@x.example", out["email"].as_str().unwrap()));
    assert!(p.verify(
        "/profile/email",
        b"j@x.example",
        out["profile"]["email"].as_str().unwrap()
    ));
    assert_ne!(out["email"], out["profile"]["email"]);
}

#[test]
fn shared_domain_links_sub_and_email() {
    let person = || Strategy::Pseudonymize {
        domain: Some("person".into()),
    };
    let policy = builder()
        .claim("sub", person())
        .claim("email", person())
        .claim("other", pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(
        json!({"sub": "jane@example.com", "email": "jane@example.com", "other": "jane@example.com"}),
    ));
    assert_eq!(out["sub"], out["email"]);
    assert_ne!(out["sub"], out["other"]);
}

#[test]
fn pseudonyms_stable_per_key_and_differ_across_keys() {
    let claims = map(json!({"email": "jane@example.com"}));
    let make = |k: SecretKey| {
        AnonPolicy::builder()
            .pseudonymizer(Pseudonymizer::new(k))
            .claim("email", pseudonymize())
            .build()
            .unwrap()
    };
    let a = make(key("k1", 1)).apply(&claims);
    assert_eq!(a, make(key("k1", 1)).apply(&claims), "stable for a key");
    let b = make(key("k2", 9)).apply(&claims);
    assert_ne!(a["email"], b["email"]);
    // Same id, other bytes: still different.
    let c = make(key("k1", 9)).apply(&claims);
    assert_ne!(a["email"], c["email"]);
}

#[test]
fn rotation_with_two_keys_live() {
    let old = AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::new(key("k2025", 1)))
        .encryptor(Encryptor::new(key("e2025", 3)))
        .claim("email", pseudonymize())
        .claim("phone", encrypt())
        .build()
        .unwrap();
    let new = AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::with_previous(key("k2026", 2), [key("k2025", 1)]).unwrap())
        .encryptor(Encryptor::with_previous(key("e2026", 4), [key("e2025", 3)]).unwrap())
        .claim("email", pseudonymize())
        .claim("phone", encrypt())
        .build()
        .unwrap();
    let claims = map(json!({"email": "jane@example.com", "phone": "+14155552671"}));
    let before = old.apply(&claims);
    let after = new.apply(&claims);
    assert!(after["email"].as_str().unwrap().starts_with("ps1.k2026."));
    assert!(after["phone"].as_str().unwrap().starts_with("enc1.e2026."));
    let p = new.transformer().pseudonymizer().unwrap();
    assert!(p.verify("email", b"jane@example.com", before["email"].as_str().unwrap()));
    assert!(p.verify("email", b"jane@example.com", after["email"].as_str().unwrap()));
    assert!(!p.verify("email", b"joe@example.com", before["email"].as_str().unwrap()));
    let caller = CallerId::new("ps1.k2026.test");
    for v in [&before["phone"], &after["phone"]] {
        assert_eq!(
            &*new.reveal("phone", v.as_str().unwrap(), &caller).unwrap(),
            b"+14155552671"
        );
    }
}

#[test]
fn detectors_catch_pii_under_unexpected_names() {
    let policy = builder()
        .default_action(DefaultAction::Keep)
        .detect(Kind::Email, pseudonymize())
        .detect(Kind::PaymentCard, Strategy::Redact { text: None })
        .claim("contact", Strategy::Keep)
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "nickname": "jane@example.com",
        "misc": "paid with 4111 1111 1111 1111 today",
        "tags": ["plain", "joe@example.com"],
        "deep": {"x": {"y": "jim@example.com"}},
        "contact": "kept@example.com",
        "iss": "ops@example.com",
        "plain": "hiking",
        "n": 4,
        "card_as_number": 4111111111111111u64,
    })));
    assert_eq!(
        out["card_as_number"], "[REDACTED]",
        "a card number as a JSON number"
    );
    assert!(is_pseudonym(&out["nickname"]));
    assert_eq!(out["misc"], "[REDACTED]");
    assert_eq!(out["tags"][0], "plain");
    assert!(is_pseudonym(&out["tags"][1]));
    assert!(is_pseudonym(&out["deep"]["x"]["y"]));
    assert_eq!(out["contact"], "kept@example.com", "an explicit rule wins");
    assert_eq!(out["iss"], "ops@example.com", "registered claims are kept");
    assert_eq!(out["plain"], "hiking");
    assert_eq!(out["n"], 4);
}

/// A claim holding a URL (a `profile` or `picture` link with a query)
/// is read with its percent-escapes decoded.
#[test]
fn detectors_read_percent_encoded_claims() {
    let policy = builder()
        .default_action(DefaultAction::Keep)
        .detect(Kind::Phone, Strategy::Redact { text: None })
        .detect(Kind::PaymentCard, Strategy::Redact { text: None })
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "profile": "https://id.example/u?tel=%2B1+415+555+2671",
        "ref": "card%3D4111%201111%201111%201111",
        "plain": "50% off",
    })));
    assert_eq!(out["profile"], "[REDACTED]");
    assert_eq!(out["ref"], "[REDACTED]");
    assert_eq!(out["plain"], "50% off");
}

#[test]
fn detectors_under_drop_keep_only_what_they_transform() {
    let policy = builder()
        .default_action(DefaultAction::Drop)
        .detect(Kind::Email, pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "nickname": "jane@example.com", "plain": "x", "obj": {"a": "b"}, "mixed": {"e": "j@example.com", "f": "g"}
    })));
    assert!(is_pseudonym(&out["nickname"]));
    assert!(!out.contains_key("plain") && !out.contains_key("obj"));
    assert_eq!(out["mixed"].as_object().unwrap().len(), 1);
    assert!(is_pseudonym(&out["mixed"]["e"]));
}

#[test]
fn nesting_deeper_than_the_limit_is_not_kept_raw() {
    let mut v = json!("jane@example.com");
    for _ in 0..(shroud_anon::MAX_DEPTH + 5) {
        v = json!({ "x": v });
    }
    let policy = builder().detect(Kind::Email, pseudonymize()).build().unwrap();
    let out = Value::Object(policy.apply(&map(json!({ "deep": v.clone() }))));
    assert!(!out.to_string().contains("jane@example.com"));
    let drop = builder().default_action(DefaultAction::Drop).build().unwrap();
    assert!(drop.apply(&map(json!({ "deep": v }))).is_empty());
    // A value at every depth around the limit, under an unnamed claim and
    // under a rule that points deeper than the value goes: scalars are
    // still scanned.
    let pointer = format!("/named{}/z", "/x".repeat(shroud_anon::MAX_DEPTH + 4));
    let named = builder()
        .detect(Kind::Email, pseudonymize())
        .pointer(pointer, Strategy::Keep)
        .build()
        .unwrap();
    for levels in shroud_anon::MAX_DEPTH - 3..shroud_anon::MAX_DEPTH + 3 {
        let mut v = json!("jane@example.com");
        for _ in 0..levels {
            v = json!({ "x": v });
        }
        let out = Value::Object(policy.apply(&map(json!({ "deep": v.clone() }))));
        assert!(!out.to_string().contains("jane@example.com"), "{levels}");
        let out = Value::Object(named.apply(&map(json!({ "named": v }))));
        assert!(!out.to_string().contains("jane@example.com"), "{levels}");
    }
}

#[test]
fn member_names_are_scanned_like_values() {
    // An email used as an object key, in an unnamed claim, under a rule for
    // the whole claim, and under a rule pointing inside it.
    let policy = builder()
        .detect(Kind::Email, pseudonymize())
        .claim("contacts", pseudonymize())
        .pointer("/team/lead", Strategy::Keep)
        .build()
        .unwrap();
    let out = Value::Object(policy.apply(&map(json!({
        "contacts": {"jane@example.com": "friend"},
        "other": {"bob@example.com": 1, "plain": 2},
        "team": {"lead": "x", "ann@example.com": "member"},
        "sue@example.com": true,
    }))));
    let text = out.to_string();
    for raw in [
        "jane@example.com",
        "bob@example.com",
        "ann@example.com",
        "sue@example.com",
    ] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    // Names that are not personal stay.
    assert_eq!(out["other"]["plain"], 2);
    assert_eq!(out["team"]["lead"], "x");
    let key = out["other"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| *k != "plain")
        .unwrap();
    assert!(is_pseudonym(&Value::String(key.clone())), "{key}");
}

#[test]
fn invalid_policies_are_refused() {
    let no_keys = AnonPolicy::builder();
    assert!(matches!(
        no_keys.claim("email", pseudonymize()).build(),
        Err(PolicyError::Strategy {
            source: StrategyError::NoPseudonymKey,
            ..
        })
    ));
    assert!(matches!(
        AnonPolicy::builder().claim("email", encrypt()).build(),
        Err(PolicyError::Strategy {
            source: StrategyError::NoEncryptionKey,
            ..
        })
    ));
    assert!(matches!(
        AnonPolicy::builder().detect(Kind::Email, encrypt()).build(),
        Err(PolicyError::Detector { .. })
    ));
    assert!(matches!(
        AnonPolicy::builder()
            .claim("n", Strategy::Generalize(Generalize::Bucket { width: 0 }))
            .build(),
        Err(PolicyError::Strategy {
            source: StrategyError::Generalize(_),
            ..
        })
    ));
    assert_eq!(
        AnonPolicy::builder()
            .claim("", Strategy::Keep)
            .build()
            .unwrap_err(),
        PolicyError::BadLength(Selector::Claim(String::new()))
    );
    assert!(matches!(
        AnonPolicy::builder()
            .claim("x".repeat(2000), Strategy::Keep)
            .build(),
        Err(PolicyError::BadLength(_))
    ));
    for bad in ["address", "/a~2b", "/a~"] {
        assert_eq!(
            AnonPolicy::builder()
                .pointer(bad, Strategy::Keep)
                .build()
                .unwrap_err(),
            PolicyError::BadPointer(Selector::Pointer(bad.into())),
            "{bad}"
        );
    }
    assert!(matches!(
        AnonPolicy::builder()
            .claim("a", Strategy::Keep)
            .pointer("/a", Strategy::Drop)
            .build(),
        Err(PolicyError::Duplicate(_))
    ));
    assert!(matches!(
        AnonPolicy::builder()
            .glob("*_x", Strategy::Keep)
            .glob("*_x", Strategy::Drop)
            .build(),
        Err(PolicyError::Duplicate(_))
    ));
    // A path inside a value already transformed whole, in either order.
    for (first, second) in [("/a", "/a/b"), ("/a/b", "/a")] {
        assert!(
            matches!(
                AnonPolicy::builder()
                    .pointer(first, Strategy::Keep)
                    .pointer(second, Strategy::Drop)
                    .build(),
                Err(PolicyError::Overlap(_))
            ),
            "{first} {second}"
        );
    }
    assert!(matches!(
        AnonPolicy::builder()
            .detect(Kind::Email, Strategy::Drop)
            .detect(Kind::Email, Strategy::Keep)
            .build(),
        Err(PolicyError::DuplicateDetector(_))
    ));
}

#[test]
fn serde_model_builds_and_refuses() {
    let config: PolicyConfig = serde_json::from_value(json!({
        "default": "drop",
        "rules": [
            {"claim": "sub", "action": "pseudonymize", "domain": "person"},
            {"glob": "*_email", "action": "mask", "keep_first": 2, "shape_aware": false},
            {"pointer": "/address/country", "action": "keep"},
            {"claim": "birthdate", "action": "generalize", "to": "year"},
            {"claim": "ip", "action": "generalize", "to": "ip_prefix", "v4": 16, "v6": 32},
            {"claim": "phone", "action": "encrypt", "mode": "randomized"}
        ],
        "detectors": [{"kind": "card", "action": "redact", "text": "[card]"}]
    }))
    .unwrap();
    let policy = builder().config(config).build().unwrap();
    assert_eq!(policy.default_action(), DefaultAction::Drop);
    let out = policy.apply(&map(json!({
        "sub": "u1", "work_email": "jane@example.com", "address": {"country": "NZ", "city": "W"},
        "birthdate": "1990-05-17", "ip": "203.0.113.7", "phone": "+1 415 555 2671",
        "note": "4111111111111111", "name": "Jane"
    })));
    assert!(is_pseudonym(&out["sub"]));
    assert_eq!(out["work_email"], "ja**************");
    assert_eq!(out["address"], json!({"country": "NZ"}));
    assert_eq!(out["birthdate"], "1990");
    assert_eq!(out["ip"], "203.0.0.0/16");
    assert!(out["phone"].as_str().unwrap().starts_with("enc1.e1.r."));
    assert_eq!(out["note"], "[card]");
    assert!(!out.contains_key("name"));

    // TOML-like shapes through serde: unknown fields, unknown actions and
    // kinds, and selector mistakes are refused.
    assert!(serde_json::from_value::<PolicyConfig>(json!({"defualt": "drop"})).is_err());
    assert!(serde_json::from_value::<PolicyConfig>(json!({"default": "maybe"})).is_err());
    assert!(
        serde_json::from_value::<PolicyConfig>(json!({"rules": [{"claim": "a", "action": "shred"}]}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<PolicyConfig>(
            json!({"rules": [{"claim": "a", "action": "pseudonymize", "domian": "x"}]})
        )
        .is_err(),
        "a misspelt strategy field is refused"
    );
    let two: PolicyConfig =
        serde_json::from_value(json!({"rules": [{"claim": "a", "glob": "b", "action": "keep"}]})).unwrap();
    assert_eq!(
        AnonPolicy::builder().config(two).build().unwrap_err(),
        PolicyError::Selector
    );
    let none: PolicyConfig = serde_json::from_value(json!({"rules": [{"action": "keep"}]})).unwrap();
    assert_eq!(
        AnonPolicy::builder().config(none).build().unwrap_err(),
        PolicyError::Selector
    );
    let kind: PolicyConfig =
        serde_json::from_value(json!({"detectors": [{"kind": "dna", "action": "drop"}]})).unwrap();
    assert_eq!(
        AnonPolicy::builder().config(kind).build().unwrap_err(),
        PolicyError::UnknownKind("dna".into())
    );
}

#[test]
fn errors_and_debug_never_show_values() {
    let policy = builder().claim("email", pseudonymize()).build().unwrap();
    let shown = format!("{policy:?}");
    assert!(!shown.contains("[1, 1") && !shown.contains("jane"), "{shown}");
    let caller = CallerId::new("ps1.k2026.c");
    let err = policy.reveal("email", "enc1.e1.d.AAAA", &caller).unwrap_err();
    assert_eq!(err, RevealError::Failed);
    let no_key = AnonPolicy::builder().build().unwrap();
    assert_eq!(
        no_key.reveal("email", "enc1.e1.d.AAAA", &caller).unwrap_err(),
        RevealError::NoKey
    );
}

#[test]
fn reveal_is_bound_to_the_claim() {
    let policy = builder()
        .claim("phone", encrypt())
        .claim("email", encrypt())
        .build()
        .unwrap();
    let out = policy.apply(&map(
        json!({"phone": "+14155552671", "email": "jane@example.com"}),
    ));
    let caller = CallerId::new("ps1.k2026.c");
    let c = out["phone"].as_str().unwrap();
    assert_eq!(&*policy.reveal("phone", c, &caller).unwrap(), b"+14155552671");
    assert_eq!(
        policy.reveal("email", c, &caller).unwrap_err(),
        RevealError::Failed
    );
    let mut tampered = c.to_owned();
    tampered.push('A');
    assert_eq!(
        policy.reveal("phone", &tampered, &caller).unwrap_err(),
        RevealError::Failed
    );
}

#[test]
fn caller_id_is_a_pseudonym_of_iss_and_sub() {
    let policy = builder().build().unwrap();
    let a = policy
        .caller_id(&map(json!({"sub": "user-17", "iss": "https://a.example"})))
        .unwrap();
    assert!(a.as_str().starts_with("ps1.k2026.") && !a.as_str().contains("user-17"));
    let b = policy
        .caller_id(&map(json!({"sub": "user-17", "iss": "https://b.example"})))
        .unwrap();
    assert_ne!(a, b, "one subject at two issuers is two callers");
    assert_eq!(
        a,
        policy
            .caller_id(&map(json!({"sub": "user-17", "iss": "https://a.example"})))
            .unwrap()
    );
    // Not the pseudonym the `sub` claim itself would get.
    let p = policy.transformer().pseudonymizer().unwrap();
    assert_ne!(a.as_str(), p.pseudonymize("sub", b"user-17"));
    assert!(policy.caller_id(&map(json!({"sub": 17}))).is_none());
    assert!(
        AnonPolicy::builder()
            .build()
            .unwrap()
            .caller_id(&map(json!({"sub": "x"})))
            .is_none()
    );
}

fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9@. _-]{6,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn strings_and_numbers(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) if n.to_string().len() >= 6 => out.push(n.to_string()),
        Value::Array(a) => a.iter().for_each(|x| strings_and_numbers(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings_and_numbers(x, out)),
        _ => {}
    }
}

proptest! {
    /// No raw value of six characters or more appears anywhere in the output
    /// of a claim under pseudonymize, encrypt, drop or redact.
    #[test]
    fn no_raw_value_survives_hiding_actions(value in arb_json(), which in 0usize..4) {
        let action = match which {
            0 => pseudonymize(),
            1 => encrypt(),
            2 => Strategy::Drop,
            _ => Strategy::Redact { text: None },
        };
        let policy = builder().claim("secret", action).build().unwrap();
        let out = Value::Object(policy.apply(&map(json!({"secret": value.clone()})))).to_string();
        let mut raw = Vec::new();
        strings_and_numbers(&value, &mut raw);
        for r in raw {
            prop_assert!(!out.contains(&r), "raw value {r:?} in {out}");
        }
    }

    /// Applying any policy to any claims never panics.
    #[test]
    fn apply_never_panics(value in arb_json(), drop in any::<bool>()) {
        let policy = builder()
            .default_action(if drop { DefaultAction::Drop } else { DefaultAction::Keep })
            .pointer("/a/b", Strategy::Mask(Mask::default()))
            .glob("*x*", Strategy::Generalize(Generalize::ip()))
            .detect(Kind::Email, pseudonymize())
            .build()
            .unwrap();
        let _ = policy.apply(&map(json!({"a": value.clone(), "xx": value.clone(), "o": value})));
    }
}

#[test]
fn pseudonyms_are_those_of_the_pseudonymizer_for_every_rule_shape() {
    let p = Pseudonymizer::new(key("k2026", 1));
    let policy = builder()
        .claim("sub", pseudonymize())
        .claim(
            "email",
            Strategy::Pseudonymize {
                domain: Some("person".into()),
            },
        )
        .glob("*_email", pseudonymize())
        .pointer("/profile/phone", pseudonymize())
        .build()
        .unwrap();
    let out = policy.apply(&map(json!({
        "sub": "user-17",
        "email": "jane@example.com",
        "work_email": "jane@corp.example",
        "profile": {"phone": "+1 415 555 2671"},
    })));
    assert_eq!(out["sub"], p.pseudonymize("sub", b"user-17"));
    assert_eq!(out["email"], p.pseudonymize("person", b"jane@example.com"));
    assert_eq!(
        out["work_email"],
        p.pseudonymize("work_email", b"jane@corp.example")
    );
    assert_eq!(
        out["profile"]["phone"],
        p.pseudonymize("/profile/phone", b"+1 415 555 2671")
    );
    // The caller id: the pseudonym of the length-prefixed issuer and subject.
    let iss = "https://a.example";
    let mut input = (iss.len() as u64).to_be_bytes().to_vec();
    input.extend_from_slice(iss.as_bytes());
    input.extend_from_slice(b"user-17");
    let id = policy
        .caller_id(&map(json!({"sub": "user-17", "iss": iss})))
        .unwrap();
    assert_eq!(id.as_str(), p.pseudonymize(shroud_anon::CALLER_DOMAIN, &input));
    // An issuer and subject too long for the stack buffer give the same kind of id.
    let long = "s".repeat(300);
    let long_id = policy.caller_id(&map(json!({"sub": long, "iss": iss}))).unwrap();
    let mut input = (iss.len() as u64).to_be_bytes().to_vec();
    input.extend_from_slice(iss.as_bytes());
    input.extend_from_slice(long.as_bytes());
    assert_eq!(
        long_id.as_str(),
        p.pseudonymize(shroud_anon::CALLER_DOMAIN, &input)
    );
}
