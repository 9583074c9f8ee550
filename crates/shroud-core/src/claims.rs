//! Verified token claims and facts about the token they came from, shared by
//! the layer crates through request extensions.

use core::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The claims of a verified token: a JSON object with typed getters.
///
/// `shroud-jwt` puts a `Claims` into the request extensions once a token is
/// verified; the other layers (and handlers) read it from there. Cloning is
/// cheap (the map is shared).
///
/// `Debug` prints the claim *names* only, never their values, so a claim set
/// can be logged without leaking personal data.
///
/// ```
/// use shroud_core::Claims;
/// use serde_json::json;
///
/// let claims = Claims::try_from(json!({
///     "sub": "user-17", "iss": "https://id.example", "aud": ["api", "web"],
///     "exp": 1_900_000_000, "scope": "read:orders write:orders", "email": "jane@example.com",
/// }))
/// .unwrap();
/// assert_eq!(claims.sub(), Some("user-17"));
/// assert_eq!(claims.aud(), vec!["api", "web"]);
/// assert!(claims.has_scope("write:orders"));
/// let shown = format!("{claims:?}");
/// assert!(shown.contains("email") && !shown.contains("jane"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Claims {
    map: Arc<Map<String, Value>>,
}

/// Why claims did not deserialize into a type: a claim missing, unknown or
/// duplicated (named), or one of the wrong type or value (not named, and
/// its value never shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the claims do not have the requested shape: {0}")]
pub struct ClaimsShapeError(String);

impl ClaimsShapeError {
    fn from_serde(e: &serde_json::Error) -> Self {
        let m = e.to_string();
        // These messages name a field and hold no value.
        for safe in ["missing field `", "unknown field `", "duplicate field `"] {
            if let Some(rest) = m.strip_prefix(safe)
                && let Some(name) = rest.split('`').next()
            {
                return ClaimsShapeError(format!("{safe}{name}`"));
            }
        }
        ClaimsShapeError("a claim has the wrong type or value".to_owned())
    }
}

impl Claims {
    /// Wraps a JSON object.
    pub fn new(map: Map<String, Value>) -> Self {
        Claims { map: Arc::new(map) }
    }

    /// The claim `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// The claim `name` if it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.map.get(name).and_then(Value::as_str)
    }

    /// The claim `name` if it is an integer that fits `i64`.
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        self.map.get(name).and_then(Value::as_i64)
    }

    /// Whether the claim `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The subject (`sub`).
    pub fn sub(&self) -> Option<&str> {
        self.get_str("sub")
    }

    /// The issuer (`iss`).
    pub fn iss(&self) -> Option<&str> {
        self.get_str("iss")
    }

    /// The audiences (`aud`): a single string or an array of strings (other
    /// array members are skipped).
    pub fn aud(&self) -> Vec<&str> {
        string_or_list(self.map.get("aud"))
    }

    /// The expiry (`exp`) in seconds since the Unix epoch, if it is an integer.
    pub fn exp(&self) -> Option<i64> {
        numeric_date(self.map.get("exp"))
    }

    /// Not before (`nbf`) in seconds since the Unix epoch.
    pub fn nbf(&self) -> Option<i64> {
        numeric_date(self.map.get("nbf"))
    }

    /// Issued at (`iat`) in seconds since the Unix epoch.
    pub fn iat(&self) -> Option<i64> {
        numeric_date(self.map.get("iat"))
    }

    /// The scopes granted: the space-separated `scope` string (RFC 8693) and
    /// the members of an `scp` array or string, in that order.
    pub fn scopes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = match self.map.get("scope") {
            Some(Value::String(s)) => s.split(' ').filter(|s| !s.is_empty()).collect(),
            _ => Vec::new(),
        };
        match self.map.get("scp") {
            Some(Value::Array(items)) => out.extend(items.iter().filter_map(Value::as_str)),
            Some(Value::String(s)) => out.extend(s.split(' ').filter(|s| !s.is_empty())),
            _ => {}
        }
        out
    }

    /// Whether `scope` is among [`scopes`](Self::scopes).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().contains(&scope)
    }

    /// The roles granted: the `roles` claim, a string array or a single string.
    pub fn roles(&self) -> Vec<&str> {
        string_or_list(self.map.get("roles"))
    }

    /// Whether `role` is among [`roles`](Self::roles).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().contains(&role)
    }

    /// Deserializes the claims into `T`.
    ///
    /// The error names a missing or unknown claim, never a value (serde's
    /// own message for a wrong type quotes the value).
    ///
    /// ```
    /// use serde_json::json;
    /// use shroud_core::Claims;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Mine {
    ///     n: u32,
    /// }
    /// let c = Claims::try_from(json!({"n": "jane@example.com"}))?;
    /// let e = c.deserialize::<Mine>().unwrap_err();
    /// assert!(!e.to_string().contains("jane"));
    /// # Ok::<(), shroud_core::NotAnObject>(())
    /// ```
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ClaimsShapeError> {
        T::deserialize(&*self.map).map_err(|e| ClaimsShapeError::from_serde(&e))
    }

    /// The claim names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// The underlying JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The underlying JSON object, by value (clones only if it is shared).
    pub fn into_map(self) -> Map<String, Value> {
        Arc::unwrap_or_clone(self.map)
    }

    /// Number of claims.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no claims.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn string_or_list(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn numeric_date(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            // RFC 7519 NumericDate may carry a fraction; round down.
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("names", &NamesOnly(&self.map))
            .finish()
    }
}

struct NamesOnly<'a>(&'a Map<String, Value>);

impl fmt::Debug for NamesOnly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl From<Map<String, Value>> for Claims {
    fn from(map: Map<String, Value>) -> Self {
        Claims::new(map)
    }
}

/// The value was not a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("claims must be a JSON object")]
pub struct NotAnObject;

/// Where the request's token was read from, set per request by the JWT
/// layer (a request extension): a layer that forwards the request
/// upstream (shroud-anon's gateway) removes it, wherever the token came
/// from.
///
/// ```
/// use shroud_core::TokenCarrier;
///
/// let c = TokenCarrier::Cookie("session".into());
/// assert_eq!(c, TokenCarrier::Cookie("session".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenCarrier {
    /// The `Authorization` header (or gRPC `authorization` metadata).
    Authorization,
    /// The cookie of this name.
    Cookie(Arc<str>),
    /// The header of this name (lower case).
    Header(Arc<str>),
}

impl TryFrom<Value> for Claims {
    type Error = NotAnObject;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(map) => Ok(Claims::new(map)),
            _ => Err(NotAnObject),
        }
    }
}

/// What is known about the verified token besides its claims.
///
/// Put into the request extensions next to [`Claims`]. Holds no secret and
/// no claim value beyond the issuer and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The JWS algorithm that verified the signature (`"RS256"`, ...).
    pub alg: &'static str,
    /// The key id of the key that verified the token (for claims encrypted
    /// without a signature, of the key that decrypted them), if that key
    /// has one. Never the token's own `kid` header, which its sender
    /// chooses: a key without an id verifies tokens naming any.
    pub kid: Option<Arc<str>>,
    /// The issuer whose keys verified the token.
    pub issuer: Option<Arc<str>>,
    /// The expiry (`exp`), in seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// Whether the token arrived encrypted (JWE) and was decrypted first.
    pub encrypted: bool,
}

impl TokenInfo {
    /// Builds the facts about a token.
    pub fn new(
        alg: &'static str,
        kid: Option<Arc<str>>,
        issuer: Option<Arc<str>>,
        expires_at: Option<i64>,
        encrypted: bool,
    ) -> Self {
        TokenInfo {
            alg,
            kid,
            issuer,
            expires_at,
            encrypted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        Claims::try_from(v).unwrap()
    }

    #[test]
    fn getters() {
        let c = claims(json!({"sub": "a", "iss": "i", "aud": "x", "exp": 10, "nbf": 5.7, "iat": "no"}));
        assert_eq!(c.sub(), Some("a"));
        assert_eq!(c.iss(), Some("i"));
        assert_eq!(c.aud(), vec!["x"]);
        assert_eq!(c.exp(), Some(10));
        assert_eq!(c.nbf(), Some(5));
        assert_eq!(c.iat(), None);
        assert_eq!(c.get_i64("exp"), Some(10));
        assert!(c.contains("sub") && !c.contains("zzz"));
        assert_eq!(c.len(), 6);
    }

    #[test]
    fn scopes_from_scope_and_scp() {
        let c = claims(json!({"scope": " a  b ", "scp": ["c", 1, "d"]}));
        assert_eq!(c.scopes(), vec!["a", "b", "c", "d"]);
        assert!(c.has_scope("d") && !c.has_scope("e") && !c.has_scope(""));
        let c = claims(json!({"scope": ["not", "a", "string"]}));
        assert!(c.scopes().is_empty());
    }

    #[test]
    fn roles() {
        assert_eq!(
            claims(json!({"roles": ["admin", "ops"]})).roles(),
            vec!["admin", "ops"]
        );
        assert_eq!(claims(json!({"roles": "admin"})).roles(), vec!["admin"]);
        assert!(!claims(json!({"roles": 3})).has_role("admin"));
    }

    #[test]
    fn deserialize_typed() {
        #[derive(Debug, serde::Deserialize)]
        struct Mine {
            sub: String,
            n: u32,
        }
        let c = claims(json!({"sub": "s", "n": 4, "other": true}));
        let m: Mine = c.deserialize().unwrap();
        assert_eq!((m.sub.as_str(), m.n), ("s", 4));
        let err = c.deserialize::<Vec<u8>>().unwrap_err().to_string();
        assert!(!err.contains("\"s\""));
        // A wrong type: serde's message would quote the value.
        let c = claims(json!({"sub": "jane@example.com", "n": "jane@example.com"}));
        let err = c.deserialize::<Mine>().unwrap_err().to_string();
        assert!(!err.contains("jane"), "{err}");
        // A missing claim is named.
        let c = claims(json!({"sub": "s"}));
        let err = c.deserialize::<Mine>().unwrap_err().to_string();
        assert!(err.contains("missing field `n`"), "{err}");
    }

    #[test]
    fn debug_prints_names_only() {
        let c = claims(json!({"email": "jane@example.com", "sub": "secret-subject"}));
        let s = format!("{c:?}");
        assert!(s.contains("email") && s.contains("sub"));
        assert!(!s.contains("jane") && !s.contains("secret-subject"), "{s}");
    }

    #[test]
    fn non_object_refused() {
        assert_eq!(Claims::try_from(json!([1])), Err(NotAnObject));
    }
}
