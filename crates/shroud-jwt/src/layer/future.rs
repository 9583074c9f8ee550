use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::service::insert_verified;
use crate::body::JwtBody;
use crate::rejection::Rejection;
use crate::response::{OnRejection, RequestKind, refusal};
use crate::verifier::{Outcome, Pending, Verifier};

type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

pin_project! {
    /// The response future of [`Jwt`](super::Jwt).
    pub struct ResponseFuture<S, ReqBody, R>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        kind: Kind<S, ReqBody, R>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<S, ReqBody, R>
    where
        S: Service<Request<ReqBody>>,
    {
        // The inner service is running.
        Inner { #[pin] future: S::Future },
        // Refused.
        Reject { response: Option<Response<Bytes>> },
        // The token named a key the remote key set does not know: wait for a
        // (shared, rate-limited) refetch, verify again, then call the ready
        // service taken out of the `Jwt`.
        Refresh {
            wait: Wait,
            pending: Option<(Request<ReqBody>, S, Bytes, Pending)>,
            verifier: Verifier,
            on_rejection: R,
            kind: RequestKind,
        },
    }
}

impl<S, ReqBody, R> ResponseFuture<S, ReqBody, R>
where
    S: Service<Request<ReqBody>>,
{
    pub(crate) fn inner(future: S::Future) -> Self {
        ResponseFuture {
            kind: Kind::Inner { future },
        }
    }

    pub(crate) fn reject(response: Response<Bytes>) -> Self {
        ResponseFuture {
            kind: Kind::Reject {
                response: Some(response),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn refresh(
        wait: Wait,
        req: Request<ReqBody>,
        service: S,
        token: Bytes,
        retry: Pending,
        verifier: Verifier,
        on_rejection: R,
        kind: RequestKind,
    ) -> Self {
        ResponseFuture {
            kind: Kind::Refresh {
                wait,
                pending: Some((req, service, token, retry)),
                verifier,
                on_rejection,
                kind,
            },
        }
    }
}

impl<S, ReqBody, R, ResBody> Future for ResponseFuture<S, ReqBody, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    R: OnRejection,
    ResBody: http_body::Body<Data = Bytes>,
{
    type Output = Result<Response<JwtBody<ResBody>>, S::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match self.as_mut().project().kind.project() {
                KindProj::Inner { future } => {
                    let res = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(res.map(JwtBody::inner)));
                }
                KindProj::Reject { response } => {
                    let res = response.take().expect("polled after completion");
                    return Poll::Ready(Ok(res.map(JwtBody::full)));
                }
                KindProj::Refresh {
                    wait,
                    pending,
                    verifier,
                    on_rejection,
                    kind,
                } => {
                    ready!(wait.as_mut().poll(cx));
                    let (mut req, mut service, token, retry) =
                        pending.take().expect("polled after completion");
                    match verifier.verify_refreshed(&token, retry) {
                        Outcome::Verified(verified) => {
                            insert_verified(&mut req, verified);
                            Kind::Inner {
                                future: service.call(req),
                            }
                        }
                        Outcome::Rejected(rejection) => Kind::Reject {
                            response: Some(refusal(on_rejection, rejection, *kind)),
                        },
                        Outcome::Refresh(_) => Kind::Reject {
                            response: Some(refusal(on_rejection, Rejection::UnknownKey, *kind)),
                        },
                    }
                }
            };
            self.as_mut().project().kind.set(next);
        }
    }
}

impl<S, ReqBody, R> std::fmt::Debug for ResponseFuture<S, ReqBody, R>
where
    S: Service<Request<ReqBody>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
