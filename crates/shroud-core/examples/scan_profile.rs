//! Scans generated text in a loop, for profilers:
//! `cargo run -p shroud-core --release --example scan_profile -- prose|clean|dense [ITERATIONS]`.
#![allow(clippy::print_stdout)]

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use shroud_core::Scanner;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "clean".into());
    let iters: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let mut r = corpus::rng(42);
    let clean = corpus::clean_text(&mut r, 1 << 20);
    let dense = corpus::dense_text(&mut r, 1 << 20);
    let text = match which.as_str() {
        "dense" => dense,
        "prose" => corpus::prose(&mut r, 1 << 20),
        _ => clean,
    };
    let triggers = text
        .bytes()
        .filter(|b| b.is_ascii_digit() || *b == b':' || *b == b'@')
        .count();
    let starts = text
        .as_bytes()
        .windows(2)
        .filter(|w| !w[0].is_ascii_alphanumeric() && (w[1].is_ascii_digit() || w[1] == b':' || w[1] == b'@'))
        .count();
    println!("{which}: {triggers} trigger bytes, {starts} at word starts");
    let scanner = Scanner::new();
    let start = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..iters {
        scanner.for_each(text.as_bytes(), |_| n += 1);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{which}: {n} findings, {:.1} MiB/s", iters as f64 / secs);
}
