//! The PII engine behind [shroud](https://docs.rs/shroud): finding personal
//! data and secrets in bytes, and turning a value into a safe one. Nothing
//! here knows HTTP; the layer crates (`shroud-jwt`, `shroud-anon`,
//! `shroud-redact`, `shroud-trace`) build on it.
//!
//! - [`Scanner`] finds [`Kind`]s of PII and credentials: email, phone, payment
//!   card (Luhn and IIN checked), IBAN (mod-97 checked), US SSN, IPv4, IPv6,
//!   JWT/JWE, `Bearer`/`Basic` credentials, AWS access key ids, prefixed API
//!   keys and PEM private keys, plus custom regexes and literal lists.
//! - [`Strategy`] says what a value becomes: keep, redact, [`Mask`],
//!   pseudonymize ([`Pseudonymizer`]: keyed HMAC with the key id embedded),
//!   encrypt ([`Encryptor`]: AES-256-GCM-SIV or AES-256-GCM, reversible),
//!   [`Generalize`] (IP prefix, year, month, number bucket) or drop.
//! - [`Transformer`] applies strategies with their keys; [`Redactor`] puts a
//!   scanner and strategies together for free text.
//! - [`SecretKey`] holds key material: zeroized on drop, never printed.
//!
//! ```
//! use shroud_core::Redactor;
//!
//! let redactor = Redactor::default();
//! let line = "login by jane.roe@example.com from 203.0.113.7";
//! assert_eq!(redactor.redact_str(line), "login by [REDACTED:email] from [REDACTED:ipv4]");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod caller;
mod claims;
mod detect;
mod key;
mod redactor;
mod strategy;

pub use caller::CallerId;
pub use claims::{Claims, ClaimsShapeError, NotAnObject, TokenCarrier, TokenInfo};
pub use detect::{CustomId, Finding, Kind, LiteralOptions, Scanner, ScannerBuilder, ScannerError};
pub use key::{KeyError, KeyId, MAX_SECRET_LEN, MIN_SECRET_LEN, SecretJson, SecretKey};
pub use redactor::{Redactor, RedactorBuilder};
pub use strategy::{
    CIPHERTEXT_PREFIX, DecryptError, DomainPseudonymizer, EncryptError, EncryptionMode, Encryptor,
    Generalize, GeneralizeError, MAX_PLAINTEXT, Mask, Outcome, PSEUDONYM_PREFIX, Pseudonym, Pseudonymizer,
    REDACTED, Strategy, StrategyError, Target, Transformer,
};

/// Checksums the detectors use, for callers that validate values themselves.
pub mod checksum {
    /// The Luhn check over decimal digit *values* (0-9, not ASCII).
    pub fn luhn(digits: &[u8]) -> bool {
        crate::detect::luhn(digits)
    }

    /// Whether card digits (values 0-9) fall in a known issuer range with a
    /// length that issuer uses.
    pub fn known_iin(digits: &[u8]) -> bool {
        !digits.is_empty() && crate::detect::known_iin(digits)
    }

    /// The ISO 13616 mod-97 check over an upper-case IBAN without spaces.
    pub fn iban_mod97(iban: &[u8]) -> bool {
        iban.len() >= 5 && crate::detect::iban_mod97(iban)
    }
}
