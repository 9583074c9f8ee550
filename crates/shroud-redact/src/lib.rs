//! Response redaction for tower services: streaming, fail-closed removal of
//! PII from response bodies and headers.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod json;
mod ndjson;
mod policy;
mod scan;
mod sse;
mod summary;
mod text;

pub use error::{BodyError, RedactError};
pub use json::JsonRedactor;
pub use ndjson::NdjsonRedactor;
pub use policy::{
    ConfigError, ContentTypes, DEFAULT_HEADER_ALLOW, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PENDING,
    DEFAULT_TEXT_WINDOW, DetectorConfig, HeaderConfig, KeyRule, Limits, MAX_PATH_RULES, MissingContentType,
    OnError, PathRule, Policy, PolicyBuilder, PolicyConfig, UnknownEncoding,
};
pub use shroud_core;
pub use sse::SseRedactor;
pub use summary::RedactionSummary;
pub use text::TextRedactor;
