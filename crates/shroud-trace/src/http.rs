//! Request spans for tower-http's `TraceLayer` that hold nothing personal.

use std::fmt::Display;
use std::time::Duration;

use http::{HeaderMap, Request, Response};
use shroud_core::CallerId;
use tower_http::classify::{GrpcErrorsAsFailures, ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnBodyChunk, MakeSpan, OnEos, OnFailure, OnRequest, OnResponse, TraceLayer};
use tracing::field::Empty;
use tracing::{Level, Span};

use crate::policy::TracePolicy;

/// The placeholder for a path segment that looks like an identifier.
pub const ID_SEGMENT: &str = "{id}";

/// A function answering the route template of a request head.
type RouteFn = std::sync::Arc<dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync>;

/// Makes a request span with only what is safe to keep: `http.method`,
/// `http.route` (a template), `otel.kind`, and, filled in later, `http.status`,
/// `latency_ms`, `rpc.grpc.status` and `caller` (the caller's pseudonym).
///
/// Never recorded: the URI's query, header values, the token, claims.
///
/// The route is axum's `MatchedPath` when present (feature `axum`);
/// otherwise the path with every segment that could identify someone
/// replaced by `{id}`: numbers, UUIDs and hex ids, anything a detector
/// finds (emails, IPs, ...), segments with percent-escapes or `@`,
/// token-like segments of 16 bytes or more (many capitals among small
/// letters, or digits among letters), and segments longer than 40 bytes. A
/// path segment that is a plain word
/// (`/users/jane`) cannot be told from a route word (`/users/settings`) and
/// is kept: give routers without templates an explicit template function
/// with [`with_route`](Self::with_route).
///
/// The caller's pseudonym is recorded by whatever knows it, into the
/// current span: [`record_caller`] does that, and shroud's anonymization
/// layer calls it.
#[derive(Clone)]
pub struct PiiSafeMakeSpan {
    policy: TracePolicy,
    level: Level,
    route: Option<RouteFn>,
}

impl std::fmt::Debug for PiiSafeMakeSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiiSafeMakeSpan")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Default for PiiSafeMakeSpan {
    fn default() -> Self {
        PiiSafeMakeSpan::new(TracePolicy::default())
    }
}

impl PiiSafeMakeSpan {
    /// Spans at `INFO` whose route segments are checked with `policy`.
    pub fn new(policy: TracePolicy) -> Self {
        PiiSafeMakeSpan {
            policy,
            level: Level::INFO,
            route: None,
        }
    }

    /// The span level.
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// A function answering the route template of a request (`None` falls
    /// back to the built-in rules). Only the request head is given.
    #[must_use]
    pub fn with_route<F>(mut self, f: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.route = Some(std::sync::Arc::new(f));
        self
    }

    fn route<B>(&self, req: &Request<B>) -> String {
        #[cfg(feature = "axum")]
        if let Some(p) = req.extensions().get::<axum::extract::MatchedPath>() {
            return p.as_str().to_owned();
        }
        if let Some(f) = &self.route {
            let mut parts = Request::new(());
            *parts.method_mut() = req.method().clone();
            *parts.uri_mut() = req.uri().clone();
            *parts.version_mut() = req.version();
            let (parts, ()) = parts.into_parts();
            if let Some(r) = f(&parts) {
                return r;
            }
        }
        collapse_path(&self.policy, req.uri().path())
    }
}

/// `path` with every segment that could identify someone replaced by `{id}`
/// (see [`PiiSafeMakeSpan`]).
///
/// ```
/// use shroud_trace::{TracePolicy, collapse_path};
///
/// let p = TracePolicy::default();
/// assert_eq!(collapse_path(&p, "/users/42/orders/550e8400-e29b-41d4-a716-446655440000"), "/users/{id}/orders/{id}");
/// assert_eq!(collapse_path(&p, "/users/jane@example.com/profile"), "/users/{id}/profile");
/// assert_eq!(collapse_path(&p, "/api/v1/health"), "/api/v1/health");
/// ```
pub fn collapse_path(policy: &TracePolicy, path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if seg.is_empty() || segment_is_safe(policy, seg) {
            out.push_str(seg);
        } else {
            out.push_str(ID_SEGMENT);
        }
    }
    out
}

fn segment_is_safe(policy: &TracePolicy, seg: &str) -> bool {
    let b = seg.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let hexish = b.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    let word = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    word && seg.len() <= 40
        && digits * 2 <= seg.len().max(3)
        && !(hexish && digits > 0 && seg.len() >= 8)
        && !token_like(b)
        && policy.redactor().scanner().is_clean(b)
}

/// A long segment that reads like a random token (a reset or magic-link
/// code, base64url included: `Zt4k_9QwLm-Rp2sXyV8bNa`): many capitals among
/// small letters; or, without separators, digits among letters; or letters
/// and digits alternating again and again. Route words and slugs
/// (`notifications`, `getUserPreferences`, `oauth2`,
/// `my-blog-post-title-2024`) are not.
fn token_like(b: &[u8]) -> bool {
    let (mut n, mut upper, mut lower, mut digits, mut switches) = (0, 0, 0, 0, 0);
    let mut separated = false;
    let mut last_digit = None;
    for &c in b {
        if matches!(c, b'-' | b'_' | b'.') {
            separated = true;
            continue;
        }
        n += 1;
        upper += usize::from(c.is_ascii_uppercase());
        lower += usize::from(c.is_ascii_lowercase());
        let digit = c.is_ascii_digit();
        digits += usize::from(digit);
        if last_digit.is_some_and(|d| d != digit) {
            switches += 1;
        }
        last_digit = Some(digit);
    }
    n >= 16 && ((upper > 0 && lower > 0 && upper * 4 >= n) || (!separated && digits >= 2) || switches >= 4)
}

fn is_grpc<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"))
}

macro_rules! request_span {
    ($level:expr, $($fields:tt)*) => {
        match $level {
            Level::ERROR => tracing::span!(Level::ERROR, "request", $($fields)*),
            Level::WARN => tracing::span!(Level::WARN, "request", $($fields)*),
            Level::INFO => tracing::span!(Level::INFO, "request", $($fields)*),
            Level::DEBUG => tracing::span!(Level::DEBUG, "request", $($fields)*),
            _ => tracing::span!(Level::TRACE, "request", $($fields)*),
        }
    };
}

impl<B> MakeSpan<B> for PiiSafeMakeSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let span = request_span!(
            self.level,
            http.method = %request.method(),
            http.route = Empty,
            rpc.system = Empty,
            otel.kind = "server",
            http.status = Empty,
            rpc.grpc.status = Empty,
            latency_ms = Empty,
            caller = Empty,
        );
        // The route is worked out (segments scanned, a string built) only
        // for a span that some subscriber records.
        if !span.is_disabled() {
            span.record("http.route", self.route(request).as_str());
            span.record("rpc.system", if is_grpc(request) { "grpc" } else { "" });
        }
        span
    }
}

/// Records the caller's pseudonym into the current request span.
pub fn record_caller(caller: &CallerId) {
    Span::current().record("caller", caller.as_str());
}

/// Emits a `DEBUG` event `request started` with no field at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct PiiSafeOnRequest;

impl<B> OnRequest<B> for PiiSafeOnRequest {
    fn on_request(&mut self, _request: &Request<B>, _span: &Span) {
        tracing::debug!("request started");
    }
}

/// `grpc-status`, named once rather than parsed from a string per response.
const GRPC_STATUS: http::HeaderName = http::HeaderName::from_static("grpc-status");

fn grpc_status(headers: &HeaderMap) -> Option<i64> {
    headers
        .get(GRPC_STATUS)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok())
}

/// Records `http.status`, `latency_ms` and, for trailers-only gRPC answers,
/// `rpc.grpc.status` into the span, and emits an `INFO` event `response`
/// with the same fields. Never a header value or a body.
#[derive(Debug, Clone, Copy, Default)]
pub struct PiiSafeOnResponse;

impl<B> OnResponse<B> for PiiSafeOnResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status().as_u16();
        let ms = latency.as_secs_f64() * 1000.0;
        span.record("http.status", status);
        span.record("latency_ms", ms);
        if let Some(g) = grpc_status(response.headers()) {
            span.record("rpc.grpc.status", g);
        }
        tracing::info!(http.status = status, latency_ms = ms, "response");
    }
}

/// Records `rpc.grpc.status` from the trailers of a streamed gRPC answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PiiSafeOnEos;

impl OnEos for PiiSafeOnEos {
    fn on_eos(self, trailers: Option<&HeaderMap>, _stream_duration: Duration, span: &Span) {
        if let Some(g) = trailers.and_then(grpc_status) {
            span.record("rpc.grpc.status", g);
        }
    }
}

/// Emits an `ERROR` event `request failed` whose classification text went
/// through the policy's redactor first (an upstream error message may quote
/// a value).
#[derive(Debug, Clone, Default)]
pub struct PiiSafeOnFailure {
    policy: TracePolicy,
}

impl PiiSafeOnFailure {
    /// Failure messages redacted by `policy`.
    pub fn new(policy: TracePolicy) -> Self {
        PiiSafeOnFailure { policy }
    }
}

impl<C: Display> OnFailure<C> for PiiSafeOnFailure {
    fn on_failure(&mut self, class: C, latency: Duration, _span: &Span) {
        let text = class.to_string();
        let safe = self.policy.redact_text(&text);
        tracing::error!(classification = %safe, latency_ms = latency.as_secs_f64() * 1000.0, "request failed");
    }
}

/// tower-http's `TraceLayer` for HTTP with shroud's PII-safe callbacks.
pub type PiiSafeTraceLayer<C> = TraceLayer<
    C,
    PiiSafeMakeSpan,
    PiiSafeOnRequest,
    PiiSafeOnResponse,
    DefaultOnBodyChunk,
    PiiSafeOnEos,
    PiiSafeOnFailure,
>;

/// A `TraceLayer` for HTTP services (5xx are failures) whose spans and
/// events hold nothing personal.
///
/// ```
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/users/{id}", get(|| async { "ok" }))
///     .layer(shroud_trace::http_trace_layer(shroud_trace::TracePolicy::default()));
/// ```
pub fn http_trace_layer(policy: TracePolicy) -> PiiSafeTraceLayer<SharedClassifier<ServerErrorsAsFailures>> {
    TraceLayer::new_for_http()
        .make_span_with(PiiSafeMakeSpan::new(policy.clone()))
        .on_request(PiiSafeOnRequest)
        .on_response(PiiSafeOnResponse)
        .on_eos(PiiSafeOnEos)
        .on_failure(PiiSafeOnFailure::new(policy))
}

/// A `TraceLayer` for gRPC services (non-OK `grpc-status` are failures)
/// whose spans and events hold nothing personal.
pub fn grpc_trace_layer(policy: TracePolicy) -> PiiSafeTraceLayer<SharedClassifier<GrpcErrorsAsFailures>> {
    TraceLayer::new_for_grpc()
        .make_span_with(PiiSafeMakeSpan::new(policy.clone()))
        .on_request(PiiSafeOnRequest)
        .on_response(PiiSafeOnResponse)
        .on_eos(PiiSafeOnEos)
        .on_failure(PiiSafeOnFailure::new(policy))
}
