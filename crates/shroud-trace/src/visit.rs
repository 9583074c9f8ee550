//! Recording values through the policy into a reused buffer, and rebuilding
//! value sets from what was recorded.
//!
//! One pass does everything: each value is recorded once, redacted (or
//! copied as it is) into a per-thread arena, and the caller learns whether
//! anything changed. Events with nothing to redact are then handed through
//! untouched; the others are rebuilt from the arena. Nothing is formatted or
//! scanned twice, and nothing is allocated once the arena has grown to the
//! size of the largest event a thread records.

use core::ops::Range;
use std::cell::RefCell;
use std::fmt::{self, Write as _};

use tracing_core::callsite::Identifier;
use tracing_core::field::{DisplayValue, Field, FieldSet, Value, ValueSet, Visit};

use crate::policy::{FieldMask, REDACTED, TracePolicy};

/// Numbers with at least this many digits are checked for card-like digits.
const CARD_LIKE_MIN: u64 = 1_000_000_000_000;

/// Arenas that grew beyond this are given back after use.
const KEEP_ARENA: usize = 64 * 1024;

/// One recorded value: text lives in the arena.
#[derive(Clone)]
pub(crate) enum Slot {
    /// Recorded with `record_str`: a string.
    Str(Range<usize>),
    /// Recorded through `Debug` or `Display` (the message, `?x`, `%x`,
    /// errors): the formatted, redacted text, recorded again as such.
    Fmt(Range<usize>),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
}

/// A recorded value, borrowed from the arena.
pub(crate) enum View<'a> {
    Str(&'a str),
    Fmt(DisplayValue<&'a str>),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
}

impl View<'_> {
    #[inline(always)]
    fn as_value(&self) -> &dyn Value {
        match self {
            View::Str(s) => s,
            View::Fmt(d) => d,
            View::I64(v) => v,
            View::U64(v) => v,
            View::I128(v) => v,
            View::U128(v) => v,
            View::F64(v) => v,
            View::Bool(v) => v,
        }
    }

    /// The value as JSON, for formatters that write fields themselves.
    pub(crate) fn write_json(&self, out: &mut String) {
        let v = match self {
            View::Str(s) => serde_json::Value::from(*s),
            View::Fmt(d) => serde_json::Value::from(format!("{d}")),
            View::I64(v) => serde_json::Value::from(*v),
            View::U64(v) => serde_json::Value::from(*v),
            View::I128(v) => serde_json::Value::from(v.to_string()),
            View::U128(v) => serde_json::Value::from(v.to_string()),
            View::F64(v) => serde_json::Value::from(*v),
            View::Bool(v) => serde_json::Value::from(*v),
        };
        out.push_str(&v.to_string());
    }

    /// The value as the default text formatter writes it: strings quoted,
    /// formatted values and numbers bare.
    pub(crate) fn write_text(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            View::Str(s) => write!(out, "{s:?}"),
            View::Fmt(d) => write!(out, "{d}"),
            View::I64(v) => write!(out, "{v}"),
            View::U64(v) => write!(out, "{v}"),
            View::I128(v) => write!(out, "{v}"),
            View::U128(v) => write!(out, "{v}"),
            View::F64(v) => write!(out, "{v}"),
            View::Bool(v) => write!(out, "{v}"),
        }
    }
}

/// The per-thread buffers one recording pass writes into.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The text of every recorded value, after redaction.
    arena: String,
    /// Formatted text before redaction; wiped after each value.
    raw: String,
    /// What was recorded, in order.
    pub(crate) values: Vec<(Field, Slot)>,
}

impl Scratch {
    /// The recorded value of `slot`.
    #[inline(always)]
    pub(crate) fn view(&self, slot: &Slot) -> View<'_> {
        match slot {
            Slot::Str(r) => View::Str(&self.arena[r.clone()]),
            Slot::Fmt(r) => View::Fmt(tracing_core::field::display(&self.arena[r.clone()])),
            Slot::I64(v) => View::I64(*v),
            Slot::U64(v) => View::U64(*v),
            Slot::I128(v) => View::I128(*v),
            Slot::U128(v) => View::U128(*v),
            Slot::F64(v) => View::F64(*v),
            Slot::Bool(v) => View::Bool(*v),
        }
    }

    fn reset(&mut self) {
        self.values.clear();
        self.arena.clear();
        self.raw.clear();
        if self.arena.capacity() > KEEP_ARENA {
            self.arena = String::new();
        }
        if self.raw.capacity() > KEEP_ARENA {
            self.raw = String::new();
        }
    }
}

/// Zeroes the raw (unredacted) text of a value once it has been redacted
/// into the arena, so it does not linger in the thread's scratch space.
#[inline]
fn wipe(raw: &mut String) {
    zeroize::Zeroize::zeroize(raw.as_mut_str());
    raw.clear();
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers, emptied. A nested call (a
/// wrapped layer that itself records an event) and a call during thread
/// teardown get fresh buffers.
pub(crate) fn with_scratch(f: impl FnOnce(&mut Scratch)) {
    let mut f = Some(f);
    let _ = SCRATCH.try_with(|cell| {
        if let Ok(mut s) = cell.try_borrow_mut()
            && let Some(f) = f.take()
        {
            s.reset();
            f(&mut s);
            s.reset();
        }
    });
    if let Some(f) = f {
        f(&mut Scratch::default());
    }
}

/// A visitor that records every value through the policy into the scratch
/// buffers.
pub(crate) struct Collect<'p, 's> {
    policy: &'p TracePolicy,
    s: &'s mut Scratch,
    /// Whether any value differs from what was recorded.
    changed: bool,
    /// The field-name mask of the callsite being recorded, and whether this
    /// pass added to it.
    names: Option<(Identifier, FieldMask, bool)>,
}

impl<'p, 's> Collect<'p, 's> {
    pub(crate) fn new(policy: &'p TracePolicy, s: &'s mut Scratch) -> Self {
        Collect {
            policy,
            s,
            changed: false,
            names: None,
        }
    }

    /// Whether `field`'s name is one whose values are replaced whole: one
    /// bit of the callsite's mask, matched against the names once per
    /// thread.
    #[inline]
    fn sensitive(&mut self, field: &Field) -> bool {
        // A field whose bit this pass already holds (every field of an
        // event after the first, once the callsite has been seen).
        if let Some((callsite, mask, _)) = &self.names
            && let Some(bit) = 1u64.checked_shl(field.index() as u32)
            && mask.known & bit != 0
            && *callsite == field.callsite()
        {
            return mask.sensitive & bit != 0;
        }
        self.learn(field)
    }

    /// [`sensitive`](Self::sensitive) of a field whose bit this pass does not
    /// hold: the first field of each event (which loads the callsite's
    /// mask), fields of a callsite not seen yet on this thread (matched by
    /// name once) and fields past the 64th. Kept out of line so that the
    /// fast path stays small.
    #[inline(never)]
    fn learn(&mut self, field: &Field) -> bool {
        let policy = self.policy;
        let Some(bit) = 1u64.checked_shl(field.index() as u32) else {
            return policy.is_sensitive(field.name());
        };
        let callsite = field.callsite();
        if self.names.as_ref().is_some_and(|(c, ..)| *c != callsite) {
            self.remember_names();
        }
        let (_, mask, learned) = self.names.get_or_insert_with(|| {
            let mask = policy.field_mask(&callsite);
            (callsite, mask, false)
        });
        if mask.known & bit == 0 {
            mask.known |= bit;
            if policy.is_sensitive(field.name()) {
                mask.sensitive |= bit;
            }
            *learned = true;
        }
        mask.sensitive & bit != 0
    }

    /// Ends the pass: whether any value differs from what was recorded.
    pub(crate) fn finish(self) -> bool {
        // Dropping `self` stores what it learned of the field names.
        self.changed
    }

    /// Stores what this pass learned of the callsite's field names.
    fn remember_names(&mut self) {
        if let Some((callsite, mask, true)) = self.names.take() {
            self.policy.remember_field_mask(&callsite, mask);
        }
    }

    /// Redacts `value` into the arena; answers its range there.
    fn text(&mut self, field: &Field, value: &str) -> Range<usize> {
        if self.sensitive(field) {
            return self.redacted();
        }
        let start = self.s.arena.len();
        // Names inside the value (`password: "..."` in a struct's `Debug`)
        // get the field-name rules too, before the detectors run.
        let named = crate::pairs::redact_named_values(self.policy, value);
        if named.is_some() {
            self.changed = true;
        }
        if self
            .policy
            .redactor()
            .redact_into(named.as_deref().unwrap_or(value), &mut self.s.arena)
        {
            self.changed = true;
        }
        if let Some(mut named) = named {
            wipe(&mut named);
        }
        start..self.s.arena.len()
    }

    /// Records the redaction text for a field whose name is sensitive.
    fn redacted(&mut self) -> Range<usize> {
        self.changed = true;
        let start = self.s.arena.len();
        self.s.arena.push_str(REDACTED);
        start..self.s.arena.len()
    }

    /// [`text`](Self::text) of a value that must be formatted first: the
    /// formatted text goes through the scratch buffer, wiped afterwards.
    fn formatted_text(&mut self, field: &Field, args: fmt::Arguments<'_>) -> Range<usize> {
        if let Some(s) = args.as_str() {
            return self.text(field, s);
        }
        let mut raw = std::mem::take(&mut self.s.raw);
        raw.clear();
        let _ = raw.write_fmt(args);
        let range = self.text(field, &raw);
        wipe(&mut raw);
        self.s.raw = raw;
        range
    }

    fn formatted(&mut self, field: &Field, args: fmt::Arguments<'_>) {
        let range = if self.sensitive(field) {
            self.redacted()
        } else {
            self.formatted_text(field, args)
        };
        self.s.values.push((field.clone(), Slot::Fmt(range)));
    }

    fn number(&mut self, field: &Field, digits: impl fmt::Display, big: bool, keep: Slot) {
        if self.sensitive(field) {
            let range = self.redacted();
            self.s.values.push((field.clone(), Slot::Str(range)));
            return;
        }
        if big {
            let before = self.changed;
            self.changed = false;
            let range = self.formatted_text(field, format_args!("{digits}"));
            if self.changed {
                self.s.values.push((field.clone(), Slot::Str(range)));
                return;
            }
            self.changed = before;
            self.s.arena.truncate(range.start);
        }
        self.s.values.push((field.clone(), keep));
    }
}

/// An error and its sources, as `error: source: source`; at most
/// [`MAX_SOURCES`] sources (a chain may be cyclic).
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

/// The most sources of an error that are scanned and shown.
const MAX_SOURCES: usize = 16;

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        for _ in 0..MAX_SOURCES {
            let Some(e) = source else { break };
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

impl Drop for Collect<'_, '_> {
    fn drop(&mut self) {
        self.remember_names();
    }
}

impl Visit for Collect<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let range = self.text(field, value);
        self.s.values.push((field.clone(), Slot::Str(range)));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.formatted(field, format_args!("{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The chain of sources too: a sink such as the fmt layer prints them
        // (`error.sources=[...]`) when the event reaches it unchanged.
        self.formatted(field, format_args!("{}", ErrorChain(value)));
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
            Slot::I64(value),
        );
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, value, value >= CARD_LIKE_MIN, Slot::U64(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(
            field,
            value,
            value.unsigned_abs() >= u128::from(CARD_LIKE_MIN),
            Slot::I128(value),
        );
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(
            field,
            value,
            value >= u128::from(CARD_LIKE_MIN),
            Slot::U128(value),
        );
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, value, false, Slot::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, value, false, Slot::Bool(value));
    }
}

/// Calls `f` with a [`ValueSet`] of `fields` holding the recorded values.
///
/// `FieldSet::value_set` takes arrays (its length must be known to the
/// compiler), so each length a callsite can have gets its own arm. Callsites
/// have at most 32 fields; values beyond that are left out (never passed raw).
pub(crate) fn with_value_set(fields: &FieldSet, s: &Scratch, f: impl FnOnce(&ValueSet<'_>)) {
    let mut f = Some(f);
    build_value_set(fields, s, &mut |values| {
        if let Some(f) = f.take() {
            f(values);
        }
    });
}

/// [`with_value_set`]'s arms, one per length, compiled once: the wrapped
/// layer is called through `f` rather than inlined into each of the 33
/// arms (which made this function about 60 KiB per wrapped layer type and
/// callback).
#[inline(never)]
fn build_value_set(fields: &FieldSet, s: &Scratch, f: &mut dyn FnMut(&ValueSet<'_>)) {
    let values = &s.values;
    // Pre-filled arrays, filled by plain loops: `core::array::from_fn` ran
    // its closure out of line for each element and handed each view back
    // through the stack, written in parts and read back with one wider
    // load, which stalled on every value.
    macro_rules! arms {
        ($($n:literal)*) => {
            match values.len() {
                0 => f(&fields.value_set(&[] as &[(&Field, Option<&dyn Value>); 0])),
                $($n => {
                    let mut views: [View<'_>; $n] = [const { View::Bool(false) }; $n];
                    fill_views(s, &mut views);
                    let mut arr: [(&Field, Option<&dyn Value>); $n] = [(&values[0].0, None); $n];
                    fill_entries(values, &views, &mut arr);
                    f(&fields.value_set(&arr))
                })*
                _ => {
                    let mut views: [View<'_>; 32] = [const { View::Bool(false) }; 32];
                    fill_views(s, &mut views);
                    let mut arr: [(&Field, Option<&dyn Value>); 32] = [(&values[0].0, None); 32];
                    fill_entries(values, &views, &mut arr);
                    f(&fields.value_set(&arr))
                }
            }
        };
    }
    arms!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
}

/// The views of the first `views.len()` recorded values. One loop for every
/// length (not unrolled into each arm of [`build_value_set`]).
#[inline(never)]
fn fill_views<'a>(s: &'a Scratch, views: &mut [View<'a>]) {
    for (view, (_, slot)) in views.iter_mut().zip(&s.values) {
        *view = s.view(slot);
    }
}

/// The value-set entries pairing each recorded field with its view.
#[inline(never)]
fn fill_entries<'a>(
    values: &'a [(Field, Slot)],
    views: &'a [View<'a>],
    entries: &mut [(&'a Field, Option<&'a dyn Value>)],
) {
    for ((entry, view), (field, _)) in entries.iter_mut().zip(views).zip(values) {
        *entry = (field, Some(view.as_value()));
    }
}
