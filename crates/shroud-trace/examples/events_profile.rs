//! Emits events through `RedactingLayer<fmt json>` to a sink in a loop, for
//! profilers: `cargo run -p shroud-trace --release --example events_profile -- [N] [plain|redacting] [clean|one_pii|pii]`.
//! The events are the `events` benchmark's.
#![allow(clippy::print_stdout)]

#[path = "../benches/support/events.rs"]
mod events;

use shroud_trace::RedactingLayer;
use tracing_subscriber::prelude::*;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let plain = std::env::args().nth(2).is_some_and(|a| a == "plain");
    let event: fn(u64) = match std::env::args().nth(3).as_deref() {
        Some("pii") => events::pii_event,
        Some("one_pii") => events::one_pii_event,
        _ => events::clean_event,
    };
    let fmt = tracing_subscriber::fmt::layer().json().with_writer(std::io::sink);
    let dispatch = if plain {
        tracing::Dispatch::new(tracing_subscriber::registry().with(fmt))
    } else {
        tracing::Dispatch::new(tracing_subscriber::registry().with(RedactingLayer::new(fmt)))
    };
    let start = std::time::Instant::now();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..n {
            event(i);
        }
    });
    println!("{:.0} ns/event", start.elapsed().as_nanos() as f64 / n as f64);
}
