//! PII-safe tracing: spans and events reach every sink already redacted.
//!
//! Tokens and personal data end up in logs more than anywhere else: a
//! request logged whole, an error that quotes an email, a debug field left
//! in. shroud-trace puts the PII engine of [`shroud_core`] in front of every
//! sink:
//!
//! - [`RedactingLayer`] wraps any `tracing_subscriber::Layer` (fmt in any
//!   format, OpenTelemetry, your own) and hands it spans and events whose
//!   values, the formatted `message` included, are already redacted. It is
//!   the piece tracing-subscriber alone cannot provide: a layer cannot change
//!   what sibling layers see (tracing issue 1349), so shroud rebuilds each
//!   event with the same static metadata and redacted values and gives that
//!   to the layer it wraps.
//! - [`RedactingFields`] (a `FormatFields`) and [`RedactingJson`] (a JSON
//!   `FormatEvent`) for users who configure the fmt layer directly, and
//!   [`RedactingWriter`] (a `MakeWriter`) as a last line of defence that
//!   scrubs formatted bytes.
//! - [`Sensitive`] and [`Pseudonymous`] value wrappers.
//! - With feature `http` (default): a `MakeSpan`, `OnRequest`, `OnResponse`,
//!   `OnEos` and `OnFailure` for tower-http's `TraceLayer` that record the
//!   method, a route template, status, latency, gRPC status and the caller's
//!   pseudonym, and never raw headers, query values, tokens or claims.
//!
//! ```
//! use shroud_trace::{RedactingLayer, TracePolicy};
//! use tracing_subscriber::prelude::*;
//!
//! tracing_subscriber::registry()
//!     .with(RedactingLayer::with_policy(tracing_subscriber::fmt::layer(), TracePolicy::default()))
//!     .try_init()
//!     .ok();
//! tracing::info!(authorization = "Bearer abc.def.ghi", email = "jane@example.com", "signed in");
//! // INFO signed in authorization="[REDACTED]" email="[REDACTED:email]"
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod fmt;
#[cfg(feature = "http")]
mod http;
mod layer;
mod pairs;
mod policy;
mod value;
mod visit;

pub use fmt::{RedactingFields, RedactingJson, RedactingWriter, Scrub};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http::{
    ID_SEGMENT, PiiSafeMakeSpan, PiiSafeOnEos, PiiSafeOnFailure, PiiSafeOnRequest, PiiSafeOnResponse,
    PiiSafeTraceLayer, collapse_path, grpc_trace_layer, http_trace_layer, record_caller,
};
pub use layer::RedactingLayer;
pub use policy::{DEFAULT_SENSITIVE_FIELDS, REDACTED, TracePolicy, TracePolicyBuilder};
pub use value::{Pseudonymous, Sensitive};

pub use shroud_core;
