//! Detection quality on a seeded corpus: recall per kind on valid values,
//! near misses that must not be flagged, and negative text (UUIDs, order
//! numbers, hex hashes, timestamps, versions, prices) that must stay clean.
#![allow(clippy::print_stdout)]

mod corpus;

use shroud_core::{Kind, Scanner};

#[test]
fn detection_quality_meets_targets() {
    let scanner = Scanner::new();
    let rows = corpus::quality(&scanner, 0x5eed_2026, 3000);
    println!("{}", corpus::table(&rows));
    for row in &rows {
        assert!(
            row.recall() >= row.target,
            "{}: recall {:.4} below {}",
            row.kind,
            row.recall(),
            row.target
        );
        assert!(
            row.negative_rate() <= 0.005,
            "{}: {:.4} of negative samples flagged",
            row.kind,
            row.negative_rate()
        );
        assert!(
            row.near_miss_rate() <= 0.005,
            "{}: {:.4} of near misses flagged",
            row.kind,
            row.near_miss_rate()
        );
    }
}

#[test]
fn written_variants_are_found_whole() {
    let scanner = Scanner::new();
    let mut r = corpus::rng(0x5eed_2027);
    for kind in [Kind::Iban, Kind::PaymentCard, Kind::Phone] {
        for _ in 0..1000 {
            let value = corpus::variant(kind, &mut r).expect("a variant");
            let (text, range) = corpus::embed(&mut r, &value);
            let found = scanner.scan_str(&text);
            assert!(
                found.iter().any(|f| f.kind == kind && f.range == range),
                "{kind:?} {value:?} in {text:?}: {found:?}"
            );
        }
    }
}

#[test]
fn clean_prose_has_no_findings() {
    let mut r = corpus::rng(7);
    let text = corpus::clean_text(&mut r, 256 * 1024);
    let found = Scanner::new().scan_str(&text);
    assert!(
        found.is_empty(),
        "{} findings, first {:?}",
        found.len(),
        found.first()
    );
}

#[test]
fn dense_text_findings_are_valid_and_ordered() {
    let mut r = corpus::rng(8);
    let text = corpus::dense_text(&mut r, 256 * 1024);
    let found = Scanner::new().scan_str(&text);
    assert!(found.len() > 2000, "only {} findings", found.len());
    for w in found.windows(2) {
        assert!(
            w[0].range.end <= w[1].range.start,
            "overlap {:?} {:?}",
            w[0],
            w[1]
        );
    }
    for f in &found {
        assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
    }
}
