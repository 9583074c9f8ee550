//! The policy at the mint side: [`AnonPolicy`] as a
//! [`ClaimsTransform`] for `shroud_jwt::Issuer`.

use serde_json::{Map, Value};
use shroud_jwt::{ClaimsTransform, IssuerBuilder, TransformError};

use crate::AnonPolicy;

/// Applies the policy in place, as [`AnonPolicy::apply_in_place`] does.
///
/// The policy never fails: a strategy that cannot handle a value writes the
/// redaction text (fail closed), so no raw value can slip through an error.
impl ClaimsTransform for AnonPolicy {
    fn transform(&self, claims: &mut Map<String, Value>) -> Result<(), TransformError> {
        self.apply_in_place(claims);
        Ok(())
    }
}

/// Anonymization for [`shroud_jwt::Issuer`]: tokens carry the policy's
/// output, never the raw claims.
///
/// ```
/// use serde_json::json;
/// use shroud_anon::{AnonPolicy, AnonymizeIssuer, DefaultAction};
/// use shroud_core::{Pseudonymizer, SecretKey, Strategy};
/// use shroud_jwt::{Algorithm, Issuer, SigningKey};
///
/// let policy = AnonPolicy::builder()
///     .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32])?))
///     .default_action(DefaultAction::Drop)
///     .claim("sub", Strategy::Pseudonymize { domain: Some("person".into()) })
///     .build()?;
/// let issuer = Issuer::builder()
///     .signing_key(SigningKey::hmac(b"a-shared-secret-of-32-bytes-min!", Algorithm::HS256)?)
///     .anonymize_with(policy)
///     .build()?;
/// let token = issuer.mint(&json!({"sub": "248289761001", "email": "jane@example.com"}))?;
///
/// use base64::Engine as _;
/// let payload = token.split('.').nth(1).unwrap();
/// let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
/// let claims: serde_json::Value = serde_json::from_slice(&payload)?;
/// assert!(claims["sub"].as_str().unwrap().starts_with("ps1.k2026."));
/// assert!(claims.get("email").is_none()); // allow-list mode dropped it
/// assert!(claims["exp"].is_i64()); // the issuer's own claims are added after
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait AnonymizeIssuer: Sized {
    /// Runs `policy` over the caller's claims before the issuer adds its
    /// registered claims and signs.
    #[must_use]
    fn anonymize_with(self, policy: AnonPolicy) -> Self;
}

impl AnonymizeIssuer for IssuerBuilder {
    fn anonymize_with(self, policy: AnonPolicy) -> Self {
        self.transform(policy)
    }
}
