//! The scanner never panics and always answers ordered, in-bounds,
//! non-overlapping findings on ASCII boundaries, whatever the input.

use proptest::prelude::*;
use shroud_core::{LiteralOptions, Redactor, Scanner};

/// Fragments that drive the scanner into every detector and its edge cases.
const FRAGMENTS: &[&str] = &[
    "@",
    ".",
    "..",
    ":",
    "::",
    "+",
    "(",
    ")",
    "-",
    " ",
    "=",
    "==",
    "_",
    "/",
    "eyJ",
    "eyJhbGciOiJIUzI1NiJ9",
    "AKIA",
    "ASIA",
    "ghp_",
    "github_pat_",
    "xoxb-",
    "AIza",
    "sk_live_",
    "Bearer ",
    "Basic ",
    "dXNlcjpwYXNz",
    "-----BEGIN ",
    "PRIVATE KEY-----",
    "-----END ",
    "RSA ",
    "4111",
    "1111",
    "0000",
    "123",
    "45",
    "6789",
    "255",
    "256",
    "0",
    "1",
    "9",
    "DE89",
    "3704",
    "GB82",
    "WEST",
    "ffff",
    "fe80",
    "db8",
    "2001",
    "a",
    "Z",
    "jane",
    "example",
    "com",
    "é",
    "\u{1F600}",
    "\n",
    "\t",
    "\"",
    "'",
];

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..4),
            (0u8..10).prop_map(|d| vec![b'0' + d]),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

/// Checks the findings of `scanner` in `hay`. `builtin_only`: the scanner
/// has no custom detector, so every boundary is an ASCII byte (a custom
/// match is widened to whole characters, and a built-in finding merged with
/// one covers it).
fn check(scanner: &Scanner, hay: &[u8], builtin_only: bool) {
    let found = scanner.scan(hay);
    let mut last = 0;
    for f in &found {
        assert!(f.range.start >= last, "overlap or disorder: {found:?}");
        assert!(f.range.start < f.range.end && f.range.end <= hay.len());
        if builtin_only {
            assert!(hay[f.range.start].is_ascii() && hay[f.range.end - 1].is_ascii());
        }
        // Never inside a character of a text.
        if let Ok(text) = std::str::from_utf8(hay) {
            assert!(
                text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end),
                "{found:?}"
            );
        }
        last = f.range.end;
    }
    assert_eq!(scanner.is_clean(hay), found.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(hay in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&Scanner::new(), &hay, true);
    }

    #[test]
    fn structured_fragments(hay in fragments()) {
        check(&Scanner::new(), &hay, true);
        let _ = Redactor::default().redact_bytes(&hay);
    }

    #[test]
    fn text_redaction_removes_every_finding(hay in fragments()) {
        let text = String::from_utf8_lossy(&hay).into_owned();
        let r = Redactor::default();
        let out = r.redact_str(&text);
        let found = r.scanner().scan_str(&text);
        // The text with every finding cut out: a value may also occur
        // where it is no finding (`Basic eyJ…9` inside the longer
        // `Basic eyJ…90Bearer`, which is none), and may survive there.
        let mut rest = String::new();
        let mut last = 0;
        for f in &found {
            rest.push_str(&text[last..f.range.start]);
            rest.push('\0');
            last = f.range.end;
        }
        rest.push_str(&text[last..]);
        for f in &found {
            let value = &text[f.range.clone()];
            if value.len() >= 8 && !rest.contains(value) {
                prop_assert!(!out.contains(value), "{value:?} survived");
            }
        }
    }
}

#[test]
fn custom_detectors_never_panic_either() {
    let scanner = Scanner::builder()
        .regex("num", r"\d{3,}")
        .literals(
            "names",
            ["jane", "JANE DOE", "e"],
            LiteralOptions {
                case_insensitive: true,
                whole_words: true,
            },
        )
        .build()
        .unwrap();
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&fragments(), |hay| {
            check(&scanner, &hay, false);
            Ok(())
        })
        .unwrap();
}

#[test]
fn pathological_inputs_stay_linear() {
    // Long runs that every detector starts on but none completes.
    let scanner = Scanner::new();
    for unit in [
        "eyJ",
        "1",
        "1-",
        "a@",
        "::",
        "AKIA",
        "Bearer ",
        "1.",
        "DE89",
        "(1) ",
        "-----BEGIN PRIVATE KEY-----\n",
    ] {
        let hay = unit.repeat(100_000 / unit.len());
        let found = scanner.scan(hay.as_bytes());
        assert!(found.len() < hay.len(), "{unit}");
    }
}

#[test]
fn custom_matches_cover_whole_characters() {
    // A pattern without Unicode matches bytes: `.{2}` after `ref=` takes the
    // first byte of `é`. The finding covers the whole character, and the
    // text is redacted, never sliced inside it.
    let scanner = Scanner::builder().regex("ref", r"ref=.{2}").build().unwrap();
    let r = Redactor::builder().scanner(scanner).build().unwrap();
    for text in ["ref=né…", "ref=é", "x ref=\u{1F600}z"] {
        let out = r.redact_str(text);
        assert!(!out.contains("ref="), "{text:?} -> {out:?}");
        check(r.scanner(), text.as_bytes(), false);
    }
}

#[test]
fn overlapping_findings_are_merged_not_dropped() {
    // The custom match (a name) and the email overlap: both are covered.
    let scanner = Scanner::builder()
        .regex("name", r"name=[A-Za-z. ]+")
        .build()
        .unwrap();
    let r = Redactor::builder().scanner(scanner).build().unwrap();
    let out = r.redact_str("name=Jane Roe jane.roe@verylongdomain.example.com end");
    assert!(!out.contains("Jane") && !out.contains("jane"), "{out}");
    assert_eq!(out, "[REDACTED:email] end");
}
