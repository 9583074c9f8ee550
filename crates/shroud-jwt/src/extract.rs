//! Where tokens come from: `Authorization: Bearer`, a cookie, a named
//! header, gRPC metadata.

use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use http::{HeaderMap, HeaderName};

use crate::rejection::Rejection;

/// A place a token is read from.
///
/// A request carrying a token in more than one place (two `Authorization`
/// headers, a bearer header and a cookie, ...) is refused with
/// `invalid_request`, as RFC 6750 §2 requires of clients.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// `Authorization: Bearer <token>` (the scheme is case-insensitive).
    /// On gRPC requests this is also the `authorization` metadata.
    Bearer,
    /// The `authorization` metadata of gRPC requests only
    /// (`content-type: application/grpc*`), with or without `Bearer `.
    Grpc,
    /// The value of the cookie with this name.
    Cookie(String),
    /// The whole value of this header (a leading `Bearer ` is stripped).
    Header(HeaderName),
}

/// Whether the request is gRPC (`content-type: application/grpc*`).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().len() >= 16 && v.as_bytes()[..16].eq_ignore_ascii_case(b"application/grpc")
    })
}

/// Strips a case-insensitive `Bearer` scheme and the spaces after it.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    if value.len() < 7 || !value[..6].eq_ignore_ascii_case(b"bearer") || value[6] != b' ' {
        return None;
    }
    let rest = &value[7..];
    let start = rest.iter().position(|b| *b != b' ')?;
    Some(trim_end(&rest[start..]))
}

fn trim_end(v: &[u8]) -> &[u8] {
    let end = v
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(0, |i| i + 1);
    &v[..end]
}

/// An empty token, or one with blanks inside (`Bearer a b`), is malformed.
/// Other characters need no scan here: the strict base64url decoding of every
/// part refuses anything outside the alphabet, and a token that was never
/// verified is never a cache hit.
fn check(token: &[u8]) -> Result<&[u8], Rejection> {
    if token.is_empty() || memchr::memchr2(b' ', b'\t', token).is_some() {
        Err(Rejection::Malformed)
    } else {
        Ok(token)
    }
}

/// Finds the request's one token. `Ok(None)` when there is none.
pub(crate) fn find<'a, 's>(
    headers: &'a HeaderMap,
    sources: &'s [TokenSource],
    grpc: bool,
    max_len: usize,
) -> Result<Option<(&'a [u8], &'s TokenSource)>, Rejection> {
    let mut found: Option<(&'a [u8], &'s TokenSource)> = None;
    let mut put = |t: &'a [u8], source: &'s TokenSource| -> Result<(), Rejection> {
        if found.is_some() {
            return Err(Rejection::MultipleTokens);
        }
        // The size cap comes before anything else looks at the token.
        if t.len() > max_len {
            return Err(Rejection::TokenTooLarge);
        }
        found = Some((check(t)?, source));
        Ok(())
    };
    let bearer_configured = sources.contains(&TokenSource::Bearer);
    for source in sources {
        match source {
            TokenSource::Bearer => {
                for v in headers.get_all(AUTHORIZATION) {
                    match bearer(v.as_bytes()) {
                        Some(t) => put(t, source)?,
                        // `Authorization: Bearer` with nothing after it.
                        None if v.as_bytes().eq_ignore_ascii_case(b"bearer") => {
                            return Err(Rejection::Malformed);
                        }
                        None => {}
                    }
                }
            }
            TokenSource::Grpc if grpc => {
                for v in headers.get_all(AUTHORIZATION) {
                    match bearer(v.as_bytes()) {
                        // With `Bearer` also a source, it took this value.
                        Some(_) if bearer_configured => {}
                        Some(t) => put(t, source)?,
                        // The scheme with nothing after it, as `Bearer` answers.
                        None if v.as_bytes().eq_ignore_ascii_case(b"bearer") => {
                            return Err(Rejection::Malformed);
                        }
                        None => put(trim_end(v.as_bytes()), source)?,
                    }
                }
            }
            TokenSource::Grpc => {}
            TokenSource::Cookie(name) => {
                for v in headers.get_all(COOKIE) {
                    for pair in v.as_bytes().split(|b| *b == b';') {
                        let pair = trim_start(pair);
                        if let Some(eq) = pair.iter().position(|b| *b == b'=')
                            && &pair[..eq] == name.as_bytes()
                        {
                            let mut value = trim_end(&pair[eq + 1..]);
                            if value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"' {
                                value = &value[1..value.len() - 1];
                            }
                            // An emptied cookie (how a logout clears it) is
                            // no token, not a malformed one.
                            if !value.is_empty() {
                                put(value, source)?;
                            }
                        }
                    }
                }
            }
            TokenSource::Header(name) => {
                for v in headers.get_all(name) {
                    put(
                        bearer(v.as_bytes()).unwrap_or(trim_end(trim_start(v.as_bytes()))),
                        source,
                    )?;
                }
            }
        }
    }
    Ok(found)
}

impl TokenSource {
    /// Where a token read from this source was carried.
    pub(crate) fn carrier(&self) -> shroud_core::TokenCarrier {
        use shroud_core::TokenCarrier;
        match self {
            TokenSource::Bearer | TokenSource::Grpc => TokenCarrier::Authorization,
            TokenSource::Cookie(name) => TokenCarrier::Cookie(name.as_str().into()),
            TokenSource::Header(name) => TokenCarrier::Header(name.as_str().into()),
        }
    }
}

fn trim_start(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(v.len());
    &v[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn one(pairs: &[(&str, &str)], sources: &[TokenSource]) -> Result<Option<Vec<u8>>, Rejection> {
        let h = headers(pairs);
        let grpc = is_grpc(&h);
        find(&h, sources, grpc, 100).map(|t| t.map(|(t, _)| t.to_vec()))
    }

    #[test]
    fn bearer_scheme_case_insensitive() {
        let s = [TokenSource::Bearer];
        for v in ["Bearer a.b.c", "bearer a.b.c", "BEARER   a.b.c ", "BeArEr a.b.c"] {
            assert_eq!(
                one(&[("authorization", v)], &s).unwrap().unwrap(),
                b"a.b.c",
                "{v}"
            );
        }
        assert_eq!(one(&[("authorization", "Basic dXNlcg==")], &s).unwrap(), None);
        assert_eq!(one(&[("authorization", "Bearera.b.c")], &s).unwrap(), None);
        assert_eq!(one(&[], &s).unwrap(), None);
        assert_eq!(
            one(&[("authorization", "Bearer")], &s).unwrap_err(),
            Rejection::Malformed
        );
        assert_eq!(
            one(&[("authorization", "Bearer a b")], &s).unwrap_err(),
            Rejection::Malformed
        );
    }

    #[test]
    fn several_tokens_are_refused() {
        let s = [TokenSource::Bearer, TokenSource::Cookie("at".into())];
        let two_headers = [
            ("authorization", "Bearer a.b.c"),
            ("authorization", "Bearer d.e.f"),
        ];
        assert_eq!(one(&two_headers, &s).unwrap_err(), Rejection::MultipleTokens);
        let header_and_cookie = [("authorization", "Bearer a.b.c"), ("cookie", "at=d.e.f")];
        assert_eq!(
            one(&header_and_cookie, &s).unwrap_err(),
            Rejection::MultipleTokens
        );
        let two_cookies = [("cookie", "at=a.b.c; at=d.e.f")];
        assert_eq!(one(&two_cookies, &s).unwrap_err(), Rejection::MultipleTokens);
    }

    #[test]
    fn cookie_and_header_sources() {
        let s = [
            TokenSource::Cookie("at".into()),
            TokenSource::Header(HeaderName::from_static("x-token")),
        ];
        assert_eq!(
            one(&[("cookie", "x=1; at=a.b.c; y=2")], &s).unwrap().unwrap(),
            b"a.b.c"
        );
        assert_eq!(one(&[("cookie", "at=\"a.b.c\"")], &s).unwrap().unwrap(), b"a.b.c");
        assert_eq!(one(&[("cookie", "xat=a.b.c")], &s).unwrap(), None);
        assert_eq!(one(&[("x-token", "a.b.c")], &s).unwrap().unwrap(), b"a.b.c");
        assert_eq!(
            one(&[("x-token", "Bearer a.b.c")], &s).unwrap().unwrap(),
            b"a.b.c"
        );
        // Not read when not configured.
        assert_eq!(one(&[("authorization", "Bearer a.b.c")], &s).unwrap(), None);
        // An emptied cookie is no token; beside a real one it is not a second.
        assert_eq!(one(&[("cookie", "at=; y=2")], &s).unwrap(), None);
        assert_eq!(one(&[("cookie", "at=\"\"")], &s).unwrap(), None);
        assert_eq!(
            one(&[("cookie", "at=; at=a.b.c")], &s).unwrap().unwrap(),
            b"a.b.c"
        );
    }

    #[test]
    fn grpc_metadata_only_on_grpc_requests() {
        let s = [TokenSource::Grpc];
        let grpc = [
            ("content-type", "application/grpc+proto"),
            ("authorization", "Bearer a.b.c"),
        ];
        assert_eq!(one(&grpc, &s).unwrap().unwrap(), b"a.b.c");
        let http = [
            ("content-type", "application/json"),
            ("authorization", "Bearer a.b.c"),
        ];
        assert_eq!(one(&http, &s).unwrap(), None);
        let both = [TokenSource::Bearer, TokenSource::Grpc];
        assert_eq!(one(&grpc, &both).unwrap().unwrap(), b"a.b.c");
        // Without the scheme, gRPC metadata is read with Bearer also a
        // source (the default configuration has both), and only on gRPC.
        let bare = [("content-type", "application/grpc"), ("authorization", "a.b.c")];
        for sources in [&s[..], &both[..]] {
            assert_eq!(one(&bare, sources).unwrap().unwrap(), b"a.b.c");
        }
        let bare_http = [("content-type", "application/json"), ("authorization", "a.b.c")];
        assert_eq!(one(&bare_http, &both).unwrap(), None);
        // Two values are two tokens, whatever their form.
        let two = [
            ("content-type", "application/grpc"),
            ("authorization", "Bearer a.b.c"),
            ("authorization", "d.e.f"),
        ];
        assert_eq!(one(&two, &both), Err(Rejection::MultipleTokens));
        // The scheme alone is malformed, not absent, with either source.
        let empty = [("content-type", "application/grpc"), ("authorization", "Bearer")];
        for sources in [&s[..], &both[..]] {
            assert_eq!(one(&empty, sources), Err(Rejection::Malformed));
        }
    }

    #[test]
    fn size_cap_before_anything() {
        let big = format!("Bearer {}", "a".repeat(101));
        assert_eq!(
            one(&[("authorization", &big)], &[TokenSource::Bearer]).unwrap_err(),
            Rejection::TokenTooLarge
        );
    }
}
