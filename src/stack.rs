//! [`Stack`]: the layers of shroud as one tower `Layer`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{Request, Response};
use http_body_util::Either;
use pin_project_lite::pin_project;
use shroud_anon::{AnonPolicy, AnonymizeLayer};
use shroud_core::{Encryptor, Pseudonymizer, SecretJson, SecretKey, Transformer};
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, JwtLayer, Key, KeyManagement, KeySet, TokenSource,
    TrustedIssuer, Verifier, VerifierBuilder,
};
use shroud_redact::RedactLayer;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_layer::Layer;
use tower_service::Service;
use zeroize::Zeroizing;

use crate::authz::{PathAuthz, PathAuthzLayer};
use crate::config::{
    Config, ConfigError, EncryptionConfig, IssuerConfig, JwtConfig, KeyConfig, KeyFormat, SecretConfig,
    TraceConfig, read_bounded,
};

/// The tracing layer of the stack: tower-http's `TraceLayer` with shroud's
/// PII-safe span, request, response and failure callbacks.
pub type TraceLayer = shroud_trace::PiiSafeTraceLayer<SharedClassifier<ServerErrorsAsFailures>>;

/// The layers of shroud in their one correct order, each optional.
///
/// Outermost first: **trace** (sees the request first and the final status,
/// including refusals) → **JWT** (verifies the token; 401, or gRPC
/// `UNAUTHENTICATED`; 503 / `UNAVAILABLE` while no issuer's keys can be
/// loaded) → **authorization rules** (403 / `PERMISSION_DENIED`;
/// reads the raw verified claims) → **anonymize** (the handler sees
/// `AnonymizedClaims`, and a `CallerId`, also recorded in the request span,
/// when a pseudonym key is configured and `sub` is a string) →
/// **redact** (sees the handler's response first) → your service.
///
/// Build it from a [`Config`] with [`Stack::from_config`], or in code with
/// [`Stack::builder`]. It is one `Layer` for an axum `Router::layer`, a tonic
/// `Server::builder().layer(..)` and a `tower::ServiceBuilder` around a hyper
/// service.
///
/// # Types
///
/// The service keeps `type Error = S::Error` (refusals are responses, never
/// errors, so axum's `Infallible` requirement holds). Each optional part is a
/// two-variant enum over "on" and "off" ([`Maybe`]), and the response body is
/// a nest of `http_body_util::Either` over the layers' bodies: no boxing, no
/// allocation per request for the composition itself; body errors are boxed
/// (`Box<dyn Error + Send + Sync>`) only when one occurs. The body is
/// `Send + 'static` when the inner body is, as axum, tonic and hyper need.
///
/// ```
/// use http::{Request, Response, StatusCode};
/// use shroud::Stack;
/// use tower::{ServiceBuilder, ServiceExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = shroud::Config::from_toml(r#"
///     [[jwt.issuers]]
///     issuer = "https://id.example"
///     keys = [{ format = "hmac", alg = "HS256", value = "base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" }]
/// "#)?;
/// let service = ServiceBuilder::new()
///     .layer(Stack::from_config(&config)?)
///     .service_fn(|_req: Request<String>| async { Ok::<_, std::convert::Infallible>(Response::new(String::new())) });
/// let res = service.oneshot(Request::new(String::new())).await?;
/// assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Stack {
    trace: Option<TraceLayer>,
    jwt: Option<JwtLayer>,
    authz: PathAuthzLayer,
    anonymize: Option<AnonymizeLayer>,
    redact: Option<RedactLayer>,
}

/// Builds a [`Stack`] in code; see [`Stack::builder`].
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct StackBuilder {
    stack: Stack,
}

impl StackBuilder {
    /// The tracing layer (see [`shroud_trace::http_trace_layer`]).
    pub fn trace(mut self, layer: TraceLayer) -> Self {
        self.stack.trace = Some(layer);
        self
    }

    /// The JWT layer.
    pub fn jwt(mut self, layer: JwtLayer) -> Self {
        self.stack.jwt = Some(layer);
        self
    }

    /// Authorization rules by path prefix and method.
    pub fn authorization(mut self, layer: PathAuthzLayer) -> Self {
        self.stack.authz = layer;
        self
    }

    /// The anonymization layer.
    pub fn anonymize(mut self, layer: AnonymizeLayer) -> Self {
        self.stack.anonymize = Some(layer);
        self
    }

    /// The redaction layer.
    pub fn redact(mut self, layer: RedactLayer) -> Self {
        self.stack.redact = Some(layer);
        self
    }

    /// The stack.
    pub fn build(self) -> Stack {
        self.stack
    }
}

impl Stack {
    /// A builder with no part set.
    pub fn builder() -> StackBuilder {
        StackBuilder::default()
    }

    /// Builds every configured part. Keys are read now (files, environment);
    /// a JWKS URL starts its background refresh, so this needs a tokio
    /// runtime when one is configured.
    pub fn from_config(config: &Config) -> Result<Stack, ConfigError> {
        let transformer = transformer(config)?;
        let mut b = Stack::builder();
        if let Some(trace) = &config.trace {
            b = b.trace(trace_layer(trace));
        }
        if let Some(jwt) = &config.jwt {
            b = b
                .jwt(jwt_layer(jwt)?)
                .authorization(PathAuthzLayer::from_config(&jwt.authorization, &jwt.realm)?);
        }
        if let Some(anon) = &config.anonymize {
            let mut p = AnonPolicy::builder().config(anon.clone());
            if let Some(ps) = transformer.pseudonymizer() {
                p = p.pseudonymizer(ps.clone());
            }
            if let Some(e) = transformer.encryptor() {
                p = p.encryptor(e.clone());
            }
            let policy = p
                .build()
                .map_err(|e| ConfigError::new(anon_error_path(anon, &e), e.to_string()))?;
            b = b.anonymize(AnonymizeLayer::new(policy));
        }
        if let Some(redact) = &config.redact {
            let policy = shroud_redact::Policy::from_config(redact, transformer)
                .map_err(|e| ConfigError::new(redact_error_path(redact, &e), e.to_string()))?;
            b = b.redact(RedactLayer::new(policy));
        }
        Ok(b.build())
    }

    /// The JWT layer, if any (its verifier can be used on its own).
    pub fn jwt(&self) -> Option<&JwtLayer> {
        self.jwt.as_ref()
    }

    /// The anonymization layer, if any.
    pub fn anonymize(&self) -> Option<&AnonymizeLayer> {
        self.anonymize.as_ref()
    }

    /// The redaction layer, if any.
    pub fn redact(&self) -> Option<&RedactLayer> {
        self.redact.as_ref()
    }
}

/// The key path of an anonymization policy error: the rule or detector
/// rule it is about, found by its selector or kind (the last of two for a
/// duplicate).
fn anon_error_path(cfg: &shroud_anon::PolicyConfig, e: &shroud_anon::PolicyError) -> String {
    use shroud_anon::{PolicyError as E, Selector};
    let selects = |r: &shroud_anon::RuleConfig, s: &Selector| match s {
        Selector::Claim(c) => r.claim.as_ref() == Some(c),
        Selector::Glob(g) => r.glob.as_ref() == Some(g),
        Selector::Pointer(p) => r.pointer.as_ref() == Some(p),
        _ => false,
    };
    let field = |s: &Selector| match s {
        Selector::Claim(_) => "claim",
        Selector::Glob(_) => "glob",
        _ => "pointer",
    };
    let rule = |s: &Selector, last: bool| {
        let mut hits = cfg
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| selects(r, s))
            .map(|(i, _)| i);
        if last { hits.next_back() } else { hits.next() }
    };
    let detector = |k: &str, last: bool| {
        let mut hits = cfg
            .detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == k)
            .map(|(i, _)| i);
        if last { hits.next_back() } else { hits.next() }
    };
    let found = match e {
        E::BadLength(s) | E::BadPointer(s) => {
            rule(s, false).map(|i| format!("anonymize.rules[{i}].{}", field(s)))
        }
        E::Duplicate(s) | E::Overlap(s) => rule(s, true).map(|i| format!("anonymize.rules[{i}]")),
        E::Strategy { selector, .. } => rule(selector, false).map(|i| format!("anonymize.rules[{i}].action")),
        E::Selector => cfg
            .rules
            .iter()
            .position(|r| {
                [&r.claim, &r.glob, &r.pointer]
                    .iter()
                    .filter(|x| x.is_some())
                    .count()
                    != 1
            })
            .map(|i| format!("anonymize.rules[{i}]")),
        E::Detector { kind, .. } => detector(kind, false).map(|i| format!("anonymize.detectors[{i}].action")),
        E::UnknownKind(k) => detector(k, false).map(|i| format!("anonymize.detectors[{i}].kind")),
        E::DuplicateDetector(k) => detector(k, true).map(|i| format!("anonymize.detectors[{i}]")),
        _ => None,
    };
    found.unwrap_or_else(|| "anonymize".to_owned())
}

/// The key path of a redaction policy error: the rule, detector setting or
/// section it is about.
fn redact_error_path(cfg: &shroud_redact::PolicyConfig, e: &shroud_redact::ConfigError) -> String {
    use shroud_redact::ConfigError as E;
    let found = match e {
        E::Strategy { rule, .. } if rule == "detectors" => Some("redact.detectors".to_owned()),
        E::Strategy { rule, .. } => cfg
            .paths
            .iter()
            .position(|p| p.path == *rule)
            .map(|i| format!("redact.paths[{i}].action"))
            .or_else(|| {
                cfg.keys
                    .iter()
                    .position(|k| k.key == *rule)
                    .map(|i| format!("redact.keys[{i}].action"))
            }),
        E::EmptyKey => cfg
            .keys
            .iter()
            .position(|k| k.key.is_empty())
            .map(|i| format!("redact.keys[{i}].key")),
        E::Path(p) => cfg
            .paths
            .iter()
            .position(|r| r.path == *p)
            .map(|i| format!("redact.paths[{i}].path")),
        E::TooManyPaths => Some("redact.paths".to_owned()),
        E::Kind(k) if cfg.detectors.kinds.as_ref().is_some_and(|ks| ks.contains(k)) => {
            Some("redact.detectors.kinds".to_owned())
        }
        E::Kind(k) => Some(format!("redact.detectors.strategies.{k}")),
        E::Invalid { setting, .. } => Some(format!("redact.{setting}")),
        _ => None,
    };
    found.unwrap_or_else(|| "redact".to_owned())
}

fn secret(cfg: &SecretConfig, at: &str) -> Result<SecretKey, ConfigError> {
    let set = [
        cfg.value.is_some(),
        cfg.file.is_some(),
        cfg.env.is_some(),
        cfg.generate,
    ];
    if set.iter().filter(|x| **x).count() != 1 {
        return Err(ConfigError::new(
            at,
            "exactly one of `value`, `file`, `env`, `generate` must be set",
        ));
    }
    let id = cfg.id.clone();
    let (field, result) = if let Some(v) = &cfg.value {
        ("value", SecretKey::parse(id, v))
    } else if let Some(f) = &cfg.file {
        ("file", SecretKey::from_file(id, f))
    } else if let Some(v) = &cfg.env {
        ("env", SecretKey::from_env(id, v))
    } else {
        ("generate", SecretKey::generate(id))
    };
    result.map_err(|e| ConfigError::new(format!("{at}.{field}"), e.to_string()))
}

fn transformer(config: &Config) -> Result<Transformer, ConfigError> {
    let mut t = Transformer::new();
    if let Some(p) = &config.keys.pseudonym {
        t = t.with_pseudonymizer(Pseudonymizer::new(secret(p, "keys.pseudonym")?));
    }
    if let Some(e) = &config.keys.encryption {
        t = t.with_encryptor(Encryptor::new(secret(e, "keys.encryption")?));
    }
    Ok(t)
}

fn trace_layer(cfg: &TraceConfig) -> TraceLayer {
    shroud_trace::http_trace_layer(cfg.policy())
}

/// The key material of one [`KeyConfig`], from inline, file or environment.
fn key_text(cfg: &KeyConfig, at: &str) -> Result<Zeroizing<String>, ConfigError> {
    let set = [cfg.value.is_some(), cfg.file.is_some(), cfg.env.is_some()];
    if set.iter().filter(|x| **x).count() != 1 {
        return Err(ConfigError::new(
            at,
            "exactly one of `value`, `file`, `env` must be set",
        ));
    }
    // Key text (private keys, HMAC secrets) is wiped when dropped.
    let text = if let Some(v) = &cfg.value {
        v.clone()
    } else if let Some(f) = &cfg.file {
        read_bounded(f, shroud_jwt::MAX_JWKS_LEN as u64)
            .map_err(|e| ConfigError::new(format!("{at}.file"), e))?
    } else {
        let var = cfg.env.as_deref().unwrap_or_default();
        std::env::var(var)
            .map_err(|_| ConfigError::new(format!("{at}.env"), "variable is not set or not UTF-8"))?
    };
    Ok(Zeroizing::new(text))
}

fn alg(cfg: &KeyConfig, at: &str) -> Result<Option<shroud_jwt::Algorithm>, ConfigError> {
    cfg.alg
        .as_deref()
        .map(|a| {
            shroud_jwt::parse_alg(a).ok_or_else(|| ConfigError::new(format!("{at}.alg"), "unknown algorithm"))
        })
        .transpose()
}

/// The verification keys of one [`KeyConfig`].
fn keys(cfg: &KeyConfig, at: &str) -> Result<Vec<Key>, ConfigError> {
    let text = key_text(cfg, at)?;
    let alg = alg(cfg, at)?;
    let bad = |e: shroud_jwt::KeyError| ConfigError::new(at, e.to_string());
    let need_alg = || ConfigError::new(format!("{at}.alg"), "required for this format");
    let mut out = match cfg.format {
        KeyFormat::Pem => vec![Key::from_pem(text.as_bytes(), alg.ok_or_else(need_alg)?).map_err(bad)?],
        KeyFormat::Hmac => {
            let secret = SecretKey::parse("hmac", text.trim())
                .map_err(|e| ConfigError::new(at, format!("HMAC secret: {e}")))?;
            vec![Key::hmac(secret.expose_secret(), alg.ok_or_else(need_alg)?).map_err(bad)?]
        }
        KeyFormat::Jwk => {
            let mut jwk = SecretJson::parse(text.as_bytes())
                .ok_or_else(|| ConfigError::new(at, "not a JSON object"))?;
            if let (Some(a), Some(obj)) = (&cfg.alg, jwk.value_mut().as_object_mut()) {
                obj.insert("alg".into(), serde_json::Value::String(a.clone()));
            }
            vec![Key::from_jwk(&jwk).map_err(bad)?]
        }
        KeyFormat::Jwks => {
            if cfg.alg.is_some() || cfg.kid.is_some() {
                return Err(ConfigError::new(
                    at,
                    "`alg` and `kid` come from the JWKS document",
                ));
            }
            // Validates the document as a whole (size, mixed secret and
            // public keys, at least one usable key) ...
            KeySet::from_jwks(text.as_bytes()).map_err(bad)?;
            // ... then takes the keys one by one, skipping the same ones.
            let doc = SecretJson::parse(text.as_bytes())
                .ok_or_else(|| ConfigError::new(at, "not a JSON object"))?;
            doc["keys"]
                .as_array()
                .map(|ks| ks.iter().filter_map(|k| Key::from_jwk(k).ok()).collect())
                .unwrap_or_default()
        }
    };
    if let Some(kid) = &cfg.kid {
        out = out.into_iter().map(|k| k.with_kid(kid)).collect();
    }
    Ok(out)
}

fn issuer(cfg: &IssuerConfig, at: &str) -> Result<TrustedIssuer, ConfigError> {
    let mut issuer = if cfg.issuer == "*" {
        TrustedIssuer::any()
    } else if cfg.issuer.is_empty() {
        return Err(ConfigError::new(
            format!("{at}.issuer"),
            "must not be empty (use \"*\" for any)",
        ));
    } else {
        TrustedIssuer::new(&cfg.issuer)
    };
    let mut all = Vec::new();
    for (i, k) in cfg.keys.iter().enumerate() {
        let at = format!("{at}.keys[{i}]");
        if k.enc.is_some() {
            return Err(ConfigError::new(
                format!("{at}.enc"),
                "only for `dir` decryption keys (jwt.encryption.decryption_keys)",
            ));
        }
        all.extend(keys(k, &at)?);
    }
    match (&cfg.jwks_url, all.is_empty()) {
        (Some(_), false) => {
            return Err(ConfigError::new(
                format!("{at}.jwks_url"),
                "set either `keys` or `jwks_url`, not both",
            ));
        }
        (None, true) => return Err(ConfigError::new(format!("{at}.keys"), "no key configured")),
        (None, false) => issuer = issuer.keys(KeySet::new(all)),
        (Some(url), true) => issuer = remote_jwks(issuer, url, cfg, at)?,
    }
    if !cfg.audiences.is_empty() {
        issuer = issuer.audiences(cfg.audiences.iter().cloned());
    }
    Ok(issuer)
}

#[cfg(feature = "jwks-http")]
fn remote_jwks(
    issuer: TrustedIssuer,
    url: &str,
    cfg: &IssuerConfig,
    at: &str,
) -> Result<TrustedIssuer, ConfigError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(ConfigError::new(
            format!("{at}.jwks_url"),
            "a JWKS URL needs a tokio runtime when the stack is built",
        ));
    }
    let jwks = shroud_jwt::jwks::RemoteJwks::builder(url)
        .ttl(cfg.jwks.ttl())
        .timeout(cfg.jwks.timeout())
        .allow_http(cfg.jwks.allow_http)
        .spawn()
        .map_err(|e| ConfigError::new(format!("{at}.jwks_url"), e.to_string()))?;
    Ok(issuer.jwks(jwks))
}

#[cfg(not(feature = "jwks-http"))]
fn remote_jwks(_: TrustedIssuer, _: &str, _: &IssuerConfig, at: &str) -> Result<TrustedIssuer, ConfigError> {
    Err(ConfigError::new(
        format!("{at}.jwks_url"),
        "needs the `jwks-http` feature of shroud",
    ))
}

/// Encrypted tokens: the one place decryption settings reach the verifier.
///
/// `decryption_keys` become the verifier's `DecryptionKeySet` (nested JWEs
/// are decrypted, then their inner JWS goes through the usual checks);
/// `require_encryption` refuses signed-only tokens. Without decryption keys
/// every encrypted token is refused (`invalid_token`).
fn apply_encryption(
    builder: VerifierBuilder,
    cfg: &EncryptionConfig,
) -> Result<VerifierBuilder, ConfigError> {
    if cfg.decryption_keys.is_empty() {
        if cfg.require_encryption {
            return Err(ConfigError::new(
                "jwt.encryption.require_encryption",
                "needs `jwt.encryption.decryption_keys`",
            ));
        }
        return Ok(builder);
    }
    let mut keys = Vec::new();
    for (i, k) in cfg.decryption_keys.iter().enumerate() {
        keys.extend(decryption_keys(
            k,
            &format!("jwt.encryption.decryption_keys[{i}]"),
        )?);
    }
    Ok(builder
        .decryption_keys(DecryptionKeySet::new(keys))
        .require_encryption(cfg.require_encryption))
}

/// The decryption keys of one [`KeyConfig`]: a private JWK, a JWKS of
/// private keys, or a symmetric secret (`hmac` format, read as the
/// key-wrapping secret of `alg`, such as `A256KW` or `dir`).
fn decryption_keys(cfg: &KeyConfig, at: &str) -> Result<Vec<DecryptionKey>, ConfigError> {
    let text = key_text(cfg, at)?;
    let bad = |e: shroud_jwt::KeyError| ConfigError::new(at, e.to_string());
    let key_alg = || {
        cfg.alg
            .as_deref()
            .map(|a| {
                KeyManagement::parse(a)
                    .ok_or_else(|| ConfigError::new(format!("{at}.alg"), "unknown key management algorithm"))
            })
            .transpose()
    };
    let mut out = match cfg.format {
        KeyFormat::Jwk => {
            let jwk = SecretJson::parse(text.as_bytes())
                .ok_or_else(|| ConfigError::new(at, "not a JSON object"))?;
            vec![match key_alg()? {
                Some(alg) => DecryptionKey::from_jwk_with_alg(&jwk, alg).map_err(bad)?,
                None => DecryptionKey::from_jwk(&jwk).map_err(bad)?,
            }]
        }
        KeyFormat::Jwks => {
            if cfg.alg.is_some() || cfg.kid.is_some() {
                return Err(ConfigError::new(
                    at,
                    "`alg` and `kid` come from the JWKS document",
                ));
            }
            // Validates the document as a whole, then takes the keys one by one.
            DecryptionKeySet::from_jwks(text.as_bytes()).map_err(bad)?;
            let doc = SecretJson::parse(text.as_bytes())
                .ok_or_else(|| ConfigError::new(at, "not a JSON object"))?;
            doc["keys"]
                .as_array()
                .map(|ks| {
                    ks.iter()
                        .filter_map(|k| DecryptionKey::from_jwk(k).ok())
                        .collect()
                })
                .unwrap_or_default()
        }
        KeyFormat::Hmac => {
            let alg = key_alg()?
                .ok_or_else(|| ConfigError::new(format!("{at}.alg"), "required for this format"))?;
            let secret = SecretKey::parse("jwe", text.trim())
                .map_err(|e| ConfigError::new(at, format!("secret: {e}")))?;
            vec![DecryptionKey::symmetric(secret.expose_secret(), alg).map_err(bad)?]
        }
        KeyFormat::Pem => {
            return Err(ConfigError::new(
                format!("{at}.format"),
                "decryption keys are JWK, JWKS or symmetric (`hmac`) secrets",
            ));
        }
    };
    if let Some(kid) = &cfg.kid {
        out = out.into_iter().map(|k| k.with_kid(kid)).collect();
    }
    if let Some(enc) = &cfg.enc {
        let enc = ContentEncryption::parse(enc)
            .ok_or_else(|| ConfigError::new(format!("{at}.enc"), "unknown content encryption"))?;
        out = out
            .into_iter()
            .map(|k| k.with_enc(enc))
            .collect::<Result<_, _>>()
            .map_err(|e| ConfigError::new(format!("{at}.enc"), e.to_string()))?;
    }
    Ok(out)
}

fn token_source(s: &str, at: &str) -> Result<TokenSource, ConfigError> {
    let bad = |m: &str| ConfigError::new(at, m.to_owned());
    match s.split_once(':') {
        None if s == "bearer" => Ok(TokenSource::Bearer),
        None if s == "grpc" => Ok(TokenSource::Grpc),
        Some(("cookie", name))
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b'=') =>
        {
            Ok(TokenSource::Cookie(name.to_owned()))
        }
        Some(("header", name)) => http::HeaderName::from_bytes(name.as_bytes())
            .map(TokenSource::Header)
            .map_err(|_| bad("not a valid header name")),
        _ => Err(bad(
            "expected \"bearer\", \"grpc\", \"cookie:NAME\" or \"header:NAME\"",
        )),
    }
}

/// The verifier and the JWT layer of a [`JwtConfig`].
pub(crate) fn jwt_layer(cfg: &JwtConfig) -> Result<JwtLayer, ConfigError> {
    let v = &cfg.validation;
    let mut b = Verifier::builder()
        .leeway(std::time::Duration::from_secs(v.leeway_secs))
        .require_exp(v.require_exp)
        .max_token_len(v.max_token_len)
        .cache(cfg.cache.entries);
    if cfg.issuers.is_empty() {
        return Err(ConfigError::new(
            "jwt.issuers",
            "at least one trusted issuer is required",
        ));
    }
    for (i, iss) in cfg.issuers.iter().enumerate() {
        b = b.issuer(issuer(iss, &format!("jwt.issuers[{i}]"))?);
    }
    for aud in &v.audiences {
        b = b.audience(aud);
    }
    b = b.any_audience(v.any_audience);
    for claim in &v.required_claims {
        b = b.require_claim(claim);
    }
    if let Some(typ) = &v.typ {
        b = b.typ(typ);
    }
    if !v.algorithms.is_empty() {
        let mut set = shroud_jwt::AlgSet::EMPTY;
        for (i, a) in v.algorithms.iter().enumerate() {
            let alg = shroud_jwt::parse_alg(a).ok_or_else(|| {
                ConfigError::new(format!("jwt.validation.algorithms[{i}]"), "unknown algorithm")
            })?;
            set = set.with(alg);
        }
        b = b.algorithms(set);
    }
    b = apply_encryption(b, &cfg.encryption)?;
    let verifier = b.build().map_err(|e| {
        let at = match e {
            shroud_jwt::ConfigError::LeewayTooLarge => "jwt.validation.leeway_secs",
            shroud_jwt::ConfigError::MaxTokenLen => "jwt.validation.max_token_len",
            shroud_jwt::ConfigError::NoAlgorithm => "jwt.validation.algorithms",
            shroud_jwt::ConfigError::DuplicateIssuer | shroud_jwt::ConfigError::NoIssuer => "jwt.issuers",
            _ => "jwt",
        };
        ConfigError::new(at, e.to_string())
    })?;
    let mut sources = Vec::with_capacity(cfg.sources.len());
    for (i, s) in cfg.sources.iter().enumerate() {
        sources.push(token_source(s, &format!("jwt.sources[{i}]"))?);
    }
    if sources.is_empty() {
        return Err(ConfigError::new(
            "jwt.sources",
            "at least one token source is required",
        ));
    }
    Ok(JwtLayer::new(verifier)
        .realm(&cfg.realm)
        .map_err(|e| ConfigError::new("jwt.realm", e.to_string()))?
        .sources(sources)
        .optional(cfg.optional))
}

// ---------------------------------------------------------------------------
// The composed service.

/// A part of the stack that is either present (`On`) or not (`Off`).
#[derive(Debug, Clone)]
pub enum Maybe<A, B> {
    /// The part is configured: the request goes through it.
    On(A),
    /// The part is not configured: the request goes straight on.
    Off(B),
}

impl<A, B, Req, RA, RB> Service<Request<Req>> for Maybe<A, B>
where
    A: Service<Request<Req>, Response = Response<RA>>,
    B: Service<Request<Req>, Response = Response<RB>, Error = A::Error>,
{
    type Response = Response<Either<RA, RB>>;
    type Error = A::Error;
    type Future = MaybeFuture<A::Future, B::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self {
            Maybe::On(a) => a.poll_ready(cx),
            Maybe::Off(b) => b.poll_ready(cx),
        }
    }

    fn call(&mut self, req: Request<Req>) -> Self::Future {
        match self {
            Maybe::On(a) => MaybeFuture {
                kind: MaybeKind::On { future: a.call(req) },
            },
            Maybe::Off(b) => MaybeFuture {
                kind: MaybeKind::Off { future: b.call(req) },
            },
        }
    }
}

pin_project! {
    /// The response future of [`Maybe`].
    pub struct MaybeFuture<FA, FB> {
        #[pin]
        kind: MaybeKind<FA, FB>,
    }
}

pin_project! {
    #[project = MaybeProj]
    enum MaybeKind<FA, FB> {
        On { #[pin] future: FA },
        Off { #[pin] future: FB },
    }
}

impl<FA, FB> std::fmt::Debug for MaybeFuture<FA, FB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaybeFuture").finish_non_exhaustive()
    }
}

impl<FA, FB, RA, RB, E> Future for MaybeFuture<FA, FB>
where
    FA: Future<Output = Result<Response<RA>, E>>,
    FB: Future<Output = Result<Response<RB>, E>>,
{
    type Output = Result<Response<Either<RA, RB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(match self.project().kind.project() {
            MaybeProj::On { future } => ready!(future.poll(cx))?.map(Either::Left),
            MaybeProj::Off { future } => ready!(future.poll(cx))?.map(Either::Right),
        }))
    }
}

fn maybe<L: Layer<S>, S>(layer: Option<&L>, inner: S) -> Maybe<L::Service, S> {
    match layer {
        Some(l) => Maybe::On(l.layer(inner)),
        None => Maybe::Off(inner),
    }
}

type Redacted<S> = Maybe<<RedactLayer as Layer<S>>::Service, S>;
type Anonymized<S> = Maybe<<AnonymizeLayer as Layer<Redacted<S>>>::Service, Redacted<S>>;
type Authorized<S> = PathAuthz<Anonymized<S>>;
type Verified<S> = Maybe<<JwtLayer as Layer<Authorized<S>>>::Service, Authorized<S>>;
type Traced<S> = Maybe<<TraceLayer as Layer<Verified<S>>>::Service, Verified<S>>;

/// The service of [`Stack`].
#[derive(Clone)]
pub struct StackService<S> {
    inner: Traced<S>,
}

impl<S> std::fmt::Debug for StackService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackService").finish_non_exhaustive()
    }
}

impl<S> Layer<S> for Stack {
    type Service = StackService<S>;

    fn layer(&self, inner: S) -> StackService<S> {
        let s = maybe(self.redact.as_ref(), inner);
        let s = maybe(self.anonymize.as_ref(), s);
        let s = self.authz.layer(s);
        let s = maybe(self.jwt.as_ref(), s);
        let s = maybe(self.trace.as_ref(), s);
        StackService { inner: s }
    }
}

impl<S, ReqBody> Service<Request<ReqBody>> for StackService<S>
where
    Traced<S>: Service<Request<ReqBody>>,
{
    type Response = <Traced<S> as Service<Request<ReqBody>>>::Response;
    type Error = <Traced<S> as Service<Request<ReqBody>>>::Error;
    type Future = <Traced<S> as Service<Request<ReqBody>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        self.inner.call(req)
    }
}
