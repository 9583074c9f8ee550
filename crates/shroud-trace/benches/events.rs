//! Events through `RedactingLayer<fmt json>` against plain fmt json, both
//! writing to `io::sink`, with 5-field events without PII, with PII in one
//! field (interleaved ratio only) and with PII in every string field and
//! the message (`support/events.rs`), in one run: each alone (`events/*`),
//! and the two interleaved in batches with their time ratio reported
//! (`ratio_x1000/*`, 1 ns = 0.001x).
//!
//! `cargo bench -p shroud-trace --bench events`
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shroud_trace::RedactingLayer;
use tracing::Dispatch;
use tracing_subscriber::prelude::*;

#[path = "../../../benches/support/interleave.rs"]
mod interleave;

#[path = "support/events.rs"]
mod events;

use events::{clean_event, one_pii_event, pii_event};

fn plain() -> Dispatch {
    Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().json().with_writer(std::io::sink)),
    )
}

fn redacting() -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(RedactingLayer::new(
        tracing_subscriber::fmt::layer().json().with_writer(std::io::sink),
    )))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("events");
    g.throughput(Throughput::Elements(1));
    for (name, event) in [("clean", clean_event as fn(u64)), ("pii", pii_event as fn(u64))] {
        let d = plain();
        tracing::dispatcher::with_default(&d, || {
            let mut i = 0;
            g.bench_function(format!("fmt_json/{name}"), |b| {
                b.iter(|| {
                    i += 1;
                    event(i)
                })
            });
        });
        let d = redacting();
        tracing::dispatcher::with_default(&d, || {
            let mut i = 0;
            g.bench_function(format!("redacting_fmt_json/{name}"), |b| {
                b.iter(|| {
                    i += 1;
                    event(i)
                })
            });
        });
    }
    g.finish();

    // The two measured interleaved: this shared machine's speed drifts by a
    // fifth between runs a few seconds apart, which swamps a sequential
    // comparison. Each sample runs the plain and the redacting subscriber
    // alternately in batches of 64 events (taking turns at going first) and
    // reports the ratio of their times, scaled so that 1 ns per iteration
    // is 0.001: "1.25 µs" reads as 1.25x.
    let mut g = c.benchmark_group("ratio_x1000");
    for (name, event) in [
        ("clean", clean_event as fn(u64)),
        ("one_pii", one_pii_event as fn(u64)),
        ("pii", pii_event as fn(u64)),
    ] {
        let (plain, redacting) = (plain(), redacting());
        let i = std::cell::Cell::new(0);
        let run = |d: &Dispatch, n: u64| {
            tracing::dispatcher::with_default(d, || {
                for _ in 0..n {
                    i.set(i.get() + 1);
                    event(i.get());
                }
            })
        };
        g.bench_function(format!("redacting_over_plain/{name}"), |b| {
            b.iter_custom(|iters| {
                interleave::ratio_x1000(iters, 64, |n| run(&plain, n), |n| run(&redacting, n))
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
