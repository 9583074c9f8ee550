//! axum extractors for the verified claims (feature `axum`).
//!
//! [`Claims`] lives in `shroud-core`, so the extractors are newtypes here:
//! [`VerifiedClaims`] (derefs to `Claims`), `Option<VerifiedClaims>` for
//! routes under optional authentication, and [`TypedClaims<T>`] for claims
//! deserialized into your own type. Each reads what [`JwtLayer`](crate::JwtLayer)
//! put in the request extensions; without it (or without a token on an
//! optional route) the rejection is a 401.

use core::fmt;
use std::ops::Deref;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;
use shroud_core::Claims;

use crate::rejection::Rejection;
use crate::response::http_response;

/// The verified claims of the request.
///
/// ```no_run
/// use shroud_jwt::VerifiedClaims;
/// async fn handler(claims: VerifiedClaims) -> String {
///     format!("hello {}", claims.sub().unwrap_or("anonymous"))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct VerifiedClaims(pub Claims);

impl Deref for VerifiedClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

/// The verified claims deserialized into `T`.
#[derive(Clone, Debug)]
pub struct TypedClaims<T>(pub T);

/// Why an extractor found no usable claims: answered with a 401.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No verified claims in the request.
    Missing,
    /// The claims do not deserialize into the requested type.
    Shape,
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthRejection::Missing => "no verified claims",
            AuthRejection::Shape => "claims do not have the expected shape",
        })
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let rejection = match self {
            AuthRejection::Missing => Rejection::MissingToken,
            AuthRejection::Shape => Rejection::InvalidClaim,
        };
        tracing::debug!(reason = rejection.code(), "extractor refused the request");
        let mut res = http_response("api", &rejection).map(axum_core::body::Body::from);
        res.extensions_mut().insert(rejection);
        res
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedClaims {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Claims>()
            .cloned()
            .map(VerifiedClaims)
            .ok_or(AuthRejection::Missing)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for VerifiedClaims {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Claims>().cloned().map(VerifiedClaims))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for TypedClaims<T> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let claims = parts.extensions.get::<Claims>().ok_or(AuthRejection::Missing)?;
        claims
            .deserialize()
            .map(TypedClaims)
            .map_err(|_| AuthRejection::Shape)
    }
}
