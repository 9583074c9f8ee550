//! One serde model for the whole stack: TOML, JSON or YAML.
//!
//! [`Config`] is read with [`Config::from_toml`], [`Config::from_json`],
//! [`Config::from_yaml`] or [`Config::from_file`] (format by extension), and
//! turned into layers by [`Stack::from_config`](crate::Stack::from_config).
//! Every struct refuses unknown keys. Every error names the key path it is
//! about (`jwt.issuers[0].keys[1].file: ...`) and never echoes a secret or a
//! claim value, so a mistyped secret does not end up in a log (a key pasted
//! where a file path or variable name goes is not shown either).
//!
//! The reference of every option with its default is `docs/configuration.md`;
//! its full example is `examples/config/default.toml`, which the test suite
//! parses and builds.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A configuration mistake: the key path and what is wrong with it.
///
/// The message never holds a value from the configuration (secrets and keys
/// are configured here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    path: String,
    message: String,
}

impl ConfigError {
    /// An error about the key at `path` (dotted, with `[i]` for list items).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut path = path.into();
        if path.is_empty() {
            // A parser error before any key (YAML `?`): the document itself.
            path.push('.');
        }
        ConfigError {
            path,
            message: message.into(),
        }
    }

    /// The key path, `jwt.issuers[0].jwks_url`; `.` for the document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The whole stack's configuration. Each section is optional: a missing
/// section leaves its layer out of the [`Stack`](crate::Stack).
///
/// ```
/// let config = shroud::Config::from_toml(r#"
///     [jwt]
///     [[jwt.issuers]]
///     issuer = "https://id.example"
///     keys = [{ format = "hmac", alg = "HS256", value = "base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" }]
///
///     [redact]
///     keys = [{ key = "password", action = "drop" }]
/// "#)?;
/// let stack = shroud::Stack::from_config(&config)?;
/// # let _ = stack;
/// # Ok::<(), shroud::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Keys of the PII strategies (pseudonyms, reversible encryption), used
    /// by the `anonymize` and `redact` policies.
    #[serde(default)]
    pub keys: KeysConfig,
    /// JWT verification and authorization. Without it, no token is checked.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub jwt: Option<JwtConfig>,
    /// Claim anonymization (`shroud_anon::PolicyConfig`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub anonymize: Option<shroud_anon::PolicyConfig>,
    /// Response redaction (`shroud_redact::PolicyConfig`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub redact: Option<shroud_redact::PolicyConfig>,
    /// PII-safe request spans.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub trace: Option<TraceConfig>,
}

/// A section that is written must hold a table: `jwt:` left empty in YAML
/// (or `"jwt": null` in JSON) is refused rather than read as "no JWT layer",
/// which would leave the API open. Only a section that is absent is off.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Secret keys of the PII strategies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// The pseudonymization key (`pseudonymize` actions, caller pseudonyms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<SecretConfig>,
    /// The encryption key (`encrypt` actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<SecretConfig>,
}

/// A 256-bit secret: exactly one of `value`, `file`, `env` or `generate`.
/// `value`, the file and the variable hold `base64:...` or `hex:...`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretConfig {
    /// The key id embedded in pseudonyms and ciphertexts (rotation).
    pub id: String,
    /// The encoded key inline (tests only: config files get copied around).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A file holding the encoded key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// An environment variable holding the encoded key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// A fresh random key at every start (development: pseudonyms change on
    /// restart).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generate: bool,
}

impl fmt::Debug for SecretConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretConfig")
            .field("id", &self.id)
            .field("value", &self.value.as_ref().map(|_| "[secret]"))
            .field("file", &self.file)
            .field("env", &self.env)
            .field("generate", &self.generate)
            .finish()
    }
}

/// JWT verification (signed and encrypted tokens) and authorization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// The `realm` of `WWW-Authenticate` challenges.
    #[serde(default = "default_realm")]
    pub realm: String,
    /// Where tokens are read from: `"bearer"`, `"grpc"`, `"cookie:NAME"`,
    /// `"header:NAME"`.
    #[serde(default = "default_sources")]
    pub sources: Vec<String>,
    /// Requests without a token pass unauthenticated (a token that is present
    /// must still verify).
    #[serde(default)]
    pub optional: bool,
    /// The trusted issuers and their keys.
    #[serde(default)]
    pub issuers: Vec<IssuerConfig>,
    /// Claim validation.
    #[serde(default)]
    pub validation: ValidationConfig,
    /// The verified-token cache.
    #[serde(default)]
    pub cache: CacheConfig,
    /// Encrypted tokens (JWE).
    #[serde(default)]
    pub encryption: EncryptionConfig,
    /// Authorization rules, first match wins.
    #[serde(default)]
    pub authorization: Vec<AuthzRuleConfig>,
}

fn default_realm() -> String {
    "api".to_owned()
}

fn default_sources() -> Vec<String> {
    vec!["bearer".to_owned()]
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            realm: default_realm(),
            sources: default_sources(),
            optional: false,
            issuers: Vec::new(),
            validation: ValidationConfig::default(),
            cache: CacheConfig::default(),
            encryption: EncryptionConfig::default(),
            authorization: Vec::new(),
        }
    }
}

/// A trusted issuer.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The `iss` value; `"*"` trusts any `iss` signed by these keys.
    pub issuer: String,
    /// Audiences accepted for this issuer; when set, they replace
    /// `jwt.validation.audiences` for its tokens.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Static verification keys.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// A JWKS URL kept fresh in the background (feature `jwks-http`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// Options of the JWKS fetcher.
    #[serde(default)]
    pub jwks: JwksConfig,
}

/// Shows the JWKS URL without user information, query or fragment (a
/// signed URL's token, say), as the fetcher's logs do.
impl fmt::Debug for IssuerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerConfig")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("keys", &self.keys)
            .field("jwks_url", &self.jwks_url.as_deref().map(url_for_logs))
            .field("jwks", &self.jwks)
            .finish()
    }
}

/// `url` without user information, query or fragment.
fn url_for_logs(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// Options of a remote JWKS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwksConfig {
    /// Refresh interval when the response has no `Cache-Control`, seconds.
    #[serde(default = "default_jwks_ttl")]
    pub ttl_secs: u64,
    /// Timeout of one fetch, seconds.
    #[serde(default = "default_jwks_timeout")]
    pub timeout_secs: u64,
    /// Allow `http://` to a loopback host (`localhost`, `127.0.0.0/8`,
    /// `[::1]`); plain http to any other host is refused.
    #[serde(default)]
    pub allow_http: bool,
}

fn default_jwks_ttl() -> u64 {
    300
}

fn default_jwks_timeout() -> u64 {
    5
}

impl Default for JwksConfig {
    fn default() -> Self {
        JwksConfig {
            ttl_secs: default_jwks_ttl(),
            timeout_secs: default_jwks_timeout(),
            allow_http: false,
        }
    }
}

/// How a key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    /// A PEM public key or certificate; `alg` is required.
    Pem,
    /// One JWK (its `alg` member, or `alg` here).
    Jwk,
    /// A JWKS document (`{"keys": [...]}`).
    Jwks,
    /// An HMAC secret, `base64:...` or `hex:...`; `alg` is required.
    Hmac,
}

/// A verification key: its format and exactly one of `value`, `file`, `env`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// How the key is encoded.
    pub format: KeyFormat,
    /// The algorithm (`RS256`, `ES256`, `EdDSA`, `HS256`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The key id to match against the token's `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// For a `dir` decryption key: the content encryption it serves
    /// (`A128CBC-HS256`, ...; by default the one its length names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enc: Option<String>,
    /// The key inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A file holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// An environment variable holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyConfig")
            .field("format", &self.format)
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("enc", &self.enc)
            .field("value", &self.value.as_ref().map(|_| "[key]"))
            .field("file", &self.file)
            .field("env", &self.env)
            .finish()
    }
}

/// Claim validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationConfig {
    /// Clock skew allowed on `exp`, `nbf`, `iat`, seconds (at most 300).
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// Accepted audiences. Empty (and no list on the token's issuer): a
    /// token carrying `aud` is refused, unless `any_audience` is set;
    /// tokens without `aud` pass.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// With no audience configured, accept tokens whatever their `aud`.
    /// Only for a service that is the sole audience of its issuers' tokens.
    #[serde(default)]
    pub any_audience: bool,
    /// Claims every token must carry.
    #[serde(default)]
    pub required_claims: Vec<String>,
    /// The required `typ` header (`JWT`, `at+jwt`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Whether `exp` is required.
    #[serde(default = "yes")]
    pub require_exp: bool,
    /// Token size cap in bytes, checked before any decoding (1 to 1 MiB).
    #[serde(default = "default_max_token_len")]
    pub max_token_len: usize,
    /// Algorithm allow-list (empty: every algorithm the keys can verify).
    #[serde(default)]
    pub algorithms: Vec<String>,
}

fn default_leeway() -> u64 {
    shroud_jwt::DEFAULT_LEEWAY.as_secs()
}

fn default_max_token_len() -> usize {
    shroud_jwt::DEFAULT_MAX_TOKEN_LEN
}

fn yes() -> bool {
    true
}

impl Default for ValidationConfig {
    fn default() -> Self {
        ValidationConfig {
            leeway_secs: default_leeway(),
            audiences: Vec::new(),
            any_audience: false,
            required_claims: Vec::new(),
            typ: None,
            require_exp: true,
            max_token_len: default_max_token_len(),
            algorithms: Vec::new(),
        }
    }
}

/// The verified-token cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Tokens kept verified (0 disables the cache).
    #[serde(default = "default_cache_entries")]
    pub entries: usize,
}

fn default_cache_entries() -> usize {
    4096
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            entries: default_cache_entries(),
        }
    }
}

/// Encrypted tokens (nested JWE: a signed token encrypted to this service).
///
/// With `decryption_keys`, encrypted tokens are decrypted and their inner
/// signed token verified as usual; without, every encrypted token is
/// refused (`invalid_token`). `require_encryption` refuses signed-only
/// tokens and needs `decryption_keys`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionConfig {
    /// Refuse tokens that are not encrypted.
    #[serde(default)]
    pub require_encryption: bool,
    /// Keys that decrypt tokens: `jwk` (a private JWK; `alg` from it or set
    /// here), `jwks`, or `hmac` (a symmetric secret for `alg` such as
    /// `A256KW` or `dir`).
    #[serde(default)]
    pub decryption_keys: Vec<KeyConfig>,
}

/// An authorization rule: requests whose path starts with `path_prefix`
/// (and whose method is listed, if `methods` is not empty) need every scope
/// in `scopes`, one of `any_scopes` (if not empty) and every role in
/// `roles`. The first matching rule decides; a request no rule matches only
/// needs a valid token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthzRuleConfig {
    /// The path prefix, matched on whole segments (`/admin` matches
    /// `/admin` and `/admin/x`, not `/administrator`). gRPC paths are
    /// `/package.Service/Method`.
    pub path_prefix: String,
    /// HTTP methods (empty: all).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Scopes all required.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Scopes of which one is required.
    #[serde(default)]
    pub any_scopes: Vec<String>,
    /// Roles all required.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// PII-safe request spans (tower-http `TraceLayer` with shroud's
/// `MakeSpan`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceConfig {
    /// Field names (globs) redacted in addition to
    /// `shroud_trace::DEFAULT_SENSITIVE_FIELDS`.
    #[serde(default)]
    pub sensitive_fields: Vec<String>,
}

impl TraceConfig {
    /// The tracing policy of this section: the default sensitive field
    /// names plus `sensitive_fields`. Request spans hold no free-form
    /// fields; this policy is for the [`RedactingLayer`] around your log
    /// sink, so that its field-name rules are the configured ones.
    ///
    /// [`RedactingLayer`]: shroud_trace::RedactingLayer
    ///
    /// ```
    /// use shroud::Config;
    ///
    /// let config = Config::from_toml("[trace]\nsensitive_fields = [\"address*\"]\n")?;
    /// let policy = config.trace.as_ref().map(|t| t.policy()).unwrap_or_default();
    /// assert!(policy.is_sensitive("address_line"));
    /// assert!(policy.is_sensitive("password"), "the defaults stay");
    /// use tracing_subscriber::prelude::*;
    /// let subscriber = tracing_subscriber::registry()
    ///     .with(shroud::trace::RedactingLayer::with_policy(tracing_subscriber::fmt::layer(), policy));
    /// # drop(subscriber);
    /// # Ok::<(), shroud::ConfigError>(())
    /// ```
    pub fn policy(&self) -> shroud_trace::TracePolicy {
        self.sensitive_fields
            .iter()
            .fold(shroud_trace::TracePolicy::builder(), |b, f| {
                b.sensitive_field(f.clone())
            })
            .build()
    }
}

/// The formats [`Config::from_file`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
}

/// Largest configuration file read.
pub const MAX_CONFIG_LEN: u64 = 1 << 20;

impl Config {
    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| ConfigError::new(".", toml_message(&e)))?;
        serde_path_to_error::deserialize(de)
            .map_err(|e| ConfigError::new(e.path().to_string(), toml_message(e.inner())))
    }

    /// Parses JSON.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let config: Config = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| ConfigError::new(e.path().to_string(), scrub(&e.inner().to_string())))?;
        de.end()
            .map_err(|e| ConfigError::new(".", scrub(&e.to_string())))?;
        Ok(config)
    }

    /// Parses YAML.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        let de = serde_yaml_ng::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de)
            .map_err(|e| ConfigError::new(e.path().to_string(), scrub(&e.inner().to_string())))
    }

    /// Parses `text` as `format`.
    pub fn parse(text: &str, format: Format) -> Result<Config, ConfigError> {
        match format {
            Format::Toml => Config::from_toml(text),
            Format::Json => Config::from_json(text),
            Format::Yaml => Config::from_yaml(text),
        }
    }

    /// Reads a file, its format chosen by its extension (`.toml`, `.json`,
    /// `.yaml`, `.yml`). Relative `file` paths inside it stay relative to
    /// the working directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Format::Toml,
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            _ => {
                return Err(ConfigError::new(
                    ".",
                    "config file must end in .toml, .json, .yaml or .yml",
                ));
            }
        };
        let text = read_bounded(path, MAX_CONFIG_LEN).map_err(|e| ConfigError::new(".", e))?;
        Config::parse(&text, format)
    }
}

/// Reads a UTF-8 file of at most `max` bytes.
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open file: {}", e.kind()))?;
    let mut text = String::new();
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read file: {}", e.kind()))?;
    if text.len() as u64 > max {
        return Err(format!("file larger than {max} bytes"));
    }
    Ok(text)
}

fn toml_message(e: &toml::de::Error) -> String {
    scrub(e.message())
}

/// Removes values from a parser message: serde quotes offending values
/// (`invalid type: string "..."`, `unknown variant \`...\``), and a value
/// may be a secret. Escaped characters inside quotes never end the quote.
fn scrub(message: &str) -> String {
    const VARIANT: &str = "unknown variant `";
    let mut out = String::with_capacity(message.len());
    let mut chars = message.char_indices();
    let mut in_quote = false;
    while let Some((i, c)) = chars.next() {
        if in_quote {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_quote = false,
                _ => {}
            }
        } else if c == '"' {
            out.push_str("\"…\"");
            in_quote = true;
        } else if message[i..].starts_with(VARIANT) {
            out.push_str("unknown variant `…`");
            // Skip the variant text up to its closing backtick.
            for _ in 0..VARIANT.len() - 1 {
                chars.next();
            }
            for (_, c) in chars.by_ref() {
                if c == '`' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg_attr(not(feature = "jwks-http"), allow(dead_code))]
impl JwksConfig {
    pub(crate) fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl_secs)
    }

    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_a_jwks_url_without_credentials_or_query() {
        let c = IssuerConfig {
            issuer: "https://id.example".into(),
            jwks_url: Some("https://u:p4ss@id.example:8443/keys.json?sig=s3cr3t#frag".into()),
            ..IssuerConfig::default()
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("https://id.example:8443/keys.json"), "{shown}");
        for hidden in ["p4ss", "s3cr3t", "frag", "u:"] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
        assert_eq!(url_for_logs("no scheme?q=1"), "no scheme");
    }

    #[test]
    fn scrub_removes_quoted_values() {
        assert_eq!(
            scrub(r#"invalid type: string "hunter2", expected u64"#),
            r#"invalid type: string "…", expected u64"#
        );
        assert_eq!(scrub("unknown field `x`"), "unknown field `x`");
        // An escaped quote does not end the quoted value.
        assert_eq!(
            scrub(r#"invalid type: string "ab\"cd-secret", expected u64"#),
            r#"invalid type: string "…", expected u64"#
        );
        // A variant is a value of the file: never shown.
        assert_eq!(
            scrub("unknown variant `hunter2`, expected one of `pem`, `jwk`"),
            "unknown variant `…`, expected one of `pem`, `jwk`"
        );
    }

    #[test]
    fn debug_hides_inline_secrets() {
        let s = SecretConfig {
            id: "k1".into(),
            value: Some("base64:c2VjcmV0".into()),
            ..SecretConfig::default()
        };
        assert!(!format!("{s:?}").contains("c2VjcmV0"));
        let k = KeyConfig {
            format: KeyFormat::Hmac,
            alg: Some("HS256".into()),
            kid: None,
            enc: None,
            value: Some("hex:00112233".into()),
            file: None,
            env: None,
        };
        assert!(!format!("{k:?}").contains("00112233"));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        let e = Config::from_toml("[jwt]\nrelam = \"x\"\n").unwrap_err();
        assert_eq!(e.path(), "jwt.relam");
        assert!(e.message().contains("unknown field"), "{e}");
        let e = Config::from_json(r#"{"jwt":{"issuers":[{"issuer":"a","jwks_uri":"x"}]}}"#).unwrap_err();
        assert_eq!(e.path(), "jwt.issuers[0].jwks_uri");
        let e = Config::from_yaml("trace:\n  sensitive_fields: 3\n").unwrap_err();
        assert_eq!(e.path(), "trace.sensitive_fields");
    }

    #[test]
    fn parse_errors_do_not_echo_values() {
        let e = Config::from_json(r#"{"keys":{"pseudonym":{"id":"k","value":17}}}"#).unwrap_err();
        assert_eq!(e.path(), "keys.pseudonym.value");
        let e = Config::from_toml("[jwt]\nrealm = 5\n").unwrap_err();
        assert_eq!(e.path(), "jwt.realm");
        let e = Config::from_toml("[jwt.validation]\nleeway_secs = \"hunter2secret\"\n").unwrap_err();
        assert_eq!(e.path(), "jwt.validation.leeway_secs");
        assert!(!e.to_string().contains("hunter2secret"), "{e}");
    }
}
