//! Throughput of the streaming JSON redactor on JSON API responses (arrays of
//! user records), side by side with the DOM baseline (`serde_json` parse to
//! `Value`, walk, serialize) and serde_json's validating tokenizer alone.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::de::IgnoredAny;
use serde_json::Value;
use shroud_core::Strategy;
use shroud_redact::{JsonRedactor, Policy};

/// An array of user records of about `size` bytes.
pub fn users(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 1024);
    out.push(b'[');
    let mut i = 0u64;
    while out.len() < size {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(
            format!(
                r#"{{"id":{i},"name":"User Number {i}","email":"user{i}@example.com","password":"pw-{h:x}","api_token":"tk_{h:x}{h:x}","address":{{"street":"{n} Main Street","city":"Springfield","country":"US"}},"created_at":"2024-05-01T12:30:45Z","active":{a},"score":{s}.5,"roles":["reader","writer"],"bio":"Enjoys hiking, reading and long walks; joined the platform to share notes with friends and colleagues."}}"#,
                h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                n = i % 997 + 1,
                a = i.is_multiple_of(2),
                s = i % 100,
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.push(b']');
    out
}

const FRAME: usize = 64 << 10;

fn key_rules() -> Policy {
    Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .key("email", Strategy::default())
        .key("ssn", Strategy::default())
        .detectors(false)
        .build()
        .unwrap()
}

fn all_detectors() -> Policy {
    Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .key("email", Strategy::default())
        .key("ssn", Strategy::default())
        .build()
        .unwrap()
}

fn stream(policy: &Policy, input: &[u8], out: &mut Vec<u8>) -> usize {
    let mut r = JsonRedactor::new(policy.clone());
    let mut total = 0;
    for frame in input.chunks(FRAME) {
        out.clear();
        r.feed(frame, out).unwrap();
        total += out.len();
    }
    out.clear();
    r.finish(out).unwrap();
    total + out.len()
}

fn walk(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("password");
            for (k, v) in m.iter_mut() {
                let k = k.to_ascii_lowercase();
                if k.contains("token") || k == "email" || k == "ssn" {
                    *v = Value::String("[REDACTED]".into());
                } else {
                    walk(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(walk),
        _ => {}
    }
}

fn bench(c: &mut Criterion) {
    for (label, size) in [("1MiB", 1usize << 20), ("16MiB", 16 << 20)] {
        let input = users(size);
        let mut g = c.benchmark_group(format!("json_{label}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        if size > 1 << 20 {
            g.sample_size(10);
        }
        let keys = key_rules();
        let all = all_detectors();
        let mut out = Vec::with_capacity(2 * FRAME);
        g.bench_function(BenchmarkId::new("shroud_key_rules", label), |b| {
            b.iter(|| stream(&keys, &input, &mut out))
        });
        g.bench_function(BenchmarkId::new("shroud_all_detectors", label), |b| {
            b.iter(|| stream(&all, &input, &mut out))
        });
        g.bench_function(BenchmarkId::new("serde_dom_walk_to_vec", label), |b| {
            b.iter(|| {
                let mut v: Value = serde_json::from_slice(&input).unwrap();
                walk(&mut v);
                serde_json::to_vec(&v).unwrap().len()
            })
        });
        g.bench_function(BenchmarkId::new("serde_ignored_any", label), |b| {
            b.iter(|| serde_json::from_slice::<IgnoredAny>(&input).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
