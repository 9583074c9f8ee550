use proptest::prelude::*;
use serde_json::{Map, Value, json};
use shroud_core::{Mask, Pseudonymizer, SecretKey, Strategy, Transformer};

use super::*;
use crate::policy::Limits;
use proptest::strategy::Strategy as _;

fn run_split(policy: &Policy, input: &[u8], splits: &[usize]) -> Result<Vec<u8>, RedactError> {
    let mut r = JsonRedactor::new(policy.clone());
    let mut out = Vec::new();
    let mut last = 0;
    for &s in splits {
        let s = s.min(input.len()).max(last);
        r.feed(&input[last..s], &mut out)?;
        last = s;
    }
    r.feed(&input[last..], &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

fn bytewise(policy: &Policy, input: &[u8]) -> Result<Vec<u8>, RedactError> {
    let mut r = JsonRedactor::new(policy.clone());
    let mut out = Vec::new();
    for b in input {
        r.feed(std::slice::from_ref(b), &mut out)?;
    }
    r.finish(&mut out)?;
    Ok(out)
}

fn redact(policy: &Policy, input: &str) -> String {
    let whole = policy.redact_json(input.as_bytes()).unwrap();
    let one = bytewise(policy, input.as_bytes()).unwrap();
    assert_eq!(whole, one, "one byte per frame differs for {input}");
    String::from_utf8(whole).unwrap()
}

fn rules() -> Policy {
    Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .key("ssn", Strategy::Mask(Mask::plain(0, 4)))
        .build()
        .unwrap()
}

#[test]
fn clean_documents_pass_byte_identical() {
    let p = rules();
    for doc in [
        "{}",
        "[]",
        " { \"a\" : [ 1 , 2.5e-3 , -0 , true , false , null ] ,\n \"b\":{\"c\":\"d\\\"e\\u00e9\"} } ",
        "\"just a string\"",
        "42",
        "[[[[{}]]],[]]",
        "{\"emoji\":\"\u{1F600} caf\u{e9}\",\"n\":0}",
        "",
        "   \n",
    ] {
        assert_eq!(redact(&p, doc), doc);
    }
}

#[test]
fn dropped_members_keep_commas_valid() {
    let p = rules();
    let cases = [
        (r#"{"password":"x"}"#, r#"{}"#),
        (r#"{"password":"x","a":1}"#, r#"{"a":1}"#),
        (r#"{"a":1,"password":"x"}"#, r#"{"a":1}"#),
        (r#"{"a":1,"password":"x","b":2}"#, r#"{"a":1,"b":2}"#),
        (
            r#"{"password":{"nested":[1,{"password":2}]},"PassWord":[],"b":2}"#,
            r#"{"b":2}"#,
        ),
        (
            r#"[{"password":"x"},{"password":"y","z":null}]"#,
            r#"[{},{"z":null}]"#,
        ),
        ("{ \"password\" : \"x\" , \"a\" : 1 }", "{   \"a\" : 1 }"),
    ];
    for (input, want) in cases {
        let got = redact(&p, input);
        assert_eq!(got, want, "for {input}");
        serde_json::from_str::<Value>(&got).unwrap();
    }
}

#[test]
fn key_rules_replace_values_of_any_type() {
    let p = rules();
    assert_eq!(
        redact(
            &p,
            r#"{"X-Refresh-Token":"abc","ssn":"078-05-1120","id_token":{"a":[1,2]},"tokens":7}"#
        ),
        r#"{"X-Refresh-Token":"[REDACTED]","ssn":"*******1120","id_token":"[REDACTED]","tokens":"[REDACTED]"}"#
    );
    // An escaped key is matched on its text.
    assert_eq!(redact(&p, r#"{"pass\u0077ord":"x","k":1}"#), r#"{"k":1}"#);
    // null carries nothing and stays null.
    assert_eq!(redact(&p, r#"{"api_token":null}"#), r#"{"api_token":null}"#);
    let s = p.redact_json(br#"{"password":1,"a":{"password":2},"access_token":"t"}"#);
    assert!(s.is_ok());
}

#[test]
fn path_rules_with_wildcards_and_indexes() {
    let p = Policy::builder()
        .path("/users/*/email", Strategy::Mask(Mask::default()))
        .path("/users/0/name", Strategy::default())
        .path("/items/*", Strategy::Drop)
        .path("/meta", Strategy::Keep)
        .path("/secret", Strategy::Drop)
        .build()
        .unwrap();
    let input = r#"{"users":[{"name":"Jane","email":"jane@example.com"},{"name":"Joe","email":"joe@example.com"}],"items":[1,"a",{"b":2}],"meta":{"contact":"ops@example.com"},"secret":"s","email":"x@example.com"}"#;
    assert_eq!(
        redact(&p, input),
        r#"{"users":[{"name":"[REDACTED]","email":"j***@e******.com"},{"name":"Joe","email":"j**@e******.com"}],"items":[null,null,null],"meta":{"contact":"ops@example.com"},"email":"[REDACTED:email]"}"#
    );
    let s = {
        let mut r = JsonRedactor::new(p.clone());
        let mut out = Vec::new();
        r.feed(input.as_bytes(), &mut out).unwrap();
        r.finish(&mut out).unwrap();
        r.summary()
    };
    assert_eq!(s.rules["/users/*/email"], 2);
    assert_eq!(s.rules["/items/*"], 3);
    assert_eq!(s.rules["/secret"], 1);
    assert_eq!(s.detectors["email"], 1);
    assert!(!s.rules.contains_key("/meta"));
}

#[test]
fn detectors_scan_strings_keys_escapes_and_card_numbers() {
    let p = Policy::default();
    assert_eq!(
        redact(
            &p,
            r#"{"note":"mail jane@example.com now","esc":"jane\u0040example.com \"q\"","jane@example.com":1,"card":4111111111111111,"id":123456789012345678,"f":1.5}"#
        ),
        r#"{"note":"mail [REDACTED:email] now","esc":"[REDACTED:email] \"q\"","[REDACTED:email]":1,"card":"[REDACTED:card]","id":123456789012345678,"f":1.5}"#
    );
    let no_numbers = Policy::builder().scan_numbers(false).build().unwrap();
    assert_eq!(
        redact(&no_numbers, r#"[4111111111111111]"#),
        r#"[4111111111111111]"#
    );
    let off = Policy::builder().detectors(false).build().unwrap();
    assert_eq!(redact(&off, r#"["jane@example.com"]"#), r#"["jane@example.com"]"#);
}

/// A string holding HTML (a rendered bio, an email template) is read with
/// its character references decoded, escaped or not.
#[test]
fn character_references_in_strings_hide_nothing() {
    for doc in [
        r#"{"bio":"<p>jane&#64;example.com, +1&nbsp;415&nbsp;555&nbsp;2671</p>"}"#,
        r#"{"bio":"<p>jane&#64;example.com, +1&nbsp;415&nbsp;555&nbsp;2671<\/p>"}"#,
    ] {
        let out = redact(&Policy::default(), doc);
        for leak in ["jane", "415", "2671"] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            v["bio"]
                .as_str()
                .unwrap()
                .starts_with("<p>[REDACTED:email], [REDACTED:phone]"),
            "{out}"
        );
    }
}

/// A URL in a string (a pagination link that echoes the query) is read
/// with its percent-escapes decoded.
#[test]
fn percent_escapes_in_strings_hide_nothing() {
    let doc = r#"{"next":"/users?phone=%2B1%20415%20555%202671&page=2","q":"415+555+2671"}"#;
    let out = redact(&Policy::default(), doc);
    for leak in ["415", "2671"] {
        assert!(!out.contains(leak), "{leak} in {out}");
    }
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["next"], "/users?phone=[REDACTED:phone]&page=2", "{out}");
    assert_eq!(v["q"], "[REDACTED:phone]", "{out}");
}

#[test]
fn pseudonyms_use_the_rule_as_domain() {
    let t =
        Transformer::new().with_pseudonymizer(Pseudonymizer::new(SecretKey::new("k1", [7u8; 32]).unwrap()));
    let p = Policy::builder()
        .key("email", Strategy::Pseudonymize { domain: None })
        .transformer(t.clone())
        .build()
        .unwrap();
    let out: Value = serde_json::from_str(&redact(&p, r#"{"email":"jane@example.com"}"#)).unwrap();
    let expected = t
        .pseudonymizer()
        .unwrap()
        .pseudonymize("email", b"jane@example.com");
    assert_eq!(out["email"], Value::String(expected));
}

#[test]
fn replacements_are_escaped() {
    let p = Policy::builder()
        .key(
            "a",
            Strategy::Redact {
                text: Some("say \"no\"\n\\".into()),
            },
        )
        .build()
        .unwrap();
    let out = redact(&p, r#"{"a":"x","b":{"a":[1]}}"#);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({"a": "say \"no\"\n\\", "b": {"a": "say \"no\"\n\\"}}));
}

#[test]
fn card_numbers_are_found_in_any_number_form() {
    let p = Policy::default();
    let out = redact(
        &p,
        r#"{"a":-4111111111111111,"b":4111111111111111.0,"c":4111111111111111e0,"d":-4111111111111112,"e":1234567890123.5}"#,
    );
    assert_eq!(
        out,
        r#"{"a":"[REDACTED:card]","b":"[REDACTED:card]","c":"[REDACTED:card]","d":-4111111111111112,"e":1234567890123.5}"#
    );
    // As a float formatter writes it (Jackson's `Double`), and other
    // spellings of the same whole number.
    for form in [
        "4.111111111111111e15",
        "4.111111111111111E+15",
        "41111111111111.11e2",
        "0.4111111111111111e16",
        "411111111111111.1e1",
        "41111111111111110e-1",
        "-4.111111111111111e15",
        "4111111111111111.000",
    ] {
        let out = redact(&p, &format!(r#"{{"pan":{form}}}"#));
        assert_eq!(out, r#"{"pan":"[REDACTED:card]"}"#, "{form}");
    }
    // Not whole, not a card, or far too large: left alone, and quickly.
    for form in [
        "4.1111111111111115e15",
        "4.111111111111112e15",
        "4e15",
        "0e9999",
        "1e-9999",
        "4.111111111111111e9999",
        "1.5",
    ] {
        let text = format!(r#"{{"pan":{form}}}"#);
        assert_eq!(redact(&p, &text), text, "{form}");
    }
}

#[test]
fn whole_digits_of_number_tokens() {
    let mut buf = [0u8; 19];
    let mut w =
        |t: &str| super::whole_digits(t.as_bytes(), &mut buf).map(|d| String::from_utf8(d.to_vec()).unwrap());
    assert_eq!(w("4.111111111111111e15").as_deref(), Some("4111111111111111"));
    assert_eq!(w("12").as_deref(), Some("12"));
    assert_eq!(w("-0.12e2").as_deref(), Some("12"));
    assert_eq!(w("1200e-2").as_deref(), Some("12"));
    assert_eq!(w("1e18").as_deref(), Some("1000000000000000000"));
    assert_eq!(w("1e19"), None);
    assert_eq!(w("1201e-2"), None);
    assert_eq!(w("0"), None);
    assert_eq!(w("0.0e5"), None);
    assert_eq!(w("1e"), None);
    assert_eq!(w("1e+"), None);
    assert_eq!(w("9999999999999999999").as_deref(), Some("9999999999999999999"));
    assert_eq!(w("99999999999999999999"), None);
}

#[test]
fn detector_replacements_are_escaped() {
    // A fixed text for a detector kind takes the path that never reads the
    // value; a mask reads it. Both are escaped, in plain strings (the fast
    // lane) and in strings with escapes (the general machine).
    let p = Policy::builder()
        .detector_strategy(
            Kind::Email,
            Strategy::Redact {
                text: Some("say \"no\"\n\\".into()),
            },
        )
        .detector_strategy(Kind::IpV4, Strategy::Mask(Mask::plain(0, 0)))
        .build()
        .unwrap();
    let out = redact(
        &p,
        r#"{"a":"to jane@example.com","b":"\"jane@example.com\" at 10.1.2.3","c":["jane@example.com"]}"#,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({
            "a": "to say \"no\"\n\\",
            "b": "\"say \"no\"\n\\\" at ********",
            "c": ["say \"no\"\n\\"],
        })
    );
}

#[test]
fn malformed_documents_fail_closed() {
    let p = Policy::default();
    for bad in [
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":}",
        "[1 2]",
        "01",
        "-",
        "1.",
        "1e",
        "tru",
        "nul",
        "truex",
        "\"abc",
        "\"\\x\"",
        "\"\\u12G4\"",
        "{}{}",
        "[}",
        "{]",
        "}",
        "{\"a\":1]",
        "[\"a\":1]",
        "{1:2}",
        "@",
        "{\"a\":\"b\"} x",
        "[1,2",
        "{\"a\"",
    ] {
        let whole = p.redact_json(bad.as_bytes());
        assert!(whole.is_err(), "accepted {bad:?}");
        assert!(bytewise(&p, bad.as_bytes()).is_err(), "accepted bytewise {bad:?}");
    }
}

#[test]
fn error_output_holds_only_complete_tokens() {
    let p = Policy::default();
    let mut r = JsonRedactor::new(p);
    let mut out = Vec::new();
    let res = r.feed(br#"{"a":"ok","b":"jane@example.com","c":"jane@exam"#, &mut out);
    assert!(res.is_ok());
    assert_eq!(out, br#"{"a":"ok","b":"[REDACTED:email]","c":"#);
    let err = r.feed(br#"ple.com" oops"#, &mut out).unwrap_err();
    assert!(matches!(err, RedactError::Syntax { .. }));
    assert!(!String::from_utf8_lossy(&out).contains("jane@"));
    assert_eq!(r.feed(b"}", &mut out), Err(RedactError::Failed));
    assert_eq!(r.finish(&mut out), Err(RedactError::Failed));
}

#[test]
fn nesting_past_the_cap_is_refused() {
    let p = Policy::builder()
        .limits(Limits {
            max_depth: 4,
            ..Limits::default()
        })
        .build()
        .unwrap();
    assert!(p.redact_json(b"[[[[1]]]]").is_ok());
    assert_eq!(
        p.redact_json(b"[[[[[1]]]]]"),
        Err(RedactError::TooDeep { max: 4 })
    );
    let deep = "[".repeat(100_000);
    assert_eq!(
        Policy::default().redact_json(deep.as_bytes()),
        Err(RedactError::TooDeep { max: 128 })
    );
}

#[test]
fn pending_tokens_past_the_cap_are_refused() {
    let p = Policy::builder()
        .limits(Limits {
            max_pending: 16,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let long = format!("[\"{}\"]", "a".repeat(40));
    assert_eq!(
        p.redact_json(long.as_bytes()),
        Err(RedactError::TokenTooLong { max: 16 })
    );
    assert_eq!(
        bytewise(&p, long.as_bytes()),
        Err(RedactError::TokenTooLong { max: 16 })
    );
    let long_key = format!("{{\"{}\":1}}", "k".repeat(40));
    assert_eq!(
        p.redact_json(long_key.as_bytes()),
        Err(RedactError::TokenTooLong { max: 16 })
    );
    let long_num = format!("[{}]", "1".repeat(40));
    assert_eq!(
        p.redact_json(long_num.as_bytes()),
        Err(RedactError::TokenTooLong { max: 16 })
    );
    // Strings that need no scan are streamed, whatever their length.
    let off = Policy::builder()
        .detectors(false)
        .limits(Limits {
            max_pending: 16,
            ..Limits::default()
        })
        .build()
        .unwrap();
    assert_eq!(off.redact_json(long.as_bytes()).unwrap(), long.as_bytes());
}

#[test]
fn sequences_redact_each_record() {
    let p = rules();
    let mut r = JsonRedactor::sequence(p.clone());
    let mut out = Vec::new();
    let input = b"{\"password\":\"a\",\"x\":1}\n{\"y\":\"jane@example.com\"}\n\x1e[1]\n";
    for b in input {
        r.feed(std::slice::from_ref(b), &mut out).unwrap();
    }
    r.finish(&mut out).unwrap();
    assert_eq!(out, b"{\"x\":1}\n{\"y\":\"[REDACTED:email]\"}\n\x1e[1]\n");
    let mut r = JsonRedactor::sequence(p);
    let mut out = Vec::new();
    assert!(r.feed(b"{\"a\":1}\n{\"b\":", &mut out).is_ok());
    assert_eq!(r.finish(&mut out), Err(RedactError::Truncated));
}

#[test]
fn find_quote_agrees_with_a_plain_search() {
    let mut hay = Vec::new();
    for i in 0..400u32 {
        hay.push(match i % 37 {
            0 => b'"',
            11 => b'\\',
            5 => 0xff,
            7 => 0x22 ^ 0x80,
            _ => b'a' + (i % 26) as u8,
        });
    }
    for start in 0..hay.len() {
        for end in (start..hay.len()).step_by(3) {
            let h = &hay[start..end];
            assert_eq!(find_quote(h), h.iter().position(|&b| b == b'"' || b == b'\\'));
        }
    }
}

#[test]
fn unescape_handles_surrogates() {
    let mut s = String::new();
    unescape(br#"a\ud83d\ude00b\n\u00e9\ud800x"#, &mut s);
    assert_eq!(s, "a\u{1F600}b\n\u{e9}\u{FFFD}x");
}

// ---- properties ----

const CARDS: [u64; 3] = [4111111111111111, 5500000000000004, 378282246310005];

#[derive(Debug, Clone)]
enum Leaf {
    Text(String),
    Email(String),
    Card(usize),
    Int(i64),
    Bool(bool),
    Null,
}

fn text() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::string::string_regex("[a-z é:\"\\\\\n]{0,12}").unwrap()
}

fn leaf() -> impl proptest::strategy::Strategy<Value = Leaf> {
    prop_oneof![
        4 => text().prop_map(Leaf::Text),
        2 => ("[a-z]{3,8}", "[a-z]{3,8}", text(), text()).prop_map(|(l, d, a, b)| {
            Leaf::Email(format!("{a} {l}@{d}.com {b}"))
        }),
        1 => (0..CARDS.len()).prop_map(Leaf::Card),
        1 => any::<i32>().prop_map(|n| Leaf::Int(i64::from(n))),
        1 => any::<bool>().prop_map(Leaf::Bool),
        1 => Just(Leaf::Null),
    ]
}

#[derive(Debug, Clone)]
enum Node {
    Leaf(Leaf),
    Arr(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

fn key() -> impl proptest::strategy::Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z]{1,6}",
        1 => Just("password".to_owned()),
        1 => Just("Password".to_owned()),
        1 => Just("access_token".to_owned()),
    ]
}

fn node() -> impl proptest::strategy::Strategy<Value = Node> {
    leaf().prop_map(Node::Leaf).prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Node::Arr),
            prop::collection::vec((key(), inner), 0..6).prop_map(Node::Obj),
        ]
    })
}

/// The input document, the expected output, and the planted values.
fn build(n: &Node, planted: &mut Vec<String>) -> (Value, Value) {
    match n {
        Node::Leaf(l) => match l {
            Leaf::Text(s) => (Value::String(s.clone()), Value::String(s.clone())),
            Leaf::Email(s) => {
                let email = s.split(' ').find(|w| w.contains('@')).unwrap().to_owned();
                let redacted = s.replacen(&email, "[REDACTED:email]", 1);
                planted.push(email);
                (Value::String(s.clone()), Value::String(redacted))
            }
            Leaf::Card(i) => {
                planted.push(CARDS[*i].to_string());
                (json!(CARDS[*i]), json!("[REDACTED:card]"))
            }
            Leaf::Int(i) => (json!(i), json!(i)),
            Leaf::Bool(b) => (json!(b), json!(b)),
            Leaf::Null => (Value::Null, Value::Null),
        },
        Node::Arr(xs) => {
            let (a, b) = xs.iter().map(|x| build(x, planted)).unzip();
            (Value::Array(a), Value::Array(b))
        }
        Node::Obj(ms) => {
            let mut a = Map::new();
            let mut b = Map::new();
            for (k, v) in ms {
                let (mut inner_planted, (va, vb)) = {
                    let mut p = Vec::new();
                    let r = build(v, &mut p);
                    (p, r)
                };
                let lower = k.to_ascii_lowercase();
                // The last duplicate key wins in the input map.
                b.remove(k);
                if lower == "password" {
                    if let Value::String(s) = &va {
                        inner_planted.push(format!("\"{s}\""));
                    }
                } else if lower.contains("token") {
                    b.insert(
                        k.clone(),
                        if va.is_null() {
                            Value::Null
                        } else {
                            json!("[REDACTED]")
                        },
                    );
                } else {
                    b.insert(k.clone(), vb);
                }
                a.insert(k.clone(), va);
                planted.extend(inner_planted);
            }
            (Value::Object(a), Value::Object(b))
        }
    }
}

fn prop_policy() -> Policy {
    Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .build()
        .unwrap()
}

/// Runs `input` split at `cuts`, with or without the fast lane: the output,
/// or the error.
fn run_lane(
    policy: &Policy,
    input: &[u8],
    cuts: &[usize],
    lane: bool,
    sequence: bool,
) -> Result<Vec<u8>, RedactError> {
    let mut r = if sequence {
        JsonRedactor::sequence(policy.clone())
    } else {
        JsonRedactor::new(policy.clone())
    };
    r.lane = lane;
    let mut out = Vec::new();
    let mut last = 0;
    for &c in cuts {
        r.feed(&input[last..c], &mut out)?;
        last = c;
    }
    r.feed(&input[last..], &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

/// Policies that exercise every decision the fast lane takes or leaves.
fn lane_policies() -> Vec<Policy> {
    let small = Limits {
        max_pending: 24,
        max_depth: 4,
        ..Limits::default()
    };
    vec![
        prop_policy(),
        Policy::builder()
            .key("password", Strategy::Drop)
            .key("*token*", Strategy::default())
            .key("a*", Strategy::Keep)
            .key("b", Strategy::Mask(Mask::plain(0, 2)))
            .detectors(false)
            .build()
            .unwrap(),
        Policy::builder()
            .path("/*/a", Strategy::default())
            .path("/b/*", Strategy::Drop)
            .key("password", Strategy::Drop)
            .build()
            .unwrap(),
        Policy::builder().key("*", Strategy::Drop).build().unwrap(),
        Policy::builder().detectors(false).build().unwrap(),
        Policy::builder()
            .key("password", Strategy::Drop)
            .key("c*", Strategy::default())
            .limits(small)
            .build()
            .unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The fast lane decides nothing the general state machine would decide
    /// differently: same output, or same error, for valid, pretty, broken
    /// and truncated documents, whatever the split.
    #[test]
    fn fast_lane_agrees_with_the_general_machine(
        doc in node(),
        pretty in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(&b"{}[],:\"\\ 0a-tn\x1e"[..])), 0..3),
        cut_end in any::<bool>(),
        splits in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        sequence in any::<bool>(),
    ) {
        let mut planted = Vec::new();
        let (input, _) = build(&doc, &mut planted);
        let mut bytes = if pretty {
            serde_json::to_vec_pretty(&input).unwrap()
        } else {
            serde_json::to_vec(&input).unwrap()
        };
        if sequence {
            let again = bytes.clone();
            bytes.push(b'\n');
            bytes.extend_from_slice(&again);
        }
        for (at, b) in &edits {
            let at = at.index(bytes.len());
            bytes[at] = *b;
        }
        if cut_end {
            bytes.truncate(bytes.len() / 2);
        }
        let mut cuts: Vec<usize> = splits.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        for policy in lane_policies() {
            let general = run_lane(&policy, &bytes, &cuts, false, sequence);
            let lane = run_lane(&policy, &bytes, &cuts, true, sequence);
            prop_assert_eq!(&lane, &general, "{}", String::from_utf8_lossy(&bytes));
            // Which error a broken document gets may depend on the split
            // (a token past the cap is found at the end of a frame): compare
            // like with like.
            let whole = run_lane(&policy, &bytes, &[], true, sequence);
            prop_assert_eq!(&whole, &run_lane(&policy, &bytes, &[], false, sequence));
            if general.is_ok() {
                prop_assert_eq!(&whole, &general);
            }
        }
    }

    #[test]
    fn planted_pii_is_gone_and_the_rest_is_byte_identical(
        doc in node(),
        splits in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut planted = Vec::new();
        let (input, expected) = build(&doc, &mut planted);
        // Values under dropped keys were overwritten by later duplicates in the
        // map, so only check what serde kept.
        let input_bytes = serde_json::to_vec(&input).unwrap();
        let policy = prop_policy();
        let whole = policy.redact_json(&input_bytes).unwrap();
        let parsed: Value = serde_json::from_slice(&whole).unwrap();
        prop_assert_eq!(&parsed, &expected);
        prop_assert_eq!(&whole, &serde_json::to_vec(&expected).unwrap());
        let text = String::from_utf8_lossy(&whole);
        for p in &planted {
            if p.starts_with('"') {
                continue; // password values may legitimately equal other text
            }
            prop_assert!(!text.contains(p.as_str()), "planted {} survived", p);
        }
        let mut cuts: Vec<usize> = splits.iter().map(|i| i.index(input_bytes.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(&run_split(&policy, &input_bytes, &cuts).unwrap(), &whole);
        prop_assert_eq!(&bytewise(&policy, &input_bytes).unwrap(), &whole);
        // Pretty-printed input gives the same document.
        let pretty = serde_json::to_vec_pretty(&input).unwrap();
        let out = policy.redact_json(&pretty).unwrap();
        prop_assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_leak(
        prefix in prop::collection::vec(any::<u8>(), 0..64),
        suffix in prop::collection::vec(any::<u8>(), 0..64),
        quote in any::<bool>(),
        splits in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut input = prefix;
        if quote {
            input.push(b'"');
        }
        input.extend_from_slice(b" jane.roe@example.com ");
        input.extend_from_slice(&suffix);
        let policy = prop_policy();
        let mut cuts: Vec<usize> = splits.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        for res in [policy.redact_json(&input), run_split(&policy, &input, &cuts), bytewise(&policy, &input)] {
            let out = match res {
                Ok(out) => out,
                Err(_) => continue,
            };
            prop_assert!(!String::from_utf8_lossy(&out).contains("jane.roe@example.com"));
        }
        // Partial output before an error holds no secret either.
        let mut r = JsonRedactor::new(policy);
        let mut out = Vec::new();
        for b in &input {
            if r.feed(std::slice::from_ref(b), &mut out).is_err() {
                break;
            }
        }
        let _ = r.finish(&mut out);
        prop_assert!(!String::from_utf8_lossy(&out).contains("jane.roe@example.com"));
    }

    #[test]
    fn valid_json_in_valid_json_out(doc in node()) {
        let mut planted = Vec::new();
        let (input, _) = build(&doc, &mut planted);
        let bytes = serde_json::to_vec_pretty(&input).unwrap();
        let out = Policy::default().redact_json(&bytes).unwrap();
        prop_assert!(serde_json::from_slice::<Value>(&out).is_ok());
    }
}

proptest! {
    /// The word-at-a-time escape check against a byte loop, on bytes at and
    /// around every boundary it tests (control bytes, `"`, `\`, their
    /// neighbours, DEL and high bytes whose low bits mimic them).
    #[test]
    fn escape_check_agrees_with_a_byte_loop(
        b in proptest::collection::vec(
            prop_oneof![
                8 => Just(b'a'),
                1 => proptest::sample::select(vec![
                    0x00, 0x01, 0x1f, 0x20, 0x21, b'"', 0x23, b'[', b'\\', b']', 0x7f, 0x80, 0x9f, 0xa0,
                    0xa2, 0xdc, 0xff,
                ]),
            ],
            0..40,
        ),
    ) {
        let want = b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        prop_assert_eq!(needs_escape(&b), want);
    }
}

/// A JSON document inside a string value gets the key rules too: the
/// client parses it, and names or secrets there are no detector kind.
#[test]
fn documents_inside_strings_get_the_rules() {
    let p = rules();
    let inner =
        json!({"name": "x", "password": "hunter2", "api_token": "t0k3n", "n": [1, {"password": "p"}]});
    let doc = json!({"profile": inner.to_string(), "list": json!([{"password": "q"}]).to_string()});
    let out: Value = serde_json::from_str(&redact(&p, &doc.to_string())).unwrap();
    let profile: Value = serde_json::from_str(out["profile"].as_str().unwrap()).unwrap();
    assert_eq!(
        profile,
        json!({"name": "x", "api_token": "[REDACTED]", "n": [1, {}]})
    );
    let list: Value = serde_json::from_str(out["list"].as_str().unwrap()).unwrap();
    assert_eq!(list, json!([{}]));

    // A document in a string in a document in a string: still redacted.
    let deep = json!({"outer": json!({"inner": json!({"password": "x"}).to_string()}).to_string()});
    let out: Value = serde_json::from_str(&redact(&p, &deep.to_string())).unwrap();
    let outer: Value = serde_json::from_str(out["outer"].as_str().unwrap()).unwrap();
    assert_eq!(outer["inner"], "{}");

    // Text with quotes, text that is not JSON after all, and a clean
    // document pass as they came (detectors still run on the text).
    for clean in [
        r#"{"a":"say \"hi\""}"#,
        r#"{"a":"{\"a\": oops} mail jane@example.com"}"#,
        r#"{"a":"[\"x\",\"y\"]"}"#,
    ] {
        let out = redact(&p, clean);
        assert!(!out.contains("jane@"), "{out}");
        if !clean.contains("jane") {
            assert_eq!(out, clean);
        }
    }
    // Without rules, strings are only scanned.
    let none = Policy::default();
    let text = r#"{"a":"{\"password\":\"hunter2\"}"}"#;
    assert_eq!(redact(&none, text), text);
}
