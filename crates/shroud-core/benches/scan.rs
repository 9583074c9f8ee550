//! Scanning throughput: shroud's scanner against a baseline of one ASCII-only
//! `regex` alternation of equivalent patterns followed by the same checksum
//! checks, in one run, on 1 MiB each of: prose without PII or numbers;
//! log-like text without PII but with a numeric token (timestamp, UUID,
//! hash, version, price, order number) about every eighty bytes; and text
//! dense with PII (a value every third token).
//!
//! `cargo bench -p shroud-core --bench scan`
#![allow(missing_docs, clippy::print_stderr)]

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use regex::bytes::Regex;
use shroud_core::{Kind, Redactor, Scanner, checksum};

const MIB: usize = 1 << 20;

/// The baseline: one alternation (most specific first, as leftmost-first
/// semantics need), then each match classified by its anchored pattern and
/// validated with the same checks the scanner uses.
struct Baseline {
    all: Regex,
    kinds: Vec<(Kind, Regex)>,
}

const PATTERNS: &[(Kind, &str)] = &[
    (
        Kind::Jwe,
        r"\beyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{16,}",
    ),
    (
        Kind::Jwt,
        r"\beyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
    ),
    (Kind::AwsAccessKey, r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b"),
    (
        Kind::ApiKey,
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|xox[bpars]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|AIza[A-Za-z0-9_-]{35}|npm_[A-Za-z0-9]{36})",
    ),
    (
        Kind::BearerToken,
        r"\b(?:Bearer|bearer|BEARER) [A-Za-z0-9._~+/-]{12,}=*",
    ),
    (
        Kind::BasicCredential,
        r"\b(?:Basic|basic|BASIC) [A-Za-z0-9+/]{8,}={0,2}",
    ),
    (
        Kind::Iban,
        r"\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b",
    ),
    (
        Kind::PaymentCard,
        r"\b(?:[0-9]{13,19}|[0-9]{3,6}(?:[ -][0-9]{3,6}){1,5})\b",
    ),
    (Kind::Ssn, r"\b[0-9]{3}(?:-[0-9]{2}-|  ?[0-9]{2} )[0-9]{4}\b"),
    (
        Kind::Email,
        r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63}\b",
    ),
    (
        Kind::IpV6,
        r"(?:[0-9A-Fa-f]{1,4}:|:):(?:[0-9A-Fa-f]{0,4}:){0,6}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4})?|(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}",
    ),
    (Kind::IpV4, r"\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b"),
    (
        Kind::Phone,
        r"\+[1-9][0-9]{0,3}(?:[ .-]?(?:\([0-9]{1,5}\)|[0-9]{1,8})){1,6}|\(?[2-9][0-9]{2}\)?[ .-][2-9][0-9]{2}[ .-][0-9]{4}\b|\b0[0-9]{1,4}(?:[ .-][0-9]{2,8}){1,4}\b",
    ),
];

impl Baseline {
    fn new() -> Baseline {
        let alternation = PATTERNS
            .iter()
            .map(|(_, p)| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        // A large lazy-DFA cache, so the baseline is not slowed by cache
        // thrashing on this many alternatives.
        let all = regex::bytes::RegexBuilder::new(&format!("(?-u){alternation}"))
            .dfa_size_limit(256 << 20)
            .size_limit(64 << 20)
            .build()
            .expect("baseline compiles");
        let kinds = PATTERNS
            .iter()
            .map(|&(k, p)| {
                (
                    k,
                    Regex::new(&format!("(?-u)^(?:{p})$")).expect("pattern compiles"),
                )
            })
            .collect();
        Baseline { all, kinds }
    }

    fn scan(&self, hay: &[u8]) -> usize {
        let mut n = 0;
        for m in self.all.find_iter(hay) {
            let v = m.as_bytes();
            if let Some((k, _)) = self.kinds.iter().find(|(_, re)| re.is_match(v))
                && valid(*k, v)
            {
                n += 1;
            }
        }
        n
    }
}

fn valid(kind: Kind, v: &[u8]) -> bool {
    let digits: Vec<u8> = v
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    match kind {
        Kind::PaymentCard => checksum::known_iin(&digits) && checksum::luhn(&digits),
        Kind::Iban => {
            let compact: Vec<u8> = v.iter().copied().filter(|b| *b != b' ').collect();
            checksum::iban_mod97(&compact)
        }
        Kind::Ssn => {
            let area = u32::from(digits[0]) * 100 + u32::from(digits[1]) * 10 + u32::from(digits[2]);
            area != 0 && area != 666 && area < 900 && digits[3..5] != [0, 0] && digits[5..] != [0, 0, 0, 0]
        }
        Kind::IpV4 => std::str::from_utf8(v).is_ok_and(|s| s.parse::<std::net::Ipv4Addr>().is_ok()),
        Kind::IpV6 => std::str::from_utf8(v).is_ok_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok()),
        Kind::BasicCredential => base64::engine::general_purpose::STANDARD
            .decode(v[6..].iter().copied().filter(|b| *b != b'=').collect::<Vec<_>>())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&v[6..]))
            .is_ok_and(|d| d.contains(&b':')),
        _ => true,
    }
}

fn bench(c: &mut Criterion) {
    let mut r = corpus::rng(42);
    let prose = corpus::prose(&mut r, MIB);
    let clean = corpus::clean_text(&mut r, MIB);
    let dense = corpus::dense_text(&mut r, MIB);
    let scanner = Scanner::new();
    let baseline = Baseline::new();
    let redactor = Redactor::default();
    for (name, text) in [("prose", &prose), ("clean", &clean), ("dense", &dense)] {
        eprintln!(
            "{name}: shroud finds {}, the baseline {}",
            scanner.scan(text.as_bytes()).len(),
            baseline.scan(text.as_bytes())
        );
    }

    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(MIB as u64));
    for (name, text) in [("prose", &prose), ("clean", &clean), ("dense", &dense)] {
        let hay = text.as_bytes();
        g.bench_with_input(BenchmarkId::new("shroud", name), hay, |b, hay| {
            b.iter(|| {
                let mut n = 0usize;
                scanner.for_each(black_box(hay), |_| n += 1);
                n
            })
        });
        g.bench_with_input(BenchmarkId::new("regex_baseline", name), hay, |b, hay| {
            b.iter(|| baseline.scan(black_box(hay)))
        });
        g.bench_with_input(BenchmarkId::new("regex_alternation_only", name), hay, |b, hay| {
            b.iter(|| baseline.all.find_iter(black_box(hay)).count())
        });
        g.bench_with_input(BenchmarkId::new("shroud_redact_str", name), text, |b, text| {
            b.iter(|| redactor.redact_str(black_box(text)).len())
        });
    }
    g.finish();

    // Crafted text: one alphanumeric run of keyword starts and digits
    // (`x` then `eyJ1` repeated), where every digit is a trigger inside the
    // run and every `eyJ` a failed keyword. 64 KiB and 1 MiB: the time per
    // byte is the same when the scan is linear.
    let mut g = c.benchmark_group("scan_crafted");
    for len in [64 * 1024, MIB] {
        let hay = format!("x{}", "eyJ1".repeat(len / 4)).into_bytes();
        g.throughput(Throughput::Bytes(hay.len() as u64));
        g.bench_with_input(BenchmarkId::new("shroud", len), &hay, |b, hay| {
            b.iter(|| {
                let mut n = 0usize;
                scanner.for_each(black_box(hay), |_| n += 1);
                n
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
