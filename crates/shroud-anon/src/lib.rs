//! Claim anonymization for tower services: a per-claim policy (keep, drop, pseudonymize, mask, generalize, encrypt) applied to verified claims.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use shroud_core;
