//! Response redaction for tower services: streaming, fail-closed removal of
//! PII from response bodies and headers.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
//!
//! [`RedactLayer`] scans every response on its way out and replaces personal
//! data and secrets before a byte leaves the process:
//!
//! | `Content-Type` | treatment |
//! | --- | --- |
//! | `application/json`, `*/*+json` | [`JsonRedactor`]: streaming tokenizer with a path stack; key rules (`password`, `*token*`), JSON pointer rules (`/users/*/email`), detectors on every string and on card-like numbers |
//! | `application/x-ndjson`, `application/json-seq` | [`NdjsonRedactor`]: each record as JSON |
//! | `text/event-stream` | [`SseRedactor`]: each event's `data:` as JSON when it parses, else as text |
//! | `text/*`, `application/xml`, `*/*+xml` | [`TextRedactor`]: detectors with a carry-over window |
//! | none | text (configurable) |
//! | anything else | untouched |
//!
//! Response headers are scanned too (except an allow-list of protocol
//! headers; `Set-Cookie` only when configured), and configured headers such as
//! `x-user-email` are replaced whole.
//!
//! # Guarantees
//!
//! - **Never an unscanned byte.** Output holds only complete tokens that were
//!   scanned. A body that cannot be redacted (malformed JSON, nesting past
//!   [`Limits::max_depth`], a pending token past [`Limits::max_pending`], a
//!   decoding error) ends with a [`BodyError`] after the last safe byte, or,
//!   with [`OnError::Problem`], is replaced by a `502` problem+json when the
//!   error comes before [`Limits::problem_buffer`] bytes were produced.
//! - **Encodings.** `gzip`, `deflate`, `br` and `zstd` are decoded and
//!   re-encoded with the `compression` feature; any other encoding (or any
//!   encoding without the feature) is refused with a `502`, unless
//!   [`UnknownEncoding::Pass`] is configured. Encoded bytes are never scanned
//!   as if they were plain.
//! - **Bounded memory.** O(frame + longest pending token), independent of the
//!   body size; `Content-Length` and `Accept-Ranges` are removed from bodies
//!   that may change. `HEAD` responses and `1xx`, `204` and `304` bodies are
//!   untouched (their headers are still redacted); trailers are kept.
//! - **Nothing leaks through reporting.** A [`RedactionSummary`] (counts per
//!   rule and detector, bytes in and out) is emitted as a tracing event at the
//!   end of every body; it never holds a value.
//!
//! # Exemptions
//!
//! An [`Exemption`] predicate on the request (for example: verified claims in
//! request extensions carrying scope `pii:read`) lets a response through raw;
//! each use is recorded as a tracing event on target `shroud_redact::audit`
//! naming the caller by pseudonym ([`IdentifyCaller`], by default the
//! [`CallerId`](shroud_core::CallerId) extension).
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use shroud_core::{Mask, Strategy};
//! use shroud_redact::{Policy, RedactLayer};
//!
//! let policy = Policy::builder()
//!     .key("password", Strategy::Drop)
//!     .key("*token*", Strategy::default())
//!     .path("/users/*/email", Strategy::Mask(Mask::default()))
//!     .redact_header("x-user-email")
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/users", get(|| async { "[]" }))
//!     .route_layer(RedactLayer::new(policy));
//! # Ok::<(), shroud_redact::ConfigError>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod codec;
mod error;
mod future;
mod headers;
mod json;
mod layer;
mod ndjson;
mod policy;
mod scan;
mod service;
mod sse;
mod summary;
mod text;

pub use body::RedactBody;
pub use error::{BodyError, RedactError};
pub use future::ResponseFuture;
pub use json::JsonRedactor;
pub use layer::{CallerFromExtension, Exemption, IdentifyCaller, NoExemption, RedactLayer};
pub use ndjson::NdjsonRedactor;
pub use policy::{
    ConfigError, ContentTypes, DEFAULT_HEADER_ALLOW, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PENDING,
    DEFAULT_TEXT_WINDOW, DetectorConfig, HeaderConfig, KeyRule, Limits, MAX_PATH_RULES, MissingContentType,
    OnError, PathRule, Policy, PolicyBuilder, PolicyConfig, UnknownEncoding,
};
pub use service::Redact;
pub use shroud_core;
pub use sse::SseRedactor;
pub use summary::RedactionSummary;
pub use text::TextRedactor;
