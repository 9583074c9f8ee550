//! The events the `events` benchmark measures, shared with the
//! `events_profile` example so that profiles show the benchmarked work.

use std::hint::black_box;

/// Five fields and a formatted message, nothing personal.
pub(crate) fn clean_event(i: u64) {
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

/// The clean event with one field holding PII (an email).
pub(crate) fn one_pii_event(i: u64) {
    tracing::info!(
        request_id = i,
        route = "/api/v1/orders/{id}",
        status = 200_u16,
        user = "jane.roe@example.com",
        cache = "miss",
        "order fetched in {} ms",
        black_box(12)
    );
}

/// PII in every string field (an email, a card number, an IP address, a
/// phone number) and in the message (an email and an IP address). The phone
/// field is named `contact`: a field named `phone` is replaced by its name
/// alone, and this event measures the detectors.
pub(crate) fn pii_event(i: u64) {
    tracing::info!(
        request_id = i,
        user = "jane.roe@example.com",
        card = "4111 1111 1111 1111",
        ip = "203.0.113.7",
        contact = "+1 415 555 2671",
        "order placed by jane.roe@example.com from 203.0.113.7"
    );
}
