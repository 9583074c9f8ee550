//! # shroud
//!
//! Tower middleware that authenticates requests with JWTs and keeps personal
//! data (PII) out of tokens, responses and logs. Each concern is its own
//! crate with its own `Layer`; this facade re-exports them behind features.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `shroud-core` | PII engine: detectors, pseudonyms, masks, encryption, keys |
//! | `jwt` | `shroud-jwt` | JWT verification layer (feature `jwt`) |
//! | `anon` | `shroud-anon` | claim anonymization layer (feature `anon`) |
//! | `redact` | `shroud-redact` | response redaction layer (feature `redact`) |
//! | `trace` | `shroud-trace` | PII-safe tracing (feature `trace`) |
//!
//! ```
//! let redactor = shroud::core::Redactor::default();
//! assert_eq!(redactor.redact_str("mail jane@example.com"), "mail [REDACTED:email]");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use shroud_core as core;

#[cfg(feature = "anon")]
#[cfg_attr(docsrs, doc(cfg(feature = "anon")))]
pub use shroud_anon as anon;
#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub use shroud_jwt as jwt;
#[cfg(feature = "redact")]
#[cfg_attr(docsrs, doc(cfg(feature = "redact")))]
pub use shroud_redact as redact;
#[cfg(feature = "trace")]
#[cfg_attr(docsrs, doc(cfg(feature = "trace")))]
pub use shroud_trace as trace;
