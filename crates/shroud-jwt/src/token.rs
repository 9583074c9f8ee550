//! Compact serialization: split once, decode header and payload once.
//!
//! Nothing here trusts the token: every length is bounded by the size cap
//! checked before, base64url is decoded strictly (no padding, no trailing
//! bits) and JSON errors are reported without the input.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use crate::alg::{Algorithm, parse_alg};
use crate::rejection::Rejection;

/// The largest signature accepted (RSA-8192).
pub(crate) const MAX_SIGNATURE: usize = 1024;

/// A compact token split at its dots.
pub(crate) enum Compact<'a> {
    /// `header.payload.signature`
    Jws {
        header: &'a [u8],
        payload: &'a [u8],
        signature: &'a [u8],
        signing_input: &'a [u8],
    },
    /// Five parts: an encrypted token (JWE). Decryption slots in here.
    Jwe,
}

pub(crate) fn split(token: &[u8]) -> Result<Compact<'_>, Rejection> {
    let mut dots = [0usize; 4];
    let mut n = 0;
    for i in memchr::memchr_iter(b'.', token) {
        if n == 4 {
            return Err(Rejection::Malformed);
        }
        dots[n] = i;
        n += 1;
    }
    match n {
        2 => Ok(Compact::Jws {
            header: &token[..dots[0]],
            payload: &token[dots[0] + 1..dots[1]],
            signature: &token[dots[1] + 1..],
            signing_input: &token[..dots[1]],
        }),
        4 => Ok(Compact::Jwe),
        _ => Err(Rejection::Malformed),
    }
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    typ: Option<Cow<'a, str>>,
    #[serde(default)]
    crit: Present,
    #[serde(default)]
    b64: Present,
    #[serde(default)]
    zip: Present,
    #[serde(default)]
    enc: Present,
}

/// Whether a header member was sent, whatever its value: `"crit": null` is
/// sent too (an `Option` would read it as absent), and refused like any
/// other `crit`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Present(pub(crate) bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// The protected header of a JWS, as far as shroud reads it, borrowed from
/// the decoding buffer.
///
/// `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from the
/// configured key sets.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
}

pub(crate) fn b64(input: &[u8]) -> Result<Vec<u8>, Rejection> {
    URL_SAFE_NO_PAD.decode(input).map_err(|_| Rejection::Malformed)
}

fn is_object(json: &[u8]) -> bool {
    json.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) == Some(&b'{')
}

/// Scratch space for decoding a header: on the stack for ordinary headers,
/// on the heap for large ones.
pub(crate) struct HeaderBuf {
    stack: [u8; 512],
    heap: Vec<u8>,
}

impl HeaderBuf {
    pub(crate) fn new() -> Self {
        HeaderBuf {
            stack: [0; 512],
            heap: Vec::new(),
        }
    }
}

/// Decodes and checks the header: a JSON object with a supported `alg`, no
/// `crit` (shroud understands no extension, so any is refused, RFC 7515
/// §4.1.11), no `b64` (RFC 7797 unencoded payloads are not accepted), no `zip`
/// and no `enc` in a JWS.
pub(crate) fn header<'b>(encoded: &[u8], buf: &'b mut HeaderBuf) -> Result<Header<'b>, Rejection> {
    let json: &'b [u8] = if encoded.len() <= 680 {
        let n = URL_SAFE_NO_PAD
            .decode_slice(encoded, &mut buf.stack)
            .map_err(|_| Rejection::Malformed)?;
        &buf.stack[..n]
    } else {
        buf.heap = b64(encoded)?;
        &buf.heap
    };
    if !is_object(json) {
        return Err(Rejection::Malformed);
    }
    let raw: RawHeader<'b> = serde_json::from_slice(json).map_err(|_| Rejection::Malformed)?;
    if raw.crit.0 || raw.b64.0 {
        return Err(Rejection::CriticalHeader);
    }
    if raw.zip.0 || raw.enc.0 {
        return Err(Rejection::Malformed);
    }
    let alg = raw.alg.ok_or(Rejection::Malformed)?;
    let alg = parse_alg(&alg).ok_or(Rejection::AlgorithmNotAllowed)?;
    Ok(Header {
        alg,
        kid: raw.kid,
        typ: raw.typ,
    })
}

/// Decodes the payload into a JSON object.
pub(crate) fn payload(encoded: &[u8]) -> Result<Map<String, Value>, Rejection> {
    let json = b64(encoded)?;
    if !is_object(&json) {
        return Err(Rejection::Malformed);
    }
    serde_json::from_slice(&json).map_err(|_| Rejection::Malformed)
}

/// Decodes the signature into `buf`, returning its length.
pub(crate) fn signature(encoded: &[u8], buf: &mut [u8; MAX_SIGNATURE]) -> Result<usize, Rejection> {
    if encoded.len() > MAX_SIGNATURE * 4 / 3 + 4 {
        return Err(Rejection::BadSignature);
    }
    URL_SAFE_NO_PAD
        .decode_slice(encoded, buf)
        .map_err(|_| Rejection::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn split_counts_parts() {
        assert!(matches!(
            split(b"a.b.c"),
            Ok(Compact::Jws {
                header: b"a",
                payload: b"b",
                ..
            })
        ));
        assert!(matches!(split(b"a.b.c.d.e"), Ok(Compact::Jwe)));
        for bad in [&b"abc"[..], b"a.b", b"a.b.c.d", b"a.b.c.d.e.f", b""] {
            assert!(split(bad).is_err());
        }
    }

    #[test]
    fn header_refusals() {
        let cases = [
            (r#"{"alg":"none"}"#, Rejection::AlgorithmNotAllowed),
            (
                r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
                Rejection::CriticalHeader,
            ),
            (
                r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
                Rejection::CriticalHeader,
            ),
            (r#"{"alg":"HS256","b64":false}"#, Rejection::CriticalHeader),
            // Sent as `null`, still sent (an `Option` would read them as absent).
            (r#"{"alg":"HS256","crit":null}"#, Rejection::CriticalHeader),
            (r#"{"alg":"HS256","b64":null}"#, Rejection::CriticalHeader),
            (r#"{"alg":"HS256","zip":null}"#, Rejection::Malformed),
            (r#"{"alg":"HS256","enc":null}"#, Rejection::Malformed),
            (r#"{"alg":"HS256","zip":"DEF"}"#, Rejection::Malformed),
            (r#"{"alg":"HS256","enc":"A128GCM"}"#, Rejection::Malformed),
            (r#"{"typ":"JWT"}"#, Rejection::Malformed),
            (r#"["HS256"]"#, Rejection::Malformed),
            (r#"{"alg":"HS256","alg":"none"}"#, Rejection::Malformed),
            (r#"{"alg":5}"#, Rejection::Malformed),
        ];
        for (json, want) in cases {
            assert_eq!(
                header(enc(json).as_bytes(), &mut HeaderBuf::new()).unwrap_err(),
                want,
                "{json}"
            );
        }
        assert_eq!(
            header(b"eyJhbGciOiJIUzI1NiJ9=", &mut HeaderBuf::new()).unwrap_err(),
            Rejection::Malformed
        );
    }

    #[test]
    fn header_reads_kid_and_typ_and_ignores_key_urls() {
        let mut buf = HeaderBuf::new();
        let h = header(
            enc(r#"{"alg":"ES256","kid":"k\u0031","typ":"at+jwt","jku":"https://evil","jwk":{"kty":"oct"}}"#)
                .as_bytes(),
            &mut buf,
        )
        .unwrap();
        assert_eq!(h.alg, Algorithm::ES256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn large_headers_decode_on_the_heap() {
        let json = format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(2000));
        let mut buf = HeaderBuf::new();
        let h = header(enc(&json).as_bytes(), &mut buf).unwrap();
        assert_eq!(h.kid.map(|k| k.len()), Some(2000));
    }

    #[test]
    fn payload_must_be_object() {
        assert!(payload(enc("[1]").as_bytes()).is_err());
        assert!(payload(enc("\"s\"").as_bytes()).is_err());
        assert!(payload(b"@@").is_err());
        assert_eq!(payload(enc(r#" {"a":1}"#).as_bytes()).unwrap().len(), 1);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(Compact::Jws { header: h, payload: p, signature: s, .. }) = split(&bytes) {
                let _ = header(h, &mut HeaderBuf::new());
                let _ = payload(p);
                let mut buf = [0u8; MAX_SIGNATURE];
                let _ = signature(s, &mut buf);
            }
        }

        #[test]
        fn never_panics_on_json_like(s in "\\{(\"[a-z]{1,4}\":(\"[A-Za-z0-9]{0,6}\"|[0-9]{1,3}|\\[\\]|null),?){0,5}\\}") {
            let _ = header(enc(&s).as_bytes(), &mut HeaderBuf::new());
            let _ = payload(enc(&s).as_bytes());
        }
    }
}
