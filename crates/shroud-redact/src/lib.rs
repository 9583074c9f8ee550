//! Response redaction for tower services: streaming, fail-closed removal of
//! PII from response bodies and headers.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
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
pub use layer::{CallerFromExtension, CallerPseudonym, Exemption, IdentifyCaller, NoExemption, RedactLayer};
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
