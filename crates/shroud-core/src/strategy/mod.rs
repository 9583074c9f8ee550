//! What a finding or a claim becomes: [`Strategy`] and the [`Transformer`]
//! that applies it with the keys it needs.

mod encrypt;
mod generalize;
mod mask;
mod pseudonym;

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use encrypt::{CIPHERTEXT_PREFIX, DecryptError, EncryptError, EncryptionMode, Encryptor, MAX_PLAINTEXT};
pub use generalize::{Generalize, GeneralizeError};
pub use mask::Mask;
pub use pseudonym::{DomainPseudonymizer, PSEUDONYM_PREFIX, Pseudonym, Pseudonymizer};

/// The replacement text when none is configured and the kind is unknown.
pub const REDACTED: &str = "[REDACTED]";

/// What a value becomes.
///
/// In configuration files a strategy is a table with an `action`:
///
/// ```
/// use shroud_core::{EncryptionMode, Strategy};
///
/// let s: Strategy = serde_json::from_str(r#"{"action":"pseudonymize","domain":"person"}"#).unwrap();
/// assert_eq!(s, Strategy::Pseudonymize { domain: Some("person".into()) });
/// let e: Strategy = serde_json::from_str(r#"{"action":"encrypt","mode":"randomized"}"#).unwrap();
/// assert_eq!(e, Strategy::Encrypt { mode: EncryptionMode::Randomized, domain: None });
/// let r: Strategy = serde_json::from_str(r#"{"action":"redact"}"#).unwrap();
/// assert_eq!(r, Strategy::Redact { text: None });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", try_from = "StrategyForm")]
#[non_exhaustive]
pub enum Strategy {
    /// Leave the value as it is.
    Keep,
    /// Replace the value by fixed text: `text`, or `[REDACTED:<kind>]` when the
    /// kind is known, else `[REDACTED]`.
    Redact {
        /// The replacement text.
        #[serde(default)]
        text: Option<String>,
    },
    /// Hide most of the value (see [`Mask`]).
    Mask(#[serde(default)] Mask),
    /// Replace the value by its keyed pseudonym (see [`Pseudonymizer`]).
    Pseudonymize {
        /// The pseudonym domain; by default the field's own (claim name or
        /// kind), so the same value in two fields is not linkable. Give two
        /// fields one domain to link them.
        #[serde(default)]
        domain: Option<String>,
    },
    /// Replace the value by a ciphertext holders of the key can reverse (see
    /// [`Encryptor`]).
    Encrypt {
        /// Deterministic (default) or randomized.
        #[serde(default)]
        mode: EncryptionMode,
        /// The domain bound to the ciphertext; by default the field's own.
        #[serde(default)]
        domain: Option<String>,
    },
    /// Replace the value by the class it falls in (see [`Generalize`]).
    Generalize(Generalize),
    /// Remove the value (and, for claims and JSON members, its key).
    Drop,
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy::Redact { text: None }
    }
}

/// The configuration form of a [`Strategy`], checked. serde's
/// `deny_unknown_fields` does not reach the unit variants of an internally
/// tagged enum (serde-rs/serde#2123): `{action = "keep", domain = "x"}`
/// would pass, the stray key ignored. The table is read whole, keys beside
/// `keep` and `drop` are refused, and the rest is read by the derived form.
#[derive(Deserialize)]
#[serde(transparent)]
struct StrategyForm(serde_json::Map<String, serde_json::Value>);

#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum CheckedForm {
    Keep,
    Redact {
        #[serde(default)]
        text: Option<String>,
    },
    Mask(#[serde(default)] Mask),
    Pseudonymize {
        #[serde(default)]
        domain: Option<String>,
    },
    Encrypt {
        #[serde(default)]
        mode: EncryptionMode,
        #[serde(default)]
        domain: Option<String>,
    },
    Generalize(Generalize),
    Drop,
}

impl TryFrom<StrategyForm> for Strategy {
    type Error = String;

    fn try_from(StrategyForm(map): StrategyForm) -> Result<Self, String> {
        if let Some(serde_json::Value::String(action)) = map.get("action")
            && matches!(action.as_str(), "keep" | "drop")
            && let Some(extra) = map.keys().find(|k| *k != "action")
        {
            return Err(format!("unknown field `{extra}`: `{action}` takes no settings"));
        }
        let form: CheckedForm =
            serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())?;
        Ok(match form {
            CheckedForm::Keep => Strategy::Keep,
            CheckedForm::Redact { text } => Strategy::Redact { text },
            CheckedForm::Mask(m) => Strategy::Mask(m),
            CheckedForm::Pseudonymize { domain } => Strategy::Pseudonymize { domain },
            CheckedForm::Encrypt { mode, domain } => Strategy::Encrypt { mode, domain },
            CheckedForm::Generalize(g) => Strategy::Generalize(g),
            CheckedForm::Drop => Strategy::Drop,
        })
    }
}

/// What applying a strategy gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Leave the value as it is.
    Keep,
    /// Put this in its place.
    Replace(Cow<'a, str>),
    /// Remove it.
    Drop,
}

/// A strategy that cannot be applied as configured. Raised at construction,
/// never per value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// `pseudonymize` needs a pseudonymization key.
    #[error("`pseudonymize` needs a pseudonymization key")]
    NoPseudonymKey,
    /// `encrypt` needs an encryption key.
    #[error("`encrypt` needs an encryption key")]
    NoEncryptionKey,
    /// A generalization's parameters are out of range.
    #[error(transparent)]
    Generalize(#[from] GeneralizeError),
}

/// Where a value sits: names its pseudonym/encryption domain and the label of
/// `[REDACTED:<label>]`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The domain a pseudonym or ciphertext is bound to (claim name, JSON key,
    /// kind name) unless the strategy names its own.
    pub domain: &'a str,
    /// The kind label for `[REDACTED:<label>]`, when known.
    pub label: Option<&'a str>,
}

/// Applies [`Strategy`]s with the keys they need. Cheap to clone.
///
/// ```
/// use shroud_core::{Outcome, Pseudonymizer, SecretKey, Strategy, Target, Transformer};
///
/// let t = Transformer::new().with_pseudonymizer(Pseudonymizer::new(SecretKey::new("k1", [1u8; 32])?));
/// let target = Target { domain: "email", label: Some("email") };
/// let Outcome::Replace(p) = t.apply(&Strategy::Pseudonymize { domain: None }, target, "jane@example.com") else {
///     unreachable!()
/// };
/// assert!(p.starts_with("ps1.k1."));
/// assert_eq!(
///     t.apply(&Strategy::default(), target, "jane@example.com"),
///     Outcome::Replace("[REDACTED:email]".into())
/// );
/// # Ok::<(), shroud_core::KeyError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Transformer {
    pseudonymizer: Option<Arc<Pseudonymizer>>,
    encryptor: Option<Arc<Encryptor>>,
}

impl Transformer {
    /// A transformer with no keys: `pseudonymize` and `encrypt` are refused by
    /// [`check`](Self::check).
    pub fn new() -> Transformer {
        Transformer::default()
    }

    /// Adds the pseudonymization keys.
    #[must_use]
    pub fn with_pseudonymizer(mut self, p: Pseudonymizer) -> Transformer {
        self.pseudonymizer = Some(Arc::new(p));
        self
    }

    /// Adds the encryption keys.
    #[must_use]
    pub fn with_encryptor(mut self, e: Encryptor) -> Transformer {
        self.encryptor = Some(Arc::new(e));
        self
    }

    /// The pseudonymizer, if any.
    pub fn pseudonymizer(&self) -> Option<&Pseudonymizer> {
        self.pseudonymizer.as_deref()
    }

    /// The encryptor, if any.
    pub fn encryptor(&self) -> Option<&Encryptor> {
        self.encryptor.as_deref()
    }

    /// Whether `strategy` can be applied with the keys held.
    pub fn check(&self, strategy: &Strategy) -> Result<(), StrategyError> {
        match strategy {
            Strategy::Pseudonymize { .. } if self.pseudonymizer.is_none() => {
                Err(StrategyError::NoPseudonymKey)
            }
            Strategy::Encrypt { .. } if self.encryptor.is_none() => Err(StrategyError::NoEncryptionKey),
            Strategy::Generalize(g) => Ok(g.validate()?),
            _ => Ok(()),
        }
    }

    /// Applies `strategy` to `value`.
    ///
    /// Fails closed: a strategy that cannot handle this value (generalizing a
    /// value that is not an IP or a date, a missing key, a value too large to
    /// encrypt) gives the redaction text instead of the value.
    pub fn apply<'v>(&self, strategy: &Strategy, target: Target<'_>, value: &'v str) -> Outcome<'v> {
        match strategy {
            Strategy::Keep => Outcome::Keep,
            Strategy::Drop => Outcome::Drop,
            Strategy::Redact { text } => Outcome::Replace(redaction(text.as_deref(), target)),
            Strategy::Mask(m) => Outcome::Replace(Cow::Owned(m.apply(value))),
            Strategy::Pseudonymize { domain } => match &self.pseudonymizer {
                Some(p) => Outcome::Replace(Cow::Owned(
                    p.pseudonymize(domain.as_deref().unwrap_or(target.domain), value.as_bytes()),
                )),
                None => Outcome::Replace(redaction(None, target)),
            },
            Strategy::Encrypt { mode, domain } => {
                let d = domain.as_deref().unwrap_or(target.domain);
                match self
                    .encryptor
                    .as_ref()
                    .map(|e| e.encrypt(d, value.as_bytes(), *mode))
                {
                    Some(Ok(c)) => Outcome::Replace(Cow::Owned(c)),
                    _ => Outcome::Replace(redaction(None, target)),
                }
            }
            Strategy::Generalize(g) => match g.apply(value) {
                Ok(v) => Outcome::Replace(Cow::Owned(v)),
                Err(_) => Outcome::Replace(redaction(None, target)),
            },
        }
    }
}

fn redaction<'v>(text: Option<&str>, target: Target<'_>) -> Cow<'v, str> {
    match (text, target.label) {
        (Some(t), _) => Cow::Owned(t.to_owned()),
        (None, Some(label)) => match builtin_label(label) {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(format!("[REDACTED:{label}]")),
        },
        (None, None) => Cow::Borrowed(REDACTED),
    }
}

/// `[REDACTED:<kind>]` for the built-in kinds, without allocating.
fn builtin_label(label: &str) -> Option<&'static str> {
    Some(match label {
        "private_key" => "[REDACTED:private_key]",
        "jwe" => "[REDACTED:jwe]",
        "jwt" => "[REDACTED:jwt]",
        "aws_key" => "[REDACTED:aws_key]",
        "api_key" => "[REDACTED:api_key]",
        "bearer" => "[REDACTED:bearer]",
        "basic_auth" => "[REDACTED:basic_auth]",
        "iban" => "[REDACTED:iban]",
        "card" => "[REDACTED:card]",
        "ssn" => "[REDACTED:ssn]",
        "email" => "[REDACTED:email]",
        "ipv6" => "[REDACTED:ipv6]",
        "ipv4" => "[REDACTED:ipv4]",
        "phone" => "[REDACTED:phone]",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::builtin_label;
    use crate::Kind;

    #[test]
    fn every_builtin_kind_has_a_static_label() {
        for k in Kind::BUILTIN {
            assert_eq!(
                builtin_label(k.name()),
                Some(format!("[REDACTED:{}]", k.name()).as_str())
            );
        }
        assert_eq!(builtin_label("employee_id"), None);
    }

    /// Every key of a strategy's table is known, `keep` and `drop`
    /// included (which serde's derive alone lets through).
    #[test]
    fn unknown_keys_are_refused_for_every_action() {
        use super::{Generalize, Mask, Strategy};
        let parse = |json: &str| serde_json::from_str::<Strategy>(json);
        for (json, want) in [
            (r#"{"action":"keep"}"#, Strategy::Keep),
            (r#"{"action":"drop"}"#, Strategy::Drop),
            (r#"{"action":"mask"}"#, Strategy::Mask(Mask::default())),
            (
                r#"{"action":"generalize","to":"year"}"#,
                Strategy::Generalize(Generalize::Year),
            ),
        ] {
            assert_eq!(parse(json).unwrap(), want, "{json}");
        }
        for json in [
            r#"{"action":"keep","domain":"person"}"#,
            r#"{"action":"drop","text":"x"}"#,
            r#"{"action":"redact","txt":"x"}"#,
            r#"{"action":"mask","keep_lst":2}"#,
            r#"{"action":"pseudonymize","domian":"person"}"#,
            r#"{"action":"encrypt","mode":"randomized","extra":1}"#,
            r#"{"action":"generalize","to":"year","precision":1}"#,
            r#"{"action":"explode"}"#,
            r#"{"domain":"person"}"#,
        ] {
            let e = parse(json).unwrap_err().to_string();
            assert!(!e.is_empty(), "{json}");
        }
        let e = parse(r#"{"action":"keep","domain":"person"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `domain`"), "{e}");
        // Through TOML too (the configuration's format), and back.
        let t: Strategy = toml::from_str("action = \"pseudonymize\"\ndomain = \"p\"").unwrap();
        assert_eq!(
            t,
            Strategy::Pseudonymize {
                domain: Some("p".into())
            }
        );
        assert!(toml::from_str::<Strategy>("action = \"keep\"\nmode = \"x\"").is_err());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(parse(&json).unwrap(), t);
    }
}
