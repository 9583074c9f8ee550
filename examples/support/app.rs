//! The example API: users with personal data, as an axum `Router` without
//! any protection of its own. shroud's `Stack` goes around it.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, extract::Query};
use bytes::Bytes;
use serde_json::{Value, json};
use shroud::anon::{AnonymizedClaims, Caller};

use super::demo::{USERS, user_json};

/// The routes: `/me`, `/users`, `/users/{id}`, `/export` (NDJSON stream),
/// `/feed` (server-sent events).
pub fn router() -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/users", get(list))
        .route("/users/{id}", get(detail))
        .route("/export", get(export))
        .route("/feed", get(feed))
}

/// What the handler sees of the caller: anonymized claims and the caller
/// pseudonym, never the raw token claims.
async fn me(claims: AnonymizedClaims, caller: Option<Caller>) -> Json<Value> {
    tracing::info!(
        user_email = claims.get_str("email").unwrap_or("none"),
        "profile read"
    );
    Json(json!({
        "claims": claims.as_map(),
        "caller": caller.map(|c| c.0.as_str().to_owned()),
    }))
}

async fn list() -> Json<Value> {
    Json(Value::Array(USERS.iter().map(user_json).collect()))
}

async fn detail(Path(id): Path<u64>) -> Response {
    match USERS.iter().find(|u| u.id == id) {
        Some(u) => {
            // A careless log line: the subscriber's `RedactingLayer` removes
            // the address before any sink sees it.
            tracing::info!(email = u.email, "user read");
            Json(user_json(u)).into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "no such user"}))).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct ExportParams {
    /// How many records (default: each user once; at most 100,000).
    repeat: Option<usize>,
}

/// NDJSON, one record per frame, as a real export streams it.
async fn export(Query(params): Query<ExportParams>) -> Response {
    let n = params.repeat.unwrap_or(USERS.len()).min(100_000);
    let records = (0..n).map(|i| {
        let mut line = user_json(&USERS[i % USERS.len()]).to_string();
        line.push('\n');
        Ok::<_, Infallible>(Bytes::from(line))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(futures_util::stream::iter(records)))
        .expect("valid response")
}

/// Server-sent events: one event per user, a short pause between them.
async fn feed() -> Response {
    let events = futures_util::stream::unfold(0usize, |i| async move {
        if i >= USERS.len() {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let u = &USERS[i];
        let event = format!(
            "event: signup\nid: {}\ndata: {{\"name\":\"{}\",\"email\":\"{}\"}}\n\n",
            u.id, u.name, u.email
        );
        Some((Ok::<_, Infallible>(Bytes::from(event)), i + 1))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(events))
        .expect("valid response")
}
