//! The responses sent when a request is refused: RFC 6750 challenges with an
//! RFC 9457 problem body for HTTP, trailers-only status for gRPC.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::rejection::{BearerError, Rejection};
use crate::verifier::ConfigError;

/// What the refused request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestKind {
    /// The request is gRPC (`content-type: application/grpc*`), gRPC-Web
    /// included.
    pub grpc: bool,
    /// The gRPC-Web content type to answer with (`application/grpc-web` or
    /// `application/grpc-web-text`), for a gRPC-Web request.
    web: Option<&'static str>,
}

impl RequestKind {
    /// The kind of a request with these headers: gRPC when its content type
    /// starts with `application/grpc` (any case).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use shroud_jwt::RequestKind;
    ///
    /// let mut h = HeaderMap::new();
    /// assert!(!RequestKind::of(&h).grpc);
    /// h.insert("content-type", "application/grpc+proto".parse().unwrap());
    /// assert!(RequestKind::of(&h).grpc);
    /// ```
    pub fn of(headers: &HeaderMap) -> RequestKind {
        let grpc = crate::extract::is_grpc(headers);
        let web = if grpc {
            headers.get(CONTENT_TYPE).and_then(|v| {
                let rest = v.as_bytes().get(16..)?;
                let starts = |p: &[u8]| rest.get(..p.len()).is_some_and(|r| r.eq_ignore_ascii_case(p));
                if starts(b"-web-text") {
                    Some("application/grpc-web-text")
                } else if starts(b"-web") {
                    Some("application/grpc-web")
                } else {
                    None
                }
            })
        } else {
            None
        };
        RequestKind { grpc, web }
    }

    /// The content type of a gRPC refusal for this request:
    /// `application/grpc`, or the request's gRPC-Web flavour, so that a
    /// browser client reads the status of a refusal sent before any
    /// gRPC-Web translation layer.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use shroud_jwt::RequestKind;
    ///
    /// let mut h = HeaderMap::new();
    /// h.insert("content-type", "application/grpc-web-text+proto".parse().unwrap());
    /// assert_eq!(RequestKind::of(&h).grpc_content_type(), "application/grpc-web-text");
    /// h.insert("content-type", "application/grpc".parse().unwrap());
    /// assert_eq!(RequestKind::of(&h).grpc_content_type(), "application/grpc");
    /// ```
    pub fn grpc_content_type(&self) -> &'static str {
        self.web.unwrap_or("application/grpc")
    }
}

/// The response refusing a request, as [`JwtLayer`](crate::JwtLayer) and
/// [`AuthorizeLayer`](crate::authz::AuthorizeLayer) send it: what
/// `on_rejection` answers for `rejection`, with the [`Rejection`] in the
/// response extensions, and a `debug` event naming its code. For layers of
/// your own that refuse requests on the same terms.
///
/// ```
/// use shroud_jwt::{DefaultRejection, Rejection, RequestKind, refusal};
///
/// let res = refusal(&DefaultRejection::default(), Rejection::MissingToken, RequestKind::of(&Default::default()));
/// assert_eq!(res.status(), 401);
/// assert!(res.extensions().get::<Rejection>().is_some());
/// ```
pub fn refusal<R: OnRejection>(on_rejection: &R, rejection: Rejection, kind: RequestKind) -> Response<Bytes> {
    tracing::debug!(reason = rejection.code(), grpc = kind.grpc, "request refused");
    let mut res = on_rejection.response(&rejection, kind);
    res.extensions_mut().insert(rejection);
    res
}

/// Builds the response for a refused request.
///
/// The default, [`DefaultRejection`], answers as RFC 6750 and gRPC require.
/// Implement this (or pass a closure `Fn(&Rejection, RequestKind) ->
/// Response<Bytes>`) to change it; the layer still adds the [`Rejection`] to
/// the response extensions and logs its code. Whatever the response, do not
/// put the token or a claim into it.
pub trait OnRejection: Clone + Send + Sync + 'static {
    /// The response for `rejection`.
    fn response(&self, rejection: &Rejection, kind: RequestKind) -> Response<Bytes>;
}

impl<F> OnRejection for F
where
    F: Fn(&Rejection, RequestKind) -> Response<Bytes> + Clone + Send + Sync + 'static,
{
    fn response(&self, rejection: &Rejection, kind: RequestKind) -> Response<Bytes> {
        self(rejection, kind)
    }
}

/// The default responses: for HTTP a 401/400/403 with
/// `WWW-Authenticate: Bearer realm="..."[, error="..."][, scope="..."]` and an
/// `application/problem+json` body, or a 503 with `Retry-After` when no
/// issuer's keys can be loaded; for gRPC a trailers-only HTTP 200 with
/// `grpc-status` 16, 7 or 14, in the request's gRPC or gRPC-Web content
/// type.
#[derive(Debug, Clone)]
pub struct DefaultRejection {
    realm: Arc<str>,
}

impl Default for DefaultRejection {
    fn default() -> Self {
        DefaultRejection {
            realm: Arc::from("api"),
        }
    }
}

impl DefaultRejection {
    /// With `realm` in the challenge. The realm must be printable ASCII
    /// without `"` or `\`.
    pub fn new(realm: &str) -> Result<Self, ConfigError> {
        let ok = !realm.is_empty()
            && realm
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
        if !ok {
            return Err(ConfigError::Invalid(
                "realm must be printable ASCII without quotes or backslashes",
            ));
        }
        Ok(DefaultRejection {
            realm: Arc::from(realm),
        })
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }
}

impl OnRejection for DefaultRejection {
    fn response(&self, rejection: &Rejection, kind: RequestKind) -> Response<Bytes> {
        if kind.grpc {
            let mut res = grpc_response(rejection);
            res.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(kind.grpc_content_type()));
            res
        } else {
            http_response(&self.realm, rejection)
        }
    }
}

/// The RFC 6750 challenge for `rejection` (without the realm check:
/// `realm` must already be a valid quoted-string body). A scope list that
/// is not valid inside a quoted string is left out of the challenge. A
/// 503 ([`Rejection::is_unavailable`]) carries no challenge: the token may
/// be fine.
pub fn challenge(realm: &str, rejection: &Rejection) -> String {
    let mut v = format!("Bearer realm=\"{realm}\"");
    if let Some(code) = rejection.bearer_error().as_str() {
        v.push_str(", error=\"");
        v.push_str(code);
        v.push('"');
    }
    // The scope attribute is written only when it is a valid RFC 6750
    // scope list: a quote or backslash in a configured scope would
    // otherwise end the quoted string and forge attributes.
    if let Rejection::InsufficientScope { scope } = rejection
        && !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    {
        v.push_str(", scope=\"");
        v.push_str(scope);
        v.push('"');
    }
    v
}

/// Seconds a client is asked to wait when the keys are unavailable
/// (`Retry-After` of a 503).
pub const RETRY_AFTER_SECS: u32 = 5;

/// The default HTTP response: status, challenge, problem details.
///
/// When the keys are unavailable ([`Rejection::is_unavailable`]) the answer
/// is a 503 with `Retry-After` and no challenge: the token may be fine.
///
/// ```
/// use shroud_jwt::{Rejection, http_response};
///
/// let res = http_response("api", &Rejection::KeysUnavailable);
/// assert_eq!(res.status(), 503);
/// assert_eq!(res.headers()["retry-after"], "5");
/// assert!(res.headers().get("www-authenticate").is_none());
/// ```
pub fn http_response(realm: &str, rejection: &Rejection) -> Response<Bytes> {
    let status = rejection.status();
    if rejection.is_unavailable() {
        let body = format!(
            r#"{{"type":"about:blank","title":"Service Unavailable","status":{},"detail":"The access token cannot be checked now; retry later."}}"#,
            status.as_u16()
        );
        let mut res = Response::new(Bytes::from(body));
        *res.status_mut() = status;
        let h = res.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        h.insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return res;
    }
    let (title, detail) = match rejection.bearer_error() {
        BearerError::None => ("Unauthorized", "The request carries no access token."),
        BearerError::InvalidRequest => ("Bad Request", "The access token was not sent as expected."),
        BearerError::InvalidToken => ("Unauthorized", "The access token is invalid or expired."),
        BearerError::InsufficientScope => ("Forbidden", "The access token does not grant this request."),
    };
    let body = format!(
        r#"{{"type":"about:blank","title":"{title}","status":{},"detail":"{detail}"}}"#,
        status.as_u16()
    );
    let mut res = Response::new(Bytes::from(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if let Ok(v) = HeaderValue::from_str(&challenge(realm, rejection)) {
        res.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    res
}

/// The default gRPC response, as tonic's `Status::into_http` writes it:
/// HTTP 200, `content-type: application/grpc`, `grpc-status` and
/// `grpc-message` in the headers and no body (trailers-only). For a
/// gRPC-Web request, set the content type to
/// [`RequestKind::grpc_content_type`] (as [`DefaultRejection`] does).
pub fn grpc_response(rejection: &Rejection) -> Response<Bytes> {
    let mut res = Response::new(Bytes::new());
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    let (status, message) = match rejection.grpc_status() {
        14 => (
            HeaderValue::from_static("14"),
            HeaderValue::from_static("unavailable"),
        ),
        7 => (
            HeaderValue::from_static("7"),
            HeaderValue::from_static("permission%20denied"),
        ),
        _ => (
            HeaderValue::from_static("16"),
            HeaderValue::from_static("unauthenticated"),
        ),
    };
    h.insert("grpc-status", status);
    h.insert("grpc-message", message);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_per_rfc6750() {
        assert_eq!(
            challenge("api", &Rejection::MissingToken),
            r#"Bearer realm="api""#
        );
        assert_eq!(
            challenge("api", &Rejection::Expired),
            r#"Bearer realm="api", error="invalid_token""#
        );
        assert_eq!(
            challenge("api", &Rejection::MultipleTokens),
            r#"Bearer realm="api", error="invalid_request""#
        );
        assert_eq!(
            challenge("api", &Rejection::InsufficientScope { scope: "a b".into() }),
            r#"Bearer realm="api", error="insufficient_scope", scope="a b""#
        );
    }

    #[test]
    fn a_scope_that_would_break_the_quoted_string_is_left_out() {
        for bad in [r#"x", error="invalid_token"#, "a\\b", "a\u{7f}", "é"] {
            let got = challenge("api", &Rejection::InsufficientScope { scope: bad.into() });
            assert_eq!(
                got, r#"Bearer realm="api", error="insufficient_scope""#,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn realm_validated() {
        assert!(DefaultRejection::new("my api").is_ok());
        for bad in ["", "a\"b", "a\\b", "a\nb", "é"] {
            assert!(DefaultRejection::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn http_body_is_problem_json_without_detail_of_check() {
        let res = http_response("api", &Rejection::Expired);
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");
        let v: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
        assert_eq!(v["status"], 401);
        assert!(!String::from_utf8_lossy(res.body()).contains("expired\""));
    }

    #[test]
    fn grpc_web_refusals_answer_in_the_request_flavour() {
        for (sent, want) in [
            ("application/grpc", "application/grpc"),
            ("application/grpc+proto", "application/grpc"),
            ("application/grpc-web", "application/grpc-web"),
            ("application/grpc-web+proto", "application/grpc-web"),
            ("Application/GRPC-Web-Text", "application/grpc-web-text"),
            ("application/grpc-web-text+proto", "application/grpc-web-text"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_static(sent));
            let kind = RequestKind::of(&h);
            assert!(kind.grpc, "{sent}");
            let res = refusal(&DefaultRejection::default(), Rejection::Expired, kind);
            assert_eq!(res.status(), 200, "{sent}");
            assert_eq!(res.headers()[CONTENT_TYPE], want, "{sent}");
            assert_eq!(res.headers()["grpc-status"], "16", "{sent}");
        }
        let res = refusal(
            &DefaultRejection::default(),
            Rejection::Expired,
            RequestKind::of(&HeaderMap::new()),
        );
        assert_eq!(res.status(), 401);
    }

    #[test]
    fn grpc_trailers_only() {
        let res = grpc_response(&Rejection::BadSignature);
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["grpc-status"], "16");
        assert!(res.body().is_empty());
        let res = grpc_response(&Rejection::InsufficientScope { scope: "".into() });
        assert_eq!(res.headers()["grpc-status"], "7");
        let res = grpc_response(&Rejection::KeysUnavailable);
        assert_eq!(res.headers()["grpc-status"], "14");
        assert_eq!(res.headers()["grpc-message"], "unavailable");
    }
}
