//! Emits events through `RedactingLayer<fmt json>` to a sink in a loop, for
//! profilers: `cargo run -p shroud-trace --release --example events_profile -- [N] [plain|redacting] [clean|pii]`.
#![allow(clippy::print_stdout)]

use shroud_trace::RedactingLayer;
use tracing_subscriber::prelude::*;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let plain = std::env::args().nth(2).is_some_and(|a| a == "plain");
    let pii = std::env::args().nth(3).is_some_and(|a| a == "pii");
    let fmt = tracing_subscriber::fmt::layer().json().with_writer(std::io::sink);
    let dispatch = if plain {
        tracing::Dispatch::new(tracing_subscriber::registry().with(fmt))
    } else {
        tracing::Dispatch::new(tracing_subscriber::registry().with(RedactingLayer::new(fmt)))
    };
    let start = std::time::Instant::now();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..n {
            if pii {
                tracing::info!(
                    request_id = i,
                    user = "jane.roe@example.com",
                    card = "4111 1111 1111 1111",
                    ip = "203.0.113.7",
                    phone = "+1 415 555 2671",
                    "order placed by jane.roe@example.com from 203.0.113.7"
                );
            } else {
                tracing::info!(
                    request_id = i,
                    route = "/api/v1/orders/{id}",
                    status = 200_u16,
                    region = "eu-west-1",
                    cache = "miss",
                    "order fetched in {} ms",
                    12
                );
            }
        }
    });
    println!("{:.0} ns/event", start.elapsed().as_nanos() as f64 / n as f64);
}
