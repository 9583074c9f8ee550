use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use shroud_core::{Claims, TokenCarrier, TokenInfo};
use tower_service::Service;

use super::future::ResponseFuture;
use super::layer::{JwtLayer, Settings};
use crate::body::JwtBody;
use crate::extract::find;
use crate::rejection::Rejection;
use crate::response::{OnRejection, RequestKind, refusal};
use crate::verifier::{Outcome, Verified, Verifier};

/// The service of [`JwtLayer`].
#[derive(Clone)]
pub struct Jwt<S, R> {
    pub(crate) inner: S,
    pub(crate) verifier: Verifier,
    pub(crate) settings: Arc<Settings>,
    pub(crate) on_rejection: R,
}

impl<S> Jwt<S, crate::response::DefaultRejection> {
    /// A [`JwtLayer`] with `verifier` (the tower-http style shortcut).
    pub fn layer(verifier: Verifier) -> JwtLayer {
        JwtLayer::new(verifier)
    }
}

impl<S, R: Clone> Jwt<S, R> {
    /// Wraps `inner` with the settings of `layer`.
    pub fn new(inner: S, layer: &JwtLayer<R>) -> Self {
        tower_layer::Layer::layer(layer, inner)
    }

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

pub(crate) fn insert_verified<B>(req: &mut Request<B>, verified: Verified) {
    let ext = req.extensions_mut();
    ext.insert(verified.claims);
    ext.insert(verified.info);
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for Jwt<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    R: OnRejection,
    ResBody: http_body::Body<Data = Bytes>,
{
    type Response = Response<JwtBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody, R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        // Nothing upstream may pose as verified claims.
        req.extensions_mut().remove::<Claims>();
        req.extensions_mut().remove::<TokenInfo>();
        req.extensions_mut().remove::<TokenCarrier>();
        let kind = RequestKind::of(req.headers());
        let found = find(
            req.headers(),
            &self.settings.sources,
            kind.grpc,
            self.verifier.max_token_len(),
        );
        let mut carrier = None;
        let outcome = match found {
            Err(rejection) => Outcome::Rejected(rejection),
            Ok(None) if self.settings.optional => return ResponseFuture::inner(self.inner.call(req)),
            Ok(None) => Outcome::Rejected(Rejection::MissingToken),
            Ok(Some((token, source))) => match self.verifier.verify_outcome(token, false) {
                Outcome::Refresh(pending) => {
                    let token = Bytes::copy_from_slice(token);
                    req.extensions_mut().insert(source.carrier());
                    // Take the service that was polled ready; leave a clone.
                    let clone = self.inner.clone();
                    let inner = std::mem::replace(&mut self.inner, clone);
                    let wait = Box::pin(self.verifier.refresh(pending.issuer));
                    return ResponseFuture::refresh(
                        wait,
                        req,
                        inner,
                        token,
                        pending,
                        self.verifier.clone(),
                        self.on_rejection.clone(),
                        kind,
                    );
                }
                other => {
                    carrier = Some(source.carrier());
                    other
                }
            },
        };
        match outcome {
            Outcome::Verified(verified) => {
                insert_verified(&mut req, verified);
                if let Some(c) = carrier {
                    req.extensions_mut().insert(c);
                }
                ResponseFuture::inner(self.inner.call(req))
            }
            Outcome::Rejected(rejection) => {
                ResponseFuture::reject(refusal(&self.on_rejection, rejection, kind))
            }
            Outcome::Refresh(_) => {
                ResponseFuture::reject(refusal(&self.on_rejection, Rejection::UnknownKey, kind))
            }
        }
    }
}

impl<S, R> std::fmt::Debug for Jwt<S, R>
where
    S: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwt")
            .field("inner", &self.inner)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}
