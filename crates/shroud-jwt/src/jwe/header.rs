//! Algorithm names and the JWE protected header.

use std::borrow::Cow;

use crate::token::Present;
use serde::Deserialize;

use super::JweError;

/// The largest protected header accepted, base64url-encoded, in bytes.
pub const MAX_HEADER_LEN: usize = 4096;

/// A key management algorithm (`alg`, RFC 7518 §4): how the content
/// encryption key (CEK) reaches the recipient.
///
/// `RSA1_5` (RSAES-PKCS1-v1_5, open to padding oracles) and the PBES2
/// password-based algorithms are not offered: tokens naming them are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyManagement {
    /// `dir`: the shared symmetric key is the CEK.
    Dir,
    /// `A128KW`: AES-128 key wrap (RFC 3394).
    A128Kw,
    /// `A192KW`: AES-192 key wrap.
    A192Kw,
    /// `A256KW`: AES-256 key wrap.
    A256Kw,
    /// `A128GCMKW`: the CEK encrypted with AES-128-GCM (`iv`/`tag` headers).
    A128GcmKw,
    /// `A192GCMKW`: the CEK encrypted with AES-192-GCM.
    A192GcmKw,
    /// `A256GCMKW`: the CEK encrypted with AES-256-GCM.
    A256GcmKw,
    /// `RSA-OAEP`: RSAES-OAEP with SHA-1 and MGF1-SHA-1.
    RsaOaep,
    /// `RSA-OAEP-256`: RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    RsaOaep256,
    /// `ECDH-ES`: the CEK is derived from an ephemeral-static ECDH agreement.
    EcdhEs,
    /// `ECDH-ES+A128KW`: ECDH-ES derives an AES-128 key that wraps the CEK.
    EcdhEsA128Kw,
    /// `ECDH-ES+A192KW`: ECDH-ES derives an AES-192 key that wraps the CEK.
    EcdhEsA192Kw,
    /// `ECDH-ES+A256KW`: ECDH-ES derives an AES-256 key that wraps the CEK.
    EcdhEsA256Kw,
}

/// What a key management algorithm needs, grouped by mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    Dir,
    /// AES key wrap with a key of this many bytes.
    AesKw(usize),
    /// AES-GCM key encryption with a key of this many bytes.
    AesGcmKw(usize),
    /// RSA-OAEP, `true` for SHA-256.
    RsaOaep(bool),
    /// ECDH-ES, with the AES-KW key length when the derived key wraps the CEK.
    Ecdh(Option<usize>),
}

impl KeyManagement {
    /// Every supported algorithm.
    pub const ALL: [KeyManagement; 13] = [
        KeyManagement::Dir,
        KeyManagement::A128Kw,
        KeyManagement::A192Kw,
        KeyManagement::A256Kw,
        KeyManagement::A128GcmKw,
        KeyManagement::A192GcmKw,
        KeyManagement::A256GcmKw,
        KeyManagement::RsaOaep,
        KeyManagement::RsaOaep256,
        KeyManagement::EcdhEs,
        KeyManagement::EcdhEsA128Kw,
        KeyManagement::EcdhEsA192Kw,
        KeyManagement::EcdhEsA256Kw,
    ];

    /// The registered name (`"A256KW"`, `"ECDH-ES+A128KW"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            KeyManagement::Dir => "dir",
            KeyManagement::A128Kw => "A128KW",
            KeyManagement::A192Kw => "A192KW",
            KeyManagement::A256Kw => "A256KW",
            KeyManagement::A128GcmKw => "A128GCMKW",
            KeyManagement::A192GcmKw => "A192GCMKW",
            KeyManagement::A256GcmKw => "A256GCMKW",
            KeyManagement::RsaOaep => "RSA-OAEP",
            KeyManagement::RsaOaep256 => "RSA-OAEP-256",
            KeyManagement::EcdhEs => "ECDH-ES",
            KeyManagement::EcdhEsA128Kw => "ECDH-ES+A128KW",
            KeyManagement::EcdhEsA192Kw => "ECDH-ES+A192KW",
            KeyManagement::EcdhEsA256Kw => "ECDH-ES+A256KW",
        }
    }

    /// Parses a registered name (exact, case-sensitive). `None` for unknown
    /// and refused algorithms (`RSA1_5`, `PBES2-*`).
    ///
    /// ```
    /// use shroud_jwt::KeyManagement;
    /// assert_eq!(KeyManagement::parse("A256KW"), Some(KeyManagement::A256Kw));
    /// assert_eq!(KeyManagement::parse("RSA1_5"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        KeyManagement::ALL.into_iter().find(|a| a.name() == s)
    }

    pub(crate) fn mechanism(self) -> Mechanism {
        match self {
            KeyManagement::Dir => Mechanism::Dir,
            KeyManagement::A128Kw => Mechanism::AesKw(16),
            KeyManagement::A192Kw => Mechanism::AesKw(24),
            KeyManagement::A256Kw => Mechanism::AesKw(32),
            KeyManagement::A128GcmKw => Mechanism::AesGcmKw(16),
            KeyManagement::A192GcmKw => Mechanism::AesGcmKw(24),
            KeyManagement::A256GcmKw => Mechanism::AesGcmKw(32),
            KeyManagement::RsaOaep => Mechanism::RsaOaep(false),
            KeyManagement::RsaOaep256 => Mechanism::RsaOaep(true),
            KeyManagement::EcdhEs => Mechanism::Ecdh(None),
            KeyManagement::EcdhEsA128Kw => Mechanism::Ecdh(Some(16)),
            KeyManagement::EcdhEsA192Kw => Mechanism::Ecdh(Some(24)),
            KeyManagement::EcdhEsA256Kw => Mechanism::Ecdh(Some(32)),
        }
    }
}

/// A content encryption algorithm (`enc`, RFC 7518 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncryption {
    /// `A128GCM`: AES-128-GCM.
    A128Gcm,
    /// `A192GCM`: AES-192-GCM.
    A192Gcm,
    /// `A256GCM`: AES-256-GCM.
    A256Gcm,
    /// `A128CBC-HS256`: AES-128-CBC with HMAC-SHA-256 (RFC 7518 §5.2.3).
    A128CbcHs256,
    /// `A192CBC-HS384`: AES-192-CBC with HMAC-SHA-384.
    A192CbcHs384,
    /// `A256CBC-HS512`: AES-256-CBC with HMAC-SHA-512.
    A256CbcHs512,
}

impl ContentEncryption {
    /// Every supported algorithm.
    pub const ALL: [ContentEncryption; 6] = [
        ContentEncryption::A128Gcm,
        ContentEncryption::A192Gcm,
        ContentEncryption::A256Gcm,
        ContentEncryption::A128CbcHs256,
        ContentEncryption::A192CbcHs384,
        ContentEncryption::A256CbcHs512,
    ];

    /// The registered name (`"A256GCM"`, `"A128CBC-HS256"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ContentEncryption::A128Gcm => "A128GCM",
            ContentEncryption::A192Gcm => "A192GCM",
            ContentEncryption::A256Gcm => "A256GCM",
            ContentEncryption::A128CbcHs256 => "A128CBC-HS256",
            ContentEncryption::A192CbcHs384 => "A192CBC-HS384",
            ContentEncryption::A256CbcHs512 => "A256CBC-HS512",
        }
    }

    /// Parses a registered name (exact, case-sensitive).
    ///
    /// ```
    /// use shroud_jwt::ContentEncryption;
    /// assert_eq!(ContentEncryption::parse("A128CBC-HS256"), Some(ContentEncryption::A128CbcHs256));
    /// assert_eq!(ContentEncryption::parse("a128gcm"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        ContentEncryption::ALL.into_iter().find(|e| e.name() == s)
    }

    /// The CEK length in bytes (for CBC-HS: MAC key and encryption key together).
    pub fn key_len(self) -> usize {
        match self {
            ContentEncryption::A128Gcm => 16,
            ContentEncryption::A192Gcm => 24,
            ContentEncryption::A256Gcm | ContentEncryption::A128CbcHs256 => 32,
            ContentEncryption::A192CbcHs384 => 48,
            ContentEncryption::A256CbcHs512 => 64,
        }
    }

    /// The IV length in bytes: 12 for GCM, 16 for CBC.
    pub fn iv_len(self) -> usize {
        if self.is_gcm() { 12 } else { 16 }
    }

    /// The authentication tag length in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            ContentEncryption::A192CbcHs384 => 24,
            ContentEncryption::A256CbcHs512 => 32,
            _ => 16,
        }
    }

    pub(crate) fn is_gcm(self) -> bool {
        matches!(
            self,
            ContentEncryption::A128Gcm | ContentEncryption::A192Gcm | ContentEncryption::A256Gcm
        )
    }
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow)]
    enc: Cow<'a, str>,
    #[serde(borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cty: Option<Cow<'a, str>>,
    #[serde(borrow)]
    typ: Option<Cow<'a, str>>,
    #[serde(borrow)]
    zip: Option<Cow<'a, str>>,
    #[serde(default)]
    crit: Present,
    #[serde(borrow)]
    epk: Option<RawEpk<'a>>,
    #[serde(borrow)]
    apu: Option<Cow<'a, str>>,
    #[serde(borrow)]
    apv: Option<Cow<'a, str>>,
    #[serde(borrow)]
    iv: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tag: Option<Cow<'a, str>>,
}

/// The ephemeral public key of ECDH-ES, as sent.
#[derive(Deserialize)]
pub(crate) struct RawEpk<'a> {
    #[serde(borrow)]
    pub(crate) kty: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) crv: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) x: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) y: Option<Cow<'a, str>>,
    /// A private part in an ephemeral key is a sender bug: refused.
    #[serde(default)]
    pub(crate) d: Present,
}

/// The protected header of a JWE, checked: supported `alg` and `enc`, no
/// `crit`, `zip` only as `DEF`.
pub(crate) struct Header<'a> {
    pub(crate) alg: KeyManagement,
    pub(crate) enc: ContentEncryption,
    pub(crate) kid: Option<Cow<'a, str>>,
    pub(crate) cty: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
    pub(crate) zip: bool,
    pub(crate) epk: Option<RawEpk<'a>>,
    pub(crate) apu: Option<Cow<'a, str>>,
    pub(crate) apv: Option<Cow<'a, str>>,
    pub(crate) iv: Option<Cow<'a, str>>,
    pub(crate) tag: Option<Cow<'a, str>>,
}

/// Parses the decoded protected header. JSON errors say nothing of the input.
pub(crate) fn parse(json: &[u8]) -> Result<Header<'_>, JweError> {
    if json.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) != Some(&b'{') {
        return Err(JweError::Malformed);
    }
    let raw: RawHeader<'_> = serde_json::from_slice(json).map_err(|_| JweError::Malformed)?;
    // shroud understands no JWE extension: any `crit` is refused (RFC 7516 §4.1.13).
    if raw.crit.0 {
        return Err(JweError::Unsupported);
    }
    let alg = KeyManagement::parse(&raw.alg).ok_or(JweError::Unsupported)?;
    let enc = ContentEncryption::parse(&raw.enc).ok_or(JweError::Unsupported)?;
    let zip = match raw.zip.as_deref() {
        None => false,
        Some("DEF") => true,
        Some(_) => return Err(JweError::Unsupported),
    };
    Ok(Header {
        alg,
        enc,
        kid: raw.kid,
        cty: raw.cty,
        typ: raw.typ,
        zip,
        epk: raw.epk,
        apu: raw.apu,
        apv: raw.apv,
        iv: raw.iv,
        tag: raw.tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in KeyManagement::ALL {
            assert_eq!(KeyManagement::parse(a.name()), Some(a));
        }
        for e in ContentEncryption::ALL {
            assert_eq!(ContentEncryption::parse(e.name()), Some(e));
        }
        for refused in ["RSA1_5", "PBES2-HS256+A128KW", "none", "dir ", "a128kw", ""] {
            assert_eq!(KeyManagement::parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn header_refusals() {
        let cases: &[(&str, JweError)] = &[
            (r#"{"alg":"RSA1_5","enc":"A128GCM"}"#, JweError::Unsupported),
            (
                r#"{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":1000000000}"#,
                JweError::Unsupported,
            ),
            (
                r#"{"alg":"dir","enc":"A128GCM","crit":["x"],"x":1}"#,
                JweError::Unsupported,
            ),
            // A `crit` of `null` is sent all the same (RFC 7516 §4.1.13
            // makes it an array).
            (
                r#"{"alg":"dir","enc":"A128GCM","crit":null}"#,
                JweError::Unsupported,
            ),
            (
                r#"{"alg":"dir","enc":"A128GCM","zip":"GZ"}"#,
                JweError::Unsupported,
            ),
            (r#"{"alg":"dir","enc":"A128CBC-HS255"}"#, JweError::Unsupported),
            (r#"{"alg":"dir"}"#, JweError::Malformed),
            (r#"{"enc":"A128GCM"}"#, JweError::Malformed),
            (
                r#"{"alg":"dir","alg":"A128KW","enc":"A128GCM"}"#,
                JweError::Malformed,
            ),
            (r#"{"alg":"dir","enc":"A128GCM","kid":5}"#, JweError::Malformed),
            (r#"["dir"]"#, JweError::Malformed),
            ("", JweError::Malformed),
        ];
        for (json, want) in cases {
            assert_eq!(parse(json.as_bytes()).err(), Some(*want), "{json}");
        }
        let h = parse(br#"{"alg":"dir","enc":"A128GCM","zip":"DEF","cty":"JWT","kid":"k"}"#).unwrap();
        assert!(h.zip);
        assert_eq!(h.cty.as_deref(), Some("JWT"));
        assert_eq!(h.kid.as_deref(), Some("k"));
    }

    #[test]
    fn lengths() {
        assert_eq!(ContentEncryption::A256CbcHs512.key_len(), 64);
        assert_eq!(ContentEncryption::A256CbcHs512.tag_len(), 32);
        assert_eq!(ContentEncryption::A192Gcm.iv_len(), 12);
        assert_eq!(ContentEncryption::A192CbcHs384.iv_len(), 16);
    }
}
