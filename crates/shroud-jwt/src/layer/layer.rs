use std::sync::Arc;

use tower_layer::Layer;

use super::service::Jwt;
use crate::extract::TokenSource;
use crate::response::{DefaultRejection, OnRejection};
use crate::verifier::{ConfigError, Verifier};

pub(crate) struct Settings {
    pub(crate) sources: Box<[TokenSource]>,
    pub(crate) optional: bool,
}

/// Adds JWT verification to a service; see the [module docs](crate::layer).
///
/// ```
/// use shroud_jwt::{Algorithm, JwtLayer, Key, TokenSource, TrustedIssuer, Verifier};
///
/// let verifier = Verifier::builder()
///     .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(&[7; 32], Algorithm::HS256)?))
///     .build()?;
/// let layer = JwtLayer::new(verifier)
///     .sources([TokenSource::Bearer, TokenSource::Cookie("access_token".into())])
///     .realm("orders")?;
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct JwtLayer<R = DefaultRejection> {
    pub(crate) verifier: Verifier,
    pub(crate) settings: Arc<Settings>,
    pub(crate) on_rejection: R,
}

impl JwtLayer {
    /// A layer verifying `Authorization: Bearer` tokens with `verifier`,
    /// requiring a token, answering refusals with [`DefaultRejection`].
    pub fn new(verifier: Verifier) -> Self {
        JwtLayer {
            verifier,
            settings: Arc::new(Settings {
                sources: Box::new([TokenSource::Bearer]),
                optional: false,
            }),
            on_rejection: DefaultRejection::default(),
        }
    }

    /// The realm of the default `WWW-Authenticate` challenge (default `api`).
    pub fn realm(self, realm: &str) -> Result<Self, ConfigError> {
        Ok(self.on_rejection(DefaultRejection::new(realm)?))
    }
}

impl<R> JwtLayer<R> {
    /// Where tokens are looked for, in order (default: `Authorization: Bearer`).
    #[must_use]
    pub fn sources(mut self, sources: impl IntoIterator<Item = TokenSource>) -> Self {
        let optional = self.settings.optional;
        self.settings = Arc::new(Settings {
            sources: sources.into_iter().collect(),
            optional,
        });
        self
    }

    /// Optional authentication: a request without a token passes through
    /// without claims; a request with a bad token is still refused.
    #[must_use]
    pub fn optional(mut self, optional: bool) -> Self {
        let sources = self.settings.sources.clone();
        self.settings = Arc::new(Settings { sources, optional });
        self
    }

    /// Replaces how refusals are answered.
    #[must_use]
    pub fn on_rejection<R2: OnRejection>(self, on_rejection: R2) -> JwtLayer<R2> {
        JwtLayer {
            verifier: self.verifier,
            settings: self.settings,
            on_rejection,
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

impl<S, R: Clone> Layer<S> for JwtLayer<R> {
    type Service = Jwt<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        Jwt {
            inner,
            verifier: self.verifier.clone(),
            settings: self.settings.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

impl<R> std::fmt::Debug for JwtLayer<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtLayer")
            .field("verifier", &self.verifier)
            .field("sources", &self.settings.sources)
            .field("optional", &self.settings.optional)
            .finish_non_exhaustive()
    }
}
