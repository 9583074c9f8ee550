//! [`TracePolicy`]: what counts as sensitive in spans and events.

use std::borrow::Cow;
use std::sync::Arc;

use shroud_core::Redactor;
use tracing_core::callsite::Identifier;

/// The replacement for the whole value of a sensitive field.
pub const REDACTED: &str = "[REDACTED]";

/// Field names whose values are always replaced whole, whatever they hold
/// (matched without regard to case; `*` matches any run of characters).
pub const DEFAULT_SENSITIVE_FIELDS: &[&str] = &[
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*authorization*",
    "*cookie*",
    "*api_key*",
    "*apikey*",
    "*api-key*",
    "*private_key*",
    "*credential*",
    "*passphrase*",
    "pwd",
    "*_pwd",
    "pw",
    "*_pw",
    "pass",
    "*_pass",
    "otp",
    "*session_id*",
    "*sessionid*",
    "*phone*",
    "*msisdn*",
    "ssn",
    "*_ssn",
    "ssn_*",
    "dob",
    "*_dob",
    "dob_*",
    "*birth*",
    "cvv",
    "cvc",
    "pin",
    "*_pin",
    "pin_*",
];

/// Decides what of a recorded value may reach a sink.
///
/// Two rules apply to every recorded value, the formatted `message`
/// included:
///
/// - a field whose *name* matches a sensitive pattern
///   ([`DEFAULT_SENSITIVE_FIELDS`] unless configured) is replaced whole by
///   `[REDACTED]`;
/// - every other value is scanned by the [`Redactor`] (all of shroud-core's
///   detectors by default), which replaces each finding by its kind's
///   strategy (`[REDACTED:<kind>]` by default); before that, names written
///   inside the value get the field-name rule (`password: "..."` in the
///   `Debug` of a struct recorded with `?login`, `token=...` in a query
///   string, `"secret": ...` in JSON), and the values they name become
///   `[REDACTED]`.
///
/// Numbers are kept as numbers unless they hold a card-like run of digits.
/// Cheap to clone.
///
/// ```
/// use shroud_trace::TracePolicy;
///
/// let policy = TracePolicy::default();
/// assert_eq!(policy.redact("user_password", "hunter2"), "[REDACTED]");
/// assert_eq!(policy.redact("note", "mail jane@example.com"), "mail [REDACTED:email]");
/// assert_eq!(policy.redact("note", "nothing personal"), "nothing personal");
/// assert_eq!(
///     policy.redact("login", r#"Login { user: "jdoe", password: "hunter2" }"#),
///     r#"Login { user: "jdoe", password: "[REDACTED]" }"#
/// );
/// ```
#[derive(Clone, Debug)]
pub struct TracePolicy {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: usize,
    redactor: Redactor,
    sensitive: Vec<Pattern>,
}

/// A lower-case field-name pattern, compiled to its cheapest test.
#[derive(Debug)]
enum Pattern {
    Exact(String),
    Contains(String),
    Prefix(String),
    Suffix(String),
    Glob(String),
}

impl Pattern {
    fn new(p: String) -> Pattern {
        let inner = p.trim_matches('*');
        if inner.contains('*') || inner.is_empty() {
            return Pattern::Glob(p);
        }
        match (p.starts_with('*'), p.ends_with('*')) {
            (true, true) => Pattern::Contains(inner.to_owned()),
            (true, false) => Pattern::Suffix(inner.to_owned()),
            (false, true) => Pattern::Prefix(inner.to_owned()),
            (false, false) => Pattern::Exact(p),
        }
    }

    fn matches(&self, name: &str) -> bool {
        let n = name.as_bytes();
        match self {
            Pattern::Exact(p) => name.eq_ignore_ascii_case(p),
            Pattern::Prefix(p) => n.len() >= p.len() && n[..p.len()].eq_ignore_ascii_case(p.as_bytes()),
            Pattern::Suffix(p) => {
                n.len() >= p.len() && n[n.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
            }
            Pattern::Contains(p) => {
                let p = p.as_bytes();
                n.len() >= p.len() && n.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p))
            }
            Pattern::Glob(p) => glob(p.as_bytes(), n),
        }
    }
}

impl Default for TracePolicy {
    fn default() -> Self {
        TracePolicy::builder().build()
    }
}

/// Configures a [`TracePolicy`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TracePolicyBuilder {
    redactor: Redactor,
    sensitive: Vec<String>,
}

impl TracePolicyBuilder {
    /// The redactor applied to values (default: every detector, redacted).
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Replaces the sensitive field-name patterns.
    pub fn sensitive_fields<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.sensitive = patterns
            .into_iter()
            .map(|p| p.into().to_ascii_lowercase())
            .collect();
        self
    }

    /// Adds one sensitive field-name pattern.
    pub fn sensitive_field(mut self, pattern: impl Into<String>) -> Self {
        self.sensitive.push(pattern.into().to_ascii_lowercase());
        self
    }

    /// Builds the policy.
    pub fn build(self) -> TracePolicy {
        TracePolicy {
            inner: Arc::new(Inner {
                id: NEXT_POLICY_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                redactor: self.redactor,
                sensitive: self.sensitive.into_iter().map(Pattern::new).collect(),
            }),
        }
    }
}

impl TracePolicy {
    /// Starts configuring a policy from the defaults.
    pub fn builder() -> TracePolicyBuilder {
        TracePolicyBuilder {
            redactor: Redactor::default(),
            sensitive: DEFAULT_SENSITIVE_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The redactor applied to values.
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// Whether a field of this name is replaced whole.
    pub fn is_sensitive(&self, field: &str) -> bool {
        self.inner.sensitive.iter().any(|p| p.matches(field))
    }

    /// What this thread remembers of `callsite`'s field names under this
    /// policy (nothing known when it remembers nothing).
    pub(crate) fn field_mask(&self, callsite: &Identifier) -> FieldMask {
        let set = mask_set(callsite, self.inner.id);
        MASKS.with(|c| {
            c.borrow()[set]
                .iter()
                .flatten()
                .find(|e| e.0 == *callsite && e.1 == self.inner.id)
                .map_or(FieldMask::default(), |e| e.2)
        })
    }

    /// Remembers `mask` for `callsite` in this thread, most recent first in
    /// its set of two.
    pub(crate) fn remember_field_mask(&self, callsite: &Identifier, mask: FieldMask) {
        let set = mask_set(callsite, self.inner.id);
        MASKS.with(|c| {
            let ways = &mut c.borrow_mut()[set];
            let hit = ways[0]
                .as_ref()
                .is_some_and(|e| e.0 == *callsite && e.1 == self.inner.id);
            if !hit {
                ways[1] = ways[0].take();
            }
            ways[0] = Some((callsite.clone(), self.inner.id, mask));
        });
    }

    /// What may be shown of `value` recorded under `field`.
    pub fn redact<'a>(&self, field: &str, value: &'a str) -> Cow<'a, str> {
        if self.is_sensitive(field) {
            Cow::Borrowed(REDACTED)
        } else {
            self.redact_text(value)
        }
    }

    /// Whether [`redact`](Self::redact) could change `value` recorded under `field`.
    pub fn would_change(&self, field: &str, value: &str) -> bool {
        self.is_sensitive(field)
            || !self.inner.redactor.scanner().is_clean_decoded(value.as_bytes())
            || crate::pairs::redact_named_values(self, value).is_some()
    }

    /// Free text (a failure message, a formatted line) with every finding
    /// replaced, and the value of every sensitive name written in it
    /// (`password: "..."`, `token=...`).
    pub fn redact_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match crate::pairs::redact_named_values(self, text) {
            Some(named) => Cow::Owned(self.inner.redactor.redact_str(&named).into_owned()),
            None => self.inner.redactor.redact_str(text),
        }
    }
}

/// What is known of one callsite's field names: bit `i` of `known` says
/// whether field `i` was matched against the sensitive names, the same bit
/// of `sensitive` the answer. Callsites have at most 32 fields.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FieldMask {
    pub(crate) known: u64,
    pub(crate) sensitive: u64,
}

/// Sets of two callsite masks per thread.
const MASK_SETS: usize = 64;

type MaskEntry = Option<(Identifier, usize, FieldMask)>;

thread_local! {
    /// Field-name masks by callsite and policy id (ids are never reused),
    /// two-way set-associative: one event's fields share one entry, so they
    /// never evict each other, and two hot callsites in one set both stay.
    static MASKS: std::cell::RefCell<[[MaskEntry; 2]; MASK_SETS]> =
        const { std::cell::RefCell::new([const { [None, None] }; MASK_SETS]) };
}

/// The set of `callsite` under policy `id`.
fn mask_set(callsite: &Identifier, id: usize) -> usize {
    /// Multiplies in each word written (the callsite's address and vtable).
    struct Mix(u64);
    impl std::hash::Hasher for Mix {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.write_u64(u64::from(b));
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        fn write_usize(&mut self, n: usize) {
            self.write_u64(n as u64);
        }
    }
    let mut h = Mix(id as u64);
    std::hash::Hash::hash(callsite, &mut h);
    (h.0 >> 58) as usize % MASK_SETS
}

static NEXT_POLICY_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Case-insensitive glob with `*` only; `pattern` is lower case.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while n < name.len() {
        if p < pattern.len() && pattern[p] != b'*' && pattern[p] == name[n].to_ascii_lowercase() {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            n = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn patterns() {
        use super::Pattern;
        let m = |p: &str, n: &str| Pattern::new(p.to_owned()).matches(n);
        assert!(m("*token*", "ACCESS_TOKEN_ID"));
        assert!(m("token*", "tokens"));
        assert!(!m("token*", "my_token"));
        assert!(m("*token", "my_Token"));
        assert!(m("pin", "PIN"));
        assert!(!m("pin", "spin"));
        assert!(m("a*b", "axxb"));
    }

    #[test]
    fn default_names_hit_personal_fields_and_spare_others() {
        let p = super::TracePolicy::default();
        for hit in [
            "user_phone",
            "Phone",
            "ssn",
            "customer_ssn",
            "ssn_last4",
            "dob",
            "birth_date",
            "session_id",
            "otp",
            "pass",
            "user_pass",
            "pw",
            "admin_pwd",
            "user_dob",
            "dob_year",
            "pin_code",
            "card_pin",
        ] {
            assert!(p.is_sensitive(hit), "{hit}");
        }
        for miss in [
            "classname",
            "business",
            "dobby",
            "region",
            "order_id",
            "sessions_open",
            "passes",
            "bypass",
            "compass",
            "pinned",
            "spinner",
            "pwm",
        ] {
            assert!(!p.is_sensitive(miss), "{miss}");
        }
    }

    /// `would_change` answers for what `redact` does, encoded values
    /// included.
    #[test]
    fn would_change_agrees_with_redact() {
        let p = super::TracePolicy::default();
        for value in [
            "/signup?contact=%2B1+415+555+2671",
            "jane&#64;example.com",
            "4111 1111 1111 1111",
            "token=abc",
            "50% off, C++",
            "/api/v1/orders",
        ] {
            let changed = p.redact("uri", value) != value;
            assert_eq!(p.would_change("uri", value), changed, "{value}");
        }
        assert!(p.would_change("uri", "/signup?contact=%2B1+415+555+2671"));
    }

    #[test]
    fn globs() {
        assert!(glob(b"*token*", b"Refresh_Token"));
        assert!(glob(b"*token*", b"token"));
        assert!(glob(b"pin", b"PIN"));
        assert!(!glob(b"pin", b"pinned"));
        assert!(glob(b"a*b*c", b"axxbyyc"));
        assert!(!glob(b"a*b*c", b"axxbyy"));
        assert!(glob(b"*", b""));
    }
}
