#![doc = include_str!("../README.md")]
//!
//! # The facade
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `shroud-core` | PII engine: detectors, pseudonyms, masks, encryption, keys |
//! | `jwt` | `shroud-jwt` | JWT verification layer (feature `jwt`) |
//! | `anon` | `shroud-anon` | claim anonymization layer (feature `anon`) |
//! | `redact` | `shroud-redact` | response redaction layer (feature `redact`) |
//! | `trace` | `shroud-trace` | PII-safe tracing (feature `trace`) |
//!
//! With the four layer features on (the default), [`Config`] reads one
//! TOML, JSON or YAML file for the whole stack and [`Stack`] is the one
//! tower `Layer` that applies them in order; [`prelude`] imports what a
//! server needs.
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

#[cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace"))]
mod authz;
#[cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace"))]
pub mod config;
#[cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace"))]
pub mod stack;

#[cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace"))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace")))
)]
pub use crate::{
    authz::{PathAuthz, PathAuthzFuture, PathAuthzLayer},
    config::{Config, ConfigError},
    stack::{Stack, StackBuilder, StackService},
};

/// What a server behind shroud usually needs, in one import.
///
/// ```
/// use shroud::prelude::*;
/// let config = Config::default();
/// let stack: Stack = Stack::from_config(&config)?;
/// # let _ = stack;
/// # Ok::<(), ConfigError>(())
/// ```
pub mod prelude {
    pub use shroud_core::{CallerId, Claims, Kind, Redactor, SecretKey, Strategy};

    #[cfg(feature = "anon")]
    pub use shroud_anon::{AnonPolicy, AnonymizeLayer, AnonymizedClaims};
    #[cfg(feature = "jwt")]
    pub use shroud_jwt::{
        Algorithm, JwtLayer, Key, KeySet, Rejection, TokenInfo, TokenSource, TrustedIssuer, Verifier,
    };
    #[cfg(all(feature = "jwt", feature = "axum"))]
    pub use shroud_jwt::{TypedClaims, VerifiedClaims};
    #[cfg(feature = "redact")]
    pub use shroud_redact::{Policy as RedactPolicy, RedactLayer};
    #[cfg(feature = "trace")]
    pub use shroud_trace::{RedactingLayer, Sensitive, TracePolicy, grpc_trace_layer, http_trace_layer};

    #[cfg(all(feature = "jwt", feature = "anon", feature = "redact", feature = "trace"))]
    pub use crate::{Config, ConfigError, Stack};
}
