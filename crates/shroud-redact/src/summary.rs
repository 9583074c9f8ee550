//! [`RedactionSummary`]: what was redacted, counted, never the values.

use std::collections::BTreeMap;
use std::sync::Arc;

use shroud_core::Kind;

use crate::policy::Policy;

/// What one body's redaction did: counts per rule and per detector, and bytes
/// in and out. It holds no value from the body, so it is safe to log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedactionSummary {
    /// Hits per key or path rule, by the rule's pattern.
    pub rules: BTreeMap<String, u64>,
    /// Findings per detector, by kind name.
    pub detectors: BTreeMap<String, u64>,
    /// Response header values replaced.
    pub headers: u64,
    /// Bytes read from the handler's body (after decoding).
    pub bytes_in: u64,
    /// Bytes written (before re-encoding).
    pub bytes_out: u64,
    /// The error that ended the body, if any (its `Display`, which holds no
    /// body content).
    pub error: Option<String>,
}

impl RedactionSummary {
    /// Total hits of rules and detectors.
    pub fn total(&self) -> u64 {
        self.rules.values().sum::<u64>() + self.detectors.values().sum::<u64>()
    }

    /// Emits the summary as a tracing event (target `shroud_redact::summary`).
    pub fn emit(&self) {
        tracing::info!(
            target: "shroud_redact::summary",
            bytes_in = self.bytes_in,
            bytes_out = self.bytes_out,
            redactions = self.total(),
            headers = self.headers,
            rules = %Counts(&self.rules),
            detectors = %Counts(&self.detectors),
            error = self.error.as_deref(),
            "response redacted"
        );
    }
}

/// Counts by name, written `email(3), password(1)`: no `name: value` or
/// `name=value` pair, which a PII-safe log layer would take for a named
/// secret (`password`) and hide.
struct Counts<'a>(&'a BTreeMap<String, u64>);

impl std::fmt::Display for Counts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, n)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}({n})")?;
        }
        Ok(())
    }
}

/// Hit counters kept while a body streams.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    pub(crate) rules: Vec<u64>,
    pub(crate) kinds: Vec<(Kind, u64)>,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
}

impl Counters {
    #[inline]
    pub(crate) fn rule(&mut self, r: usize) {
        if self.rules.len() <= r {
            self.rules.resize(r + 1, 0);
        }
        self.rules[r] += 1;
    }

    #[inline]
    pub(crate) fn kind(&mut self, k: Kind) {
        match self.kinds.iter_mut().find(|(x, _)| *x == k) {
            Some((_, n)) => *n += 1,
            None => self.kinds.push((k, 1)),
        }
    }

    pub(crate) fn summary(&self, policy: &Policy) -> RedactionSummary {
        let inner = &policy.inner;
        let mut s = RedactionSummary {
            bytes_in: self.bytes_in,
            bytes_out: self.bytes_out,
            ..RedactionSummary::default()
        };
        for (i, n) in self.rules.iter().enumerate() {
            if *n > 0
                && let Some(r) = inner.rules.get(i)
            {
                *s.rules.entry(r.name.clone()).or_default() += n;
            }
        }
        for (k, n) in &self.kinds {
            let name = match &inner.redactor {
                Some(r) => r.scanner().kind_name(*k).to_owned(),
                None => k.name().to_owned(),
            };
            *s.detectors.entry(name).or_default() += n;
        }
        s
    }
}

/// Receives the summary of every body at its end (see
/// [`RedactLayer::on_summary`](crate::RedactLayer::on_summary)).
pub(crate) type OnSummary = Arc<dyn Fn(&RedactionSummary) + Send + Sync>;

impl Counters {
    pub(crate) fn merge(&mut self, other: &Counters) {
        for (i, n) in other.rules.iter().enumerate() {
            if *n > 0 {
                if self.rules.len() <= i {
                    self.rules.resize(i + 1, 0);
                }
                self.rules[i] += n;
            }
        }
        for (k, n) in &other.kinds {
            match self.kinds.iter_mut().find(|(x, _)| x == k) {
                Some((_, m)) => *m += n,
                None => self.kinds.push((*k, *n)),
            }
        }
    }
}
