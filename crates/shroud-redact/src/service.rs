//! [`Redact`]: the service.

use std::task::{Context, Poll};

use http::{Method, Request, Response};
use tower_service::Service;

use crate::body::RedactBody;
use crate::future::ResponseFuture;
use crate::layer::{CallerFromExtension, Exemption, IdentifyCaller, NoExemption, RedactLayer};
use crate::policy::Policy;

/// Redacts the responses of the wrapped service. Made by [`RedactLayer`].
#[derive(Clone)]
pub struct Redact<S, E = NoExemption, C = CallerFromExtension> {
    pub(crate) inner: S,
    pub(crate) layer: RedactLayer<E, C>,
}

impl<S, E, C> std::fmt::Debug for Redact<S, E, C>
where
    S: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redact")
            .field("inner", &self.inner)
            .field("policy", &self.layer.policy)
            .finish_non_exhaustive()
    }
}

impl<S> Redact<S> {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: S, policy: Policy) -> Self {
        Redact {
            inner,
            layer: RedactLayer::new(policy),
        }
    }

    /// A [`RedactLayer`] for `policy`.
    pub fn layer(policy: Policy) -> RedactLayer {
        RedactLayer::new(policy)
    }
}

impl<S, E, C> Redact<S, E, C> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, E, C, ReqB, ResB> Service<Request<ReqB>> for Redact<S, E, C>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    ResB: http_body::Body<Data = bytes::Bytes>,
    ResB::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: Exemption,
    C: IdentifyCaller,
{
    type Response = Response<RedactBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let (parts, body) = req.into_parts();
        if self.layer.exempt.is_exempt(&parts) {
            let caller = self.layer.caller.caller(&parts);
            tracing::info!(
                target: "shroud_redact::audit",
                caller = caller.as_deref().unwrap_or("unknown"),
                method = %parts.method,
                "response redaction exemption used"
            );
            return ResponseFuture::exempt(self.inner.call(Request::from_parts(parts, body)));
        }
        let head = parts.method == Method::HEAD;
        let future = self.inner.call(Request::from_parts(parts, body));
        ResponseFuture::redact(
            future,
            self.layer.policy.clone(),
            self.layer.on_summary.clone(),
            head,
        )
    }
}
