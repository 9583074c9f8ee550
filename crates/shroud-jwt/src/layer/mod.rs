//! [`JwtLayer`]: lets through only requests with a valid token.
//!
//! The layer takes the token from the configured [`TokenSource`]s, verifies
//! it with its [`Verifier`](crate::Verifier), and calls the inner service
//! with [`Claims`](crate::Claims) and [`TokenInfo`](crate::TokenInfo) in the
//! request extensions. A refused request never reaches the inner service: it
//! gets the response of the layer's [`OnRejection`](crate::OnRejection), with
//! the [`Rejection`](crate::Rejection) in the response extensions.
//!
//! [`TokenSource`]: crate::TokenSource

mod future;
#[allow(clippy::module_inception)]
mod layer;
mod service;

pub use future::ResponseFuture;
pub use layer::JwtLayer;
pub use service::Jwt;
