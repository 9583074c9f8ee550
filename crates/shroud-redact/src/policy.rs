//! What to redact: the serde model ([`PolicyConfig`]), the builder, and the
//! compiled, shareable [`Policy`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use shroud_core::{Kind, Outcome, Redactor, Scanner, Strategy, StrategyError, Target, Transformer};

/// Default cap on JSON nesting.
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// Default cap on the bytes held for one token (a string that must be scanned,
/// a key, an SSE event, a text carry-over).
pub const DEFAULT_MAX_PENDING: usize = 1 << 20;
/// Default size of the window held back between frames of a text body.
pub const DEFAULT_TEXT_WINDOW: usize = 8 << 10;
/// Most JSON pointer path rules a policy holds.
pub const MAX_PATH_RULES: usize = 64;

/// A policy that cannot be built. Raised at construction, never per response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A strategy needs a key the transformer does not hold, or is out of range.
    #[error("rule `{rule}`: {source}")]
    Strategy {
        /// The rule (key pattern, path, or kind name).
        rule: String,
        /// Why.
        source: StrategyError,
    },
    /// A key pattern is empty.
    #[error("empty key pattern")]
    EmptyKey,
    /// A path is not a JSON pointer (`/a/*/b`) with at least one segment.
    #[error("path `{0}` is not a JSON pointer with at least one segment")]
    Path(String),
    /// More path rules than [`MAX_PATH_RULES`].
    #[error("more than {MAX_PATH_RULES} path rules")]
    TooManyPaths,
    /// A detector kind name is unknown.
    #[error("unknown detector kind `{0}`")]
    Kind(String),
    /// A setting is out of range: a zero limit, a header name that is not
    /// one, a detector list the scanner refuses.
    #[error("invalid `{setting}`: {why}")]
    Invalid {
        /// The setting's key in [`PolicyConfig`] (`limits`, `headers`,
        /// `detectors.kinds`).
        setting: &'static str,
        /// Why.
        why: &'static str,
    },
}

/// A rule on member names: every member whose key matches `key` (ASCII
/// case-insensitive; `*` matches any run, `?` one byte) has its value handled
/// by the strategy, at any depth.
///
/// How strategies apply to JSON values:
///
/// - a string, number or boolean is replaced by the strategy's output, as a
///   JSON string (`mask`, `pseudonymize`, `encrypt` and `generalize` see the
///   unescaped text or the number's digits); `null` carries nothing and stays;
/// - an object or array is replaced whole by the `redact` text (or
///   `[REDACTED]` for the other strategies, which need a scalar);
/// - `drop` removes the member, key and all, keeping the commas valid;
/// - `keep` leaves the value and everything inside it alone, detectors
///   included (an allow-list for known-safe fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRule {
    /// The key name or glob: `password`, `*token*`, `ssn`.
    pub key: String,
    /// What the value becomes (`{"action": "drop"}`, `{"action": "mask"}` ...).
    #[serde(flatten)]
    pub action: Strategy,
}

/// A rule on JSON pointer paths (RFC 6901) where a segment `*` matches any
/// member name or array index: `/users/*/email`. Path rules are checked
/// before key rules and apply as [`KeyRule`]s do, except that `drop` on an
/// array element (or the root) writes `null` in its place, so indexes of the
/// elements after it do not shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathRule {
    /// The pointer.
    pub path: String,
    /// What the value becomes.
    #[serde(flatten)]
    pub action: Strategy,
}

/// Which value detectors run and what their findings become.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorConfig {
    /// Run detectors over every string value (and key) at all.
    pub enabled: bool,
    /// The built-in kinds to run, by name (`email`, `card`, ...); all when absent.
    pub kinds: Option<Vec<String>>,
    /// The strategy for findings of a kind without its own.
    pub default: Strategy,
    /// Strategies per kind name.
    pub strategies: BTreeMap<String, Strategy>,
    /// Also check JSON numbers of 12 or more digits for payment cards.
    pub numbers: bool,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            enabled: true,
            kinds: None,
            default: Strategy::default(),
            strategies: BTreeMap::new(),
            numbers: true,
        }
    }
}

/// Response header handling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HeaderConfig {
    /// Headers whose whole value is replaced by `[REDACTED]` (e.g. `x-user-email`).
    pub redact: Vec<String>,
    /// Run detectors over the values of all other headers.
    pub scan: bool,
    /// Headers never scanned.
    pub allow: Vec<String>,
    /// Scan `Set-Cookie` values too (left alone by default: cookies are
    /// opaque state the client must get back unchanged).
    pub set_cookie: bool,
}

/// The headers not scanned by default: framing, caching and dates, whose
/// values are protocol data.
pub const DEFAULT_HEADER_ALLOW: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "content-range",
    "accept-ranges",
    "date",
    "expires",
    "last-modified",
    "age",
    "etag",
    "cache-control",
    "vary",
    "connection",
    "keep-alive",
    "server",
    "trailer",
    "strict-transport-security",
    "content-security-policy",
];

impl Default for HeaderConfig {
    fn default() -> Self {
        HeaderConfig {
            redact: Vec::new(),
            scan: true,
            allow: DEFAULT_HEADER_ALLOW.iter().map(|s| (*s).to_owned()).collect(),
            set_cookie: false,
        }
    }
}

/// How bodies without a `Content-Type` are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingContentType {
    /// Scan as text (default).
    #[default]
    Text,
    /// Pass untouched.
    Pass,
}

/// What happens to a body whose `Content-Encoding` cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownEncoding {
    /// Replace the response by a 502 problem (default): never scan encoded
    /// bytes as if they were plain.
    #[default]
    Refuse,
    /// Pass the body untouched.
    Pass,
}

/// What a body error does to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// End the body stream with an error after the last safe byte (default).
    #[default]
    Abort,
    /// Hold back up to [`Limits::problem_buffer`] bytes of output; when an
    /// error comes before that much was produced, answer a 502
    /// `application/problem+json` instead of the response. Event streams
    /// (SSE) are not held: their events may be minutes apart, and a client
    /// waits for the response head; they end as with `Abort`.
    Problem,
}

/// Media types and what each is parsed as. Patterns are `type/subtype`,
/// `type/*`, or `*/*+suffix`; parameters are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentTypes {
    /// JSON documents.
    pub json: Vec<String>,
    /// Newline-delimited JSON records and RFC 7464 JSON text sequences.
    pub ndjson: Vec<String>,
    /// Server-sent events.
    pub sse: Vec<String>,
    /// Text scanned with the detectors.
    pub text: Vec<String>,
    /// Bodies without a `Content-Type`.
    pub missing: MissingContentType,
    /// Bodies with an encoding this build cannot decode.
    pub unknown_encoding: UnknownEncoding,
}

impl Default for ContentTypes {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        ContentTypes {
            json: v(&["application/json", "*/*+json"]),
            ndjson: v(&[
                "application/x-ndjson",
                "application/ndjson",
                "application/jsonl",
                "application/x-jsonlines",
                "application/json-seq",
            ]),
            sse: v(&["text/event-stream"]),
            text: v(&["text/*", "application/xml", "*/*+xml"]),
            missing: MissingContentType::Text,
            unknown_encoding: UnknownEncoding::Refuse,
        }
    }
}

/// Caps that bound memory per response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Deepest JSON nesting accepted (default 128).
    pub max_depth: usize,
    /// Most bytes held for one pending token (default 1 MiB).
    pub max_pending: usize,
    /// Bytes held back between text frames so a finding split across frames is
    /// still found (default 8 KiB).
    pub text_window: usize,
    /// Output held before the response head is sent when [`OnError::Problem`]
    /// is chosen (default 64 KiB).
    pub problem_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_pending: DEFAULT_MAX_PENDING,
            text_window: DEFAULT_TEXT_WINDOW,
            problem_buffer: 64 << 10,
        }
    }
}

/// The serde model of a redaction policy.
///
/// ```
/// use shroud_redact::{Policy, PolicyConfig};
///
/// let cfg: PolicyConfig = serde_json::from_str(r#"{
///     "keys": [{"key": "password", "action": "drop"}, {"key": "*token*", "action": "redact"}],
///     "paths": [{"path": "/users/*/email", "action": "mask"}],
///     "headers": {"redact": ["x-user-email"]}
/// }"#)?;
/// let policy = Policy::from_config(&cfg, Default::default())?;
/// let out = policy.redact_json(br#"{"users":[{"email":"jane@example.com","password":"x"}]}"#)?;
/// assert_eq!(out, br#"{"users":[{"email":"j***@e******.com"}]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Rules on member names.
    pub keys: Vec<KeyRule>,
    /// Rules on JSON pointer paths (checked before key rules).
    pub paths: Vec<PathRule>,
    /// Value detectors.
    pub detectors: DetectorConfig,
    /// Response headers.
    pub headers: HeaderConfig,
    /// Which bodies are parsed as what.
    pub content_types: ContentTypes,
    /// Memory caps.
    pub limits: Limits,
    /// What a body error does.
    pub on_error: OnError,
}

/// A compiled glob over ASCII-lower-cased bytes.
#[derive(Debug, Clone)]
pub(crate) enum KeyMatcher {
    Exact(Box<[u8]>),
    Contains(Box<memchr::memmem::Finder<'static>>),
    Prefix(Box<[u8]>),
    Suffix(Box<[u8]>),
    Glob(Box<[u8]>),
}

impl KeyMatcher {
    fn compile(pattern: &str) -> KeyMatcher {
        let p = pattern.to_ascii_lowercase().into_bytes();
        let stars = p.iter().filter(|b| **b == b'*').count();
        let q = p.contains(&b'?');
        if stars == 0 && !q {
            return KeyMatcher::Exact(p.into());
        }
        if !q && stars == 2 && p.len() > 2 && p[0] == b'*' && p[p.len() - 1] == b'*' {
            return KeyMatcher::Contains(Box::new(
                memchr::memmem::Finder::new(&p[1..p.len() - 1]).into_owned(),
            ));
        }
        if !q && stars == 1 && p[p.len() - 1] == b'*' {
            return KeyMatcher::Prefix(p[..p.len() - 1].into());
        }
        if !q && stars == 1 && p[0] == b'*' {
            return KeyMatcher::Suffix(p[1..].into());
        }
        KeyMatcher::Glob(p.into())
    }

    /// Whether `key` matches, ASCII case-insensitively. `lower` is scratch
    /// space for globs.
    #[inline]
    pub(crate) fn matches(&self, key: &[u8], lower: &mut Vec<u8>) -> bool {
        match self {
            KeyMatcher::Exact(e) => e.len() == key.len() && e.eq_ignore_ascii_case(key),
            KeyMatcher::Contains(f) => {
                let needle = f.needle();
                if key.len() <= 64 {
                    contains_ci(key, needle)
                } else {
                    lower.clear();
                    lower.extend(key.iter().map(u8::to_ascii_lowercase));
                    f.find(lower).is_some()
                }
            }
            KeyMatcher::Prefix(p) => key.len() >= p.len() && key[..p.len()].eq_ignore_ascii_case(p),
            KeyMatcher::Suffix(x) => {
                key.len() >= x.len() && key[key.len() - x.len()..].eq_ignore_ascii_case(x)
            }
            KeyMatcher::Glob(g) => {
                lower.clear();
                lower.extend(key.iter().map(u8::to_ascii_lowercase));
                glob(g, lower)
            }
        }
    }
}

/// Whether `hay` contains `needle` (lower-case), ASCII case-insensitively.
#[inline]
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if needle.len() > hay.len() {
        return false;
    }
    let upper = first.to_ascii_uppercase();
    (0..=hay.len() - needle.len()).any(|i| {
        (hay[i] == first || hay[i] == upper) && hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest)
    })
}

/// Wildcard match with `*` and `?`, linear backtracking on the last star.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

/// The JSON string a `redact` action writes for every value, made by the
/// transformer itself.
fn fixed(transformer: &Transformer, name: &str, action: &Strategy) -> Option<Box<[u8]>> {
    if !matches!(action, Strategy::Redact { .. }) {
        return None;
    }
    let target = Target {
        domain: name,
        label: None,
    };
    match transformer.apply(action, target, "") {
        Outcome::Replace(text) => {
            let mut out = Vec::new();
            crate::json::write_json_string(&mut out, &text);
            Some(out.into_boxed_slice())
        }
        Outcome::Keep | Outcome::Drop => None,
    }
}

/// One segment of a path rule.
#[derive(Debug, Clone)]
pub(crate) enum Seg {
    Any,
    /// A member name, and the array index it spells when it is one.
    Name(Box<[u8]>, Option<u64>),
}

impl Seg {
    pub(crate) fn matches_key(&self, key: &[u8]) -> bool {
        match self {
            Seg::Any => true,
            Seg::Name(n, _) => **n == *key,
        }
    }

    pub(crate) fn matches_index(&self, index: u64) -> bool {
        match self {
            Seg::Any => true,
            Seg::Name(_, i) => *i == Some(index),
        }
    }
}

fn parse_pointer(path: &str) -> Result<Vec<Seg>, ConfigError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(ConfigError::Path(path.to_owned()));
    };
    rest.split('/')
        .map(|s| {
            if s == "*" {
                return Ok(Seg::Any);
            }
            // RFC 6901: `~1` is `/`, `~0` is `~`; any other `~` is invalid.
            let mut out = String::with_capacity(s.len());
            let mut it = s.chars();
            while let Some(c) = it.next() {
                if c == '~' {
                    match it.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(ConfigError::Path(path.to_owned())),
                    }
                } else {
                    out.push(c);
                }
            }
            let index = if out.len() == 1 || !out.starts_with('0') {
                out.parse::<u64>().ok()
            } else {
                None
            };
            Ok(Seg::Name(out.into_bytes().into(), index))
        })
        .collect()
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// The key pattern or path, as configured: the name in summaries and the
    /// pseudonym/encryption domain.
    pub(crate) name: String,
    pub(crate) action: Strategy,
    /// The JSON string that replaces every value, when the action does not
    /// depend on the value (`redact`).
    pub(crate) fixed: Option<Box<[u8]>>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    /// Unique per built policy (clones share it): what per-thread caches of
    /// the policy's answers are tagged with.
    pub(crate) id: u64,
    /// Path rules first (`0..paths.len()`), then key rules.
    pub(crate) rules: Vec<Rule>,
    pub(crate) paths: Vec<Vec<Seg>>,
    pub(crate) keys: Vec<KeyMatcher>,
    pub(crate) redactor: Option<Redactor>,
    /// The longest key any key rule can match (`usize::MAX` with a glob).
    pub(crate) key_max_len: usize,
    pub(crate) numbers: bool,
    pub(crate) transformer: Transformer,
    pub(crate) headers: HeaderConfig,
    pub(crate) header_redact: Vec<http::HeaderName>,
    pub(crate) header_allow: Vec<http::HeaderName>,
    pub(crate) content_types: ContentTypes,
    pub(crate) limits: Limits,
    pub(crate) on_error: OnError,
}

/// A compiled redaction policy: cheap to clone (an `Arc`), validated once.
///
/// ```
/// use shroud_core::Strategy;
/// use shroud_redact::Policy;
///
/// let policy = Policy::builder()
///     .key("password", Strategy::Drop)
///     .key("*token*", Strategy::default())
///     .build()?;
/// let out = policy.redact_json(br#"{"user":"jane","password":"hunter2","api_token":"t0k","note":"mail a@example.com"}"#)?;
/// assert_eq!(out, br#"{"user":"jane","api_token":"[REDACTED]","note":"mail [REDACTED:email]"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) inner: Arc<Inner>,
}

impl Default for Policy {
    /// Every built-in detector, no key or path rule.
    fn default() -> Self {
        Policy::builder()
            .build()
            .expect("the default policy needs no key")
    }
}

/// Builds a [`Policy`] in code.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct PolicyBuilder {
    config: PolicyConfig,
    transformer: Transformer,
    scanner: Option<Scanner>,
}

impl PolicyBuilder {
    /// Adds a rule on member names.
    pub fn key(mut self, pattern: impl Into<String>, action: Strategy) -> Self {
        self.config.keys.push(KeyRule {
            key: pattern.into(),
            action,
        });
        self
    }

    /// Adds a rule on a JSON pointer path (`*` segments match anything).
    pub fn path(mut self, pointer: impl Into<String>, action: Strategy) -> Self {
        self.config.paths.push(PathRule {
            path: pointer.into(),
            action,
        });
        self
    }

    /// Turns value detectors on or off (on by default).
    pub fn detectors(mut self, on: bool) -> Self {
        self.config.detectors.enabled = on;
        self
    }

    /// Uses this scanner (for custom detectors) instead of the configured kinds.
    pub fn scanner(mut self, scanner: Scanner) -> Self {
        self.scanner = Some(scanner);
        self
    }

    /// The strategy for findings of one kind.
    pub fn detector_strategy(mut self, kind: Kind, action: Strategy) -> Self {
        self.config
            .detectors
            .strategies
            .insert(kind.name().to_owned(), action);
        self
    }

    /// Whether JSON numbers are checked for payment cards (on by default).
    pub fn scan_numbers(mut self, on: bool) -> Self {
        self.config.detectors.numbers = on;
        self
    }

    /// Replaces the whole value of this response header.
    pub fn redact_header(mut self, name: impl Into<String>) -> Self {
        self.config.headers.redact.push(name.into());
        self
    }

    /// Sets the header handling.
    pub fn headers(mut self, headers: HeaderConfig) -> Self {
        self.config.headers = headers;
        self
    }

    /// Sets which media types are parsed as what.
    pub fn content_types(mut self, c: ContentTypes) -> Self {
        self.config.content_types = c;
        self
    }

    /// Sets the memory caps.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Sets what a body error does.
    pub fn on_error(mut self, on_error: OnError) -> Self {
        self.config.on_error = on_error;
        self
    }

    /// The keys for `pseudonymize` and `encrypt` strategies.
    pub fn transformer(mut self, t: Transformer) -> Self {
        self.transformer = t;
        self
    }

    /// Validates and compiles.
    pub fn build(self) -> Result<Policy, ConfigError> {
        Policy::compile(&self.config, self.transformer, self.scanner)
    }
}

impl Policy {
    /// Starts building a policy: all built-in detectors, no rules.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Compiles a policy from its serde model.
    pub fn from_config(config: &PolicyConfig, transformer: Transformer) -> Result<Policy, ConfigError> {
        Policy::compile(config, transformer, None)
    }

    fn compile(
        config: &PolicyConfig,
        transformer: Transformer,
        scanner: Option<Scanner>,
    ) -> Result<Policy, ConfigError> {
        let check = |rule: &str, s: &Strategy| {
            transformer.check(s).map_err(|source| ConfigError::Strategy {
                rule: rule.to_owned(),
                source,
            })
        };
        if config.paths.len() > MAX_PATH_RULES {
            return Err(ConfigError::TooManyPaths);
        }
        let mut rules = Vec::new();
        let mut paths = Vec::new();
        for p in &config.paths {
            check(&p.path, &p.action)?;
            paths.push(parse_pointer(&p.path)?);
            rules.push(Rule {
                name: p.path.clone(),
                action: p.action.clone(),
                fixed: fixed(&transformer, &p.path, &p.action),
            });
        }
        let mut keys = Vec::new();
        for k in &config.keys {
            if k.key.is_empty() {
                return Err(ConfigError::EmptyKey);
            }
            check(&k.key, &k.action)?;
            keys.push(KeyMatcher::compile(&k.key));
            rules.push(Rule {
                name: k.key.clone(),
                action: k.action.clone(),
                fixed: fixed(&transformer, &k.key, &k.action),
            });
        }
        let key_max_len = config
            .keys
            .iter()
            .map(|k| {
                if k.key.contains(['*']) {
                    usize::MAX
                } else {
                    k.key.len()
                }
            })
            .max()
            .unwrap_or(0);
        let d = &config.detectors;
        let redactor = if d.enabled {
            let scanner = match scanner {
                Some(s) => s,
                None => match &d.kinds {
                    None => Scanner::new(),
                    // An empty list reads as "all" elsewhere (methods,
                    // algorithms): refused rather than running nothing.
                    Some(names) if names.is_empty() => {
                        return Err(ConfigError::Invalid {
                            setting: "detectors.kinds",
                            why: "empty: leave it out for every kind, or set `enabled = false` for none",
                        });
                    }
                    Some(names) => {
                        let mut kinds = Vec::new();
                        for n in names {
                            kinds.push(Kind::from_name(n).ok_or_else(|| ConfigError::Kind(n.clone()))?);
                        }
                        Scanner::builder()
                            .only(kinds)
                            .build()
                            .map_err(|_| ConfigError::Invalid {
                                setting: "detectors.kinds",
                                why: "refused by the scanner",
                            })?
                    }
                },
            };
            let mut b = Redactor::builder()
                .default_strategy(d.default.clone())
                .transformer(transformer.clone());
            for (name, s) in &d.strategies {
                let kind = Kind::from_name(name)
                    .or_else(|| scanner.custom_id(name).map(Kind::Custom))
                    .ok_or_else(|| ConfigError::Kind(name.clone()))?;
                b = b.strategy(kind, s.clone());
            }
            Some(
                b.scanner(scanner)
                    .build()
                    .map_err(|source| ConfigError::Strategy {
                        rule: "detectors".to_owned(),
                        source,
                    })?,
            )
        } else {
            None
        };
        let l = config.limits;
        if l.max_depth == 0 || l.max_pending == 0 || l.text_window == 0 {
            return Err(ConfigError::Invalid {
                setting: "limits",
                why: "must be non-zero",
            });
        }
        let names = |xs: &[String]| -> Result<Vec<http::HeaderName>, ConfigError> {
            xs.iter()
                .map(|n| {
                    http::HeaderName::from_bytes(n.as_bytes()).map_err(|_| ConfigError::Invalid {
                        setting: "headers",
                        why: "not a header name",
                    })
                })
                .collect()
        };
        Ok(Policy {
            inner: Arc::new(Inner {
                id: {
                    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                },
                rules,
                paths,
                keys,
                redactor,
                key_max_len,
                numbers: d.numbers,
                transformer,
                header_redact: names(&config.headers.redact)?,
                header_allow: names(&config.headers.allow)?,
                headers: config.headers.clone(),
                content_types: config.content_types.clone(),
                limits: l,
                on_error: config.on_error,
            }),
        })
    }

    /// The memory caps in force.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Redacts a whole JSON document held in memory (tests, small bodies).
    /// Streaming callers use [`JsonRedactor`](crate::JsonRedactor).
    pub fn redact_json(&self, input: &[u8]) -> Result<Vec<u8>, crate::RedactError> {
        let mut r = crate::JsonRedactor::new(self.clone());
        let mut out = Vec::with_capacity(input.len());
        r.feed(input, &mut out)?;
        r.finish(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |p: &str, k: &str| KeyMatcher::compile(p).matches(k.as_bytes(), &mut Vec::new());
        assert!(m("password", "Password"));
        assert!(!m("password", "passwords"));
        assert!(m("*token*", "X-Refresh-TOKEN-v2"));
        assert!(!m("*token*", "tokn"));
        assert!(m("api_*", "api_key"));
        assert!(!m("api_*", "xapi_key"));
        assert!(m("*_id", "user_id"));
        assert!(m("s?n", "ssn"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
    }

    #[test]
    fn pointers() {
        assert!(parse_pointer("").is_err());
        assert!(parse_pointer("users").is_err());
        assert!(parse_pointer("/a~2").is_err());
        let p = parse_pointer("/a~1b/*/m~0n").unwrap();
        assert!(p[0].matches_key(b"a/b"));
        assert!(p[1].matches_index(7));
        assert!(p[2].matches_key(b"m~n"));
        assert!(parse_pointer("/x/3").unwrap()[1].matches_index(3));
        assert!(!parse_pointer("/x/3").unwrap()[1].matches_index(30));
    }

    #[test]
    fn bad_configs_are_refused() {
        assert!(matches!(
            Policy::builder()
                .key("ssn", Strategy::Pseudonymize { domain: None })
                .build(),
            Err(ConfigError::Strategy { .. })
        ));
        assert!(matches!(
            Policy::builder().key("", Strategy::Drop).build(),
            Err(ConfigError::EmptyKey)
        ));
        assert!(matches!(
            Policy::builder().path("a/b", Strategy::Drop).build(),
            Err(ConfigError::Path(_))
        ));
        let mut b = Policy::builder();
        for i in 0..=MAX_PATH_RULES {
            b = b.path(format!("/p{i}"), Strategy::Drop);
        }
        assert!(matches!(b.build(), Err(ConfigError::TooManyPaths)));
        let cfg: PolicyConfig = serde_json::from_str(r#"{"detectors":{"kinds":["nope"]}}"#).unwrap();
        assert!(matches!(
            Policy::from_config(&cfg, Transformer::new()),
            Err(ConfigError::Kind(_))
        ));
        let cfg: PolicyConfig = serde_json::from_str(r#"{"limits":{"max_depth":0}}"#).unwrap();
        assert!(matches!(
            Policy::from_config(&cfg, Transformer::new()),
            Err(ConfigError::Invalid {
                setting: "limits",
                ..
            })
        ));
        assert!(serde_json::from_str::<PolicyConfig>(r#"{"nope":1}"#).is_err());
        let cfg: PolicyConfig = serde_json::from_str(r#"{"headers":{"redact":["bad header"]}}"#).unwrap();
        assert!(matches!(
            Policy::from_config(&cfg, Transformer::new()),
            Err(ConfigError::Invalid {
                setting: "headers",
                ..
            })
        ));
    }
}
