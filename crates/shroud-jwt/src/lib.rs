//! JWT verification for tower services: bearer tokens from headers, cookies
//! or gRPC metadata, JWS verification with prepared keys, key sets and JWKS,
//! claim validation and authorization.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The verified
//! [`Claims`] and [`TokenInfo`] types live in [`shroud_core`] so that the
//! other layers can read them without depending on this crate.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod alg;
pub mod authz;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
mod axum;
mod body;
mod cache;
mod extract;
#[cfg(feature = "jwks-http")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-http")))]
pub mod jwks;
mod key;
pub mod layer;
mod rejection;
mod response;
mod token;
mod verifier;

pub use alg::{AlgSet, Algorithm, alg_name, parse_alg};
#[cfg(feature = "axum")]
pub use axum::{AuthRejection, TypedClaims, VerifiedClaims};
pub use body::JwtBody;
pub use extract::TokenSource;
pub use key::{Key, KeyError, KeySet, MAX_JWKS_LEN, MAX_KEYS, MAX_TRIED};
pub use layer::JwtLayer;
pub use rejection::{BearerError, Rejection};
pub use response::{DefaultRejection, OnRejection, RequestKind, challenge, grpc_response, http_response};
pub use shroud_core;
pub use shroud_core::{Claims, TokenInfo};
pub use verifier::{
    ConfigError, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY, TrustedIssuer, Verified, Verifier,
    VerifierBuilder,
};
