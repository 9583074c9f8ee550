//! Response redaction for tower services: streaming, fail-closed removal of PII from response bodies and headers.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The PII engine this
//! crate builds on lives in [`shroud_core`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use shroud_core;
