//! axum extractors (feature `axum`).
//!
//! [`AnonymizedClaims`] extracts directly (and as `Option<AnonymizedClaims>`
//! on routes under optional authentication). [`CallerId`] lives in
//! `shroud-core`, so its extractor is the newtype [`Caller`]. Without what
//! [`AnonymizeLayer`](crate::AnonymizeLayer) inserts, the rejection is a 401.

use core::fmt;
use std::ops::Deref;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use shroud_core::CallerId;

use crate::claims::AnonymizedClaims;

/// The caller's pseudonymous id, as an extractor.
///
/// ```no_run
/// use shroud_anon::Caller;
/// async fn handler(caller: Caller) -> String {
///     format!("hello {}", caller.as_str())
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller(pub CallerId);

impl Deref for Caller {
    type Target = CallerId;

    fn deref(&self) -> &CallerId {
        &self.0
    }
}

/// No anonymized claims or caller in the request: answered with a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingClaims;

impl fmt::Display for MissingClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no anonymized claims")
    }
}

impl std::error::Error for MissingClaims {}

impl IntoResponse for MissingClaims {
    fn into_response(self) -> Response {
        tracing::debug!("extractor found no anonymized claims");
        let mut res = (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        res.extensions_mut().insert(self);
        res
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AnonymizedClaims {
    type Rejection = MissingClaims;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AnonymizedClaims>()
            .cloned()
            .ok_or(MissingClaims)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for AnonymizedClaims {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<AnonymizedClaims>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = MissingClaims;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CallerId>()
            .cloned()
            .map(Caller)
            .ok_or(MissingClaims)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CallerId>().cloned().map(Caller))
    }
}
