//! Prints the detection-quality table (recall, near misses, negative text)
//! for the seeded corpus, as recorded in docs/detection.md.
//!
//! `cargo run -p shroud-core --release --example detection_report [N] [--misses KIND]`
#![allow(clippy::print_stdout)]

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use shroud_core::{Kind, Scanner};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(3000);
    let scanner = Scanner::new();
    if let Some(i) = args.iter().position(|a| a == "--misses") {
        let kind = args
            .get(i + 1)
            .and_then(|k| Kind::from_name(k))
            .unwrap_or(Kind::Email);
        let mut r = corpus::rng(1);
        let mut shown = 0;
        for _ in 0..n {
            let v = corpus::valid(kind, &mut r);
            let (text, range) = corpus::embed(&mut r, &v);
            let got = scanner.scan_str(&text);
            if !got.iter().any(|f| f.kind == kind && f.range == range) && shown < 20 {
                shown += 1;
                println!(
                    "missed {text:?}: got {:?}",
                    got.iter()
                        .map(|f| (f.kind, &text[f.range.clone()]))
                        .collect::<Vec<_>>()
                );
            }
        }
        return;
    }
    let rows = corpus::quality(&scanner, 0x5eed_2026, n);
    println!("{}", corpus::table(&rows));
}
