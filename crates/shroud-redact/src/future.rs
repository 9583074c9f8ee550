//! [`ResponseFuture`]: decides how a response is redacted once its head is in.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderValue,
};
use http::{Response, StatusCode, response};
use http_body::{Body, Frame};
use pin_project_lite::pin_project;

use crate::body::{Engine, Format, RedactBody, Report};
use crate::codec::{Codec, Coding};
use crate::error::{BodyError, RedactError};
use crate::headers::redact_headers;
use crate::policy::{ContentTypes, MissingContentType, OnError, Policy, UnknownEncoding};
use crate::summary::{Counters, OnSummary};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project! {
    /// The response future of [`Redact`](crate::Redact).
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Pass { #[pin] future: F },
        Redact {
            #[pin]
            future: F,
            policy: Option<Policy>,
            on_summary: Option<OnSummary>,
            head: bool,
        },
        Priming {
            parts: Option<response::Parts>,
            body: Option<RedactBody<B>>,
            frames: VecDeque<Frame<Bytes>>,
            held: usize,
            limit: usize,
        },
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// An exempt caller's response: its body untouched, marked so that no
    /// cache stores it (a shared cache could serve it to other callers).
    pub(crate) fn exempt(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Pass { future },
        }
    }

    pub(crate) fn redact(future: F, policy: Policy, on_summary: Option<OnSummary>, head: bool) -> Self {
        ResponseFuture {
            kind: Kind::Redact {
                future,
                policy: Some(policy),
                on_summary,
                head,
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<RedactBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.kind.as_mut().project() {
                KindProj::Pass { future } => {
                    let mut res = ready!(future.poll(cx))?;
                    res.headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
                    return Poll::Ready(Ok(res.map(RedactBody::pass)));
                }
                KindProj::Redact {
                    future,
                    policy,
                    on_summary,
                    head,
                } => {
                    let res = ready!(future.poll(cx))?;
                    let policy = policy.take().expect("polled after completion");
                    let (mut parts, body) = res.into_parts();
                    let body = match prepare(&policy, on_summary.take(), *head, &mut parts, body) {
                        Ok(body) => body,
                        Err(e) => return Poll::Ready(Ok(problem(e))),
                    };
                    let limit = policy.inner.limits.problem_buffer;
                    if policy.inner.on_error != OnError::Problem
                        || body.is_end_stream()
                        || body.is_event_stream()
                    {
                        return Poll::Ready(Ok(Response::from_parts(parts, body)));
                    }
                    this.kind.set(Kind::Priming {
                        parts: Some(parts),
                        body: Some(body),
                        frames: VecDeque::new(),
                        held: 0,
                        limit,
                    });
                }
                KindProj::Priming {
                    parts,
                    body,
                    frames,
                    held,
                    limit,
                } => {
                    let b = body.as_mut().expect("polled after completion");
                    while *held < *limit {
                        match ready!(Pin::new(&mut *b).poll_frame(cx)) {
                            None => break,
                            Some(Ok(frame)) => {
                                *held += frame.data_ref().map_or(0, Bytes::len);
                                frames.push_back(frame);
                            }
                            Some(Err(e)) => {
                                let e = match e {
                                    BodyError::Redact(e) => e,
                                    BodyError::Inner(_) => RedactError::Truncated,
                                };
                                return Poll::Ready(Ok(problem(e)));
                            }
                        }
                    }
                    let body = body.take().expect("polled after completion");
                    let parts = parts.take().expect("polled after completion");
                    let frames = std::mem::take(frames);
                    return Poll::Ready(Ok(Response::from_parts(parts, body.with_replay(frames))));
                }
            }
        }
    }
}

/// Redacts the headers and picks the body's treatment; `Err` when the body
/// must be refused before anything is sent.
fn prepare<B>(
    policy: &Policy,
    on_summary: Option<OnSummary>,
    head: bool,
    parts: &mut response::Parts,
    body: B,
) -> Result<RedactBody<B>, RedactError> {
    let mut counters = Counters::default();
    let header_values = redact_headers(policy, &mut parts.headers, &mut counters);
    let report = Report {
        policy: policy.clone(),
        on_summary,
        headers: counters,
        header_values,
    };
    let status = parts.status;
    let untouched = head
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if untouched {
        // A HEAD (or 304) of a type that is scanned keeps no length or
        // validator of the raw body: compared with the redacted one, its
        // length tells how long the removed values were.
        // A 304 without a content type (the usual one) names no type: its
        // validators stay, or caches could not revalidate images.
        let content_type = parts.headers.get(CONTENT_TYPE);
        let scanned_type =
            (head || content_type.is_some()) && classify(&policy.inner.content_types, content_type).is_some();
        let hide = scanned_type && (head || status == StatusCode::NOT_MODIFIED);
        if hide {
            parts.headers.remove(CONTENT_LENGTH);
            parts.headers.remove(ACCEPT_RANGES);
            parts.headers.remove(ETAG);
        }
        report.emit_headers_only();
        let body = RedactBody::pass_scanning_trailers(body, policy.clone());
        // Nor through the body's size, from which a server writes the length.
        return Ok(if hide { body.unsized_pass() } else { body });
    }
    // Two `Content-Type`s: which one a client follows is not known.
    let mut types = parts.headers.get_all(CONTENT_TYPE).iter();
    let content_type = types.next();
    if types.next().is_some() {
        tracing::debug!(target: "shroud_redact", "response with two content types refused");
        return Err(RedactError::ContentType);
    }
    // Nor when the one value is not one media type (`application/json,
    // charset=utf-8`, empty, not ASCII): clients read such values their
    // own way (browsers take the last type of a list, for one).
    if content_type.is_some_and(|v| !one_media_type(v)) {
        tracing::debug!(target: "shroud_redact", "response with a malformed content type refused");
        return Err(RedactError::ContentType);
    }
    let format = classify(&policy.inner.content_types, content_type);
    if status == StatusCode::PARTIAL_CONTENT && (format.is_some() || is_byteranges(content_type)) {
        tracing::debug!(target: "shroud_redact", "partial response refused");
        return Err(RedactError::PartialContent);
    }
    let Some(format) = format else {
        report.emit_headers_only();
        return Ok(RedactBody::pass_scanning_trailers(body, policy.clone()));
    };
    if !content_type.is_none_or(charset_scannable) {
        tracing::debug!(target: "shroud_redact", "response in a charset that cannot be scanned refused");
        return Err(RedactError::ContentType);
    }
    // Every `Content-Encoding` line counts: one coding, or none, is read;
    // a list (`identity, gzip`, two lines) is an unknown encoding.
    let mut codings = parts.headers.get_all(CONTENT_ENCODING).iter();
    let (coding, several) = (codings.next(), codings.next().is_some());
    let codec = match coding {
        None => None,
        Some(v) if !several && v.as_bytes().eq_ignore_ascii_case(b"identity") => None,
        Some(v) => match Coding::parse(v.as_bytes()).filter(|_| !several).map(Codec::new) {
            Some(Ok(c)) => Some(c),
            _ => match policy.inner.content_types.unknown_encoding {
                UnknownEncoding::Pass => {
                    report.emit_headers_only();
                    return Ok(RedactBody::pass_scanning_trailers(body, policy.clone()));
                }
                UnknownEncoding::Refuse => {
                    tracing::debug!(target: "shroud_redact", "response with an undecodable content encoding refused");
                    return Err(RedactError::Encoding);
                }
            },
        },
    };
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.remove(ACCEPT_RANGES);
    // The entity tag names the representation before redaction: kept, it
    // would let a cache pair a redacted body with the raw one's validator.
    parts.headers.remove(ETAG);
    Ok(RedactBody::redact(
        body,
        Engine::new(format, policy.clone()),
        codec,
        report,
    ))
}

/// Whether a `Content-Type` is `multipart/byteranges` (the parts of a
/// multi-range `206`).
fn is_byteranges(value: Option<&HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| media_type(s).eq_ignore_ascii_case("multipart/byteranges"))
}

/// Whether a `Content-Type` value is one `type/subtype` of RFC 9110 tokens,
/// with or without parameters.
fn one_media_type(value: &HeaderValue) -> bool {
    let tchar = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
    let Ok(s) = value.to_str() else { return false };
    media_type(s).split_once('/').is_some_and(|(t, sub)| {
        !t.is_empty() && !sub.is_empty() && t.bytes().all(tchar) && sub.bytes().all(tchar)
    })
}

/// The media type of a `Content-Type` value, without its parameters.
fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or_default().trim()
}

/// Whether the `charset` of a `Content-Type`, if it names one, is one whose
/// bytes the detectors read: UTF-8 and the ASCII-compatible single-byte
/// sets (US-ASCII, ISO-8859-*, Windows-125*). A UTF-16 body, say, would
/// pass with nothing found.
fn charset_scannable(value: &HeaderValue) -> bool {
    let Ok(s) = value.to_str() else { return true };
    let Some(charset) = s.split(';').skip(1).find_map(|p| {
        let (name, v) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    }) else {
        return true;
    };
    matches!(
        charset.as_str(),
        "utf-8" | "utf8" | "us-ascii" | "ascii" | "latin1" | "l1"
    ) || charset.starts_with("iso-8859-")
        || charset.starts_with("windows-125")
}

/// How a `Content-Type` is parsed, or `None` to pass it untouched.
pub(crate) fn classify(ct: &ContentTypes, value: Option<&HeaderValue>) -> Option<Format> {
    let Some(v) = value else {
        return match ct.missing {
            MissingContentType::Text => Some(Format::Text),
            MissingContentType::Pass => None,
        };
    };
    // A header that is not even text: scan it as text rather than trust it.
    let Ok(s) = v.to_str() else {
        return Some(Format::Text);
    };
    let mime = media_type(s).to_ascii_lowercase();
    let any = |list: &[String]| list.iter().any(|p| media_matches(p, &mime));
    if any(&ct.sse) {
        Some(Format::Sse)
    } else if any(&ct.ndjson) {
        Some(Format::Ndjson)
    } else if any(&ct.json) {
        Some(Format::Json)
    } else if any(&ct.text) {
        Some(Format::Text)
    } else {
        None
    }
}

fn media_matches(pattern: &str, mime: &str) -> bool {
    let p = pattern.trim();
    if p.eq_ignore_ascii_case(mime) {
        return true;
    }
    if let Some(suffix) = p.strip_prefix("*/*+") {
        return mime
            .rsplit_once('+')
            .is_some_and(|(_, s)| s.eq_ignore_ascii_case(suffix));
    }
    if let Some(t) = p.strip_suffix("/*") {
        return mime
            .split_once('/')
            .is_some_and(|(m, _)| m.eq_ignore_ascii_case(t));
    }
    false
}

/// The RFC 9457 problem sent instead of a body that cannot be redacted.
fn problem<B>(e: RedactError) -> Response<RedactBody<B>> {
    const BODY: &str = r#"{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"The response could not be redacted."}"#;
    let mut res = Response::new(RedactBody::full(Bytes::from_static(BODY.as_bytes())));
    *res.status_mut() = StatusCode::BAD_GATEWAY;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(BODY.len()));
    res.extensions_mut().insert(e);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let ct = ContentTypes::default();
        let c = |v: &str| classify(&ct, Some(&HeaderValue::from_str(v).unwrap()));
        assert_eq!(c("application/json"), Some(Format::Json));
        assert_eq!(c("Application/JSON; charset=utf-8"), Some(Format::Json));
        assert_eq!(c("application/problem+json"), Some(Format::Json));
        assert_eq!(c("application/x-ndjson"), Some(Format::Ndjson));
        assert_eq!(c("application/json-seq"), Some(Format::Ndjson));
        assert_eq!(c("text/event-stream"), Some(Format::Sse));
        assert_eq!(c("text/html"), Some(Format::Text));
        assert_eq!(c("application/xml"), Some(Format::Text));
        assert_eq!(c("application/atom+xml"), Some(Format::Text));
        assert_eq!(c("image/png"), None);
        assert_eq!(c("application/octet-stream"), None);
        assert_eq!(classify(&ct, None), Some(Format::Text));
        let pass = ContentTypes {
            missing: MissingContentType::Pass,
            ..ContentTypes::default()
        };
        assert_eq!(classify(&pass, None), None);
        assert_eq!(
            classify(&ct, Some(&HeaderValue::from_bytes(b"text/\xff").unwrap())),
            Some(Format::Text)
        );
    }

    #[test]
    fn a_content_type_must_be_one_media_type() {
        let one = |v: &[u8]| one_media_type(&HeaderValue::from_bytes(v).unwrap());
        for ok in [
            &b"application/json"[..],
            b"Application/JSON; charset=utf-8",
            b"application/vnd.api+json;v=1",
            b"image/png",
            b" text/plain ",
        ] {
            assert!(one(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"application/json, charset=utf-8"[..],
            b"text/event-stream, text/plain",
            b"",
            b"json",
            b"/json",
            b"application/",
            b"text/plain\xff",
            b"text/plain; charset=utf-16; x=\"\xc3\xa9\"",
            b"application/js on",
        ] {
            assert!(!one(bad), "{}", String::from_utf8_lossy(bad));
        }
    }
}
