//! Authorization by path prefix and method, from the configuration.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response};
use shroud_jwt::authz::{AuthorizeFuture, Requirement};
use shroud_jwt::{DefaultRejection, JwtBody, RequestKind, refusal};
use tower_layer::Layer;
use tower_service::Service;

use crate::config::{AuthzRuleConfig, ConfigError};

/// One compiled rule.
#[derive(Debug, Clone)]
struct Rule {
    prefix: String,
    methods: Vec<Method>,
    requirement: Requirement,
}

impl Rule {
    /// Whether the rule covers `method` on `path`: the path as sent or in
    /// its normal form (see [`normal_path`]), the prefix compared without
    /// regard to ASCII case. A server or proxy behind the stack may decode,
    /// merge or fold what the router did not, so a rule applies wherever
    /// any of them could read its prefix.
    fn matches(&self, method: &Method, path: &RequestPath<'_>) -> bool {
        if !(self.methods.is_empty() || self.methods.contains(method)) {
            return false;
        }
        self.on_prefix(path.sent) || path.normal.as_deref().is_some_and(|p| self.on_prefix(p))
    }

    /// Whether this rule matches every request `later` would.
    fn shadows(&self, later: &Rule) -> bool {
        let methods = self.methods.is_empty()
            || (!later.methods.is_empty() && later.methods.iter().all(|m| self.methods.contains(m)));
        methods
            && self.on_prefix(if later.prefix.is_empty() {
                "/"
            } else {
                &later.prefix
            })
    }

    fn on_prefix(&self, path: &str) -> bool {
        // `prefix` has no trailing `/` (trimmed at construction): `/admin/`
        // and `/admin` both cover `/admin` and `/admin/...`, never `/administrator`.
        let n = self.prefix.len();
        path.len() >= n
            && path.is_char_boundary(n)
            && path[..n].eq_ignore_ascii_case(&self.prefix)
            && (path.len() == n || path[n..].starts_with('/') || self.prefix.is_empty())
    }
}

/// The methods a rule may name.
const STANDARD_METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::TRACE,
    Method::CONNECT,
];

/// A request's path as sent and, when that differs, in normal form: worked
/// out once per request, whatever the number of rules.
struct RequestPath<'a> {
    sent: &'a str,
    normal: Option<String>,
}

impl<'a> RequestPath<'a> {
    fn new(sent: &'a str) -> Self {
        RequestPath {
            sent,
            normal: normal_path(sent),
        }
    }
}

/// `path` in normal form, when that differs from it: percent-escapes
/// decoded, `\` read as `/` (as some servers and proxies do),
/// `;parameters` cut from each segment, empty and `.` segments dropped and
/// `..` resolved (never above the root).
fn normal_path(path: &str) -> Option<String> {
    if !path.contains(['%', ';', '.', '\\']) && !path.contains("//") {
        return None;
    }
    let decoded = decode_percent(path);
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split(['/', '\\']) {
        let seg = seg.split(';').next().unwrap_or_default();
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for s in segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// `s` with every valid `%XX` escape decoded (bytes that do not form UTF-8
/// are kept as replacement characters).
fn decode_percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Path and method rules checked on the verified claims (raw claims: this
/// layer sits between the JWT and the anonymization layers).
///
/// The first rule whose prefix and method match decides: its scopes and
/// roles must be present, or the answer is 403 `insufficient_scope` (HTTP)
/// or `PERMISSION_DENIED` (gRPC). A request that no rule matches passes. A
/// matching request without verified claims (optional authentication) gets
/// 401. With no rules, the layer only forwards.
#[derive(Debug, Clone)]
pub struct PathAuthzLayer {
    rules: Arc<[Rule]>,
    on_rejection: DefaultRejection,
}

impl Default for PathAuthzLayer {
    fn default() -> Self {
        PathAuthzLayer {
            rules: Arc::from(Vec::new()),
            on_rejection: DefaultRejection::default(),
        }
    }
}

impl PathAuthzLayer {
    /// Compiles `rules`; `realm` names the challenges. Errors name the key
    /// path under `jwt.authorization`.
    pub fn from_config(rules: &[AuthzRuleConfig], realm: &str) -> Result<Self, ConfigError> {
        let on_rejection =
            DefaultRejection::new(realm).map_err(|e| ConfigError::new("jwt.realm", e.to_string()))?;
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let at = |field: &str| format!("jwt.authorization[{i}].{field}");
            if !r.path_prefix.starts_with('/') {
                return Err(ConfigError::new(at("path_prefix"), "must start with `/`"));
            }
            let mut methods = Vec::with_capacity(r.methods.len());
            for (j, m) in r.methods.iter().enumerate() {
                // Only the standard methods: any token parses as a method,
                // and a typo (`PSOT`, `*`, `ANY`) would make a rule that
                // matches nothing.
                let method = Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .ok()
                    .filter(|m| STANDARD_METHODS.contains(m))
                    .ok_or_else(|| {
                        ConfigError::new(
                            format!("{}[{j}]", at("methods")),
                            "not a standard HTTP method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT; leave the list empty for all)",
                        )
                    })?;
                methods.push(method);
            }
            // HEAD runs the GET handler (axum and most servers route it
            // there): a rule for GET covers it.
            if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
                methods.push(Method::HEAD);
            }
            for (field, list) in [
                ("scopes", &r.scopes),
                ("any_scopes", &r.any_scopes),
                ("roles", &r.roles),
            ] {
                if let Some(j) = list
                    .iter()
                    .position(|s| s.is_empty() || s.contains([' ', '"', '\\']))
                {
                    return Err(ConfigError::new(
                        format!("{}[{j}]", at(field)),
                        "must be non-empty, without spaces, quotes or backslashes",
                    ));
                }
            }
            let rule = Rule {
                prefix: r.path_prefix.trim_end_matches('/').to_owned(),
                methods,
                requirement: Requirement::new(&r.scopes, &r.any_scopes, &r.roles),
            };
            // The first matching rule decides: a rule an earlier one always
            // matches first would never apply (`/api` before `/api/admin`
            // lets admin paths through on `/api`'s terms).
            if let Some(k) = out.iter().position(|earlier: &Rule| earlier.shadows(&rule)) {
                return Err(ConfigError::new(
                    at("path_prefix"),
                    format!(
                        "never applies: jwt.authorization[{k}] matches every request it would (the first matching rule decides; list more specific rules first)"
                    ),
                ));
            }
            out.push(rule);
        }
        Ok(PathAuthzLayer {
            rules: Arc::from(out),
            on_rejection,
        })
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl<S> Layer<S> for PathAuthzLayer {
    type Service = PathAuthz<S>;

    fn layer(&self, inner: S) -> PathAuthz<S> {
        PathAuthz {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`PathAuthzLayer`].
#[derive(Debug, Clone)]
pub struct PathAuthz<S> {
    inner: S,
    layer: PathAuthzLayer,
}

impl<S> PathAuthz<S> {
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

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for PathAuthz<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes>,
{
    type Response = Response<JwtBody<ResBody>>;
    type Error = S::Error;
    type Future = PathAuthzFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let rules = &self.layer.rules;
        let rule = if rules.is_empty() {
            None
        } else {
            let path = RequestPath::new(req.uri().path());
            rules.iter().find(|r| r.matches(req.method(), &path))
        };
        match rule.map(|r| r.requirement.check(&req)) {
            None | Some(Ok(())) => PathAuthzFuture::proceed(self.inner.call(req)),
            Some(Err(rejection)) => PathAuthzFuture::refused(refusal(
                &self.layer.on_rejection,
                rejection,
                RequestKind::of(req.headers()),
            )),
        }
    }
}

/// The response future of [`PathAuthz`]: the inner service's answer, or the
/// refusal.
pub type PathAuthzFuture<F> = AuthorizeFuture<F>;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str, methods: &[&str]) -> AuthzRuleConfig {
        AuthzRuleConfig {
            path_prefix: prefix.into(),
            methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            scopes: vec!["users:read".into()],
            ..AuthzRuleConfig::default()
        }
    }

    #[test]
    fn prefixes_match_whole_segments() {
        let l = PathAuthzLayer::from_config(&[rule("/admin", &[])], "api").unwrap();
        let r = &l.rules[0];
        assert!(r.matches(&Method::GET, &RequestPath::new("/admin")));
        assert!(r.matches(&Method::GET, &RequestPath::new("/admin/users")));
        assert!(!r.matches(&Method::GET, &RequestPath::new("/administrator")));
        assert!(!r.matches(&Method::GET, &RequestPath::new("/")));
        // A trailing slash in the rule does not widen it to other segments.
        let l = PathAuthzLayer::from_config(&[rule("/admin/", &[])], "api").unwrap();
        let r = &l.rules[0];
        assert!(r.matches(&Method::GET, &RequestPath::new("/admin/users")));
        assert!(r.matches(&Method::GET, &RequestPath::new("/admin")));
        assert!(!r.matches(&Method::GET, &RequestPath::new("/administrator")));
        assert!(!r.matches(&Method::GET, &RequestPath::new("/adminx/users")));
        let l = PathAuthzLayer::from_config(&[rule("/", &["post"])], "api").unwrap();
        assert!(l.rules[0].matches(&Method::POST, &RequestPath::new("/anything")));
        assert!(!l.rules[0].matches(&Method::GET, &RequestPath::new("/anything")));
    }

    #[test]
    fn rules_cover_every_spelling_of_their_paths() {
        let l = PathAuthzLayer::from_config(&[rule("/admin", &["get"])], "api").unwrap();
        let r = &l.rules[0];
        // HEAD reaches the GET handler.
        assert!(r.matches(&Method::HEAD, &RequestPath::new("/admin/export")));
        assert!(!r.matches(&Method::POST, &RequestPath::new("/admin/export")));
        // Paths a server or proxy behind the stack may read as `/admin`.
        for path in [
            "/%61dmin",
            "/%61dmin/export",
            "//admin",
            "/x/../admin",
            "/./admin/export",
            "/admin;x=1",
            "/admin;x=1/export",
            "/ADMIN/export",
            "/Admin",
            "/x/%2e%2e/admin",
            "/x\\..\\admin",
            "/admin\\export",
            "/x/%5c../admin",
        ] {
            assert!(r.matches(&Method::GET, &RequestPath::new(path)), "{path}");
        }
        // Still whole segments.
        for path in [
            "/administrator",
            "/%61dministrator",
            "/x/admin",
            "/admin.html",
            "/",
        ] {
            assert!(!r.matches(&Method::GET, &RequestPath::new(path)), "{path}");
        }
        assert_eq!(normal_path("/a/b"), None);
        assert_eq!(normal_path("/../../etc").as_deref(), Some("/etc"));
        assert_eq!(normal_path("/%zz/%41").as_deref(), Some("/%zz/A"));
    }

    #[test]
    fn bad_rules_name_their_path() {
        let e = PathAuthzLayer::from_config(&[rule("admin", &[])], "api").unwrap_err();
        assert_eq!(e.path(), "jwt.authorization[0].path_prefix");
        let e =
            PathAuthzLayer::from_config(&[rule("/a", &[]), rule("/b", &["GET", "N O"])], "api").unwrap_err();
        assert_eq!(e.path(), "jwt.authorization[1].methods[1]");
        let mut bad = rule("/a", &[]);
        bad.roles = vec!["has space".into()];
        let e = PathAuthzLayer::from_config(&[bad], "api").unwrap_err();
        assert_eq!(e.path(), "jwt.authorization[0].roles[0]");
        // Method typos would make rules that match nothing.
        for m in ["PSOT", "*", "ANY", "get2"] {
            let e = PathAuthzLayer::from_config(&[rule("/a", &["GET", m])], "api").unwrap_err();
            assert_eq!(e.path(), "jwt.authorization[0].methods[1]", "{m}");
        }
        assert!(PathAuthzLayer::from_config(&[rule("/a", &["patch", "Options"])], "api").is_ok());
    }

    #[test]
    fn a_rule_an_earlier_one_always_matches_first_is_refused() {
        for (first, then) in [
            (rule("/api", &[]), rule("/api/admin", &[])),
            (rule("/api/", &[]), rule("/API/admin", &["POST"])),
            (rule("/", &[]), rule("/x", &[])),
            (rule("/api", &["GET", "POST"]), rule("/api/admin", &["POST"])),
            (rule("/api", &["GET"]), rule("/api/admin", &["HEAD"])),
            (rule("/api", &[]), rule("/api", &[])),
        ] {
            let e = PathAuthzLayer::from_config(&[first.clone(), then.clone()], "api").unwrap_err();
            assert_eq!(e.path(), "jwt.authorization[1].path_prefix", "{first:?} {then:?}");
            assert!(e.to_string().contains("jwt.authorization[0]"), "{e}");
            // Most specific first is fine.
            if first != then {
                assert!(PathAuthzLayer::from_config(&[then, first], "api").is_ok());
            }
        }
        for (first, then) in [
            (rule("/api/admin", &[]), rule("/api", &[])),
            (rule("/api", &["GET"]), rule("/api/admin", &[])),
            (rule("/api", &["GET"]), rule("/api/admin", &["POST"])),
            (rule("/apiv2", &[]), rule("/api", &[])),
            (rule("/api", &[]), rule("/apiv2", &[])),
        ] {
            assert!(
                PathAuthzLayer::from_config(&[first.clone(), then.clone()], "api").is_ok(),
                "{first:?} {then:?}"
            );
        }
    }
}
