//! Events through `RedactingLayer<fmt json>` against plain fmt json, both
//! writing to `io::sink`, with 5-field events with and without PII, in one run.
//!
//! `cargo bench -p shroud-trace --bench events`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shroud_trace::RedactingLayer;
use tracing::Dispatch;
use tracing_subscriber::prelude::*;

fn clean_event(i: u64) {
    tracing::info!(
        request_id = i,
        route = "/api/v1/orders/{id}",
        status = 200_u16,
        region = "eu-west-1",
        cache = "miss",
        "order fetched in {} ms",
        black_box(12)
    );
}

fn pii_event(i: u64) {
    tracing::info!(
        request_id = i,
        user = "jane.roe@example.com",
        card = "4111 1111 1111 1111",
        ip = "203.0.113.7",
        phone = "+1 415 555 2671",
        "order placed by jane.roe@example.com from 203.0.113.7"
    );
}

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
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
