//! [`AnonymizedClaims`]: the claims a handler sees.

use core::fmt;
use std::ops::Deref;

use serde_json::{Map, Value};
use shroud_core::Claims;

/// The verified claims after the [`AnonPolicy`](crate::AnonPolicy): what
/// handlers, upstreams and logs get instead of the raw [`Claims`].
///
/// It has the reading API of [`Claims`] (through `Deref`), and a type of its
/// own so that code asking for anonymized claims cannot be handed raw ones by
/// mistake. `Debug` prints the claim names only.
///
/// ```
/// use serde_json::json;
/// use shroud_anon::AnonymizedClaims;
/// use shroud_core::Claims;
///
/// let claims = AnonymizedClaims::new(Claims::try_from(json!({"sub": "ps1.k1.x", "scope": "read"})).unwrap());
/// assert_eq!(claims.sub(), Some("ps1.k1.x"));
/// assert!(claims.has_scope("read"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct AnonymizedClaims(Claims);

impl AnonymizedClaims {
    /// Wraps claims that are already anonymized.
    pub fn new(claims: Claims) -> Self {
        AnonymizedClaims(claims)
    }

    /// The claims.
    pub fn as_claims(&self) -> &Claims {
        &self.0
    }

    /// The claims, by value.
    pub fn into_claims(self) -> Claims {
        self.0
    }
}

impl Deref for AnonymizedClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

impl From<Map<String, Value>> for AnonymizedClaims {
    fn from(map: Map<String, Value>) -> Self {
        AnonymizedClaims(Claims::new(map))
    }
}

impl fmt::Debug for AnonymizedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AnonymizedClaims").field(&self.0).finish()
    }
}
