//! PII-safe tracing: spans and events reach every sink already redacted.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use shroud_core;
