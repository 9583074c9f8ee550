//! [`Redactor`]: a scanner and a strategy per kind, for free text.

use std::borrow::Cow;

use crate::detect::{Finding, Kind, Scanner};
use crate::strategy::{Outcome, Strategy, StrategyError, Target, Transformer};

/// Finds PII in text and replaces each finding by its kind's strategy.
///
/// Text is read with its character references and percent-escapes decoded
/// ([`Scanner::for_each_decoded`]): a phone number in a logged URL
/// (`?phone=%2B1+415+555+2671`) is found, and its replacement covers the
/// encoded bytes.
///
/// The default strategy is `[REDACTED:<kind>]` for every kind. The
/// pseudonym and encryption domain of a finding is its kind name, so an email
/// pseudonymized in a log line matches the same email elsewhere in logs.
///
/// ```
/// use shroud_core::{Kind, Mask, Redactor, Strategy};
///
/// let r = Redactor::builder().strategy(Kind::PaymentCard, Strategy::Mask(Mask::default())).build()?;
/// assert_eq!(
///     r.redact_str("paid with 4111 1111 1111 1111 by jane@example.com"),
///     "paid with **** **** **** 1111 by [REDACTED:email]"
/// );
/// assert!(matches!(r.redact_str("nothing here"), std::borrow::Cow::Borrowed(_)));
/// # Ok::<(), shroud_core::StrategyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redactor {
    scanner: Scanner,
    default: Strategy,
    rules: Vec<(Kind, Strategy)>,
    transformer: Transformer,
    /// Per built-in kind (in [`Kind::BUILTIN`] order), the replacement text
    /// when its strategy does not depend on the value (`redact`): made once
    /// by the transformer, so a finding costs a table load.
    fixed: [Option<Box<str>>; Kind::BUILTIN.len()],
}

/// Configures a [`Redactor`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RedactorBuilder {
    scanner: Option<Scanner>,
    default: Strategy,
    rules: Vec<(Kind, Strategy)>,
    transformer: Transformer,
}

impl RedactorBuilder {
    /// The scanner to use (default: [`Scanner::new`]).
    pub fn scanner(mut self, scanner: Scanner) -> Self {
        self.scanner = Some(scanner);
        self
    }

    /// The strategy for kinds without their own (default: redact).
    pub fn default_strategy(mut self, s: Strategy) -> Self {
        self.default = s;
        self
    }

    /// The strategy for one kind.
    pub fn strategy(mut self, kind: Kind, s: Strategy) -> Self {
        self.rules.retain(|(k, _)| *k != kind);
        self.rules.push((kind, s));
        self
    }

    /// The keys for `pseudonymize` and `encrypt`.
    pub fn transformer(mut self, t: Transformer) -> Self {
        self.transformer = t;
        self
    }

    /// Checks every strategy against the keys held and builds the redactor.
    pub fn build(self) -> Result<Redactor, StrategyError> {
        self.transformer.check(&self.default)?;
        for (_, s) in &self.rules {
            self.transformer.check(s)?;
        }
        let mut r = Redactor {
            scanner: self.scanner.unwrap_or_default(),
            default: self.default,
            rules: self.rules,
            transformer: self.transformer,
            fixed: Default::default(),
        };
        for (i, kind) in Kind::BUILTIN.into_iter().enumerate() {
            let strategy = r.strategy_for(kind);
            if !matches!(strategy, Strategy::Redact { .. }) {
                continue;
            }
            let label = kind.name();
            let target = Target {
                domain: label,
                label: Some(label),
            };
            if let Outcome::Replace(text) = r.transformer.apply(strategy, target, "") {
                r.fixed[i] = Some(text.into());
            }
        }
        Ok(r)
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::builder()
            .build()
            .expect("the default redactor needs no key")
    }
}

impl Redactor {
    /// Starts configuring a redactor.
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder::default()
    }

    /// The scanner in use.
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// The transformer in use.
    pub fn transformer(&self) -> &Transformer {
        &self.transformer
    }

    /// The strategy applied to `kind`.
    pub fn strategy_for(&self, kind: Kind) -> &Strategy {
        self.rules
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&self.default, |(_, s)| s)
    }

    /// The replacement of every finding of `kind`, when it does not depend
    /// on the value (a built-in kind under a `redact` strategy): callers may
    /// then skip reading the value.
    ///
    /// ```
    /// use shroud_core::{Kind, Redactor};
    ///
    /// let r = Redactor::default();
    /// assert_eq!(r.fixed_replacement(Kind::Email), Some("[REDACTED:email]"));
    /// ```
    #[inline]
    pub fn fixed_replacement(&self, kind: Kind) -> Option<&str> {
        kind.builtin_index().and_then(|i| self.fixed[i].as_deref())
    }

    /// What one finding of `text` becomes. `value` is the text the finding
    /// covers; when it is encoded (`%2B1+415+555+2671`, `&#106;ane&#64;...`,
    /// as [`Scanner::for_each_decoded`] finds values), the strategy
    /// transforms the value it stands for: a masked card keeps its last
    /// four digits, and a pseudonym or ciphertext is the one of the plain
    /// value.
    ///
    /// ```
    /// use shroud_core::{Finding, Kind, Mask, Outcome, Redactor, Strategy};
    ///
    /// let r = Redactor::builder().strategy(Kind::PaymentCard, Strategy::Mask(Mask::default())).build()?;
    /// let card = Finding { kind: Kind::PaymentCard, range: 0..25 };
    /// let Outcome::Replace(masked) = r.replacement(&card, "4111%201111%201111%201111") else {
    ///     unreachable!()
    /// };
    /// assert_eq!(masked, "**** **** **** 1111");
    /// # Ok::<(), shroud_core::StrategyError>(())
    /// ```
    pub fn replacement<'a>(&'a self, finding: &Finding, value: &'a str) -> Outcome<'a> {
        if let Some(text) = self.fixed_replacement(finding.kind) {
            return Outcome::Replace(Cow::Borrowed(text));
        }
        let label = self.scanner.kind_name(finding.kind);
        let target = Target {
            domain: label,
            label: Some(label),
        };
        let strategy = self.strategy_for(finding.kind);
        if let Some(decoded) = crate::detect::decode_str(value) {
            return match self.transformer.apply(strategy, target, &decoded) {
                Outcome::Replace(r) => Outcome::Replace(Cow::Owned(r.into_owned())),
                Outcome::Keep => Outcome::Keep,
                Outcome::Drop => Outcome::Drop,
            };
        }
        self.transformer.apply(strategy, target, value)
    }

    /// Appends `text`, with every finding replaced, to `out`, and answers
    /// whether what was appended differs from `text`. Allocates nothing
    /// beyond `out`'s growth when no custom detector is configured: for
    /// callers that redact many short values into one reused buffer.
    ///
    /// ```
    /// use shroud_core::Redactor;
    ///
    /// let r = Redactor::default();
    /// let mut out = String::from("user=");
    /// assert!(r.redact_into("jane@example.com", &mut out));
    /// assert_eq!(out, "user=[REDACTED:email]");
    /// assert!(!r.redact_into(" ok", &mut out));
    /// assert_eq!(out, "user=[REDACTED:email] ok");
    /// ```
    pub fn redact_into(&self, text: &str, out: &mut String) -> bool {
        let mut last = 0;
        let mut changed = false;
        // Empty pieces are skipped: a value that is one finding would
        // otherwise cost two zero-length copies, each a call whose size
        // branches the processor mispredicts.
        self.scanner.for_each_decoded(text.as_bytes(), |f| {
            let before = &text[last..f.range.start];
            if !before.is_empty() {
                out.push_str(before);
            }
            last = f.range.end;
            // The common case, a replacement made once, without leaving the loop.
            if let Some(fixed) = self.fixed_replacement(f.kind) {
                changed = true;
                out.push_str(fixed);
                return;
            }
            let value = &text[f.range.clone()];
            match self.replacement(&f, value) {
                Outcome::Keep => out.push_str(value),
                Outcome::Replace(r) => {
                    changed = true;
                    out.push_str(&r);
                }
                Outcome::Drop => changed = true,
            }
        });
        let rest = &text[last..];
        if !rest.is_empty() {
            out.push_str(rest);
        }
        changed
    }

    /// The findings in `hay`, read with its encodings decoded
    /// ([`Scanner::for_each_decoded`]).
    fn findings(&self, hay: &[u8]) -> Vec<Finding> {
        let mut v = Vec::new();
        self.scanner.for_each_decoded(hay, |f| v.push(f));
        v
    }

    /// `text` with every finding replaced; borrowed when nothing was found.
    pub fn redact_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let findings = self.findings(text.as_bytes());
        if findings.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for f in &findings {
            out.push_str(&text[last..f.range.start]);
            let value = &text[f.range.clone()];
            match self.replacement(f, value) {
                Outcome::Keep => out.push_str(value),
                Outcome::Replace(r) => out.push_str(&r),
                Outcome::Drop => {}
            }
            last = f.range.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// `bytes` with every finding replaced; borrowed when nothing was found.
    /// Bytes that are not UTF-8 pass through as they are (findings are ASCII).
    pub fn redact_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        let findings = self.findings(bytes);
        if findings.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for f in &findings {
            out.extend_from_slice(&bytes[last..f.range.start]);
            let raw = &bytes[f.range.clone()];
            // Findings only span ASCII bytes.
            let value = core::str::from_utf8(raw).unwrap_or_default();
            match self.replacement(f, value) {
                Outcome::Keep => out.extend_from_slice(raw),
                Outcome::Replace(r) => out.extend_from_slice(r.as_bytes()),
                Outcome::Drop => {}
            }
            last = f.range.end;
        }
        out.extend_from_slice(&bytes[last..]);
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mask;

    #[test]
    fn builtin_indexes_follow_the_builtin_list() {
        for (i, k) in Kind::BUILTIN.into_iter().enumerate() {
            assert_eq!(k.builtin_index(), Some(i), "{k:?}");
        }
    }

    /// Strategies that read the value transform what an encoded finding
    /// stands for: the same pseudonym and mask as the plain value's.
    #[test]
    fn encoded_values_are_transformed_as_their_plain_form() {
        let key = crate::SecretKey::new("k1", [7u8; 32]).unwrap();
        let r = Redactor::builder()
            .strategy(Kind::Phone, Strategy::Pseudonymize { domain: None })
            .strategy(Kind::PaymentCard, Strategy::Mask(Mask::default()))
            .transformer(Transformer::new().with_pseudonymizer(crate::Pseudonymizer::new(key)))
            .build()
            .unwrap();
        let plain = r.redact_str("tel +1 415 555 2671, card 4111 1111 1111 1111");
        let encoded = r.redact_str("tel=%2B1+415+555+2671&card=4111&#32;1111%201111+1111");
        let phone = plain.split(',').next().unwrap().strip_prefix("tel ").unwrap();
        assert_eq!(
            encoded,
            format!("tel={phone}&card=**** **** **** 1111"),
            "{plain}"
        );
        assert!(!phone.contains("415"), "{phone}");
    }

    #[test]
    fn fixed_replacements_are_what_the_transformer_gives() {
        let r = Redactor::builder()
            .strategy(
                Kind::Email,
                Strategy::Redact {
                    text: Some("<email>".into()),
                },
            )
            .strategy(Kind::Phone, Strategy::Mask(Mask::default()))
            .build()
            .unwrap();
        for kind in Kind::BUILTIN {
            let label = kind.name();
            let f = Finding { kind, range: 0..5 };
            let target = Target {
                domain: label,
                label: Some(label),
            };
            let want = r
                .transformer
                .apply(r.strategy_for(kind), target, "+1 415 555 2671");
            assert_eq!(r.replacement(&f, "+1 415 555 2671"), want, "{kind:?}");
            assert_eq!(
                r.fixed[kind.builtin_index().unwrap()].is_some(),
                kind != Kind::Phone
            );
        }
        let email = Finding {
            kind: Kind::Email,
            range: 0..5,
        };
        assert_eq!(
            r.replacement(&email, "a@b.io"),
            Outcome::Replace(Cow::Borrowed("<email>"))
        );
    }
}
