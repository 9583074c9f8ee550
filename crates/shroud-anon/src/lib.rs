//! Claim anonymization for tower services: a per-claim policy (keep, drop,
//! pseudonymize, mask, generalize, encrypt, redact) applied to verified
//! claims.
//!
//! - [`AnonPolicy`] says what each claim becomes: rules by exact name, glob
//!   or JSON pointer, value detectors, a default of keep or drop (allow-list
//!   mode). It works on a plain `serde_json::Map`, so it serves the HTTP layer
//!   and token minting alike. Build it with [`AnonPolicy::builder`] or from
//!   the serde model [`PolicyConfig`]; an invalid policy is refused at
//!   construction ([`PolicyError`]).
//! - [`AnonymizeLayer`] sits after `shroud_jwt::JwtLayer`: it replaces the
//!   verified [`Claims`](shroud_core::Claims) in the request extensions by
//!   [`AnonymizedClaims`] and a [`CallerId`], and in
//!   [`Gateway`] mode forwards chosen anonymized claims as headers.
//! - [`AnonPolicy::reveal`] decrypts an `encrypt`ed claim for a holder of the
//!   key and leaves an audit event naming the claim and the caller.
//!
//! - With feature `issuer`, [`AnonPolicy`] is a `shroud_jwt::ClaimsTransform`
//!   and [`AnonymizeIssuer::anonymize_with`] plugs it into
//!   `shroud_jwt::Issuer`: tokens are minted over anonymized claims only.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
mod axum;
mod claims;
#[cfg(feature = "issuer")]
#[cfg_attr(docsrs, doc(cfg(feature = "issuer")))]
mod issuer;
pub mod layer;
mod policy;

#[cfg(feature = "axum")]
pub use axum::{Caller, MissingClaims};
pub use claims::AnonymizedClaims;
#[cfg(feature = "issuer")]
pub use issuer::AnonymizeIssuer;
pub use layer::{Anonymize, AnonymizeLayer, Gateway, GatewayError, KeepRaw, RawClaims, RemoveRaw};
pub use policy::{
    AnonPolicy, CALLER_DOMAIN, DefaultAction, DetectorConfig, MAX_DEPTH, MAX_SELECTOR_LEN, PolicyBuilder,
    PolicyConfig, PolicyError, REGISTERED_CLAIMS, RevealError, RuleConfig, Selector,
};
pub use shroud_core;
pub use shroud_core::CallerId;
