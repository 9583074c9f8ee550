//! JWT verification for tower services: bearer tokens from headers, cookies
//! or gRPC metadata, JWS verification with prepared keys, key sets and JWKS,
//! claim validation and authorization.
//!
//! Part of the [shroud](https://docs.rs/shroud) workspace. The verified
//! [`Claims`] and [`TokenInfo`] types live in [`shroud_core`] so that the
//! other layers can read them without depending on this crate.
//!
//! # Pieces
//!
//! - [`Key`] and [`KeySet`]: verification keys (HMAC, RSA, P-256, P-384,
//!   Ed25519; PEM, JWK, JWKS), each bound to the algorithms it may verify and
//!   prepared once. [`jwks::RemoteJwks`] (feature `jwks-http`) keeps a remote
//!   set fresh.
//! - [`Verifier`]: trusted issuers, algorithm allow-list, `exp`/`nbf`/`iat`
//!   with bounded leeway, audiences, required claims, `typ`, custom validators
//!   and a verified-token cache. Usable on its own.
//! - [`JwtLayer`]: the tower layer. Takes the token from the configured
//!   [`TokenSource`]s, verifies it, puts [`Claims`] and [`TokenInfo`] into the
//!   request extensions, or answers with a 401/400 (RFC 6750 and RFC 9457)
//!   or a gRPC `UNAUTHENTICATED`, with the [`Rejection`] in the response
//!   extensions.
//! - [`Issuer`]: the mint side. Signs claims with a [`SigningKey`] (HMAC,
//!   RSA, ECDSA, EdDSA; PEM, DER, JWK), sets `exp`/`iat`/`jti` and the
//!   configured `iss`/`aud`, and runs [`ClaimsTransform`]s such as
//!   `shroud-anon`'s policy before signing.
//! - [`authz`]: per-route scope, role and claim requirements (403 /
//!   `PERMISSION_DENIED`).
//! - Extractors for axum (feature `axum`): [`VerifiedClaims`],
//!   `Option<VerifiedClaims>`, [`TypedClaims`].
//!
//! # Example
//!
//! ```
//! use http::{Request, Response, StatusCode};
//! use shroud_jwt::{Algorithm, Claims, JwtLayer, Key, TrustedIssuer, Verifier};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = b"a-shared-secret-of-32-bytes-min!";
//! let verifier = Verifier::builder()
//!     .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(secret, Algorithm::HS256)?))
//!     .audience("api")
//!     .build()?;
//!
//! let service = ServiceBuilder::new().layer(JwtLayer::new(verifier)).service_fn(
//!     |req: Request<String>| async move {
//!         let sub = req.extensions().get::<Claims>().and_then(|c| c.sub()).unwrap_or_default().to_owned();
//!         Ok::<_, std::convert::Infallible>(Response::new(sub))
//!     },
//! );
//!
//! // No token: 401 with `WWW-Authenticate: Bearer realm="api"`.
//! let res = service.clone().oneshot(Request::new(String::new())).await?;
//! assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
//! assert_eq!(res.headers()["www-authenticate"], r#"Bearer realm="api""#);
//! assert_eq!(res.extensions().get::<shroud_jwt::Rejection>(), Some(&shroud_jwt::Rejection::MissingToken));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod alg;
pub mod authz;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
mod axum;
mod body;
mod cache;
mod extract;
mod issuer;
pub mod jwe;
#[cfg(feature = "jwks-http")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks-http")))]
pub mod jwks;
mod key;
pub mod layer;
mod rejection;
mod response;
mod signing;
mod token;
mod verifier;

pub use alg::{AlgSet, Algorithm, alg_name, parse_alg};
#[cfg(feature = "axum")]
pub use axum::{AuthRejection, TypedClaims, VerifiedClaims};
pub use body::JwtBody;
pub use extract::TokenSource;
pub use issuer::{
    ClaimsTransform, DEFAULT_LIFETIME, Issuer, IssuerBuilder, IssuerError, MAX_LIFETIME, MintError,
    TransformError,
};
pub use jwe::{
    ContentEncryption, DecryptOptions, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, JweError,
    KeyManagement,
};
pub use key::{Key, KeyError, KeySet, MAX_JWKS_LEN, MAX_KEYS, MAX_TRIED};
pub use layer::JwtLayer;
pub use rejection::{BearerError, Rejection};
pub use response::{
    DefaultRejection, OnRejection, RETRY_AFTER_SECS, RequestKind, challenge, grpc_response, http_response,
    refusal,
};
pub use shroud_core;
pub use shroud_core::{Claims, TokenInfo};
pub use signing::SigningKey;
pub use verifier::{
    ConfigError, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY, TrustedIssuer, UnsignedClaims, Verified,
    Verifier, VerifierBuilder,
};
