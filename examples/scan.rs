//! Scans a sample document for personal data and secrets, prints each
//! finding (kind and byte range, never the value) and the redacted text.
//!
//! ```text
//! cargo run --example scan             # the built-in sample
//! cargo run --example scan -- FILE     # a file of your own
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use shroud::core::{Kind, Mask, Redactor, Scanner, Strategy};

const SAMPLE: &str = "\
Support ticket #48213 (opened 2026-11-02T09:14:55Z, app v3.12.0)

From: Jane Roe <jane.roe@example.com>, phone +1 (415) 555-2671
Customer says card 4111 1111 1111 1111 was charged $1,299.99 twice.
Refund to IBAN DE89 3704 0044 0532 0130 00. SSN on file: 123-45-6789.
Seen from 203.0.113.7 and 2001:db8:85a3::8a2e:370:7334.
Debug dump: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.Q2h2YzRJc0xhNlc5cV9uYVh0bGJ5
Deploy key AKIAIOSFODNN7EXAMPLE leaked in build 550e8400-e29b-41d4-a716-446655440000.
";

fn main() {
    let text = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                std::process::exit(2);
            }
        },
        None => SAMPLE.to_owned(),
    };
    let scanner = Scanner::new();
    let findings = scanner.scan_str(&text);
    println!("{} findings:", findings.len());
    for f in &findings {
        println!(
            "  {:<12} bytes {:>4}..{:<4}",
            scanner.kind_name(f.kind),
            f.range.start,
            f.range.end
        );
    }
    let redactor = Redactor::builder()
        .strategy(Kind::PaymentCard, Strategy::Mask(Mask::default()))
        .strategy(Kind::Phone, Strategy::Mask(Mask::default()))
        .build()
        .expect("no key needed");
    println!("\nredacted:\n{}", redactor.redact_str(&text));
}
