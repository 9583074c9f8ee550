//! [`AnonymizeLayer`]: verified claims in, anonymized claims out.
//!
//! Put it after (inside) `shroud_jwt::JwtLayer`. For each request that
//! carries verified [`Claims`] it:
//!
//! 1. applies the [`AnonPolicy`] and inserts [`AnonymizedClaims`];
//! 2. derives the caller's [`CallerId`] (a keyed pseudonym of `iss` and
//!    `sub`, never the raw value), inserts it and records it as the `caller`
//!    field of the current tracing span;
//! 3. removes the raw [`Claims`] from the extensions, unless the layer was
//!    built with [`keep_raw_claims`](AnonymizeLayer::keep_raw_claims), which
//!    shows in its type (`AnonymizeLayer<KeepRaw>`);
//! 4. in gateway mode ([`Gateway`]), writes chosen anonymized claims to
//!    request headers and strips `Authorization` and configured cookies.
//!
//! A request without verified claims (a route under optional
//! authentication) passes through with its claims untouched. Whatever the
//! request carries, [`AnonymizedClaims`] and [`CallerId`] set by anything
//! before this layer are removed, and in gateway mode so are the headers the
//! gateway writes, `Authorization` and the configured cookies: a client
//! cannot pose as an anonymized caller.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue, PROXY_AUTHORIZATION};
use http::{HeaderMap, Request};
use serde_json::Value;
use shroud_core::{CallerId, Claims, TokenCarrier};
use tower_layer::Layer;
use tower_service::Service;

use crate::claims::AnonymizedClaims;
use crate::policy::AnonPolicy;

mod sealed {
    pub trait Sealed {}
}

/// Whether the raw [`Claims`] stay in the request extensions: [`RemoveRaw`]
/// (the default) or [`KeepRaw`].
pub trait RawClaims: sealed::Sealed + Send + Sync + 'static {
    #[doc(hidden)]
    const KEEP: bool;
}

/// The raw claims are removed from the request extensions (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveRaw;

/// The raw claims stay in the request extensions next to the anonymized ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepRaw;

impl sealed::Sealed for RemoveRaw {}
impl sealed::Sealed for KeepRaw {}
impl RawClaims for RemoveRaw {
    const KEEP: bool = false;
}
impl RawClaims for KeepRaw {
    const KEEP: bool = true;
}

/// A gateway setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// Not a valid HTTP header name.
    #[error("`{0}` is not a valid header name")]
    HeaderName(String),
    /// A header the gateway must never write (`authorization`, `cookie`,
    /// `host`, hop-by-hop and framing headers).
    #[error("the gateway may not write the `{0}` header")]
    Reserved(String),
    /// Not a valid cookie name.
    #[error("`{0}` is not a valid cookie name")]
    CookieName(String),
    /// Two claims are written to one header.
    #[error("header `{0}` is written twice")]
    Duplicate(String),
}

const RESERVED: [&str; 10] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "trailer",
];

/// Gateway mode: forward chosen anonymized claims to an upstream as request
/// headers, and strip the credentials.
///
/// Header values: a string claim as it is (`x-shroud-sub: ps1.k2026.h3Kx...`);
/// any other value (number, boolean, array, object) as compact JSON
/// (`x-shroud-roles: ["admin","ops"]`). A value that is not a valid header
/// value (control characters, non-ASCII) is not written (a DEBUG event names
/// the header). A claim the anonymized set lacks writes no header.
///
/// Before forwarding, `Authorization`, `Proxy-Authorization`, the configured
/// cookies and headers ([`strip_header`](Self::strip_header)) and whatever
/// carried this request's token (the cookie or header the JWT layer read
/// it from, its [`TokenCarrier`]) are removed, and so is any incoming header of
/// the names the gateway writes, also when spelt with `_` for `-` (many
/// upstream frameworks read `x_shroud_sub` as `x-shroud-sub`).
///
/// ```
/// use shroud_anon::Gateway;
///
/// let gateway = Gateway::new()
///     .header("sub", "x-shroud-sub")?
///     .header("roles", "x-shroud-roles")?
///     .strip_cookie("session")?;
/// # let _ = gateway;
/// # Ok::<(), shroud_anon::GatewayError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Gateway {
    headers: Vec<(String, HeaderName)>,
    cookies: Vec<String>,
    strip: Vec<HeaderName>,
}

impl Gateway {
    /// A gateway that writes no header, and strips `Authorization`,
    /// `Proxy-Authorization` and whatever header or cookie carried the
    /// verified token.
    pub fn new() -> Self {
        Gateway::default()
    }

    /// Writes the anonymized claim `claim` to the header `header`.
    pub fn header(mut self, claim: impl Into<String>, header: &str) -> Result<Self, GatewayError> {
        let name =
            HeaderName::from_bytes(header.as_bytes()).map_err(|_| GatewayError::HeaderName(header.into()))?;
        if RESERVED.contains(&name.as_str()) {
            return Err(GatewayError::Reserved(name.as_str().into()));
        }
        if self.headers.iter().any(|(_, h)| *h == name) {
            return Err(GatewayError::Duplicate(name.as_str().into()));
        }
        self.headers.push((claim.into(), name));
        Ok(self)
    }

    /// Removes the header `name` before forwarding (one that carries the
    /// token, when the JWT layer reads it from a header other than
    /// `Authorization`).
    pub fn strip_header(mut self, name: &str) -> Result<Self, GatewayError> {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| GatewayError::HeaderName(name.into()))?;
        self.strip.push(name);
        Ok(self)
    }

    /// Removes the cookie `name` from the `Cookie` header before forwarding.
    pub fn strip_cookie(mut self, name: &str) -> Result<Self, GatewayError> {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !valid {
            return Err(GatewayError::CookieName(name.into()));
        }
        self.cookies.push(name.into());
        Ok(self)
    }

    fn strip(&self, headers: &mut HeaderMap, carrier: Option<&TokenCarrier>) {
        headers.remove(AUTHORIZATION);
        headers.remove(PROXY_AUTHORIZATION);
        for h in &self.strip {
            headers.remove(h);
        }
        // Wherever the JWT layer read this request's token.
        let carried_cookie = match carrier {
            Some(TokenCarrier::Header(name)) => {
                if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                    headers.remove(name);
                }
                None
            }
            Some(TokenCarrier::Cookie(name)) => Some(&**name),
            _ => None,
        };
        // The names the gateway writes, however a client spells the dashes.
        let spoofed: Vec<HeaderName> = headers
            .keys()
            .filter(|k| {
                let k = k.as_str().as_bytes();
                self.headers.iter().any(|(_, h)| {
                    let h = h.as_str().as_bytes();
                    h.len() == k.len() && h.iter().zip(k).all(|(a, b)| a == b || (*a == b'-' && *b == b'_'))
                })
            })
            .cloned()
            .collect();
        for k in spoofed {
            headers.remove(k);
        }
        if (self.cookies.is_empty() && carried_cookie.is_none()) || !headers.contains_key(COOKIE) {
            return;
        }
        let mut kept: Vec<&str> = Vec::new();
        let all: Vec<HeaderValue> = headers.get_all(COOKIE).iter().cloned().collect();
        for value in &all {
            // A Cookie header that is not text cannot be filtered: drop it.
            let Ok(text) = value.to_str() else { continue };
            for pair in text.split(';') {
                let pair = pair.trim();
                let name = pair.split_once('=').map_or(pair, |(n, _)| n).trim();
                if !pair.is_empty() && !self.cookies.iter().any(|c| c == name) && carried_cookie != Some(name)
                {
                    kept.push(pair);
                }
            }
        }
        let joined = kept.join("; ");
        headers.remove(COOKIE);
        if let Ok(v) = HeaderValue::from_str(&joined)
            && !joined.is_empty()
        {
            headers.insert(COOKIE, v);
        }
    }

    fn write(&self, claims: &Claims, headers: &mut HeaderMap) {
        for (claim, header) in &self.headers {
            let Some(value) = claims.get(claim) else { continue };
            let value = match value {
                Value::String(s) => HeaderValue::from_str(s),
                other => HeaderValue::from_str(&other.to_string()),
            };
            match value {
                Ok(v) => {
                    headers.insert(header.clone(), v);
                }
                Err(_) => tracing::debug!(header = header.as_str(), "claim is not a valid header value"),
            }
        }
    }
}

/// Anonymizes verified claims; see the [module docs](crate::layer).
///
/// ```
/// use shroud_anon::{AnonPolicy, AnonymizeLayer, DefaultAction};
/// use shroud_core::{Pseudonymizer, SecretKey, Strategy};
///
/// let policy = AnonPolicy::builder()
///     .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32])?))
///     .default_action(DefaultAction::Drop)
///     .claim("sub", Strategy::Pseudonymize { domain: None })
///     .build()?;
/// let layer = AnonymizeLayer::new(policy);
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AnonymizeLayer<M = RemoveRaw> {
    policy: AnonPolicy,
    gateway: Option<Arc<Gateway>>,
    _raw: PhantomData<fn() -> M>,
}

impl<M> Clone for AnonymizeLayer<M> {
    fn clone(&self) -> Self {
        AnonymizeLayer {
            policy: self.policy.clone(),
            gateway: self.gateway.clone(),
            _raw: PhantomData,
        }
    }
}

impl AnonymizeLayer {
    /// A layer applying `policy` that removes the raw claims.
    pub fn new(policy: AnonPolicy) -> Self {
        AnonymizeLayer {
            policy,
            gateway: None,
            _raw: PhantomData,
        }
    }

    /// Keeps the raw [`Claims`] in the extensions next to the anonymized ones.
    /// Handlers can then read personal data: opt in only where that was decided.
    pub fn keep_raw_claims(self) -> AnonymizeLayer<KeepRaw> {
        AnonymizeLayer {
            policy: self.policy,
            gateway: self.gateway,
            _raw: PhantomData,
        }
    }
}

impl<M> AnonymizeLayer<M> {
    /// Turns on gateway mode.
    #[must_use]
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = Some(Arc::new(gateway));
        self
    }

    /// The policy.
    pub fn policy(&self) -> &AnonPolicy {
        &self.policy
    }
}

impl<M> fmt::Debug for AnonymizeLayer<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymizeLayer")
            .field("policy", &self.policy)
            .field("gateway", &self.gateway)
            .field("keep_raw", &core::any::type_name::<M>())
            .finish()
    }
}

impl<S, M> Layer<S> for AnonymizeLayer<M> {
    type Service = Anonymize<S, M>;

    fn layer(&self, inner: S) -> Self::Service {
        Anonymize {
            inner,
            policy: self.policy.clone(),
            gateway: self.gateway.clone(),
            _raw: PhantomData,
        }
    }
}

/// The service of [`AnonymizeLayer`].
pub struct Anonymize<S, M = RemoveRaw> {
    inner: S,
    policy: AnonPolicy,
    gateway: Option<Arc<Gateway>>,
    _raw: PhantomData<fn() -> M>,
}

impl<S: Clone, M> Clone for Anonymize<S, M> {
    fn clone(&self) -> Self {
        Anonymize {
            inner: self.inner.clone(),
            policy: self.policy.clone(),
            gateway: self.gateway.clone(),
            _raw: PhantomData,
        }
    }
}

impl<S: fmt::Debug, M> fmt::Debug for Anonymize<S, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Anonymize")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<S> Anonymize<S> {
    /// Wraps `inner` with the settings of `layer`.
    pub fn new(inner: S, layer: &AnonymizeLayer) -> Self {
        layer.layer(inner)
    }

    /// A [`AnonymizeLayer`] applying `policy`.
    pub fn layer(policy: AnonPolicy) -> AnonymizeLayer {
        AnonymizeLayer::new(policy)
    }
}

impl<S, M> Anonymize<S, M> {
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

impl<S, M, B> Service<Request<B>> for Anonymize<S, M>
where
    S: Service<Request<B>>,
    M: RawClaims,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // Nothing before this layer may pose as anonymized claims or a caller.
        req.extensions_mut().remove::<AnonymizedClaims>();
        req.extensions_mut().remove::<CallerId>();
        if let Some(gateway) = &self.gateway {
            let carrier = req.extensions().get::<TokenCarrier>().cloned();
            gateway.strip(req.headers_mut(), carrier.as_ref());
        }
        let claims = if M::KEEP {
            req.extensions().get::<Claims>().cloned()
        } else {
            req.extensions_mut().remove::<Claims>()
        };
        if let Some(claims) = claims {
            if let Some(caller) = self.policy.caller_id(claims.as_map()) {
                tracing::Span::current().record("caller", caller.as_str());
                req.extensions_mut().insert(caller);
            }
            // Copies the claims only if they are shared (kept raw, or cached).
            let mut map = claims.into_map();
            self.policy.apply_in_place(&mut map);
            let anonymized = AnonymizedClaims::new(Claims::new(map));
            if let Some(gateway) = &self.gateway {
                gateway.write(&anonymized, req.headers_mut());
            }
            req.extensions_mut().insert(anonymized);
        }
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_refuses_reserved_and_bad_names() {
        assert_eq!(
            Gateway::new().header("sub", "Authorization").unwrap_err(),
            GatewayError::Reserved("authorization".into())
        );
        assert!(matches!(
            Gateway::new().header("sub", "bad header"),
            Err(GatewayError::HeaderName(_))
        ));
        assert!(matches!(
            Gateway::new().header("a", "x-a").unwrap().header("b", "X-A"),
            Err(GatewayError::Duplicate(_))
        ));
        assert!(matches!(
            Gateway::new().strip_cookie("a;b"),
            Err(GatewayError::CookieName(_))
        ));
        assert!(matches!(
            Gateway::new().strip_cookie(""),
            Err(GatewayError::CookieName(_))
        ));
    }

    #[test]
    fn strip_removes_credentials_and_spoofed_headers() {
        let g = Gateway::new()
            .header("sub", "x-shroud-sub")
            .unwrap()
            .strip_cookie("session")
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        h.insert("x-shroud-sub", HeaderValue::from_static("spoofed"));
        h.append(COOKIE, HeaderValue::from_static("theme=dark; session=secret"));
        h.append(COOKIE, HeaderValue::from_static("session=again;lang=en"));
        g.strip(&mut h, None);
        assert!(h.get(AUTHORIZATION).is_none());
        assert!(h.get("x-shroud-sub").is_none());
        assert_eq!(h.get_all(COOKIE).iter().count(), 1);
        assert_eq!(h[COOKIE], "theme=dark; lang=en");

        let mut only = HeaderMap::new();
        only.insert(COOKIE, HeaderValue::from_static("session=secret"));
        g.strip(&mut only, None);
        assert!(only.get(COOKIE).is_none());
    }

    #[test]
    fn write_serializes_shapes_and_skips_invalid_values() {
        let g = Gateway::new()
            .header("sub", "x-sub")
            .unwrap()
            .header("roles", "x-roles")
            .unwrap()
            .header("n", "x-n")
            .unwrap()
            .header("bad", "x-bad")
            .unwrap()
            .header("missing", "x-missing")
            .unwrap();
        let claims = Claims::try_from(serde_json::json!({
            "sub": "ps1.k.abc", "roles": ["admin", "ops"], "n": 3, "bad": "line\nbreak"
        }))
        .unwrap();
        let mut h = HeaderMap::new();
        g.write(&claims, &mut h);
        assert_eq!(h["x-sub"], "ps1.k.abc");
        assert_eq!(h["x-roles"], r#"["admin","ops"]"#);
        assert_eq!(h["x-n"], "3");
        assert!(h.get("x-bad").is_none());
        assert!(h.get("x-missing").is_none());
    }
}
