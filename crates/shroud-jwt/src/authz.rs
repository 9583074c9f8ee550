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
use crate::rejection::Rejection;
use crate::response::{DefaultRejection, OnRejection, RequestKind, refusal};
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

impl Requirement {
    /// Every scope of `scopes`, at least one of `any_scopes` (when not
    /// empty) and every role of `roles`. The 403 challenge names `scopes`
    /// and `any_scopes`.
    ///
    /// A token's scopes are the space-separated words of its `scope` claim
    /// (or the entries of `scp`), so a scope given here with a space in it
    /// never matches. A scope with a quote, a backslash or a byte outside
    /// printable ASCII is checked all the same but left out of the
    /// challenge, which must stay a valid quoted string.
    ///
    /// ```
    /// use http::Request;
    /// use shroud_jwt::{Claims, Rejection, authz::Requirement};
    ///
    /// let need = Requirement::new(["orders:read"], ["eu", "us"], ["staff"]);
    /// let mut req = Request::new(());
    /// assert_eq!(need.check(&req), Err(Rejection::MissingToken));
    /// let claims = serde_json::json!({"scope": "orders:read eu", "roles": ["staff"]});
    /// req.extensions_mut().insert(Claims::new(claims.as_object().unwrap().clone()));
    /// assert_eq!(need.check(&req), Ok(()));
    /// ```
    pub fn new<S, A, R>(scopes: S, any_scopes: A, roles: R) -> Requirement
    where
        S: IntoIterator,
        S::Item: Into<String>,
        A: IntoIterator,
        A::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        let any: Vec<String> = any_scopes.into_iter().map(Into::into).collect();
        let roles: Vec<String> = roles.into_iter().map(Into::into).collect();
        let challenge = scopes
            .iter()
            .chain(&any)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        Requirement {
            check: Arc::new(move |c: &Claims| {
                scopes.iter().all(|s| c.has_scope(s))
                    && (any.is_empty() || any.iter().any(|s| c.has_scope(s)))
                    && roles.iter().all(|r| c.has_role(r))
            }),
            scope: Arc::from(challenge),
            encrypted: false,
        }
    }

    /// Checks `req` against the requirement: the verified [`Claims`] that
    /// [`JwtLayer`](crate::JwtLayer) put into its extensions must satisfy
    /// it. Answers why not: [`Rejection::MissingToken`] without claims,
    /// [`Rejection::EncryptionRequired`] for a plain token where one
    /// encrypted is required, [`Rejection::InsufficientScope`] otherwise.
    pub fn check<B>(&self, req: &Request<B>) -> Result<(), Rejection> {
        let claims = req.extensions().get::<Claims>().ok_or(Rejection::MissingToken)?;
        if self.encrypted && !req.extensions().get::<TokenInfo>().is_some_and(|i| i.encrypted) {
            return Err(Rejection::EncryptionRequired);
        }
        if (self.check)(claims) {
            Ok(())
        } else {
            Err(Rejection::InsufficientScope {
                scope: self.scope.clone(),
            })
        }
    }
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
        match self.requirement.check(&req) {
            Ok(()) => AuthorizeFuture::proceed(self.inner.call(req)),
            Err(rejection) => AuthorizeFuture::refused(refusal(
                &self.on_rejection,
                rejection,
                RequestKind::of(req.headers()),
            )),
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

impl<F> AuthorizeFuture<F> {
    /// A future that answers what the inner service's `future` answers.
    pub fn proceed(future: F) -> Self {
        AuthorizeFuture {
            kind: Kind::Inner { future },
        }
    }

    /// A future that answers `response` (a refusal, see
    /// [`refusal`]) without calling the inner service.
    pub fn refused(response: Response<Bytes>) -> Self {
        AuthorizeFuture {
            kind: Kind::Reject {
                response: Some(response),
            },
        }
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
