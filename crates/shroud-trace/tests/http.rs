//! A real axum server on 127.0.0.1 behind shroud's TraceLayer callbacks and
//! a redacting fmt sink: a request with PII in its path, query, headers and
//! body leaves nothing personal in the log.

mod common;

use common::Captured;

use std::io;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shroud_core::CallerId;
use shroud_trace::{RedactingLayer, TracePolicy, http_trace_layer, record_caller};
use tracing_subscriber::prelude::*;

const EMAIL: &str = "jane.roe@example.com";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

async fn update(body: String) -> &'static str {
    record_caller(&CallerId::new("ps1.k1.callerPseudonym"));
    // A handler that logs what it should not: the body.
    tracing::info!(body = %body, "updating profile");
    "ok"
}

#[tokio::test(flavor = "current_thread")]
async fn request_with_pii_everywhere_leaves_no_pii_in_the_log() {
    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(out.clone())
        .with_current_span(true);
    let subscriber = tracing_subscriber::registry()
        .with(RedactingLayer::new(fmt))
        .with(tracing_subscriber::filter::LevelFilter::DEBUG);
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = Router::new()
        .route("/users/{email}/profile", post(update))
        .route("/health", get(|| async { "up" }))
        .layer(http_trace_layer(TracePolicy::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let body = format!(r#"{{"email":"{EMAIL}","card":"4111 1111 1111 1111","phone":"+1 415 555 2671"}}"#);
    let req = http::Request::post(format!(
        "http://{addr}/users/{EMAIL}/profile?email={EMAIL}&ssn=123-45-6789"
    ))
    .header("authorization", format!("Bearer {TOKEN}"))
    .header("x-user-email", EMAIL)
    .header("cookie", "session=abcdefghijklmnopqrstuvwxyz")
    .header("content-type", "application/json")
    .body(Full::new(bytes::Bytes::from(body)))
    .unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), client.request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), 200);
    let _ = res.into_body().collect().await.unwrap();
    server.abort();

    let log = out.text();
    for secret in [
        EMAIL,
        TOKEN,
        "4111 1111 1111 1111",
        "123-45-6789",
        "+1 415 555 2671",
        "abcdefghijklmnopqrstuvwxyz",
        "jane.roe",
    ] {
        assert!(!log.contains(secret), "{secret:?} in log:\n{log}");
    }
    // The log still says what happened.
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let response = lines
        .iter()
        .find(|l| l["fields"]["message"] == "response")
        .expect("a response event");
    assert_eq!(response["fields"]["http.status"], 200);
    assert_eq!(response["span"]["http.route"], "/users/{email}/profile");
    assert_eq!(response["span"]["http.method"], "POST");
    assert_eq!(response["span"]["caller"], "ps1.k1.callerPseudonym");
    let handler = lines
        .iter()
        .find(|l| l["fields"]["message"] == "updating profile")
        .expect("handler event");
    assert!(
        handler["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:email]"),
        "{handler}"
    );
}

#[test]
fn paths_without_templates_are_collapsed() {
    use shroud_trace::collapse_path;
    let p = TracePolicy::default();
    assert_eq!(
        collapse_path(&p, "/users/12345/cards/4111111111111111"),
        "/users/{id}/cards/{id}"
    );
    assert_eq!(
        collapse_path(&p, "/files/d41d8cd98f00b204e9800998ecf8427e"),
        "/files/{id}"
    );
    assert_eq!(collapse_path(&p, "/a/j%C3%BCrgen/b"), "/a/{id}/b");
    assert_eq!(collapse_path(&p, "/ip/203.0.113.7"), "/ip/{id}");
    assert_eq!(collapse_path(&p, "/v2/orders/"), "/v2/orders/");
    assert_eq!(
        collapse_path(&p, "/pkg.UserService/GetUser"),
        "/pkg.UserService/GetUser"
    );
    // Random tokens: mixed case (base64url) or letters with digits.
    assert_eq!(
        collapse_path(&p, "/reset/Xk9pQzrLmNvBcDwEfGhJkLmNpQrsTu2a"),
        "/reset/{id}"
    );
    assert_eq!(collapse_path(&p, "/magic/a8f3kd92jx7qpxzm"), "/magic/{id}");
    assert_eq!(collapse_path(&p, "/invite/QmFzZTY0VG9rZW5IZXJl"), "/invite/{id}");
    // base64url tokens hold `-` and `_`.
    for token in [
        "/reset/Zt4k_9QwLm-Rp2sXyV8bNa",
        "/reset/zt4k_9qwlm-rp2sxyv8bna",
        "/magic/a8f3-kd92-jx7q-pxzm",
    ] {
        assert_eq!(
            collapse_path(&p, token),
            format!("/{}/{{id}}", &token[1..6]),
            "{token}"
        );
    }
    // Route words stay, long or camel-cased.
    for route in [
        "/api/getUserPreferences",
        "/notifications/subscriptions",
        "/oauth2/callback",
        "/internationalization/settings",
        "/blog/my-blog-post-title-2024",
        "/docs/getting_started.html",
        "/api/user-preferences-v2",
    ] {
        assert_eq!(collapse_path(&p, route), route);
    }
}

/// The route is worked out only for a span some subscriber records: with
/// nothing listening at the span's level, the template function is never
/// called, and with a listener it is called once and its answer recorded.
#[test]
fn the_route_is_worked_out_only_for_recorded_spans() {
    use shroud_trace::PiiSafeMakeSpan;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower_http::trace::MakeSpan;

    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let mut make = PiiSafeMakeSpan::new(TracePolicy::default()).with_route(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
        Some("/users/{id}".to_owned())
    });
    let req = http::Request::get("/users/42").body(()).unwrap();

    // A subscriber at WARN: the INFO span is disabled.
    let quiet = tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::WARN);
    tracing::subscriber::with_default(quiet, || {
        let span = make.make_span(&req);
        assert!(span.is_disabled());
    });
    assert_eq!(calls.load(Ordering::Relaxed), 0);

    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(out.clone())
        .with_current_span(true);
    let loud = tracing_subscriber::registry()
        .with(RedactingLayer::new(fmt))
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    tracing::subscriber::with_default(loud, || {
        let span = make.make_span(&req);
        span.in_scope(|| tracing::info!("inside"));
    });
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let line: serde_json::Value = serde_json::from_str(out.text().lines().next().expect("one line")).unwrap();
    assert_eq!(line["span"]["http.route"], "/users/{id}");
    assert_eq!(line["span"]["rpc.system"], "");
}

#[tokio::test(flavor = "current_thread")]
async fn failures_are_redacted_and_grpc_status_is_recorded() {
    use tower::{ServiceBuilder, ServiceExt};

    let out = Captured::default();
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(out.clone())
        .with_current_span(true);
    let subscriber = tracing_subscriber::registry().with(RedactingLayer::new(fmt));
    let _guard = tracing::subscriber::set_default(subscriber);

    // A service whose error quotes the caller's email.
    let failing = ServiceBuilder::new()
        .layer(http_trace_layer(TracePolicy::default()))
        .service_fn(|_req: http::Request<String>| async move {
            Err::<http::Response<String>, _>(io::Error::other(format!("no account for {EMAIL}")))
        });
    let Err(err) = failing.oneshot(http::Request::new(String::new())).await else {
        panic!("the service fails");
    };
    assert!(
        err.to_string().contains(EMAIL),
        "the error itself is the caller's business"
    );

    // A trailers-only gRPC refusal.
    let grpc = ServiceBuilder::new()
        .layer(shroud_trace::grpc_trace_layer(TracePolicy::default()))
        .service_fn(|_req: http::Request<String>| async move {
            Ok::<_, io::Error>(
                http::Response::builder()
                    .header("content-type", "application/grpc")
                    .header("grpc-status", "16")
                    .header("grpc-message", "unauthenticated")
                    .body(String::new())
                    .unwrap(),
            )
        });
    let req = http::Request::post("/shroud.demo.Users/GetUser")
        .header("content-type", "application/grpc")
        .body(String::new())
        .unwrap();
    let res = grpc.oneshot(req).await.unwrap();
    assert_eq!(res.headers()["grpc-status"], "16");

    let log = out.text();
    assert!(!log.contains(EMAIL), "{log}");
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let failed = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request failed")
        .expect("failure event");
    assert!(
        failed["fields"]["classification"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:email]"),
        "{failed}"
    );
    let response = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "response" && l["span"]["http.route"] == "/shroud.demo.Users/GetUser"
        })
        .expect("gRPC response event");
    assert_eq!(response["span"]["rpc.grpc.status"], 16);
    assert_eq!(response["span"]["rpc.system"], "grpc");
}
