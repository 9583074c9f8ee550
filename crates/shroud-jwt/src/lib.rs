//! JWT verification for tower services: bearer tokens from headers, cookies or gRPC metadata, JWS and JWE, key sets and JWKS, claim validation and authorization.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use shroud_core;
