//! What each sink receives: fmt (full and JSON) and a custom layer that
//! records raw field values, behind `RedactingLayer`; and the fmt-level
//! pieces (`RedactingFields`, `RedactingJson`, `RedactingWriter`) alone.

mod common;

use common::Captured;

use std::io;
use std::sync::{Arc, Mutex};

use shroud_core::{Pseudonymizer, SecretKey};
use shroud_trace::{
    Pseudonymous, RedactingFields, RedactingJson, RedactingLayer, RedactingWriter, Sensitive, TracePolicy,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

const EMAIL: &str = "jane.roe@example.com";
const CARD: &str = "4111 1111 1111 1111";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const BEARER: &str = "Bearer abcdefghijklmnopqrstuvwxyz012345";
const PII: [&str; 4] = [EMAIL, CARD, JWT, "abcdefghijklmnopqrstuvwxyz012345"];

/// A sink that keeps every raw value it is given, as an exporter would.
#[derive(Clone, Default)]
struct RawValues(Arc<Mutex<Vec<String>>>);

struct Keep<'a>(&'a mut Vec<String>);

impl Visit for Keep<'_> {
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.push(format!("{}={v}", f.name()));
    }
    fn record_debug(&mut self, f: &Field, v: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={v:?}", f.name()));
    }
    fn record_u64(&mut self, f: &Field, v: u64) {
        self.0.push(format!("{}={v}", f.name()));
    }
    fn record_i64(&mut self, f: &Field, v: i64) {
        self.0.push(format!("{}={v}", f.name()));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for RawValues {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        attrs.record(&mut Keep(&mut self.0.lock().unwrap()));
    }
    fn on_record(&self, _: &Id, values: &Record<'_>, _: Context<'_, S>) {
        values.record(&mut Keep(&mut self.0.lock().unwrap()));
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        event.record(&mut Keep(&mut self.0.lock().unwrap()));
    }
}

fn emit_everything() {
    let span = tracing::info_span!(
        "checkout",
        customer = EMAIL,
        order = 1234,
        note = tracing::field::Empty
    );
    let _g = span.enter();
    span.record("note", format!("card {CARD} on file").as_str());
    tracing::info!(
        card = CARD,
        token = JWT,
        header = BEARER,
        amount_cents = 1299_u64,
        region = "eu-west-1",
        "payment by {EMAIL} with {CARD}"
    );
    tracing::warn!(pan = 4111111111111111_u64, user = ?(EMAIL, 7), "debug dump");
    tracing::error!(
        error = &io::Error::other(format!("no user {EMAIL}")) as &dyn std::error::Error,
        "lookup failed"
    );
}

/// The fmt layer (full format, no colours) behind `RedactingLayer`, writing
/// to `out`.
fn redacted_fmt(out: &Captured) -> impl Subscriber + Send + Sync + use<> {
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(out.clone())
        .with_ansi(false);
    tracing_subscriber::registry().with(RedactingLayer::new(fmt))
}

fn assert_clean(out: &str) {
    for v in PII {
        assert!(!out.contains(v), "{v:?} leaked into:\n{out}");
    }
    assert!(!out.contains("4111111111111111"), "card number leaked:\n{out}");
}

#[test]
fn fmt_full_sink_sees_only_redacted_values() {
    let out = Captured::default();
    tracing::subscriber::with_default(redacted_fmt(&out), emit_everything);
    let text = out.text();
    assert_clean(&text);
    // Names and values that are not personal survive.
    for keep in [
        "checkout",
        "order=1234",
        "amount_cents=1299",
        "region=\"eu-west-1\"",
        "payment by",
        "debug dump",
    ] {
        assert!(text.contains(keep), "{keep:?} missing from:\n{text}");
    }
    assert!(text.contains("customer=\"[REDACTED:email]\""), "{text}");
    assert!(text.contains("token=\"[REDACTED]\""), "{text}");
    assert!(text.contains("card=\"[REDACTED:card]\""), "{text}");
    assert!(
        text.contains("payment by [REDACTED:email] with [REDACTED:card]"),
        "{text}"
    );
}

#[test]
fn secrets_named_inside_a_debug_value_are_redacted() {
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Login {
        user: &'static str,
        password: &'static str,
        otp: Option<u32>,
        attempts: u8,
    }
    let out = Captured::default();
    tracing::subscriber::with_default(redacted_fmt(&out), || {
        let login = Login {
            user: "jdoe",
            password: "hunter2-Zq9",
            otp: Some(492_817),
            attempts: 2,
        };
        tracing::info!(?login, query = "next=/home&api_key=k-77f1c0", "login attempt");
    });
    let text = out.text();
    for secret in ["hunter2-Zq9", "492817", "k-77f1c0"] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
    for keep in [
        r#"user: "jdoe""#,
        "attempts: 2",
        "next=/home",
        r#"password: "[REDACTED]""#,
        "otp: [REDACTED]",
    ] {
        assert!(text.contains(keep), "{keep:?} missing from:\n{text}");
    }
}

#[test]
fn fmt_json_sink_sees_only_redacted_values() {
    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(out.clone())
        .with_current_span(true);
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(fmt));
    tracing::subscriber::with_default(subscriber, emit_everything);
    let text = out.text();
    assert_clean(&text);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["fields"]["card"], "[REDACTED:card]");
    assert_eq!(first["fields"]["amount_cents"], 1299);
    assert_eq!(first["fields"]["header"], "[REDACTED:bearer]");
    assert_eq!(first["span"]["customer"], "[REDACTED:email]");
    assert_eq!(first["span"]["order"], 1234);
}

#[test]
fn raw_value_layer_never_sees_pii() {
    let raw = RawValues::default();
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(raw.clone()));
    tracing::subscriber::with_default(subscriber, emit_everything);
    let seen = raw.0.lock().unwrap().join("\n");
    assert_clean(&seen);
    assert!(seen.contains("amount_cents=1299"), "{seen}");
    assert!(seen.contains("note=card [REDACTED:card] on file"), "{seen}");
    assert!(seen.contains("pan=[REDACTED:card]"), "{seen}");
    // The same layer without the wrapper sees everything: the test can fail.
    let bare = RawValues::default();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(bare.clone()), emit_everything);
    assert!(bare.0.lock().unwrap().join("\n").contains(EMAIL));
}

#[test]
fn wrapped_layer_filtering_is_preserved() {
    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(out.clone())
        .with_ansi(false);
    let filtered = RedactingLayer::new(fmt).with_filter(tracing_subscriber::filter::LevelFilter::WARN);
    let other = RawValues::default();
    let subscriber = tracing_subscriber::registry()
        .with(filtered)
        .with(RedactingLayer::new(other.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(email = EMAIL, "info-level");
        tracing::warn!(email = EMAIL, "warn-level");
    });
    let text = out.text();
    assert!(
        !text.contains("info-level") && text.contains("warn-level"),
        "{text}"
    );
    assert_clean(&text);
    // The sibling without a filter still sees both, redacted.
    let seen = other.0.lock().unwrap().join("\n");
    assert!(seen.contains("info-level") && !seen.contains(EMAIL), "{seen}");
}

#[test]
fn custom_policy_fields_and_wrappers() {
    let out = Captured::default();
    let policy = TracePolicy::builder().sensitive_field("customer_*").build();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(out.clone())
        .with_ansi(false);
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::with_policy(fmt, policy));
    let keys = Pseudonymizer::new(SecretKey::new("k1", [4u8; 32]).unwrap());
    let pseudonym = keys.pseudonymize("user", EMAIL.as_bytes());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(customer_name = "Jane Roe", secret = %Sensitive("s3cr3t-value"), user = %Pseudonymous::new(&keys, "user", EMAIL), "x");
    });
    let text = out.text();
    assert!(
        !text.contains("Jane Roe") && !text.contains("s3cr3t-value") && !text.contains(EMAIL),
        "{text}"
    );
    assert!(text.contains("customer_name=\"[REDACTED]\""), "{text}");
    assert!(text.contains(&pseudonym), "{text}");
}

#[test]
fn redacting_fields_and_json_format_without_the_wrapper() {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_ansi(false)
        .fmt_fields(RedactingFields::default())
        .finish();
    tracing::subscriber::with_default(subscriber, emit_everything);
    let text = out.text();
    assert_clean(&text);
    assert!(
        text.contains("customer=\"[REDACTED:email]\"") && text.contains("order=1234"),
        "{text}"
    );

    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .event_format(RedactingJson::default())
        .fmt_fields(RedactingFields::default())
        .finish();
    tracing::subscriber::with_default(subscriber, emit_everything);
    let text = out.text();
    assert_clean(&text);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(v["level"].is_string() && v["fields"].is_object());
    }
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["fields"]["amount_cents"], 1299);
    assert_eq!(first["spans"][0]["name"], "checkout");
}

#[test]
fn redacting_writer_scrubs_formatted_bytes() {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(RedactingWriter::new(out.clone()))
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, emit_everything);
    let text = out.text();
    assert_clean(&text);
    assert!(text.contains("[REDACTED:email]"), "{text}");
}

/// `RedactingFields` inside a `RedactingLayer`'s fmt sink records values
/// while the wrapper is itself in the middle of recording the same event.
#[test]
fn redacting_fields_nested_in_the_wrapper_work() {
    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .fmt_fields(RedactingFields::default())
        .with_ansi(false)
        .with_writer(out.clone());
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(fmt));
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("checkout", buyer = EMAIL);
        let _g = span.enter();
        tracing::info!(user = EMAIL, card = CARD, "login from 203.0.113.9");
        tracing::info!(note = "nothing personal", "clean event");
    });
    let text = out.text();
    assert_clean(&text);
    assert!(text.contains("user=\"[REDACTED:email]\""), "{text}");
    assert!(text.contains("buyer=\"[REDACTED:email]\""), "{text}");
    assert!(text.contains("login from [REDACTED:ipv4]"), "{text}");
    assert!(text.contains("note=\"nothing personal\""), "{text}");
}

/// One callsite under two policies in one thread, alternating: each policy's
/// answer for a field name is remembered apart (a mix-up would either leak
/// under the stricter policy or redact under the other).
#[test]
fn field_name_answers_are_remembered_per_policy() {
    fn order(i: u32) {
        tracing::info!(customer_name = "Jane Roe", order = i, "order");
    }
    let strict = Captured::default();
    let plain = Captured::default();
    let layer = |out: &Captured, policy: TracePolicy| {
        let fmt = tracing_subscriber::fmt::layer()
            .with_writer(out.clone())
            .with_ansi(false);
        tracing_subscriber::registry().with(RedactingLayer::with_policy(fmt, policy))
    };
    let strict_sub = tracing::Dispatch::new(layer(
        &strict,
        TracePolicy::builder().sensitive_field("customer_*").build(),
    ));
    let plain_sub = tracing::Dispatch::new(layer(&plain, TracePolicy::default()));
    for i in 0..3 {
        tracing::dispatcher::with_default(&strict_sub, || order(i));
        tracing::dispatcher::with_default(&plain_sub, || order(i));
    }
    let (strict, plain) = (strict.text(), plain.text());
    assert_eq!(
        strict.matches("customer_name=\"[REDACTED]\"").count(),
        3,
        "{strict}"
    );
    assert!(!strict.contains("Jane Roe"), "{strict}");
    assert_eq!(plain.matches("customer_name=\"Jane Roe\"").count(), 3, "{plain}");
}

/// An event of `n` numeric fields, a `last` field holding an email and the
/// message.
macro_rules! wide_event {
    ($($name:ident)*) => {
        tracing::info!($($name = 7_u64,)* last = EMAIL, "wide")
    };
}

#[test]
fn rebuilt_events_of_every_width_keep_every_field() {
    // The value set is rebuilt by one arm per field count: events of 2 to
    // 32 fields (the most a callsite has) must reach the wrapped layer
    // whole, in order, with only the email replaced.
    let raw = RawValues::default();
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(raw.clone()));
    let widths: Vec<(usize, Vec<String>)> = tracing::subscriber::with_default(subscriber, || {
        let mut out = Vec::new();
        let mut run = |n: usize, emit: fn()| {
            raw.0.lock().unwrap().clear();
            emit();
            out.push((n, raw.0.lock().unwrap().clone()));
        };
        run(0, || wide_event!());
        run(1, || wide_event!(a0));
        run(7, || wide_event!(a0 a1 a2 a3 a4 a5 a6));
        run(
            15,
            || wide_event!(a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14),
        );
        run(30, || {
            wide_event!(
                a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14
                a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29
            )
        });
        out
    });
    for (n, seen) in widths {
        // The message is the callsite's first field.
        let mut want = vec!["message=wide".to_owned()];
        want.extend((0..n).map(|i| format!("a{i}=7")));
        want.push("last=[REDACTED:email]".to_owned());
        assert_eq!(seen, want, "{} fields", n + 2);
    }
}

/// An error whose message is clean and whose source names a person.
#[derive(Debug)]
struct LookupFailed(io::Error);

impl std::fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("lookup failed")
    }
}

impl std::error::Error for LookupFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn error_sources_are_scanned_too() {
    // The fmt layer prints an error's sources itself when the event reaches
    // it unchanged: they are scanned with the message.
    let out = Captured::default();
    tracing::subscriber::with_default(redacted_fmt(&out), || {
        let e = LookupFailed(io::Error::other(format!("no user {EMAIL}")));
        tracing::error!(error = &e as &dyn std::error::Error, "request failed");
        let clean = LookupFailed(io::Error::other("timed out"));
        tracing::error!(error = &clean as &dyn std::error::Error, "request failed");
    });
    let text = out.text();
    assert_clean(&text);
    assert!(text.contains("lookup failed: no user [REDACTED:email]"), "{text}");
    // A clean chain reaches the sink as it was, sources and all.
    assert!(text.contains("timed out"), "{text}");
}

#[test]
fn json_format_scans_span_fields_stored_by_another_formatter() {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .event_format(RedactingJson::default())
        .with_writer(out.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("checkout", customer = EMAIL, order = 1234);
        let _g = span.enter();
        tracing::info!("paid");
    });
    let text = out.text();
    assert_clean(&text);
    assert!(
        text.contains("[REDACTED:email]") && text.contains("order=1234"),
        "{text}"
    );
}

#[test]
fn a_filter_inside_the_wrapper_does_not_starve_siblings() {
    // A per-layer filter put inside the wrapper is not seen as one by the
    // registry; its level must not become the whole subscriber's cap.
    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(out.clone())
        .with_ansi(false)
        .with_filter(tracing_subscriber::filter::LevelFilter::WARN);
    let other = RawValues::default();
    let subscriber = tracing_subscriber::registry()
        .with(RedactingLayer::new(fmt))
        .with(RedactingLayer::new(other.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(email = EMAIL, "info-level");
        tracing::warn!(email = EMAIL, "warn-level");
    });
    let text = out.text();
    assert!(
        !text.contains("info-level") && text.contains("warn-level"),
        "{text}"
    );
    let seen = other.0.lock().unwrap().join("\n");
    assert!(seen.contains("info-level") && !seen.contains(EMAIL), "{seen}");
}

#[test]
fn personal_field_names_hide_values_no_detector_reads() {
    // A phone or SSN logged as a bare number, a birth date: no detector
    // reads them, their names do.
    let out = Captured::default();
    tracing::subscriber::with_default(redacted_fmt(&out), || {
        tracing::info!(
            phone = 14155552671_u64,
            ssn = 123456789_u64,
            date_of_birth = "1990-01-01",
            session_id = "s-8f14e45f",
            order = 1234,
            "signup"
        );
    });
    let text = out.text();
    for raw in ["14155552671", "123456789", "1990-01-01", "s-8f14e45f"] {
        assert!(!text.contains(raw), "{raw} leaked into:\n{text}");
    }
    assert!(text.contains("order=1234"), "{text}");
}

/// A logged URL (`uri = %uri`, a request line in the message) carries query
/// values percent-encoded and form-encoded: they are read decoded, and the
/// replacement covers the escapes.
#[test]
fn percent_encoded_values_in_logged_urls_are_redacted() {
    let raw = RawValues::default();
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(raw.clone()));
    let uri = "/signup?contact=%2B1+415+555+2671&card=4111%201111%201111%201111&plan=pro";
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(uri = %uri, "GET /search?q=jane%2Edoe%40example.com&page=2");
    });
    let seen = raw.0.lock().unwrap().join("\n");
    for leak in ["415", "2671", "4111", "jane", "example"] {
        assert!(!seen.contains(leak), "{leak:?} leaked into:\n{seen}");
    }
    assert!(
        seen.contains("uri=/signup?contact=[REDACTED:phone]&card=[REDACTED:card]&plan=pro"),
        "{seen}"
    );
    assert!(seen.contains("GET /search?q=[REDACTED:email]&page=2"), "{seen}");
}
