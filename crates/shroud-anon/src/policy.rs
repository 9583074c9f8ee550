//! [`AnonPolicy`]: what each claim becomes, independent of HTTP.

use core::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shroud_core::{
    CallerId, DomainPseudonymizer, Encryptor, Kind, Outcome, Pseudonymizer, Scanner, Strategy, StrategyError,
    Target, Transformer,
};
use zeroize::Zeroizing;

/// The registered claims needed to validate a token; kept unless a rule
/// names them.
pub const REGISTERED_CLAIMS: [&str; 6] = ["exp", "iat", "nbf", "iss", "aud", "jti"];

/// The pseudonym domain of [`CallerId`]s.
pub const CALLER_DOMAIN: &str = "caller";

/// Longest claim name, glob or pointer a policy accepts.
pub const MAX_SELECTOR_LEN: usize = 1024;

/// Deepest nesting [`AnonPolicy::apply`] walks into; anything deeper is
/// treated by the default action as a whole (fail closed: never kept raw
/// under [`DefaultAction::Drop`]).
pub const MAX_DEPTH: usize = 32;

/// What happens to a claim no rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultAction {
    /// Keep it (value detectors still apply).
    #[default]
    Keep,
    /// Drop it: allow-list mode, data minimization.
    Drop,
}

/// Which claim (or part of one) a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Selector {
    /// A top-level claim by exact name.
    Claim(String),
    /// Top-level claims whose name matches a glob: `*` matches any run of
    /// characters, `?` one character (`*_email`, `addr*`).
    Glob(String),
    /// A JSON pointer (RFC 6901) into nested claims:
    /// `/address/street_address`, `/https:~1~1example.com~1ssn`. Arrays on the
    /// way are entered element-wise (a numeric segment selects one index).
    Pointer(String),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Claim(s) => write!(f, "claim `{s}`"),
            Selector::Glob(s) => write!(f, "glob `{s}`"),
            Selector::Pointer(s) => write!(f, "pointer `{s}`"),
        }
    }
}

/// A policy the builder refused. Names the rule, never a claim value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A claim name, glob or pointer is empty or longer than [`MAX_SELECTOR_LEN`].
    #[error("{0}: empty or longer than {MAX_SELECTOR_LEN} bytes")]
    BadLength(Selector),
    /// A JSON pointer does not start with `/` or has an escape other than `~0`/`~1`.
    #[error("{0}: not a JSON pointer (RFC 6901)")]
    BadPointer(Selector),
    /// Two rules select the same claim or path.
    #[error("{0}: selected by two rules")]
    Duplicate(Selector),
    /// A rule selects a path inside a value another rule already transforms whole.
    #[error("{0}: lies inside a value another rule transforms whole")]
    Overlap(Selector),
    /// A rule's strategy cannot be applied with the keys held, or its
    /// parameters are out of range.
    #[error("the strategy of {selector} cannot be applied: {source}")]
    Strategy {
        /// The rule.
        selector: Selector,
        /// Why.
        source: StrategyError,
    },
    /// A detector rule's strategy cannot be applied.
    #[error("the strategy of the `{kind}` detector cannot be applied: {source}")]
    Detector {
        /// The detector kind name.
        kind: String,
        /// Why.
        source: StrategyError,
    },
    /// A detector rule names a kind that is not a built-in kind.
    #[error("unknown detector kind `{0}`")]
    UnknownKind(String),
    /// Two detector rules name one kind.
    #[error("detector `{0}` has two rules")]
    DuplicateDetector(String),
    /// A rule has none or more than one of `claim`, `glob`, `pointer`.
    #[error("a rule needs exactly one of `claim`, `glob` or `pointer`")]
    Selector,
}

/// One rule in the serde model: a selector and a strategy.
///
/// ```
/// use shroud_anon::RuleConfig;
/// let r: RuleConfig = serde_json::from_str(r#"{"glob":"*_email","action":"pseudonymize","domain":"person"}"#)?;
/// assert_eq!(r.glob.as_deref(), Some("*_email"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleConfig {
    /// Exact top-level claim name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Glob over top-level claim names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// JSON pointer into nested claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// What the selected value becomes.
    #[serde(flatten)]
    pub strategy: Strategy,
}

/// One detector rule in the serde model: a built-in [`Kind`] name and a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DetectorConfig {
    /// The kind name (`email`, `card`, `ssn`, `phone`, `iban`, `ipv4`, ...).
    pub kind: String,
    /// What a value holding this kind becomes.
    #[serde(flatten)]
    pub strategy: Strategy,
}

/// The serde model of a policy (TOML, JSON, ...). Keys are not part of it:
/// give them to the [`PolicyBuilder`].
///
/// ```
/// use shroud_anon::{AnonPolicy, PolicyConfig};
/// use shroud_core::{Pseudonymizer, SecretKey};
///
/// let config: PolicyConfig = serde_json::from_str(r#"{
///   "default": "drop",
///   "rules": [
///     {"claim": "sub", "action": "pseudonymize", "domain": "person"},
///     {"glob": "*_email", "action": "pseudonymize", "domain": "person"},
///     {"pointer": "/address/country", "action": "keep"},
///     {"claim": "birthdate", "action": "generalize", "to": "year"}
///   ],
///   "detectors": [{"kind": "card", "action": "redact"}]
/// }"#)?;
/// let policy = AnonPolicy::builder()
///     .config(config)
///     .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32])?))
///     .build()?;
/// # let _ = policy;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyConfig {
    /// What happens to claims no rule names.
    #[serde(default)]
    pub default: DefaultAction,
    /// The claim rules.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// The value detector rules.
    #[serde(default)]
    pub detectors: Vec<DetectorConfig>,
}

/// Builds an [`AnonPolicy`]; see [`AnonPolicy::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct PolicyBuilder {
    default: DefaultAction,
    rules: Vec<Result<(Selector, Strategy), PolicyError>>,
    detectors: Vec<Result<(Kind, Strategy), PolicyError>>,
    transformer: Transformer,
    scanner: Option<Scanner>,
}

impl PolicyBuilder {
    /// Adds every setting of a [`PolicyConfig`].
    pub fn config(mut self, config: PolicyConfig) -> Self {
        self.default = config.default;
        for r in config.rules {
            let sel = match (r.claim, r.glob, r.pointer) {
                (Some(c), None, None) => Ok(Selector::Claim(c)),
                (None, Some(g), None) => Ok(Selector::Glob(g)),
                (None, None, Some(p)) => Ok(Selector::Pointer(p)),
                _ => Err(PolicyError::Selector),
            };
            self.rules.push(sel.map(|s| (s, r.strategy)));
        }
        for d in config.detectors {
            let kind = Kind::from_name(&d.kind).ok_or(PolicyError::UnknownKind(d.kind));
            self.detectors.push(kind.map(|k| (k, d.strategy)));
        }
        self
    }

    /// What happens to claims no rule names (default [`DefaultAction::Keep`]).
    pub fn default_action(mut self, action: DefaultAction) -> Self {
        self.default = action;
        self
    }

    /// A rule for the top-level claim `name`.
    pub fn claim(self, name: impl Into<String>, strategy: Strategy) -> Self {
        self.rule(Selector::Claim(name.into()), strategy)
    }

    /// A rule for top-level claims matching `glob`.
    pub fn glob(self, glob: impl Into<String>, strategy: Strategy) -> Self {
        self.rule(Selector::Glob(glob.into()), strategy)
    }

    /// A rule for the JSON pointer `pointer`.
    pub fn pointer(self, pointer: impl Into<String>, strategy: Strategy) -> Self {
        self.rule(Selector::Pointer(pointer.into()), strategy)
    }

    /// A rule for any selector.
    pub fn rule(mut self, selector: Selector, strategy: Strategy) -> Self {
        self.rules.push(Ok((selector, strategy)));
        self
    }

    /// A value detector rule: a string value (of a claim no rule names) in
    /// which `kind` is found becomes `strategy`.
    pub fn detect(mut self, kind: Kind, strategy: Strategy) -> Self {
        self.detectors.push(Ok((kind, strategy)));
        self
    }

    /// The pseudonymization keys (needed by `pseudonymize` and for [`CallerId`]s).
    pub fn pseudonymizer(mut self, p: Pseudonymizer) -> Self {
        self.transformer = self.transformer.with_pseudonymizer(p);
        self
    }

    /// The encryption keys (needed by `encrypt` and [`AnonPolicy::reveal`]).
    pub fn encryptor(mut self, e: Encryptor) -> Self {
        self.transformer = self.transformer.with_encryptor(e);
        self
    }

    /// The scanner detector rules use (default: every built-in detector).
    pub fn scanner(mut self, scanner: Scanner) -> Self {
        self.scanner = Some(scanner);
        self
    }

    /// Validates and compiles the policy.
    pub fn build(self) -> Result<AnonPolicy, PolicyError> {
        let mut root = Node::default();
        let mut globs: Vec<(Box<str>, Strategy)> = Vec::new();
        let mut pointers: Vec<(Vec<String>, Selector, Strategy)> = Vec::new();
        for rule in self.rules {
            let (selector, strategy) = rule?;
            let text = match &selector {
                Selector::Claim(s) | Selector::Glob(s) | Selector::Pointer(s) => s,
            };
            if text.is_empty() || text.len() > MAX_SELECTOR_LEN {
                return Err(PolicyError::BadLength(selector));
            }
            self.transformer
                .check(&strategy)
                .map_err(|source| PolicyError::Strategy {
                    selector: selector.clone(),
                    source,
                })?;
            match &selector {
                Selector::Claim(name) => pointers.push((vec![name.clone()], selector.clone(), strategy)),
                Selector::Pointer(p) => {
                    let path = parse_pointer(p).ok_or_else(|| PolicyError::BadPointer(selector.clone()))?;
                    pointers.push((path, selector.clone(), strategy));
                }
                Selector::Glob(g) => {
                    if globs.iter().any(|(x, _)| **x == **g) {
                        return Err(PolicyError::Duplicate(selector));
                    }
                    globs.push((g.as_str().into(), strategy));
                }
            }
        }
        // Shorter paths first, so that a path under a whole-value rule is seen
        // as overlapping whichever order the rules were given in.
        pointers.sort_by_key(|(p, _, _)| p.len());
        for (path, selector, strategy) in pointers {
            let mut node = &mut root;
            for seg in &path {
                if node.strategy.is_some() {
                    return Err(PolicyError::Overlap(selector));
                }
                node = node.child_or_insert(seg);
            }
            if node.strategy.is_some() {
                return Err(PolicyError::Duplicate(selector));
            }
            if !node.children.is_empty() {
                return Err(PolicyError::Overlap(selector));
            }
            node.strategy = Some(strategy);
        }
        if let Some(p) = self.transformer.pseudonymizer() {
            for (name, node) in &mut root.children {
                if let Some(Strategy::Pseudonymize { domain }) = &node.strategy {
                    node.bound = Some(p.for_domain(domain.as_deref().unwrap_or(name)));
                }
            }
        }
        let caller = self
            .transformer
            .pseudonymizer()
            .map(|p| p.for_domain(CALLER_DOMAIN));
        let mut detectors: Vec<(Kind, Strategy)> = Vec::new();
        for d in self.detectors {
            let (kind, strategy) = d?;
            if detectors.iter().any(|(k, _)| *k == kind) {
                return Err(PolicyError::DuplicateDetector(kind.name().to_owned()));
            }
            self.transformer
                .check(&strategy)
                .map_err(|source| PolicyError::Detector {
                    kind: kind.name().to_owned(),
                    source,
                })?;
            detectors.push((kind, strategy));
        }
        let scanner = if detectors.is_empty() {
            None
        } else {
            Some(self.scanner.unwrap_or_default())
        };
        Ok(AnonPolicy {
            inner: Arc::new(Inner {
                default: self.default,
                root,
                globs,
                detectors,
                scanner,
                transformer: self.transformer,
                caller,
            }),
        })
    }
}

fn parse_pointer(p: &str) -> Option<Vec<String>> {
    let rest = p.strip_prefix('/')?;
    rest.split('/')
        .map(|seg| {
            let mut out = String::with_capacity(seg.len());
            let mut chars = seg.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return None,
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        })
        .collect()
}

/// Matches `name` against a glob of `*` (any run) and `?` (one character).
fn glob_match(glob: &str, name: &str) -> bool {
    if glob.is_ascii() && name.is_ascii() {
        wildcard(glob.as_bytes(), name.as_bytes(), b'*', b'?')
    } else {
        let (g, n): (Vec<char>, Vec<char>) = (glob.chars().collect(), name.chars().collect());
        wildcard(&g, &n, '*', '?')
    }
}

/// Iterative wildcard matching with one backtrack point: O(len(g) * len(n)).
fn wildcard<T: Copy + PartialEq>(g: &[T], n: &[T], any: T, one: T) -> bool {
    let (mut gi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if gi < g.len() && g[gi] != any && (g[gi] == one || g[gi] == n[ni]) {
            gi += 1;
            ni += 1;
        } else if gi < g.len() && g[gi] == any {
            star = Some((gi, ni));
            gi += 1;
        } else if let Some((sg, sn)) = star {
            gi = sg + 1;
            ni = sn + 1;
            star = Some((sg, sn + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == any)
}

#[derive(Debug, Default)]
struct Node {
    strategy: Option<Strategy>,
    /// For a top-level `pseudonymize` rule: the active key bound to the
    /// rule's domain, so a string claim costs one HMAC of its value.
    bound: Option<DomainPseudonymizer>,
    /// Sorted by name: looked up by binary search, which for the handful of
    /// rules a policy has beats hashing the claim name.
    children: Vec<(Box<str>, Node)>,
}

impl Node {
    fn get(&self, name: &str) -> Option<&Node> {
        self.children
            .binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| &self.children[i].1)
    }

    fn child_or_insert(&mut self, name: &str) -> &mut Node {
        let i = match self.children.binary_search_by(|(k, _)| (**k).cmp(name)) {
            Ok(i) => i,
            Err(i) => {
                self.children.insert(i, (name.into(), Node::default()));
                i
            }
        };
        &mut self.children[i].1
    }
}

struct Inner {
    default: DefaultAction,
    root: Node,
    globs: Vec<(Box<str>, Strategy)>,
    detectors: Vec<(Kind, Strategy)>,
    scanner: Option<Scanner>,
    transformer: Transformer,
    /// The active pseudonym key bound to [`CALLER_DOMAIN`].
    caller: Option<DomainPseudonymizer>,
}

/// A compiled, validated claim policy. Cheap to clone.
///
/// For each top-level claim, in this order:
///
/// 1. a rule for its exact name (or a pointer of one segment) transforms the
///    whole value; else the first matching glob does;
/// 2. pointer rules into it transform the values they select, the rest of
///    the value is treated as unnamed (steps 3-5) member by member;
/// 3. the registered claims (`exp`, `iat`, `nbf`, `iss`, `aud`, `jti`) are kept;
/// 4. a string (or unsigned integer) in which a value detector finds its
///    kind is transformed by that detector's strategy (the first finding with
///    a rule wins), whatever the claim is called;
/// 5. the [`DefaultAction`] applies.
///
/// Shapes: strings are transformed as they are; numbers, booleans and null
/// by their JSON text (`generalize` bucket takes numbers directly, `keep`
/// keeps the original); arrays element by element (a dropped element is
/// removed); objects member by member (a dropped member is removed). `drop`
/// on a whole claim removes it.
///
/// ```
/// use serde_json::json;
/// use shroud_anon::{AnonPolicy, DefaultAction};
/// use shroud_core::{Generalize, Pseudonymizer, SecretKey, Strategy};
///
/// let policy = AnonPolicy::builder()
///     .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32])?))
///     .default_action(DefaultAction::Drop)
///     .claim("email", Strategy::Pseudonymize { domain: None })
///     .claim("birthdate", Strategy::Generalize(Generalize::Year))
///     .build()?;
/// let out = policy.apply(json!({
///     "email": "jane@example.com", "birthdate": "1990-05-17", "exp": 1900000000, "name": "Jane"
/// }).as_object().unwrap());
/// assert!(out["email"].as_str().unwrap().starts_with("ps1.k2026."));
/// assert_eq!(out["birthdate"], "1990");
/// assert_eq!(out["exp"], 1900000000);
/// assert!(!out.contains_key("name"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AnonPolicy {
    inner: Arc<Inner>,
}

impl fmt::Debug for AnonPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonPolicy")
            .field("default", &self.inner.default)
            .field("globs", &self.inner.globs.len())
            .field("detectors", &self.inner.detectors.len())
            .field("transformer", &self.inner.transformer)
            .finish_non_exhaustive()
    }
}

/// Why [`AnonPolicy::reveal`] gave no plaintext. Never holds the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevealError {
    /// The policy holds no encryption key.
    #[error("the policy holds no encryption key")]
    NoKey,
    /// The value does not decrypt for this claim (wrong claim, wrong key,
    /// not a ciphertext, tampered).
    #[error("the value does not decrypt for this claim")]
    Failed,
}

impl AnonPolicy {
    /// Starts building a policy.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// The default action.
    pub fn default_action(&self) -> DefaultAction {
        self.inner.default
    }

    /// The keys the policy applies strategies with.
    pub fn transformer(&self) -> &Transformer {
        &self.inner.transformer
    }

    /// Anonymizes a claim set. Never fails: a strategy that cannot handle a
    /// value gives the redaction text (fail closed).
    pub fn apply(&self, claims: &Map<String, Value>) -> Map<String, Value> {
        let mut out = claims.clone();
        self.apply_in_place(&mut out);
        out
    }

    /// Anonymizes a claim set in place: what [`apply`](Self::apply) does,
    /// without copying the claims that stay as they are.
    pub fn apply_in_place(&self, claims: &mut Map<String, Value>) {
        claims.retain(|name, value| {
            let top = Domain::Top(name);
            let new = if let Some(node) = self.inner.root.get(name) {
                match (&node.strategy, &node.bound, &*value) {
                    (Some(Strategy::Keep), _, _) => return true,
                    (Some(Strategy::Drop), _, _) => return false,
                    (_, Some(bound), Value::String(s)) => {
                        Some(Value::String(bound.pseudonymize(s.as_bytes())))
                    }
                    _ => self.walk(value, node, top, 0),
                }
            } else if let Some((_, strategy)) = self.inner.globs.iter().find(|(g, _)| glob_match(g, name)) {
                match strategy {
                    Strategy::Keep => return true,
                    Strategy::Drop => return false,
                    _ => self.transform(value, strategy, top, 0),
                }
            } else if REGISTERED_CLAIMS.contains(&name.as_str()) {
                return true;
            } else if self.inner.scanner.is_none() {
                return self.inner.default == DefaultAction::Keep;
            } else {
                self.unnamed(value, top, 0)
            };
            match new {
                Some(v) => {
                    *value = v;
                    true
                }
                None => false,
            }
        });
        // A claim whose name the detectors find (an email as a claim name)
        // leaves under the transformed name, or not at all.
        if self.inner.scanner.is_some() {
            let named: Vec<String> = claims
                .keys()
                .filter(|k| self.detected(k).is_some())
                .cloned()
                .collect();
            for name in named {
                if let Some(value) = claims.remove(&name)
                    && let Some(new) = self.member_name(&name, Domain::Top(&name))
                {
                    claims.insert(new, value);
                }
            }
        }
    }

    /// The [`CallerId`] of verified claims: the keyed pseudonym of the
    /// issuer and subject in the [`CALLER_DOMAIN`]. `None` without a `sub`
    /// string or without a pseudonymizer.
    pub fn caller_id(&self, claims: &Map<String, Value>) -> Option<CallerId> {
        let p = self.inner.caller.as_ref()?;
        let sub = claims.get("sub")?.as_str()?;
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
        let mut input = [0u8; 256];
        let n = 8 + iss.len() + sub.len();
        let pseudonym = if n <= input.len() {
            input[..8].copy_from_slice(&(iss.len() as u64).to_be_bytes());
            input[8..8 + iss.len()].copy_from_slice(iss.as_bytes());
            input[8 + iss.len()..n].copy_from_slice(sub.as_bytes());
            p.pseudonymize(&input[..n])
        } else {
            let mut long = Vec::with_capacity(n);
            long.extend_from_slice(&(iss.len() as u64).to_be_bytes());
            long.extend_from_slice(iss.as_bytes());
            long.extend_from_slice(sub.as_bytes());
            p.pseudonymize(&long)
        };
        Some(CallerId::new(pseudonym))
    }

    /// Decrypts a value the `encrypt` action produced for `claim` (the claim
    /// name, or the pointer of a pointer rule, or the rule's own `domain`),
    /// on behalf of `caller`.
    ///
    /// Emits an audit event (target `shroud::audit`, INFO) naming the claim,
    /// the caller and whether it succeeded; never the value.
    pub fn reveal(
        &self,
        claim: &str,
        ciphertext: &str,
        caller: &CallerId,
    ) -> Result<Zeroizing<Vec<u8>>, RevealError> {
        let result = match self.inner.transformer.encryptor() {
            None => Err(RevealError::NoKey),
            Some(e) => e.decrypt(claim, ciphertext).map_err(|_| RevealError::Failed),
        };
        tracing::info!(
            target: "shroud::audit",
            claim,
            caller = caller.as_str(),
            revealed = result.is_ok(),
            "encrypted claim revealed"
        );
        result
    }

    fn walk(&self, value: &Value, node: &Node, domain: Domain<'_>, depth: usize) -> Option<Value> {
        if let Some(strategy) = &node.strategy {
            return self.transform(value, strategy, domain, depth);
        }
        // Too deep to walk further: a container is not kept unscanned; a
        // scalar is still scanned (below).
        if depth >= MAX_DEPTH && matches!(value, Value::Array(_) | Value::Object(_)) {
            return self.deep_default(value);
        }
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let child_domain = domain.join(k);
                    let child_domain = Domain::Nested(&child_domain);
                    let new = match node.get(k) {
                        Some(child) => self.walk(v, child, child_domain, depth + 1),
                        None => self.unnamed(v, child_domain, depth + 1),
                    };
                    if let (Some(v), Some(k)) = (new, self.member_name(k, domain)) {
                        out.insert(k, v);
                    }
                }
                Some(Value::Object(out))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    let index = (!node.children.is_empty()).then(|| i.to_string());
                    let new = match index.as_deref().and_then(|i| node.get(i).zip(Some(i))) {
                        Some((child, i)) => self.walk(v, child, Domain::Nested(&domain.join(i)), depth + 1),
                        None => self.walk(v, node, domain, depth + 1),
                    };
                    out.extend(new);
                }
                Some(Value::Array(out))
            }
            // A rule pointed deeper than the value goes: the value is unnamed.
            scalar => self.unnamed(scalar, domain, depth),
        }
    }

    /// A value no rule names: registered claims are handled by the caller;
    /// detectors, then the default.
    fn unnamed(&self, value: &Value, domain: Domain<'_>, depth: usize) -> Option<Value> {
        // Scalars are scanned at any depth; containers deeper than the limit
        // get the default for what cannot be walked.
        if depth >= MAX_DEPTH && matches!(value, Value::Array(_) | Value::Object(_)) {
            return self.deep_default(value);
        }
        match value {
            Value::String(s) => {
                if let Some(strategy) = self.detected(s) {
                    return self.scalar(value, s, strategy, domain);
                }
                self.deep_default(value)
            }
            // A card number may arrive as a JSON number.
            Value::Number(n) if self.inner.scanner.is_some() && n.is_u64() => {
                let text = n.to_string();
                if let Some(strategy) = self.detected(&text) {
                    return self.scalar(value, &text, strategy, domain);
                }
                self.deep_default(value)
            }
            Value::Array(items) if self.inner.scanner.is_some() => {
                let out: Vec<Value> = items
                    .iter()
                    .filter_map(|v| self.unnamed(v, domain, depth + 1))
                    .collect();
                // Under `drop`, an array none of whose members were detected
                // is dropped whole.
                (self.inner.default == DefaultAction::Keep || !out.is_empty()).then_some(Value::Array(out))
            }
            Value::Object(map) if self.inner.scanner.is_some() => {
                let mut out = Map::new();
                for (k, v) in map {
                    if let (Some(v), Some(k)) = (
                        self.unnamed(v, Domain::Nested(&domain.join(k)), depth + 1),
                        self.member_name(k, domain),
                    ) {
                        out.insert(k, v);
                    }
                }
                (self.inner.default == DefaultAction::Keep || !out.is_empty()).then_some(Value::Object(out))
            }
            other => self.deep_default(other),
        }
    }

    fn deep_default(&self, value: &Value) -> Option<Value> {
        match self.inner.default {
            DefaultAction::Keep if self.inner.scanner.is_none() => Some(value.clone()),
            // With detectors configured, values too deep to walk are not kept
            // unscanned.
            DefaultAction::Keep if matches!(value, Value::Array(_) | Value::Object(_)) => {
                Some(Value::String(shroud_core::REDACTED.to_owned()))
            }
            DefaultAction::Keep => Some(value.clone()),
            DefaultAction::Drop => None,
        }
    }

    fn detected(&self, s: &str) -> Option<&Strategy> {
        let scanner = self.inner.scanner.as_ref()?;
        if !scanner.may_match(s.as_bytes()) {
            return None;
        }
        let mut found = None;
        scanner.for_each_decoded(s.as_bytes(), |f| {
            if found.is_none() {
                found = self
                    .inner
                    .detectors
                    .iter()
                    .find(|(k, _)| *k == f.kind)
                    .map(|(_, st)| st);
            }
        });
        found
    }

    fn transform(
        &self,
        value: &Value,
        strategy: &Strategy,
        domain: Domain<'_>,
        depth: usize,
    ) -> Option<Value> {
        match (strategy, value) {
            (Strategy::Keep, v) => Some(v.clone()),
            (Strategy::Drop, _) => None,
            (_, Value::Array(items)) => {
                if depth >= MAX_DEPTH {
                    return Some(Value::String(shroud_core::REDACTED.to_owned()));
                }
                Some(Value::Array(
                    items
                        .iter()
                        .filter_map(|v| self.transform(v, strategy, domain, depth + 1))
                        .collect(),
                ))
            }
            (_, Value::Object(map)) => {
                if depth >= MAX_DEPTH {
                    return Some(Value::String(shroud_core::REDACTED.to_owned()));
                }
                let mut out = Map::new();
                for (k, v) in map {
                    if let (Some(v), Some(k)) = (
                        self.transform(v, strategy, domain, depth + 1),
                        self.member_name(k, domain),
                    ) {
                        out.insert(k, v);
                    }
                }
                Some(Value::Object(out))
            }
            (Strategy::Generalize(g), Value::Number(n)) => {
                let text = n
                    .as_f64()
                    .and_then(|f| g.apply_number(f).ok())
                    .unwrap_or_else(|| shroud_core::REDACTED.to_owned());
                Some(Value::String(text))
            }
            (_, Value::String(s)) => self.scalar(value, s, strategy, domain),
            (_, other) => {
                let text = other.to_string();
                self.scalar(value, &text, strategy, domain)
            }
        }
    }

    /// A member's name as it leaves: a name the detectors find (an email used
    /// as a key) gets the detector's strategy like a value; `None` drops the
    /// member.
    fn member_name(&self, name: &str, domain: Domain<'_>) -> Option<String> {
        let Some(strategy) = self.detected(name) else {
            return Some(name.to_owned());
        };
        match self.scalar(&Value::Null, name, strategy, domain)? {
            Value::String(s) => Some(s),
            // `Keep` answers the original, which stands for the name here.
            _ => Some(name.to_owned()),
        }
    }

    fn scalar(&self, original: &Value, text: &str, strategy: &Strategy, domain: Domain<'_>) -> Option<Value> {
        let target = Target {
            domain: domain.as_str(),
            label: None,
        };
        match self.inner.transformer.apply(strategy, target, text) {
            Outcome::Keep => Some(original.clone()),
            Outcome::Drop => None,
            Outcome::Replace(r) => Some(Value::String(r.into_owned())),
        }
    }
}

/// The pseudonym/encryption domain of a value: the claim name at the top
/// level, the RFC 6901 pointer below it.
#[derive(Clone, Copy)]
enum Domain<'a> {
    Top(&'a str),
    Nested(&'a str),
}

impl Domain<'_> {
    fn as_str(&self) -> &str {
        match self {
            Domain::Top(s) | Domain::Nested(s) => s,
        }
    }

    fn join(&self, key: &str) -> String {
        let mut d = String::with_capacity(self.as_str().len() + key.len() + 2);
        match self {
            Domain::Top(name) => {
                d.push('/');
                escape_into(name, &mut d);
            }
            Domain::Nested(p) => d.push_str(p),
        }
        d.push('/');
        escape_into(key, &mut d);
        d
    }
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*_email", "work_email"));
        assert!(glob_match("*_email", "_email"));
        assert!(!glob_match("*_email", "email"));
        assert!(!glob_match("*_email", "work_email_verified"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*é*", "café"));
        assert!(glob_match("caf?", "café"), "`?` is one character, not one byte");
        assert!(glob_match("*a*b*c", "xxaxxbxxbxc"));
    }

    #[test]
    fn pointers() {
        assert_eq!(parse_pointer("/a/b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            parse_pointer("/https:~1~1x~1ssn"),
            Some(vec!["https://x/ssn".into()])
        );
        assert_eq!(parse_pointer("/~01"), Some(vec!["~1".into()]));
        assert_eq!(parse_pointer("/"), Some(vec![String::new()]));
        assert_eq!(parse_pointer("a"), None);
        assert_eq!(parse_pointer("/a~"), None);
        assert_eq!(parse_pointer("/a~3"), None);
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(glob in ".{0,40}", name in ".{0,40}", pointer in ".{0,60}") {
            let _ = glob_match(&glob, &name);
            if let Some(path) = parse_pointer(&pointer) {
                // Re-escaping the parsed path gives the pointer back.
                let mut back = String::new();
                for seg in &path {
                    back.push('/');
                    escape_into(seg, &mut back);
                }
                proptest::prop_assert_eq!(back, pointer);
            }
        }
    }

    #[test]
    fn nested_domains_escape_names() {
        assert_eq!(Domain::Top("a/b").join("c~d"), "/a~1b/c~0d");
        assert_eq!(Domain::Nested("/a~1b/c").join("x"), "/a~1b/c/x");
    }
}
