//! Authorization on verified claims: scopes, roles, any predicate; per route.
//!
//! Put these inside [`JwtLayer`](crate::JwtLayer) (in axum, as a
//! `route_layer`). A request whose claims fail the requirement gets 403
//! `insufficient_scope` (HTTP) or `PERMISSION_DENIED` (gRPC); a request with
//! no verified claims at all gets 401.
//!
//! ```
//! use shroud_jwt::authz::{require_scope, require_role};
//! let read = require_scope("orders:read");
//! let admin = require_role("admin").realm("orders").unwrap();
//! # let _ = (read, admin);
//! ```

use core::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use shroud_core::{Claims, TokenInfo};
use tower_layer::Layer;
use tower_service::Service;

use crate::body::JwtBody;
use crate::extract::is_grpc;
use crate::layer::service_refuse as refuse;
use crate::rejection::Rejection;
use crate::response::{DefaultRejection, OnRejection};
use crate::verifier::ConfigError;

type Predicate = Arc<dyn Fn(&Claims) -> bool + Send + Sync>;

/// What the claims must satisfy.
#[derive(Clone)]
pub struct Requirement {
    check: Predicate,
    /// Scopes named in the 403 challenge.
    scope: Arc<str>,
    /// Whether the token must have arrived encrypted (JWE).
    encrypted: bool,
}

impl fmt::Debug for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Requirement")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A layer checking a [`Requirement`] on the verified claims.
#[derive(Clone, Debug)]
pub struct AuthorizeLayer<R = DefaultRejection> {
    requirement: Requirement,
    on_rejection: R,
}

fn layer(check: Predicate, scope: String) -> AuthorizeLayer {
    AuthorizeLayer {
        requirement: Requirement {
            check,
            scope: Arc::from(scope),
            encrypted: false,
        },
        on_rejection: DefaultRejection::default(),
    }
}

/// Requires the scope `scope` (in `scope` or `scp`).
pub fn require_scope(scope: impl Into<String>) -> AuthorizeLayer {
    let scope = scope.into();
    let want = scope.clone();
    layer(Arc::new(move |c: &Claims| c.has_scope(&want)), scope)
}

/// Requires at least one of `scopes`.
pub fn require_any_scope<I, S>(scopes: I) -> AuthorizeLayer
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
    let joined = scopes.join(" ");
    layer(
        Arc::new(move |c: &Claims| c.scopes().iter().any(|s| scopes.iter().any(|w| w == s))),
        joined,
    )
}

/// Requires the role `role` (in `roles`).
pub fn require_role(role: impl Into<String>) -> AuthorizeLayer {
    let role = role.into();
    layer(Arc::new(move |c: &Claims| c.has_role(&role)), String::new())
}

/// Requires `predicate` to hold for the claims.
pub fn require_claims<F>(predicate: F) -> AuthorizeLayer
where
    F: Fn(&Claims) -> bool + Send + Sync + 'static,
{
    layer(Arc::new(predicate), String::new())
}

/// Requires the token to have arrived encrypted (a nested JWE decrypted by
/// [`JwtLayer`](crate::JwtLayer), [`TokenInfo::encrypted`]): a plain JWS is
/// refused with 401 [`Rejection::EncryptionRequired`] on this route. The
/// verifier needs [`decryption_keys`](crate::VerifierBuilder::decryption_keys).
///
/// ```
/// use shroud_jwt::authz::require_encryption;
/// let sensitive = require_encryption();
/// # let _ = sensitive;
/// ```
pub fn require_encryption() -> AuthorizeLayer {
    let mut layer = layer(Arc::new(|_: &Claims| true), String::new());
    layer.requirement.encrypted = true;
    layer
}

impl AuthorizeLayer {
    /// The realm of the default challenge.
    pub fn realm(self, realm: &str) -> Result<Self, ConfigError> {
        Ok(self.on_rejection(DefaultRejection::new(realm)?))
    }
}

impl<R> AuthorizeLayer<R> {
    /// Replaces how refusals are answered.
    #[must_use]
    pub fn on_rejection<R2: OnRejection>(self, on_rejection: R2) -> AuthorizeLayer<R2> {
        AuthorizeLayer {
            requirement: self.requirement,
            on_rejection,
        }
    }
}

impl<S, R: Clone> Layer<S> for AuthorizeLayer<R> {
    type Service = Authorize<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        Authorize {
            inner,
            requirement: self.requirement.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

/// The service of [`AuthorizeLayer`].
#[derive(Clone, Debug)]
pub struct Authorize<S, R> {
    inner: S,
    requirement: Requirement,
    on_rejection: R,
}

impl<S, R> Authorize<S, R> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, by value.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for Authorize<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    R: OnRejection,
    ResBody: http_body::Body<Data = Bytes>,
{
    type Response = Response<JwtBody<ResBody>>;
    type Error = S::Error;
    type Future = AuthorizeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let encrypted = || req.extensions().get::<TokenInfo>().is_some_and(|i| i.encrypted);
        let rejection = match req.extensions().get::<Claims>() {
            None => Rejection::MissingToken,
            Some(_) if self.requirement.encrypted && !encrypted() => Rejection::EncryptionRequired,
            Some(claims) if (self.requirement.check)(claims) => {
                return AuthorizeFuture {
                    kind: Kind::Inner {
                        future: self.inner.call(req),
                    },
                };
            }
            Some(_) => Rejection::InsufficientScope {
                scope: self.requirement.scope.clone(),
            },
        };
        let response = refuse(&self.on_rejection, rejection, is_grpc(req.headers()));
        AuthorizeFuture {
            kind: Kind::Reject {
                response: Some(response),
            },
        }
    }
}

pin_project! {
    /// The response future of [`Authorize`].
    pub struct AuthorizeFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Reject { response: Option<Response<Bytes>> },
    }
}

impl<F, B, E> Future for AuthorizeFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes>,
{
    type Output = Result<Response<JwtBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => Poll::Ready(Ok(ready!(future.poll(cx))?.map(JwtBody::inner))),
            KindProj::Reject { response } => Poll::Ready(Ok(response
                .take()
                .expect("polled after completion")
                .map(JwtBody::full))),
        }
    }
}

impl<F> fmt::Debug for AuthorizeFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeFuture").finish_non_exhaustive()
    }
}
