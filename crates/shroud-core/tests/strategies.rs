//! Strategies: pseudonyms (determinism, domains, rotation), encryption
//! (round trips, tampering, rotation), masks, generalization, fail-closed
//! application.

use shroud_core::{
    DecryptError, EncryptError, EncryptionMode, Encryptor, Generalize, GeneralizeError, Kind, MAX_PLAINTEXT,
    Mask, Outcome, Pseudonymizer, Redactor, SecretKey, Strategy, StrategyError, Target, Transformer,
};

fn key(id: &str, fill: u8) -> SecretKey {
    SecretKey::new(id, vec![fill; 32]).expect("valid key")
}

#[test]
fn pseudonyms_are_deterministic_per_key_and_domain() {
    let p = Pseudonymizer::new(key("k1", 1));
    let a = p.pseudonymize("email", b"jane@example.com");
    assert_eq!(a, p.pseudonymize("email", b"jane@example.com"));
    assert_ne!(a, p.pseudonymize("email", b"john@example.com"));
    assert_ne!(a, p.pseudonymize("contact", b"jane@example.com"));
    // Same domain and value under another key: unrelated tag.
    let other = Pseudonymizer::new(key("k1", 2)).pseudonymize("email", b"jane@example.com");
    assert_ne!(a, other);
    assert_eq!(Pseudonymizer::key_id_of(&a), Some("k1"));
    assert_eq!(a.len(), "ps1.k1.".len() + 22);
    // Domain framing: ("ab", "c") and ("a", "bc") must not collide.
    assert_ne!(p.pseudonymize("ab", b"c"), p.pseudonymize("a", b"bc"));
}

#[test]
fn pseudonym_rotation_keeps_old_ones_resolvable() {
    let old = Pseudonymizer::new(key("k2025", 1));
    let before = old.pseudonymize("sub", b"user-42");
    let rotated = Pseudonymizer::with_previous(key("k2026", 2), [key("k2025", 1)]).unwrap();
    let after = rotated.pseudonymize("sub", b"user-42");
    assert!(after.starts_with("ps1.k2026."));
    assert_ne!(before, after);
    assert!(rotated.verify("sub", b"user-42", &before));
    assert!(rotated.verify("sub", b"user-42", &after));
    assert!(!rotated.verify("sub", b"user-43", &before));
    assert!(!rotated.verify("email", b"user-42", &before));
    // A key that is no longer held resolves nothing.
    let dropped = Pseudonymizer::new(key("k2026", 2));
    assert!(!dropped.verify("sub", b"user-42", &before));
    // Tampered or malformed pseudonyms.
    let mut bad = after.clone();
    bad.pop();
    bad.push(if after.ends_with('A') { 'B' } else { 'A' });
    assert!(!rotated.verify("sub", b"user-42", &bad));
    for junk in [
        "",
        "ps1",
        "ps1..abc",
        "ps2.k2026.abc",
        "ps1.k2026.!!!!",
        "ps1.k2026.AAAA",
    ] {
        assert!(!rotated.verify("sub", b"user-42", junk), "{junk}");
    }
    assert!(Pseudonymizer::with_previous(key("a", 1), [key("a", 2)]).is_err());
}

#[test]
fn pseudonym_tag_length_is_configurable_and_bounded() {
    let p = Pseudonymizer::new(key("k", 1)).with_tag_len(32).unwrap();
    let long = p.pseudonymize("d", b"v");
    assert_eq!(long.len(), "ps1.k.".len() + 43);
    assert!(p.verify("d", b"v", &long));
    assert!(Pseudonymizer::new(key("k", 1)).with_tag_len(4).is_err());
    assert!(Pseudonymizer::new(key("k", 1)).with_tag_len(33).is_err());
}

#[test]
fn encryption_round_trips_in_both_modes() {
    let e = Encryptor::new(key("e1", 3));
    for mode in [EncryptionMode::Deterministic, EncryptionMode::Randomized] {
        for value in ["", "jane@example.com", "ünïcödé ✓", &"x".repeat(10_000)] {
            let c = e.encrypt("email", value.as_bytes(), mode).unwrap();
            assert_eq!(&**e.decrypt("email", &c).unwrap(), value.as_bytes());
            assert!(!c.contains(value) || value.is_empty());
            assert_eq!(Encryptor::key_id_of(&c), Some("e1"));
        }
    }
    let d1 = e.encrypt("f", b"v", EncryptionMode::Deterministic).unwrap();
    let d2 = e.encrypt("f", b"v", EncryptionMode::Deterministic).unwrap();
    assert_eq!(d1, d2, "deterministic mode is stable");
    assert_ne!(d1, e.encrypt("g", b"v", EncryptionMode::Deterministic).unwrap());
    let r1 = e.encrypt("f", b"v", EncryptionMode::Randomized).unwrap();
    let r2 = e.encrypt("f", b"v", EncryptionMode::Randomized).unwrap();
    assert_ne!(r1, r2, "randomized mode hides equality");
}

#[test]
fn encryption_refuses_tampering_wrong_domain_and_unknown_keys() {
    let e = Encryptor::new(key("e1", 3));
    for mode in [EncryptionMode::Deterministic, EncryptionMode::Randomized] {
        let c = e.encrypt("email", b"jane@example.com", mode).unwrap();
        assert_eq!(e.decrypt("phone", &c).unwrap_err(), DecryptError::Failed);
        // Flip every character of the body in turn.
        let body_at = c.rfind('.').unwrap() + 1;
        for i in body_at..c.len() {
            let mut b = c.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(b).unwrap();
            if t != c {
                assert!(e.decrypt("email", &t).is_err(), "flip at {i}");
            }
        }
        // Swapping the mode letter breaks authentication too.
        let swapped = c
            .replacen(".d.", ".r.", 1)
            .replacen(".r.", ".d.", usize::from(c.contains(".r.")));
        if swapped != c {
            assert!(e.decrypt("email", &swapped).is_err());
        }
        assert!(e.decrypt("email", &c[..c.len() - 4]).is_err());
    }
    let other = Encryptor::new(key("e2", 4));
    let c = other.encrypt("email", b"x", EncryptionMode::Randomized).unwrap();
    assert_eq!(e.decrypt("email", &c).unwrap_err(), DecryptError::UnknownKey);
    // Same id, other secret: indistinguishable from tampering.
    let impostor = Encryptor::new(key("e1", 9))
        .encrypt("email", b"x", EncryptionMode::Randomized)
        .unwrap();
    assert_eq!(e.decrypt("email", &impostor).unwrap_err(), DecryptError::Failed);
    for junk in [
        "",
        "enc1",
        "enc1.e1",
        "enc1.e1.x.AAAA",
        "enc1.e1.r.",
        "enc1.e1.r.AAAA",
        "enc2.e1.r.AAAA",
    ] {
        assert!(e.decrypt("email", junk).is_err(), "{junk}");
    }
    let huge = format!("enc1.e1.r.{}", "A".repeat(200_000));
    assert_eq!(e.decrypt("email", &huge).unwrap_err(), DecryptError::Malformed);
    assert_eq!(
        e.encrypt("d", &vec![0u8; MAX_PLAINTEXT + 1], EncryptionMode::Randomized)
            .unwrap_err(),
        EncryptError::TooLarge
    );
}

#[test]
fn encryption_rotation() {
    let old = Encryptor::new(key("e2025", 1));
    let before = old
        .encrypt("ssn", b"123-45-6789", EncryptionMode::Deterministic)
        .unwrap();
    let ring = Encryptor::with_previous(key("e2026", 2), [key("e2025", 1)]).unwrap();
    let after = ring
        .encrypt("ssn", b"123-45-6789", EncryptionMode::Deterministic)
        .unwrap();
    assert!(after.starts_with("enc1.e2026.d."));
    assert_eq!(&**ring.decrypt("ssn", &before).unwrap(), b"123-45-6789");
    assert_eq!(&**ring.decrypt("ssn", &after).unwrap(), b"123-45-6789");
    assert_eq!(ring.active_key_id().as_str(), "e2026");
}

#[test]
fn masks() {
    let m = Mask::default();
    assert_eq!(m.apply("jane.roe@example.com"), "j*******@e******.com");
    assert_eq!(m.apply("a@b.io"), "*@*.io");
    assert_eq!(m.apply("+1 (415) 555-2671"), "+* (***) ***-2671");
    assert_eq!(m.apply("4111111111111111"), "************1111");
    assert_eq!(m.apply("Jonathan"), "J*******");
    assert_eq!(m.apply("J"), "*");
    assert_eq!(m.apply(""), "");
    assert_eq!(Mask::plain(2, 2).apply("Zoë Müller"), "Zo******er");
    assert_eq!(Mask::plain(3, 3).apply("short"), "*****");
    let hash = Mask {
        mask_char: '#',
        ..Mask::plain(0, 4)
    };
    assert_eq!(hash.apply("secretvalue"), "#######alue");
}

#[test]
fn generalization_edges() {
    let g = Generalize::IpPrefix { v4: 16, v6: 32 };
    assert_eq!(g.apply("10.20.30.40").unwrap(), "10.20.0.0/16");
    assert_eq!(g.apply("2001:db8:1:2::3").unwrap(), "2001:db8::/32");
    assert_eq!(
        Generalize::IpPrefix { v4: 0, v6: 0 }.apply("8.8.8.8").unwrap(),
        "0.0.0.0/0"
    );
    // Settings that would keep the value are refused.
    for g in [
        Generalize::IpPrefix { v4: 32, v6: 48 },
        Generalize::IpPrefix { v4: 24, v6: 128 },
        Generalize::Bucket { width: 1 },
        Generalize::Bucket { width: 0 },
    ] {
        assert_eq!(g.validate(), Err(GeneralizeError::Invalid), "{g:?}");
        assert_eq!(g.apply("8.8.8.8"), Err(GeneralizeError::Invalid), "{g:?}");
    }
    assert_eq!(
        Generalize::IpPrefix { v4: 31, v6: 127 }.apply("8.8.8.9").unwrap(),
        "8.8.8.8/31"
    );
    // Unknown settings are refused, not ignored.
    for bad in [
        r#"{"to": "year", "precision": 1}"#,
        r#"{"to": "bucket", "width": 10, "round": "up"}"#,
    ] {
        assert!(serde_json::from_str::<Generalize>(bad).is_err(), "{bad}");
    }
    assert_eq!(
        serde_json::from_str::<Generalize>(r#"{"to": "bucket", "width": 10}"#).unwrap(),
        Generalize::Bucket { width: 10 }
    );
    assert_eq!(
        Generalize::IpPrefix { v4: 33, v6: 48 }
            .apply("8.8.8.8")
            .unwrap_err(),
        GeneralizeError::Invalid
    );
    assert_eq!(
        Generalize::ip().apply("jane@example.com").unwrap_err(),
        GeneralizeError::NotAnIp
    );
    assert_eq!(Generalize::Year.apply("1990").unwrap(), "1990");
    assert_eq!(
        Generalize::Month.apply("1990-13-01").unwrap_err(),
        GeneralizeError::NotADate
    );
    assert_eq!(
        Generalize::Year.apply("19900").unwrap_err(),
        GeneralizeError::NotADate
    );
    assert_eq!(Generalize::Bucket { width: 10 }.apply("-3").unwrap(), "-10--1");
    assert_eq!(
        Generalize::Bucket { width: 5 }.apply_number(42.9).unwrap(),
        "40-44"
    );
    assert_eq!(
        Generalize::Bucket { width: 0 }.apply("1").unwrap_err(),
        GeneralizeError::Invalid
    );
    assert_eq!(
        Generalize::Bucket { width: 10 }.apply("NaN").unwrap_err(),
        GeneralizeError::NotANumber
    );
    assert_eq!(
        Generalize::Bucket { width: 10 }.apply("1e300").unwrap_err(),
        GeneralizeError::NotANumber
    );
}

#[test]
fn transformer_checks_at_construction_and_fails_closed() {
    let bare = Transformer::new();
    assert_eq!(
        bare.check(&Strategy::Pseudonymize { domain: None }),
        Err(StrategyError::NoPseudonymKey)
    );
    assert_eq!(
        bare.check(&Strategy::Encrypt {
            mode: EncryptionMode::Randomized,
            domain: None
        }),
        Err(StrategyError::NoEncryptionKey)
    );
    assert!(
        bare.check(&Strategy::Generalize(Generalize::Bucket { width: 0 }))
            .is_err()
    );
    assert!(
        Redactor::builder()
            .strategy(Kind::Email, Strategy::Pseudonymize { domain: None })
            .build()
            .is_err()
    );

    let t = Target {
        domain: "ip",
        label: Some("ip"),
    };
    // Generalizing something that is not an IP redacts it rather than passing it.
    assert_eq!(
        bare.apply(&Strategy::Generalize(Generalize::ip()), t, "not-an-ip"),
        Outcome::Replace("[REDACTED:ip]".into())
    );
    // Missing keys at apply time (a transformer not checked) also redact.
    assert_eq!(
        bare.apply(&Strategy::Pseudonymize { domain: None }, t, "v"),
        Outcome::Replace("[REDACTED:ip]".into())
    );
    let plain = Target {
        domain: "x",
        label: None,
    };
    assert_eq!(
        bare.apply(&Strategy::default(), plain, "v"),
        Outcome::Replace("[REDACTED]".into())
    );
    assert_eq!(
        bare.apply(
            &Strategy::Redact {
                text: Some("<hidden>".into())
            },
            t,
            "v"
        ),
        Outcome::Replace("<hidden>".into())
    );
    assert_eq!(bare.apply(&Strategy::Drop, t, "v"), Outcome::Drop);
    assert_eq!(bare.apply(&Strategy::Keep, t, "v"), Outcome::Keep);
}

#[test]
fn shared_domain_links_fields() {
    let t = Transformer::new().with_pseudonymizer(Pseudonymizer::new(key("k", 5)));
    let shared = Strategy::Pseudonymize {
        domain: Some("person".into()),
    };
    let a = t.apply(
        &shared,
        Target {
            domain: "sub",
            label: None,
        },
        "jane",
    );
    let b = t.apply(
        &shared,
        Target {
            domain: "email",
            label: None,
        },
        "jane",
    );
    assert_eq!(a, b);
    let own = Strategy::Pseudonymize { domain: None };
    let c = t.apply(
        &own,
        Target {
            domain: "sub",
            label: None,
        },
        "jane",
    );
    let d = t.apply(
        &own,
        Target {
            domain: "email",
            label: None,
        },
        "jane",
    );
    assert_ne!(c, d);
}

#[test]
fn redactor_applies_per_kind_strategies() {
    let t = Transformer::new()
        .with_pseudonymizer(Pseudonymizer::new(key("p", 6)))
        .with_encryptor(Encryptor::new(key("e", 7)));
    let r = Redactor::builder()
        .transformer(t)
        .strategy(Kind::Email, Strategy::Pseudonymize { domain: None })
        .strategy(
            Kind::Ssn,
            Strategy::Encrypt {
                mode: EncryptionMode::Deterministic,
                domain: None,
            },
        )
        .strategy(Kind::IpV4, Strategy::Generalize(Generalize::ip()))
        .strategy(Kind::AwsAccessKey, Strategy::Drop)
        .build()
        .unwrap();
    let out = r.redact_str("u jane@example.com ssn 123-45-6789 ip 203.0.113.9 key AKIAIOSFODNN7EXAMPLE.");
    assert!(!out.contains("jane@example.com") && !out.contains("123-45-6789") && !out.contains("AKIA"));
    assert!(out.contains("ps1.p."), "{out}");
    assert!(out.contains("enc1.e.d."), "{out}");
    assert!(out.contains("ip 203.0.113.0/24 key ."), "{out}");
    let ct = out.split_whitespace().find(|w| w.starts_with("enc1.")).unwrap();
    let e = r.transformer().encryptor().unwrap();
    assert_eq!(&**e.decrypt("ssn", ct).unwrap(), b"123-45-6789");
    let bytes = r.redact_bytes(b"\xff\xfe jane@example.com \xff");
    assert!(bytes.starts_with(b"\xff\xfe ps1.p.") && bytes.ends_with(b" \xff"));
}
