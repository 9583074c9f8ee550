//! [`RedactLayer`] and the per-request decisions it takes: [`Exemption`] and
//! [`IdentifyCaller`].

use std::sync::Arc;

use http::request::Parts;
use shroud_core::CallerId;
use tower_layer::Layer;

use crate::policy::Policy;
use crate::service::Redact;
use crate::summary::{OnSummary, RedactionSummary};

/// Decides from the request whether its response is exempt from redaction
/// (for example: callers whose verified claims carry scope `pii:read`, read
/// from request extensions). Every use is recorded by an audit event.
///
/// Closures `Fn(&Parts) -> bool` implement it.
///
/// ```
/// use shroud_redact::{Policy, RedactLayer};
///
/// #[derive(Clone)]
/// struct Scopes(Vec<String>);
///
/// let layer = RedactLayer::new(Policy::default()).exempt(|req: &http::request::Parts| {
///     req.extensions.get::<Scopes>().is_some_and(|s| s.0.iter().any(|s| s == "pii:read"))
/// });
/// # let _ = layer;
/// ```
pub trait Exemption {
    /// Whether the response to this request passes unredacted.
    fn is_exempt(&self, request: &Parts) -> bool;
}

impl<F> Exemption for F
where
    F: Fn(&Parts) -> bool,
{
    fn is_exempt(&self, request: &Parts) -> bool {
        self(request)
    }
}

/// No request is exempt (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExemption;

impl Exemption for NoExemption {
    fn is_exempt(&self, _: &Parts) -> bool {
        false
    }
}

/// Names the caller in the audit event of an exemption, as a pseudonym: never
/// a raw identifier.
///
/// Closures `Fn(&Parts) -> Option<String>` implement it; the default,
/// [`CallerFromExtension`], reads a [`CallerId`] request extension.
pub trait IdentifyCaller {
    /// The caller's pseudonym, if known.
    fn caller(&self, request: &Parts) -> Option<String>;
}

impl<F> IdentifyCaller for F
where
    F: Fn(&Parts) -> Option<String>,
{
    fn caller(&self, request: &Parts) -> Option<String> {
        self(request)
    }
}

/// Reads the [`CallerId`] request extension (the default): the caller's
/// pseudonym, put there by shroud's anonymization layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallerFromExtension;

impl IdentifyCaller for CallerFromExtension {
    fn caller(&self, request: &Parts) -> Option<String> {
        request
            .extensions
            .get::<CallerId>()
            .map(|c| c.as_str().to_owned())
    }
}

/// Redacts PII from response headers and bodies (see the [crate] docs).
///
/// ```
/// use axum::{Router, routing::get};
/// use shroud_core::Strategy;
/// use shroud_redact::{Policy, RedactLayer};
///
/// let policy = Policy::builder().key("password", Strategy::Drop).build()?;
/// let app: Router = Router::new()
///     .route("/users", get(|| async { r#"{"name":"Jane","password":"x"}"# }))
///     .route_layer(RedactLayer::new(policy));
/// # Ok::<(), shroud_redact::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedactLayer<E = NoExemption, C = CallerFromExtension> {
    pub(crate) policy: Policy,
    pub(crate) exempt: E,
    pub(crate) caller: C,
    pub(crate) on_summary: Option<OnSummary>,
}

impl<E, C> std::fmt::Debug for RedactLayer<E, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedactLayer")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl RedactLayer {
    /// A layer applying `policy` to every response.
    pub fn new(policy: Policy) -> Self {
        RedactLayer {
            policy,
            exempt: NoExemption,
            caller: CallerFromExtension,
            on_summary: None,
        }
    }
}

impl<E, C> RedactLayer<E, C> {
    /// Sets the exemption predicate. An exempt request's response is passed
    /// raw, with `Cache-Control: private, no-store` (a shared cache must not
    /// serve it to callers who are not exempt), and the use is audited in the
    /// `shroud_redact::audit` log target with the caller's pseudonym.
    pub fn exempt<E2>(self, exempt: E2) -> RedactLayer<E2, C>
    where
        E2: Exemption,
    {
        RedactLayer {
            policy: self.policy,
            exempt,
            caller: self.caller,
            on_summary: self.on_summary,
        }
    }

    /// Sets how the caller of an exempt request is named in the audit event.
    pub fn caller<C2>(self, caller: C2) -> RedactLayer<E, C2>
    where
        C2: IdentifyCaller,
    {
        RedactLayer {
            policy: self.policy,
            exempt: self.exempt,
            caller,
            on_summary: self.on_summary,
        }
    }

    /// Also hands each body's [`RedactionSummary`] to `f` when the body ends
    /// (it is always emitted as a tracing event).
    pub fn on_summary<F>(mut self, f: F) -> Self
    where
        F: Fn(&RedactionSummary) + Send + Sync + 'static,
    {
        self.on_summary = Some(Arc::new(f));
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

impl<S, E, C> Layer<S> for RedactLayer<E, C>
where
    E: Clone,
    C: Clone,
{
    type Service = Redact<S, E, C>;

    fn layer(&self, inner: S) -> Self::Service {
        Redact {
            inner,
            layer: self.clone(),
        }
    }
}
