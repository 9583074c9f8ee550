//! Recording values through the policy, and rebuilding value sets from what
//! was recorded.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use tracing_core::field::{DisplayValue, Field, FieldSet, Value, ValueSet, Visit};

use crate::policy::{REDACTED, TracePolicy};

/// Numbers with at least this many digits are checked for card-like digits.
const CARD_LIKE_MIN: u64 = 1_000_000_000_000;

/// One recorded value after redaction.
pub(crate) enum Owned {
    /// Recorded with `record_str`: a string.
    Str(String),
    /// Recorded through `Debug` or `Display` (the message, `?x`, `%x`,
    /// errors): the formatted, redacted text, recorded again as such.
    Fmt(DisplayValue<String>),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
}

impl Owned {
    fn as_value(&self) -> &dyn Value {
        match self {
            Owned::Str(s) => s,
            Owned::Fmt(d) => d,
            Owned::I64(v) => v,
            Owned::U64(v) => v,
            Owned::I128(v) => v,
            Owned::U128(v) => v,
            Owned::F64(v) => v,
            Owned::Bool(v) => v,
        }
    }

    /// The value as text, for formatters that write fields themselves.
    pub(crate) fn write_json(&self, out: &mut String) {
        let v = match self {
            Owned::Str(s) => serde_json::Value::from(s.as_str()),
            Owned::Fmt(d) => serde_json::Value::from(format!("{d}")),
            Owned::I64(v) => serde_json::Value::from(*v),
            Owned::U64(v) => serde_json::Value::from(*v),
            Owned::I128(v) => serde_json::Value::from(v.to_string()),
            Owned::U128(v) => serde_json::Value::from(v.to_string()),
            Owned::F64(v) => serde_json::Value::from(*v),
            Owned::Bool(v) => serde_json::Value::from(*v),
        };
        out.push_str(&v.to_string());
    }

    /// The value as the default text formatter writes it: strings quoted,
    /// formatted values and numbers bare.
    pub(crate) fn write_text(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Owned::Str(s) => write!(out, "{s:?}"),
            Owned::Fmt(d) => write!(out, "{d}"),
            Owned::I64(v) => write!(out, "{v}"),
            Owned::U64(v) => write!(out, "{v}"),
            Owned::I128(v) => write!(out, "{v}"),
            Owned::U128(v) => write!(out, "{v}"),
            Owned::F64(v) => write!(out, "{v}"),
            Owned::Bool(v) => write!(out, "{v}"),
        }
    }
}

/// A visitor that only finds out whether any value would change, without
/// copying values: events without anything to redact go through untouched.
pub(crate) struct Check<'p> {
    policy: &'p TracePolicy,
    pub(crate) changed: bool,
}

impl<'p> Check<'p> {
    pub(crate) fn new(policy: &'p TracePolicy) -> Self {
        Check {
            policy,
            changed: false,
        }
    }

    fn formatted(&mut self, field: &Field, args: fmt::Arguments<'_>) {
        if self.changed {
            return;
        }
        if let Some(s) = args.as_str() {
            self.changed = self.policy.would_change_static(field.name(), s);
            return;
        }
        FORMAT_BUF.with(|b| {
            let mut b = b.borrow_mut();
            b.clear();
            let _ = b.write_fmt(args);
            self.changed = self.policy.would_change_static(field.name(), &b);
        });
    }

    fn number(&mut self, field: &Field, big: bool, digits: impl fmt::Display) {
        if self.changed {
            return;
        }
        if self.policy.is_sensitive_static(field.name()) {
            self.changed = true;
        } else if big {
            self.changed = self.policy.would_change_static(field.name(), &digits.to_string());
        }
    }
}

thread_local! {
    static FORMAT_BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl Visit for Check<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.changed {
            self.changed = self.policy.would_change_static(field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.formatted(field, format_args!("{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.formatted(field, format_args!("{value}"));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        let text = String::from_utf8_lossy(value);
        self.formatted(field, format_args!("{text}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, value.unsigned_abs() >= CARD_LIKE_MIN, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, value >= CARD_LIKE_MIN, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(field, value.unsigned_abs() >= u128::from(CARD_LIKE_MIN), value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(field, value >= u128::from(CARD_LIKE_MIN), value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, false, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, false, value);
    }
}

/// A visitor that records every value through the policy.
pub(crate) struct Collect<'p> {
    policy: &'p TracePolicy,
    pub(crate) values: Vec<(Field, Owned)>,
    /// Whether any value differs from what was recorded.
    pub(crate) changed: bool,
    buf: String,
}

impl<'p> Collect<'p> {
    pub(crate) fn new(policy: &'p TracePolicy) -> Self {
        Collect {
            policy,
            values: Vec::new(),
            changed: false,
            buf: String::new(),
        }
    }

    fn text(&mut self, field: &Field, value: &str) -> Option<String> {
        match self.policy.redact_static(field.name(), value) {
            Cow::Borrowed(b) if b.len() == value.len() && core::ptr::eq(b.as_ptr(), value.as_ptr()) => None,
            other => {
                self.changed = true;
                Some(other.into_owned())
            }
        }
    }

    fn formatted(&mut self, field: &Field, args: fmt::Arguments<'_>) {
        self.buf.clear();
        let _ = self.buf.write_fmt(args);
        let buf = std::mem::take(&mut self.buf);
        let out = self.text(field, &buf).unwrap_or_else(|| buf.clone());
        self.buf = buf;
        self.values
            .push((field.clone(), Owned::Fmt(tracing_core::field::display(out))));
    }

    fn number(&mut self, field: &Field, digits: impl fmt::Display, big: bool, keep: Owned) {
        if self.policy.is_sensitive_static(field.name()) {
            self.changed = true;
            self.values.push((field.clone(), Owned::Str(REDACTED.to_owned())));
            return;
        }
        if big {
            let text = digits.to_string();
            if let Some(r) = self.text(field, &text) {
                self.values.push((field.clone(), Owned::Str(r)));
                return;
            }
        }
        self.values.push((field.clone(), keep));
    }
}

impl Visit for Collect<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let out = self.text(field, value).unwrap_or_else(|| value.to_owned());
        self.values.push((field.clone(), Owned::Str(out)));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.formatted(field, format_args!("{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.formatted(field, format_args!("{value}"));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        let text = String::from_utf8_lossy(value);
        self.formatted(field, format_args!("{text}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(
            field,
            value,
            value.unsigned_abs() >= CARD_LIKE_MIN,
            Owned::I64(value),
        );
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, value, value >= CARD_LIKE_MIN, Owned::U64(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(
            field,
            value,
            value.unsigned_abs() >= u128::from(CARD_LIKE_MIN),
            Owned::I128(value),
        );
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(
            field,
            value,
            value >= u128::from(CARD_LIKE_MIN),
            Owned::U128(value),
        );
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, value, false, Owned::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, value, false, Owned::Bool(value));
    }
}

/// Calls `f` with a [`ValueSet`] of `fields` holding `values`.
///
/// `FieldSet::value_set` takes arrays (its length must be known to the
/// compiler), so each length a callsite can have gets its own arm. Callsites
/// have at most 32 fields; values beyond that are left out (never passed raw).
pub(crate) fn with_value_set<R>(
    fields: &FieldSet,
    values: &[(Field, Owned)],
    f: impl FnOnce(&ValueSet<'_>) -> R,
) -> R {
    macro_rules! arms {
        ($($n:literal)*) => {
            match values.len() {
                $($n => {
                    let arr: [(&Field, Option<&dyn Value>); $n] =
                        core::array::from_fn(|i| (&values[i].0, Some(values[i].1.as_value())));
                    f(&fields.value_set(&arr))
                })*
                _ => {
                    let arr: [(&Field, Option<&dyn Value>); 32] =
                        core::array::from_fn(|i| (&values[i].0, Some(values[i].1.as_value())));
                    f(&fields.value_set(&arr))
                }
            }
        };
    }
    arms!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
}
