//! Finding personal data and secrets in bytes.
//!
//! A [`Scanner`] is compiled once and shared (`Clone` is an `Arc` clone; it is
//! `Send + Sync`). It reports non-overlapping [`Finding`]s in order.
//!
//! # How it scans
//!
//! The built-in detectors are hand-written, anchored matchers driven by two
//! fast searches instead of a regular-expression engine:
//!
//! - a word-at-a-time search for the bytes that every numeric or address-like
//!   value contains (`0-9`, `:` and `@`), sixteen bytes a step;
//! - a SIMD literal search (Aho-Corasick with Teddy) for credential prefixes
//!   (`eyJ`, `AKIA`, `ghp_`, `Bearer `, `-----BEGIN `, ...).
//!
//! At each hit the matchers that can start there run, validate (Luhn, IIN
//! ranges, mod-97, SSN rules, octet ranges, base64 that decodes to
//! `user:password`), and check word boundaries. Text without such bytes costs
//! only the two searches.
//!
//! # Which finding wins
//!
//! The scan is leftmost-first: the finding that starts first wins. Among the
//! candidates starting at the same byte the longest wins, and between equally
//! long ones the most specific kind (the order of [`Kind`]) wins. Custom
//! detectors run over the whole haystack; where their findings and the
//! built-in ones overlap, the overlapping findings become one finding that
//! covers them all (nothing any detector found is left out), of the kind
//! that ranks first: the longest, then the most specific kind; built-in
//! kinds rank before custom ones.

mod bytes;
mod encoded;
mod kind;
mod numbers;
mod text;

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

pub(crate) use encoded::decode_str;
pub(crate) use kind::KindSet;
pub use kind::{CustomId, Finding, Kind};
pub(crate) use numbers::{iban_mod97, known_iin, luhn};

use bytes::{ALNUM, HEX, is, next_trigger, strict_start, word_start};
use text::{KEYWORDS, Keyword};

/// Why a [`ScannerBuilder`] refused its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScannerError {
    /// A custom regular expression did not compile.
    #[error("custom detector `{name}`: invalid pattern: {reason}")]
    Pattern {
        /// The detector's name.
        name: String,
        /// What the regex compiler said.
        reason: String,
    },
    /// A literal list was empty or held an empty literal.
    #[error("custom detector `{name}`: literal lists must be non-empty and hold no empty literal")]
    EmptyLiterals {
        /// The detector's name.
        name: String,
    },
    /// Two custom detectors share a name, or a name is empty.
    #[error("custom detector name `{name}` is empty or already used")]
    Name {
        /// The offending name.
        name: String,
    },
    /// More custom detectors than a scanner holds (65 535).
    #[error("too many custom detectors")]
    TooMany,
}

enum Custom {
    Regex(regex::bytes::Regex),
    Literals { ac: AhoCorasick, whole_words: bool },
}

struct Inner {
    kinds: KindSet,
    keywords: Option<(AhoCorasick, Vec<(Keyword, Kind)>)>,
    /// The keyword patterns grouped by first byte, for short haystacks where
    /// a plain loop beats setting up the SIMD search.
    short: ShortKeywords,
    digits: bool,
    custom: Vec<(String, Custom)>,
}

/// A compiled set of detectors. Build with [`Scanner::new`] (every built-in
/// detector) or [`Scanner::builder`].
///
/// ```
/// use shroud_core::{Kind, Scanner};
///
/// let scanner = Scanner::new();
/// let text = "mail jane.roe@example.com, card 4111 1111 1111 1111";
/// let kinds: Vec<Kind> = scanner.scan_str(text).iter().map(|f| f.kind).collect();
/// assert_eq!(kinds, [Kind::Email, Kind::PaymentCard]);
/// ```
#[derive(Clone)]
pub struct Scanner {
    inner: Arc<Inner>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl core::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scanner")
            .field("kinds", &self.inner.kinds)
            .field(
                "custom",
                &self
                    .inner
                    .custom
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Configures a [`Scanner`]: which built-in kinds, and custom detectors.
#[derive(Debug, Clone)]
#[must_use]
pub struct ScannerBuilder {
    kinds: KindSet,
    custom: Vec<CustomSpec>,
}

/// `Debug` shows a detector's name and size, never its pattern or literals
/// (customer ids, names: what it is there to find).
#[derive(Clone)]
enum CustomSpec {
    Regex {
        name: String,
        pattern: String,
    },
    Literals {
        name: String,
        literals: Vec<String>,
        case_insensitive: bool,
        whole_words: bool,
    },
}

impl std::fmt::Debug for CustomSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CustomSpec::Regex { name, .. } => f
                .debug_struct("Regex")
                .field("name", name)
                .finish_non_exhaustive(),
            CustomSpec::Literals { name, literals, .. } => f
                .debug_struct("Literals")
                .field("name", name)
                .field("count", &literals.len())
                .finish_non_exhaustive(),
        }
    }
}

impl CustomSpec {
    fn name(&self) -> &str {
        match self {
            CustomSpec::Regex { name, .. } | CustomSpec::Literals { name, .. } => name,
        }
    }
}

/// Options for a literal-list detector.
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct LiteralOptions {
    /// Match ASCII letters regardless of case.
    pub case_insensitive: bool,
    /// Only match where the literal is not glued to other letters or digits.
    pub whole_words: bool,
}

impl Default for ScannerBuilder {
    fn default() -> Self {
        ScannerBuilder {
            kinds: KindSet::ALL,
            custom: Vec::new(),
        }
    }
}

impl ScannerBuilder {
    /// Enables only the given built-in kinds.
    pub fn only(mut self, kinds: impl IntoIterator<Item = Kind>) -> Self {
        self.kinds = KindSet::default();
        for k in kinds {
            self.kinds.insert(k);
        }
        self
    }

    /// Disables one built-in kind.
    pub fn disable(mut self, kind: Kind) -> Self {
        self.kinds.remove(kind);
        self
    }

    /// Enables one built-in kind.
    pub fn enable(mut self, kind: Kind) -> Self {
        self.kinds.insert(kind);
        self
    }

    /// Adds a detector for a regular expression, matched on bytes with ASCII
    /// semantics (`\d`, `\w` and `\b` are ASCII-only unless the pattern turns
    /// Unicode on with `(?u)`), so it stays fast.
    pub fn regex(mut self, name: impl Into<String>, pattern: impl Into<String>) -> Self {
        self.custom.push(CustomSpec::Regex {
            name: name.into(),
            pattern: pattern.into(),
        });
        self
    }

    /// Adds a detector for a list of literal strings (names of internal
    /// projects, customer ids, ...).
    pub fn literals<I, S>(mut self, name: impl Into<String>, literals: I, options: LiteralOptions) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.custom.push(CustomSpec::Literals {
            name: name.into(),
            literals: literals.into_iter().map(Into::into).collect(),
            case_insensitive: options.case_insensitive,
            whole_words: options.whole_words,
        });
        self
    }

    /// Compiles the scanner.
    pub fn build(self) -> Result<Scanner, ScannerError> {
        if self.custom.len() > usize::from(u16::MAX) {
            return Err(ScannerError::TooMany);
        }
        let mut custom = Vec::with_capacity(self.custom.len());
        for spec in self.custom {
            let name = spec.name().to_owned();
            if name.is_empty() || custom.iter().any(|(n, _)| n == &name) {
                return Err(ScannerError::Name { name });
            }
            let compiled = match spec {
                CustomSpec::Regex { pattern, .. } => regex::bytes::RegexBuilder::new(&pattern)
                    .unicode(false)
                    .size_limit(8 << 20)
                    .build()
                    .map(Custom::Regex)
                    .map_err(|e| ScannerError::Pattern {
                        name: name.clone(),
                        reason: e.to_string(),
                    })?,
                CustomSpec::Literals {
                    literals,
                    case_insensitive,
                    whole_words,
                    ..
                } => {
                    if literals.is_empty() || literals.iter().any(String::is_empty) {
                        return Err(ScannerError::EmptyLiterals { name });
                    }
                    let ac = AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostLongest)
                        .ascii_case_insensitive(case_insensitive)
                        .build(&literals)
                        .map_err(|e| ScannerError::Pattern {
                            name: name.clone(),
                            reason: e.to_string(),
                        })?;
                    Custom::Literals { ac, whole_words }
                }
            };
            custom.push((name, compiled));
        }
        let kinds = self.kinds;
        let table: Vec<(&str, Keyword, Kind)> = KEYWORDS
            .iter()
            .copied()
            .filter(|(_, kw, kind)| match kw {
                Keyword::Jose => kinds.any_of(&[Kind::Jwt, Kind::Jwe]),
                _ => kinds.contains(*kind),
            })
            .collect();
        let keywords = if table.is_empty() {
            None
        } else {
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(table.iter().map(|(p, _, _)| p))
                .expect("built-in keyword table compiles");
            Some((ac, table.iter().map(|&(_, kw, k)| (kw, k)).collect()))
        };
        let digits = kinds.any_of(&[
            Kind::Email,
            Kind::Phone,
            Kind::PaymentCard,
            Kind::Iban,
            Kind::Ssn,
            Kind::IpV4,
            Kind::IpV6,
        ]);
        let short = ShortKeywords::new(table.iter().map(|(p, _, _)| p.as_bytes()), digits);
        Ok(Scanner {
            inner: Arc::new(Inner {
                kinds,
                keywords,
                short,
                digits,
                custom,
            }),
        })
    }
}

impl Scanner {
    /// A scanner with every built-in detector and no custom one.
    pub fn new() -> Scanner {
        ScannerBuilder::default()
            .build()
            .expect("the default scanner compiles")
    }

    /// Starts configuring a scanner; every built-in kind is on by default.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// Whether the scanner reports this kind.
    pub fn detects(&self, kind: Kind) -> bool {
        match kind {
            Kind::Custom(id) => id.index() < self.inner.custom.len(),
            k => self.inner.kinds.contains(k),
        }
    }

    /// The name a custom detector was given.
    pub fn custom_name(&self, id: CustomId) -> Option<&str> {
        self.inner.custom.get(id.index()).map(|(n, _)| n.as_str())
    }

    /// The id of a custom detector by name.
    pub fn custom_id(&self, name: &str) -> Option<CustomId> {
        self.inner
            .custom
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| CustomId(i as u16))
    }

    /// The name of a kind as written in `[REDACTED:<kind>]` and in policies:
    /// a built-in kind's [`Kind::name`], or a custom detector's own name.
    pub fn kind_name(&self, kind: Kind) -> &str {
        match kind {
            Kind::Custom(id) => self.custom_name(id).unwrap_or("custom"),
            k => k.name(),
        }
    }

    /// Whether `hay` could hold a finding. `false` means [`scan`](Self::scan)
    /// and [`for_each_decoded`](Self::for_each_decoded) certainly find
    /// nothing; `true` means they may. One pass over the bytes
    /// with no per-call setup, for callers that scan many short strings
    /// (JSON values, log fields) and want to skip most of them cheaply.
    /// Always `true` when custom detectors are configured.
    ///
    /// ```
    /// use shroud_core::Scanner;
    ///
    /// let s = Scanner::new();
    /// assert!(!s.may_match(b"likes hiking and reading"));
    /// assert!(s.may_match(b"jane@example.com"));
    /// assert!(s.may_match(b"bearer abcdefghijklmnop"));
    /// ```
    pub fn may_match(&self, hay: &[u8]) -> bool {
        let inner = &*self.inner;
        if !inner.custom.is_empty() {
            return true;
        }
        // One pass over the stops `scan_short` looks at.
        let short = &inner.short;
        let mut from = 0;
        while let Some(i) = short.next_stop(hay, from) {
            if short.class[usize::from(hay[i])] & TRIGGER != 0 || short.at(hay, i).is_some() {
                return true;
            }
            from = i + 1;
        }
        // A reference or a percent-escape may decode to a trigger or to a
        // keyword's first byte (`&commat;`, `%65yJ...`).
        memchr::memchr2(b'&', b'%', hay).is_some()
    }

    /// Whether [`for_each_decoded`](Self::for_each_decoded) finds nothing
    /// in `hay`: [`is_clean`](Self::is_clean) for text in which nothing
    /// may decode.
    ///
    /// ```
    /// use shroud_core::Scanner;
    ///
    /// let s = Scanner::new();
    /// assert!(s.is_clean(b"/signup?contact=%2B1+415+555+2671"));
    /// assert!(!s.is_clean_decoded(b"/signup?contact=%2B1+415+555+2671"));
    /// ```
    pub fn is_clean_decoded(&self, hay: &[u8]) -> bool {
        if !encoded::may_be_encoded(hay) {
            return self.is_clean(hay);
        }
        let mut clean = true;
        self.for_each_decoded(hay, |_| clean = false);
        clean
    }

    /// All findings in `hay`, in order, non-overlapping.
    pub fn scan(&self, hay: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.for_each(hay, |f| out.push(f));
        out
    }

    /// All findings in `text`. Every range is a valid `str` boundary pair.
    pub fn scan_str(&self, text: &str) -> Vec<Finding> {
        self.scan(text.as_bytes())
    }

    /// Whether `hay` holds nothing this scanner detects. Stops at the first
    /// finding.
    pub fn is_clean(&self, hay: &[u8]) -> bool {
        if self.inner.custom.is_empty() {
            let mut clean = true;
            self.scan_builtin(hay, &mut |_| {
                clean = false;
                false
            });
            clean
        } else {
            self.scan(hay).is_empty()
        }
    }

    /// Calls `f` with every finding in order, without allocating when no
    /// custom detector is configured.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(Finding)) {
        if self.inner.custom.is_empty() {
            self.scan_builtin(hay, &mut |x| {
                f(x);
                true
            });
            return;
        }
        let mut all = Vec::new();
        self.scan_builtin(hay, &mut |x| {
            all.push(x);
            true
        });
        for (i, (_, c)) in self.inner.custom.iter().enumerate() {
            let kind = Kind::Custom(CustomId(i as u16));
            match c {
                Custom::Regex(re) => {
                    for m in re.find_iter(hay) {
                        if !m.is_empty() {
                            all.push(Finding {
                                kind,
                                range: whole_chars(hay, m.range()),
                            });
                        }
                    }
                }
                Custom::Literals { ac, whole_words } => {
                    for m in ac.find_iter(hay) {
                        let r = m.range();
                        if !*whole_words || (word_start(hay, r.start) && bytes::word_end(hay, r.end)) {
                            all.push(Finding {
                                kind,
                                range: whole_chars(hay, r),
                            });
                        }
                    }
                }
            }
        }
        for x in resolve_overlaps(all) {
            f(x);
        }
    }

    /// [`for_each`](Self::for_each) over `hay` read as a browser or a
    /// server reads it: what stands for an ASCII character is decoded
    /// before the detectors run, and each finding's range covers the raw
    /// bytes, encodings included, so replacing it leaves no encoded
    /// character of the value behind. Decoded:
    ///
    /// - HTML character references (`&#106;`, `&#x40;`, `&commat;`,
    ///   `&period;`, with or without leading zeros, numeric ones without
    ///   their `;` too) and the no-break space (`&nbsp;`, `&#160;`, read as
    ///   a space);
    /// - URL percent-escapes of printable ASCII and the space (`%40`,
    ///   `%2B`, `%20`);
    /// - a `+` between two digits, read as a space (form encoding:
    ///   `415+555+2671`).
    ///
    /// Text in which nothing decodes is scanned as
    /// [`for_each`](Self::for_each) scans it (an eight-byte-step look for
    /// `&`, `%` and `+` first). Other text is decoded into a copy (on the
    /// stack up to 256 bytes; beyond, a copy and a map of four bytes per
    /// input byte) and both the copy and the raw text are scanned: decoding
    /// can split what the raw text holds whole (a `+` inside a base64 token
    /// or in an address, `john+2024@example.com`), so every byte either
    /// scan finds is covered, overlapping findings merged into one. Inputs
    /// of 4 GiB or more are scanned undecoded.
    ///
    /// ```
    /// use shroud_core::{Kind, Scanner};
    ///
    /// // An address as WordPress's `antispambot` writes it.
    /// let html = "<a>&#106;a&#x6e;e&#64;&#x65;xample&#46;com</a>";
    /// let mut found = Vec::new();
    /// Scanner::new().for_each_decoded(html.as_bytes(), |f| found.push(f));
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].kind, Kind::Email);
    /// assert_eq!(&html[found[0].range.clone()], "&#106;a&#x6e;e&#64;&#x65;xample&#46;com");
    ///
    /// // A phone number in a form-encoded query string.
    /// let url = "/signup?phone=%2B1+415+555+2671&plan=pro";
    /// let mut found = Vec::new();
    /// Scanner::new().for_each_decoded(url.as_bytes(), |f| found.push(f));
    /// assert_eq!(found[0].kind, Kind::Phone);
    /// assert_eq!(&url[found[0].range.clone()], "%2B1+415+555+2671");
    /// ```
    #[inline]
    pub fn for_each_decoded(&self, hay: &[u8], f: impl FnMut(Finding)) {
        if encoded::may_be_encoded(hay) {
            self.scan_decoded(hay, f);
        } else {
            self.for_each(hay, f);
        }
    }

    /// [`for_each_decoded`](Self::for_each_decoded) of text that may hold
    /// an encoding, out of line: most text has none.
    #[inline(never)]
    fn scan_decoded(&self, hay: &[u8], mut f: impl FnMut(Finding)) {
        /// Inputs up to this long are decoded on the stack.
        const ON_STACK: usize = 256;
        // The map's offsets are `u32`.
        let Some(first) = encoded::first_encoding(hay).filter(|_| u32::try_from(hay.len()).is_ok()) else {
            return self.for_each(hay, f);
        };
        // Decoding can split a value the raw text holds whole (a `+` inside
        // a base64 token or an address's local part: `john+2024@...`), so
        // the raw text is scanned too, and every byte either scan covers is
        // covered, overlapping findings merged.
        let mut all = Vec::new();
        let mut decoded = |text: &[u8], map: &[u32]| {
            self.for_each(text, |x| {
                all.push(Finding {
                    kind: x.kind,
                    range: map[x.range.start] as usize..map[x.range.end] as usize,
                })
            })
        };
        let (mut text_on_stack, mut map_on_stack, mut text_on_heap, mut map_on_heap);
        let (text, map): (&mut [u8], &mut [u32]) = if hay.len() <= ON_STACK {
            (text_on_stack, map_on_stack) = ([0u8; ON_STACK], [0u32; ON_STACK + 1]);
            (&mut text_on_stack, &mut map_on_stack)
        } else {
            (text_on_heap, map_on_heap) = (vec![0u8; hay.len()], vec![0u32; hay.len() + 1]);
            (&mut text_on_heap, &mut map_on_heap)
        };
        let n = encoded::decode(hay, first, text, map);
        decoded(&text[..n], &map[..=n]);
        self.for_each(hay, |x| all.push(x));
        for x in resolve_overlaps(all) {
            f(x);
        }
    }

    /// The built-in scan. `emit` answers whether to go on.
    #[inline]
    fn scan_builtin<F: FnMut(Finding) -> bool>(&self, hay: &[u8], emit: &mut F) {
        if hay.len() < SHORT_HAYSTACK {
            self.scan_short(hay, emit);
        } else {
            self.scan_long(hay, emit);
        }
    }

    /// The built-in scan of a short input (a log field, a JSON value): one
    /// pass, one table load a byte, looking for the next byte that can start
    /// a keyword or is a trigger. Finds what [`scan_long`](Self::scan_long)
    /// finds, in the same order.
    ///
    /// Generic over `emit` so that each caller's handling of a finding is
    /// compiled into the loop (values are short: per-call costs count).
    #[inline]
    fn scan_short<F: FnMut(Finding) -> bool>(&self, hay: &[u8], emit: &mut F) {
        let inner = &*self.inner;
        let class: &[u8; 256] = &inner.short.class;
        let mut pos = 0usize;
        let mut floor = 0usize;
        let mut run_end = 0usize;
        while pos < hay.len() {
            let Some(i) = inner.short.next_stop(hay, pos) else {
                return;
            };
            let c = class[usize::from(hay[i])];
            let keyword = if c & KEYWORD_START != 0 {
                inner.short.at(hay, i)
            } else {
                None
            };
            let found = if let Some((e, p)) = keyword {
                self.at_keyword(hay, i, e, p, floor)
            } else if c & TRIGGER != 0 {
                // A failed attempt may skip a run (`1:eyJ...`, `443:Bearer`)
                // in which a credential starts: not past its keyword.
                self.at_trigger(hay, i, floor, &mut run_end).map_err(|skip| {
                    (i + 1..skip.min(hay.len()))
                        .find(|&j| {
                            class[usize::from(hay[j])] & KEYWORD_START != 0
                                && inner.short.at(hay, j).is_some()
                        })
                        .unwrap_or(skip)
                })
            } else {
                Err(i + 1)
            };
            match found {
                Ok(f) => {
                    pos = f.range.end;
                    floor = pos;
                    if !emit(f) {
                        return;
                    }
                }
                Err(skip) => pos = skip.max(i + 1),
            }
        }
    }

    /// The built-in scan of any input: the next keyword (Aho-Corasick, or
    /// [`ShortKeywords`] near the end) and the next trigger byte, whichever
    /// comes first.
    fn scan_long(&self, hay: &[u8], emit: &mut dyn FnMut(Finding) -> bool) {
        let inner = &*self.inner;
        let mut pos = 0usize;
        let mut floor = 0usize;
        // The next keyword hit at or after `pos`; `usize::MAX` when none is left.
        let mut kw_at: Option<(usize, usize, usize)> = None;
        let mut kw_done = inner.keywords.is_none();
        let mut dg_at: Option<usize> = None;
        let mut dg_done = !inner.digits;
        // The end of the last alphanumeric run measured by `at_trigger`.
        let mut run_end = 0usize;
        while pos < hay.len() {
            if !kw_done && kw_at.is_none_or(|(s, _, _)| s < pos) {
                kw_at = if hay.len() - pos < SHORT_HAYSTACK {
                    inner.short.find(hay, pos)
                } else {
                    let (ac, _) = inner.keywords.as_ref().expect("keywords present");
                    ac.find(Input::new(hay).span(pos..hay.len()))
                        .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                };
                kw_done = kw_at.is_none();
            }
            if !dg_done && dg_at.is_none_or(|s| s < pos) {
                dg_at = next_trigger(hay, pos);
                dg_done = dg_at.is_none();
            }
            let k = if kw_done {
                usize::MAX
            } else {
                kw_at.map_or(usize::MAX, |m| m.0)
            };
            let d = if dg_done {
                usize::MAX
            } else {
                dg_at.unwrap_or(usize::MAX)
            };
            if k == usize::MAX && d == usize::MAX {
                return;
            }
            let found = if k <= d {
                let (s, e, p) = kw_at.expect("keyword hit");
                self.at_keyword(hay, s, e, p, floor)
            } else {
                // A failed attempt does not skip past the next keyword.
                self.at_trigger(hay, d, floor, &mut run_end)
                    .map_err(|skip| skip.min(k))
            };
            match found {
                Ok(f) => {
                    pos = f.range.end;
                    floor = pos;
                    if !emit(f) {
                        return;
                    }
                }
                Err(skip) => pos = skip.max(pos + 1),
            }
        }
    }

    /// The credential that keyword pattern `p`, found at `s..e`, starts, or
    /// where to look next.
    #[inline]
    fn at_keyword(&self, hay: &[u8], s: usize, e: usize, p: usize, floor: usize) -> Result<Finding, usize> {
        let (kw, _) = self.inner.keywords.as_ref().expect("keywords present").1[p];
        if let Keyword::AtEntity = kw {
            return text::email_reference(hay, s, floor)
                .map(|(start, end)| Finding {
                    kind: Kind::Email,
                    range: start..end,
                })
                .ok_or(e);
        }
        match text::credential(hay, s, e - s, kw) {
            Ok((kind, end)) if self.inner.kinds.contains(kind) => Ok(Finding { kind, range: s..end }),
            Ok((_, end)) => Err(end),
            Err(skip) => Err(skip.max(s + 1)),
        }
    }

    /// Tries the detectors that can match around the trigger byte at `t`.
    /// Answers the finding, or where to look next.
    ///
    /// The bytes right after the leading digits decide which detectors can
    /// start here at all, so most numbers that are not PII cost one look.
    ///
    /// `run_end` is where the last alphanumeric run measured here ended; a
    /// later trigger inside that run reuses it, so that a long run
    /// interrupted by keyword starts (`x` then `eyJ1` repeated, where each
    /// failed keyword limits the skip) is measured once, not once a
    /// trigger. Triggers only move forward within one scan.
    fn at_trigger(&self, hay: &[u8], t: usize, floor: usize, run_end: &mut usize) -> Result<Finding, usize> {
        let kinds = self.inner.kinds;
        let b = hay[t];
        if b == b'@' {
            if kinds.contains(Kind::Email)
                && let Some((s, e)) = text::email(hay, t, floor)
            {
                return Ok(Finding {
                    kind: Kind::Email,
                    range: s..e,
                });
            }
            return Err(t + 1);
        }
        // `%40`, a percent-encoded `@` (an email address in a URL), and
        // `&#64;` or `&#x40;` (leading zeros allowed), the HTML character
        // references.
        if matches!(b, b'0' | b'4' | b'6') && t > floor && kinds.contains(Kind::Email) {
            let found = match hay[t - 1] {
                b'%' if b == b'4' => text::email_pct(hay, t - 1, floor),
                // `&#` then the digits, or `&#x` then the digits.
                b'#' => text::email_reference(hay, t.saturating_sub(2), floor),
                b'x' | b'X' if hay[t.saturating_sub(2)] == b'#' => {
                    text::email_reference(hay, t.saturating_sub(3), floor)
                }
                _ => None,
            };
            if let Some((s, e)) = found {
                return Ok(Finding {
                    kind: Kind::Email,
                    range: s..e,
                });
            }
        }
        // The start of the word holding the trigger: letters right before it
        // may belong to an IBAN country code or an IPv6 group.
        let mut ws = t;
        while ws > floor && t - ws < 5 && is(hay[ws - 1], ALNUM) {
            ws -= 1;
        }
        // Where to look next when nothing is found here: past this word (and
        // past any longer run an IPv6 attempt rules out).
        let known = *run_end;
        #[cfg(test)]
        let known = if tests::NO_SHORTCUTS.with(std::cell::Cell::get) {
            0
        } else {
            known
        };
        let mut word_end = || {
            // Every byte from the trigger that measured `known` up to it is
            // alphanumeric, so is every byte from `t`.
            let e = if t < known && is(hay[t], ALNUM) {
                known
            } else {
                t + bytes::run(hay, t, ALNUM, usize::MAX)
            };
            *run_end = e;
            e.max(t + 1)
        };
        if t - ws >= 5 || !word_start(hay, ws) {
            return Err(word_end());
        }
        let mut best = Best::default();
        let ipv6_here = |best: &mut Best, skip: &mut usize| {
            let hexlen = bytes::run(hay, ws, HEX, 5);
            if kinds.contains(Kind::IpV6) && hexlen <= 4 && hay.get(ws + hexlen) == Some(&b':') {
                match text::ipv6(hay, ws) {
                    Ok(e) => best.consider(kinds, Kind::IpV6, ws, Some(e)),
                    Err(e) => *skip = (*skip).max(e),
                }
            }
        };
        let mut skip = t + 1;
        if ws < t {
            // Letters then the trigger: `DE89...` (or `de89...`) or `fe80::`.
            if t - ws == 2
                && hay[ws].is_ascii_alphabetic()
                && hay[ws].is_ascii_uppercase() == hay[ws + 1].is_ascii_uppercase()
                && hay[ws + 1].is_ascii_alphabetic()
                && b != b':'
            {
                best.consider(kinds, Kind::Iban, ws, numbers::iban(hay, ws));
            }
            ipv6_here(&mut best, &mut skip);
            return best.finding.ok_or_else(|| skip.max(word_end()));
        }
        if b == b':' {
            ipv6_here(&mut best, &mut skip);
            return best.finding.ok_or_else(|| skip.max(word_end()));
        }
        // A number at a word start.
        let d = bytes::digits(hay, t, 20);
        let next = hay.get(t + d).copied();
        let before = if t > floor { hay[t - 1] } else { 0 };
        match next {
            Some(b':') => ipv6_here(&mut best, &mut skip),
            Some(c) if c.is_ascii_hexdigit() && d <= 4 => ipv6_here(&mut best, &mut skip),
            _ => {}
        }
        let strict = strict_start(hay, t);
        let grouped = matches!(next, Some(b' ' | b'-'));
        // The byte after the separator: a card or a national phone number
        // of several groups needs a second group there, so a lone small
        // number (`in 12 ms`) is not parsed as either.
        let second = || {
            #[cfg(test)]
            if tests::NO_SHORTCUTS.with(std::cell::Cell::get) {
                return Some(b'0');
            }
            hay.get(t + d + 1).copied()
        };
        if (d >= 13 && !matches!(next, Some(b'0'..=b'9')))
            // A dotted card's first group has four digits, as every
            // issuer's layout does; IPv4 octets have at most three.
            || ((grouped && (3..=6).contains(&d) || next == Some(b'.') && d == 4)
                && matches!(second(), Some(b'0'..=b'9')))
        {
            best.consider(kinds, Kind::PaymentCard, t, numbers::card(hay, t));
        }
        if strict && d == 3 && grouped {
            best.consider(kinds, Kind::Ssn, t, numbers::ssn(hay, t));
        }
        if strict && d <= 3 && next == Some(b'.') {
            best.consider(kinds, Kind::IpV4, t, numbers::ipv4(hay, t));
        }
        let mut national = strict;
        if matches!(before, b'+' | b'(') && strict_start(hay, t - 1) {
            let found = numbers::phone(hay, t - 1);
            // `(415-555-2671)`: no `(…)` group, a number in brackets.
            national = strict && before == b'(' && found.is_none();
            best.consider(kinds, Kind::Phone, t - 1, found);
        }
        if national
            && (grouped || next == Some(b'.'))
            && d <= 5
            && matches!(second(), Some(b'0'..=b'9' | b'('))
            && !best.covers_phone_at(hay, t)
        {
            best.consider(kinds, Kind::Phone, t, numbers::phone(hay, t));
        }
        best.finding.ok_or_else(|| skip.max(word_end()))
    }
}

/// The best candidate at one trigger: leftmost, then longest, then most
/// specific.
#[derive(Default)]
struct Best {
    finding: Option<Finding>,
}

impl Best {
    /// Whether no phone number starting at `t` could beat the candidate held:
    /// one that starts earlier, or at `t` and reaching past every digit and
    /// phone punctuation (`( ) - . space`) that follows (a phone ends within
    /// them, and loses ties as the least specific kind). Saves the phone
    /// parse after a card, an SSN or an IPv4 address.
    #[inline]
    fn covers_phone_at(&self, hay: &[u8], t: usize) -> bool {
        #[cfg(test)]
        if tests::NO_SHORTCUTS.with(std::cell::Cell::get) {
            return false;
        }
        let Some(f) = &self.finding else { return false };
        if f.range.start != t {
            return f.range.start < t;
        }
        // The run of phone characters from `t` ends at or before the
        // candidate's end when the byte there is not one of them.
        !hay.get(f.range.end)
            .is_some_and(|b| matches!(b, b'0'..=b'9' | b'(' | b')' | b'-' | b'.' | b' '))
    }

    #[inline]
    fn consider(&mut self, kinds: KindSet, kind: Kind, start: usize, end: Option<usize>) {
        let Some(end) = end else { return };
        if !kinds.contains(kind) {
            return;
        }
        let cand = Finding {
            kind,
            range: start..end,
        };
        let better = match &self.finding {
            None => true,
            Some(b) => {
                cand.range.start < b.range.start
                    || (cand.range.start == b.range.start
                        && (cand.len() > b.len() || (cand.len() == b.len() && kind < b.kind)))
            }
        };
        if better {
            self.finding = Some(cand);
        }
    }
}

/// Below this many bytes left, keywords are found by [`ShortKeywords`].
const SHORT_HAYSTACK: usize = 64;
/// A byte that starts some keyword.
const KEYWORD_START: u8 = 1;
/// A trigger byte (digit, `:`, `@`) while numbers are detected.
const TRIGGER: u8 = 2;

/// Keyword patterns by their first two bytes, in preference order.
struct ShortKeywords {
    /// One bit per two-byte prefix of some pattern (every pattern has at
    /// least three bytes).
    pairs: Box<[u64; 1024]>,
    /// Whether a byte starts some pattern: most bytes are ruled out by one
    /// load.
    first: Box<[bool; 256]>,
    /// Per byte: [`KEYWORD_START`] when it starts some pattern, [`TRIGGER`]
    /// when it is a trigger byte and numbers are detected.
    class: Box<[u8; 256]>,
    /// `(prefix, pattern, id)`, sorted by prefix; patterns sharing a prefix
    /// keep their preference order.
    patterns: Vec<(u16, Box<[u8]>, usize)>,
}

impl ShortKeywords {
    fn new<'a>(patterns: impl Iterator<Item = &'a [u8]>, digits: bool) -> ShortKeywords {
        let mut pairs = Box::new([0u64; 1024]);
        let mut patterns: Vec<(u16, Box<[u8]>, usize)> = patterns
            .enumerate()
            .map(|(id, p)| (u16::from(p[0]) << 8 | u16::from(p[1]), p.into(), id))
            .collect();
        patterns.sort_by_key(|(k, _, _)| *k);
        let mut first = Box::new([false; 256]);
        for (k, _, _) in &patterns {
            first[usize::from(*k >> 8)] = true;
            let k = usize::from(*k);
            pairs[k >> 6] |= 1 << (k & 63);
        }
        let mut class = Box::new([0u8; 256]);
        for b in 0..=255u8 {
            if first[usize::from(b)] {
                class[usize::from(b)] |= KEYWORD_START;
            }
            if digits && bytes::is_trigger(b) {
                class[usize::from(b)] |= TRIGGER;
            }
        }
        ShortKeywords {
            pairs,
            first,
            class,
            patterns,
        }
    }

    /// The first position at or after `from` where a keyword may start or a
    /// trigger byte sits: every position [`at`](Self::at) or a trigger could
    /// answer for, and few others.
    #[inline]
    fn next_stop(&self, hay: &[u8], from: usize) -> Option<usize> {
        let class: &[u8; 256] = &self.class;
        let pairs: &[u64; 1024] = &self.pairs;
        let tail = hay.get(from..)?;
        // One table load rules out most bytes; a keyword's first byte then
        // needs its pair checked.
        let mut i = 0;
        while i < tail.len() {
            let b = tail[i];
            let c = class[usize::from(b)];
            if c != 0 {
                if c & TRIGGER != 0 {
                    return Some(from + i);
                }
                // The last byte starts no keyword (each has three bytes or more).
                let &next = tail.get(i + 1)?;
                let k = usize::from(b) << 8 | usize::from(next);
                if pairs[k >> 6] >> (k & 63) & 1 != 0 {
                    return Some(from + i);
                }
            }
            i += 1;
        }
        None
    }

    /// The keyword starting at `at`, if any (the first listed wins), as
    /// `(end, pattern)`.
    #[inline]
    fn at(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        let k = usize::from(*hay.get(at)?) << 8 | usize::from(*hay.get(at + 1)?);
        if self.pairs[k >> 6] >> (k & 63) & 1 == 0 {
            return None;
        }
        let from = self.patterns.partition_point(|(p, _, _)| usize::from(*p) < k);
        self.patterns[from..]
            .iter()
            .take_while(|(pk, _, _)| usize::from(*pk) == k)
            .find(|(_, p, _)| hay[at..].starts_with(p))
            .map(|(_, p, id)| (at + p.len(), *id))
    }

    /// The leftmost keyword at or after `pos` (the first listed wins at one
    /// start), as `(start, end, pattern)`.
    fn find(&self, hay: &[u8], pos: usize) -> Option<(usize, usize, usize)> {
        let tail = hay.get(pos..)?;
        let first: &[bool; 256] = &self.first;
        let pairs: &[u64; 1024] = &self.pairs;
        let mut i = 0;
        while i + 1 < tail.len() {
            let b0 = tail[i];
            if first[usize::from(b0)] {
                let k = usize::from(b0) << 8 | usize::from(tail[i + 1]);
                if pairs[k >> 6] >> (k & 63) & 1 != 0 {
                    let at = pos + i;
                    let from = self.patterns.partition_point(|(p, _, _)| usize::from(*p) < k);
                    for (pk, p, id) in &self.patterns[from..] {
                        if usize::from(*pk) != k {
                            break;
                        }
                        if hay[at..].starts_with(p) {
                            return Some((at, at + p.len(), *id));
                        }
                    }
                }
            }
            i += 1;
        }
        None
    }
}

/// `range` widened to whole characters: a custom pattern compiled without
/// Unicode (`.` matches a byte) may end inside a multi-byte character.
fn whole_chars(hay: &[u8], mut range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let continuation = |b: u8| b & 0xC0 == 0x80;
    while range.start > 0 && continuation(hay[range.start]) {
        range.start -= 1;
    }
    while range.end < hay.len() && continuation(hay[range.end]) {
        range.end += 1;
    }
    range
}

/// Merges overlapping findings into one that covers them all, of the kind
/// of the one that ranks first (longest, then most specific kind); answers
/// them in order.
fn resolve_overlaps(mut all: Vec<Finding>) -> Vec<Finding> {
    all.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
    });
    let ranks_before =
        |a: &Finding, b: &Finding| a.len() > b.len() || (a.len() == b.len() && a.kind < b.kind);
    // Each merged range with the finding whose kind it takes.
    let mut merged: Vec<(std::ops::Range<usize>, Finding)> = Vec::new();
    for f in all {
        match merged.last_mut() {
            Some((range, best)) if f.range.start < range.end => {
                range.end = range.end.max(f.range.end);
                if ranks_before(&f, best) {
                    *best = f;
                }
            }
            _ => merged.push((f.range.clone(), f)),
        }
    }
    merged
        .into_iter()
        .map(|(range, best)| Finding {
            kind: best.kind,
            range,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;

    use super::*;

    thread_local! {
        /// Turns off the parses `at_trigger` skips (`Best::covers_phone_at`,
        /// the second-group check, the remembered run end), for the tests that
        /// compare.
        pub(super) static NO_SHORTCUTS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn both_paths(scanner: &Scanner, hay: &[u8]) -> (Vec<Finding>, Vec<Finding>) {
        let (mut short, mut long) = (Vec::new(), Vec::new());
        scanner.scan_short(hay, &mut |f| {
            short.push(f);
            true
        });
        scanner.scan_long(hay, &mut |f| {
            long.push(f);
            true
        });
        (short, long)
    }

    #[test]
    fn short_and_general_paths_agree_on_known_values() {
        let scanner = Scanner::new();
        for hay in [
            "jane.roe@example.com",
            "4111 1111 1111 1111",
            "+1 415 555 2671",
            "from 203.0.113.7 and fe80::1",
            "Bearer abcdefghijklmnopqrstuvwxyz",
            "key AKIAIOSFODNN7EXAMPLE ok",
            "DE89 3704 0044 0532 0130 00",
        ] {
            let (short, long) = both_paths(&scanner, hay.as_bytes());
            assert!(!short.is_empty(), "{hay}");
            assert_eq!(short, long, "{hay}");
        }
    }

    #[test]
    fn private_key_blocks_are_found_whole() {
        let scanner = Scanner::new();
        let block =
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
        let rsa = block.replace("PRIVATE KEY", "RSA PRIVATE KEY");
        for hay in [
            format!("key: {block} done"),
            format!("{rsa}\n{block}"),
            // A header without an end, then a whole block: the block is found.
            format!("-----BEGIN PRIVATE KEY-----\nAAAA\n{block}"),
        ] {
            let found = scanner.scan(hay.as_bytes());
            let keys: Vec<&str> = found
                .iter()
                .filter(|f| f.kind == Kind::PrivateKey)
                .map(|f| &hay[f.range.clone()])
                .collect();
            assert!(!keys.is_empty(), "{hay}");
            for k in keys {
                assert!(
                    k.starts_with("-----BEGIN ") && k.ends_with("PRIVATE KEY-----"),
                    "{k}"
                );
            }
        }
        assert!(scanner.scan(b"-----BEGIN PRIVATE KEY-----\nAAAA\n").is_empty());
    }

    #[test]
    fn a_basic_credential_may_end_a_sentence() {
        let scanner = Scanner::new();
        for hay in [
            "send Basic dXNlcjpwYXNz.",
            "send Basic dXNlcjpwYXNz. Then",
            "Basic dXNlcjpwYXNzd29yZA==.",
        ] {
            let (short, long) = both_paths(&scanner, hay.as_bytes());
            assert_eq!(short, long, "{hay}");
            let f = short
                .iter()
                .find(|f| f.kind == Kind::BasicCredential)
                .unwrap_or_else(|| panic!("{hay}"));
            assert!(
                hay[f.range.clone()].starts_with("Basic ") && !hay[f.range.clone()].ends_with('.'),
                "{hay}"
            );
        }
        // Not when the dot goes on into more of a token.
        assert!(
            scanner
                .scan(b"Basic dXNlcjpwYXNz.x")
                .iter()
                .all(|f| f.kind != Kind::BasicCredential)
        );
    }

    #[test]
    fn builder_debug_hides_patterns_and_literals() {
        let b = Scanner::builder().regex("acct", r"ACCT-9931\d+").literals(
            "vip",
            ["Jane Roe"],
            LiteralOptions::default(),
        );
        let shown = format!("{b:?}");
        assert!(shown.contains("acct") && shown.contains("vip"), "{shown}");
        assert!(!shown.contains("9931") && !shown.contains("Jane"), "{shown}");
    }

    #[test]
    fn a_failed_address_attempt_does_not_skip_a_credential() {
        // A run of hex digits and colons that is no IPv6 address may hold
        // the start of a credential, or follow a label.
        let scanner = Scanner::new();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let cases: Vec<(String, Kind, &str)> = vec![
            (format!("1:{jwt}"), Kind::Jwt, jwt),
            (format!("session:1:{jwt}"), Kind::Jwt, jwt),
            (
                "443:Bearer abcdefghijklmnopqrstuvwxyz".into(),
                Kind::BearerToken,
                "Bearer abcdefghijklmnopqrstuvwxyz",
            ),
            (
                "1:AKIAIOSFODNN7EXAMPLE".into(),
                Kind::AwsAccessKey,
                "AKIAIOSFODNN7EXAMPLE",
            ),
            ("ip:2001:db8::1".into(), Kind::IpV6, "2001:db8::1"),
            ("addr:fe80::1 up".into(), Kind::IpV6, "fe80::1"),
        ];
        for (hay, kind, value) in &cases {
            // Alone (the short path) and inside a long text (the general one).
            for hay in [
                hay.clone(),
                format!("{} {hay} {}", "w ".repeat(40), "w ".repeat(40)),
            ] {
                let (short, long) = both_paths(&scanner, hay.as_bytes());
                assert_eq!(short, long, "{hay}");
                assert!(
                    short
                        .iter()
                        .any(|f| f.kind == *kind && &hay[f.range.clone()] == *value),
                    "{hay}: {short:?}"
                );
            }
        }
        // Still no address inside a run of groups: `12345:1::1` has a
        // five-digit first group.
        assert!(scanner.scan(b"12345:1::1").iter().all(|f| f.kind != Kind::IpV6));
    }

    const PIECES: &[&str] = &[
        "@",
        ".",
        ":",
        "::",
        "+",
        "(",
        ")",
        "-",
        " ",
        "=",
        "_",
        "/",
        "eyJ",
        "eyJhbGciOiJIUzI1NiJ9",
        "AKIA",
        "ghp_",
        "xoxb-",
        "sk_live_",
        "Bearer ",
        "Basic ",
        "dXNlcjpwYXNz",
        "-----BEGIN ",
        "4111",
        "1111",
        "123",
        "45",
        "6789",
        "255",
        "0",
        "1",
        "9",
        "DE89",
        "3704",
        "fe80",
        "db8",
        "2001",
        "a",
        "Z",
        "jane",
        "example",
        "com",
        "\u{e9}",
        "\"",
        "%40",
        "%",
        "&#64;",
        "&#x40;",
        "&#064",
        "&#x0040;",
        "&commat;",
    ];

    proptest::proptest! {
        #[test]
        fn short_path_finds_what_the_general_path_finds(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(PIECES).prop_map(|s| s.as_bytes().to_vec()),
                    proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3),
                ],
                0..24,
            ),
            which in 0usize..3,
        ) {
            let mut hay = parts.concat();
            hay.truncate(SHORT_HAYSTACK - 1);
            let scanner = match which {
                0 => Scanner::new(),
                1 => Scanner::builder().only([Kind::Jwt, Kind::BearerToken, Kind::ApiKey]).build().unwrap(),
                _ => Scanner::builder().only([Kind::Email, Kind::Phone, Kind::IpV4]).build().unwrap(),
            };
            let (short, long) = both_paths(&scanner, &hay);
            proptest::prop_assert_eq!(short, long);
        }

        /// The remembered end of an alphanumeric run changes no finding, in
        /// runs broken up by keyword starts and triggers, on both paths.
        #[test]
        fn remembered_run_ends_change_nothing(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "x", "eyJ1", "eyJ", "eyJhbGciOiJIUzI1NiJ9", ".", "1", "12", ":", "fe80", "::1",
                    "ghp_", "sk-", "AKIA", "4111", " ", "@", "a@b.co", "Bearer ", "DE89",
                    "370400440532013000", "_", "-", "+1 415 555 2671",
                ]),
                0..80,
            ),
        ) {
            let hay = parts.concat().into_bytes();
            let s = Scanner::new();
            let fast = s.scan(&hay);
            NO_SHORTCUTS.with(|c| c.set(true));
            let full = s.scan(&hay);
            NO_SHORTCUTS.with(|c| c.set(false));
            proptest::prop_assert_eq!(fast, full);
        }
    }

    fn kinds(s: &str) -> Vec<(Kind, &str)> {
        Scanner::new()
            .scan_str(s)
            .into_iter()
            .map(|f| (f.kind, &s[f.range]))
            .collect()
    }

    #[test]
    fn mixed_text() {
        let text = "Contact jane.roe@example.com or +1 415 555 2671; card 4111-1111-1111-1111, \
                    IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, from 10.0.0.1 and 2001:db8::1. \
                    Key AKIAIOSFODNN7EXAMPLE and Authorization: Bearer abcdefghijklmnop123.";
        assert_eq!(
            kinds(text),
            [
                (Kind::Email, "jane.roe@example.com"),
                (Kind::Phone, "+1 415 555 2671"),
                (Kind::PaymentCard, "4111-1111-1111-1111"),
                (Kind::Iban, "DE89 3704 0044 0532 0130 00"),
                (Kind::Ssn, "123-45-6789"),
                (Kind::IpV4, "10.0.0.1"),
                (Kind::IpV6, "2001:db8::1"),
                (Kind::AwsAccessKey, "AKIAIOSFODNN7EXAMPLE"),
                (Kind::BearerToken, "Bearer abcdefghijklmnop123"),
            ]
        );
    }

    #[test]
    fn negatives_stay_clean() {
        for s in [
            "id 550e8400-e29b-41d4-a716-446655440000",
            "order ORD-2024-118834 shipped 2024-05-01T12:30:45Z",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "version 1.75.0 costs $1,299.99 at 12:30",
            "std::vec::Vec and a::b",
        ] {
            assert_eq!(kinds(s), [], "{s}");
        }
    }

    /// An `@` written `%40`, as URL builders write it in query values.
    #[test]
    fn percent_encoded_emails_are_found() {
        assert_eq!(
            kinds("GET /verify?email=jane.roe%40example.com&next=%2Fhome"),
            [(Kind::Email, "jane.roe%40example.com")]
        );
        assert_eq!(
            kinds("filename*=UTF-8''user42%40mail.example.org.csv"),
            [(Kind::Email, "user42%40mail.example.org.csv")]
        );
        assert_eq!(
            kinds("u=jane%2Btag%40example.com"),
            [(Kind::Email, "jane%2Btag%40example.com")]
        );
        for clean in ["100%40", "a %40 b", "x%40y", "%40example.com", "50%400"] {
            assert!(
                kinds(clean).iter().all(|(k, _)| *k != Kind::Email),
                "{clean}: {:?}",
                kinds(clean)
            );
        }
        // HTML character references for `@`.
        assert_eq!(
            kinds("<a>jane.roe&#64;example.com</a>"),
            [(Kind::Email, "jane.roe&#64;example.com")]
        );
        assert_eq!(
            kinds("mail: jane&#x40;example.com; or J&#X40;x.io"),
            [
                (Kind::Email, "jane&#x40;example.com"),
                (Kind::Email, "J&#X40;x.io")
            ]
        );
        // As browsers read them: leading zeros, no semicolon, and the
        // named reference `&commat;`.
        for (text, email) in [
            ("<a>jane&#064;example.com</a>", "jane&#064;example.com"),
            ("jane&#x0040;example.com", "jane&#x0040;example.com"),
            ("mailto:jane&#64example.com", "jane&#64example.com"),
            ("jane&#x40;example.com", "jane&#x40;example.com"),
            (
                "<p>jane.roe&commat;example.com</p>",
                "jane.roe&commat;example.com",
            ),
            ("2jane&commat;mail.example.org", "2jane&commat;mail.example.org"),
        ] {
            assert_eq!(kinds(text), [(Kind::Email, email)], "{text}");
            let (short, long) = both_paths(&Scanner::new(), text.as_bytes());
            assert_eq!(short, long, "{text}");
        }
        for clean in [
            "&#64;example.com",
            "a &#64; b",
            "x&#64;y",
            "&#640;",
            "x&#6400;y.com",
            "a&#x41;b.com",
            // `&#x40e` is one reference (U+040E), not `@` then `e`.
            "jane&#x40example.com",
            "&commat;example.com",
            "a &commat; b",
            "jane&Commat;example.com",
            "jane&commatexample.com",
        ] {
            assert!(
                kinds(clean).iter().all(|(k, _)| *k != Kind::Email),
                "{clean}: {:?}",
                kinds(clean)
            );
        }
        // Both scan paths agree, alone and in a long text.
        let s = Scanner::new();
        let hay = format!("{} a%40b.io {}", "w ".repeat(40), "w ".repeat(40));
        let (short, long) = both_paths(&s, b"a%40b.io");
        assert_eq!(short, long);
        assert_eq!(s.scan(hay.as_bytes()).len(), 1);
    }

    fn decoded(s: &str) -> Vec<(Kind, &str)> {
        let mut out = Vec::new();
        Scanner::new().for_each_decoded(s.as_bytes(), |f| out.push((f.kind, &s[f.range])));
        out
    }

    /// Values written with character references are found whole, their
    /// range covering the references.
    #[test]
    fn character_references_are_decoded_for_the_detectors() {
        for (text, kind, value) in [
            (
                "<b>4111&#32;1111&#32;1111&#32;1111</b>",
                Kind::PaymentCard,
                "4111&#32;1111&#32;1111&#32;1111",
            ),
            (
                "tel: +1&nbsp;415&nbsp;555&nbsp;2671.",
                Kind::Phone,
                "+1&nbsp;415&nbsp;555&nbsp;2671",
            ),
            (
                "from 203&#46;0.113&period;7 at",
                Kind::IpV4,
                "203&#46;0.113&period;7",
            ),
            (
                "jane&#46;doe@example.com",
                Kind::Email,
                "jane&#46;doe@example.com",
            ),
            (
                "jane@example.co&#x2e;uk x",
                Kind::Email,
                "jane@example.co&#x2e;uk",
            ),
        ] {
            assert_eq!(decoded(text), [(kind, value)], "{text}");
        }
        // What is not a reference to an ASCII character stays as it is.
        assert!(decoded("AT&T &amp; co &#233;t&eacute;").is_empty());
        let long = format!("{} jane&#64;example.com", "AT&amp;T ".repeat(20));
        assert_eq!(decoded(&long), [(Kind::Email, "jane&#64;example.com")]);
    }

    proptest::proptest! {
        /// An address with any of its characters written as a decimal or
        /// hexadecimal reference (as WordPress's `antispambot` writes them)
        /// is one finding covering all of it; every byte `for_each` covers
        /// in other text, `for_each_decoded` covers too, and text without
        /// an encoding (no `&`, `%` or `+`) is scanned as `for_each` scans
        /// it.
        #[test]
        fn encoded_addresses_are_found_whole(
            how in proptest::collection::vec(0u8..3, 20),
            plain in "[a-zA-Z0-9 .@:+%/=-]{0,80}",
        ) {
            let addr = "jane.doe@example.com";
            let mut enc = String::new();
            for (c, h) in addr.chars().zip(&how) {
                match h {
                    0 => enc.push(c),
                    1 => enc.push_str(&format!("&#{};", c as u32)),
                    _ => enc.push_str(&format!("&#x{:x};", c as u32)),
                }
            }
            let text = format!("<p>{enc}</p>");
            proptest::prop_assert_eq!(decoded(&text), [(Kind::Email, enc.as_str())]);
            let s = Scanner::new();
            let mut a = Vec::new();
            s.for_each_decoded(plain.as_bytes(), |f| a.push(f));
            let raw = s.scan(plain.as_bytes());
            if !plain.contains(['&', '%', '+']) {
                proptest::prop_assert_eq!(&a, &raw);
            }
            for f in &raw {
                proptest::prop_assert!(
                    a.iter().any(|d| d.range.start <= f.range.start && f.range.end <= d.range.end),
                    "{:?} not covered in {:?}",
                    f,
                    a
                );
            }
        }
    }

    /// Values in URLs, percent-encoded or form-encoded, are found whole,
    /// their range covering the escapes.
    #[test]
    fn percent_escapes_are_decoded_for_the_detectors() {
        for (text, kind, value) in [
            (
                "GET /signup?phone=%2B14155552671&x=1",
                Kind::Phone,
                "%2B14155552671",
            ),
            (
                "?phone=%2B1%20415%20555%202671&",
                Kind::Phone,
                "%2B1%20415%20555%202671",
            ),
            (
                "phone=%2B1+415+555+2671&name=Jane",
                Kind::Phone,
                "%2B1+415+555+2671",
            ),
            ("tel=415+555+2671", Kind::Phone, "415+555+2671"),
            (
                "card=4111%201111%201111%201111",
                Kind::PaymentCard,
                "4111%201111%201111%201111",
            ),
            (
                "card=4111+1111+1111+1111&",
                Kind::PaymentCard,
                "4111+1111+1111+1111",
            ),
            ("ssn=123%2D45%2D6789", Kind::Ssn, "123%2D45%2D6789"),
            ("ip=203%2E0%2E113%2E7", Kind::IpV4, "203%2E0%2E113%2E7"),
            (
                "q=jane%2edoe%40example.com",
                Kind::Email,
                "jane%2edoe%40example.com",
            ),
            (
                "t=%65yJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                Kind::Jwt,
                "%65yJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            ),
        ] {
            assert_eq!(decoded(text), [(kind, value)], "{text}");
        }
        // What the raw text holds whole stays whole: a `+` inside a token
        // or a local part is not a form-encoded space there.
        for (text, kind, value) in [
            (
                "Authorization: Bearer 9h1JJBtBW7+1KymGhukFQ3PK5vMPtAtc x",
                Kind::BearerToken,
                "Bearer 9h1JJBtBW7+1KymGhukFQ3PK5vMPtAtc",
            ),
            (
                "mail john1990+2024@gmail.com now",
                Kind::Email,
                "john1990+2024@gmail.com",
            ),
            (
                "to=first%2Clast@example.com",
                Kind::Email,
                "first%2Clast@example.com",
            ),
        ] {
            assert_eq!(decoded(text), [(kind, value)], "{text}");
        }
        // Text whose `%` and `+` decode to nothing a detector reads.
        for text in [
            "50% off, 100%25 sure, 2+2=4, C++",
            "at 2026-11-24T10:00:00+01:00",
            "v1.2.3+build.7 and %C3%A9t%C3%A9",
        ] {
            assert!(decoded(text).is_empty(), "{text}");
        }
    }

    proptest::proptest! {
        /// A phone number, a card number or an address with any of its
        /// characters percent-escaped (either case of hex) and any space
        /// between digits written `+` is one finding covering all of it.
        #[test]
        fn percent_encoded_values_are_found_whole(
            which in 0usize..3,
            how in proptest::collection::vec(0u8..4, 24),
        ) {
            let (value, kind) = [
                ("+1 415 555 2671", Kind::Phone),
                ("4111 1111 1111 1111", Kind::PaymentCard),
                ("jane.doe@example.com", Kind::Email),
            ][which];
            let mut enc = String::new();
            for (c, h) in value.chars().zip(&how) {
                match h {
                    0 => enc.push(c),
                    1 => enc.push_str(&format!("%{:02X}", c as u32)),
                    2 => enc.push_str(&format!("%{:02x}", c as u32)),
                    _ if c == ' ' => enc.push('+'),
                    _ => enc.push(c),
                }
            }
            let text = format!("/x?a=1&v={enc}&b=2");
            proptest::prop_assert_eq!(decoded(&text), [(kind, enc.as_str())]);
        }
    }

    #[test]
    fn number_inside_email_is_the_email() {
        assert_eq!(
            kinds("reach +14155552671@sms.example.com now"),
            [(Kind::Email, "+14155552671@sms.example.com")]
        );
    }

    #[test]
    fn short_and_long_haystacks_agree() {
        let s = Scanner::new();
        let unit = "x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl AKIAIOSFODNN7EXAMPLE ghp_";
        for n in 1..6 {
            let text = unit.repeat(n);
            let long = s.scan_str(&text);
            // Each piece alone is short; together they are long.
            let pieces: Vec<_> = text
                .split_inclusive(' ')
                .flat_map(|p| s.scan_str(p).into_iter().map(|f| f.kind))
                .collect();
            assert_eq!(long.iter().map(|f| f.kind).collect::<Vec<_>>(), pieces);
            assert_eq!(long.len(), 2 * n);
        }
    }

    #[test]
    fn skipping_parses_changes_no_finding() {
        let s = Scanner::new();
        let mut r = 0x9E37_79B9_7F4A_7C15_u64;
        // Digit groups with separators, the shapes phones, cards, SSNs and
        // IPv4 addresses share, between words.
        let mut next = move |n: u64| {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r % n
        };
        let mut phones = 0;
        let mut others = 0;
        for _ in 0..50_000 {
            let mut hay = Vec::new();
            if next(2) == 0 {
                hay.extend_from_slice(b"tel ");
            }
            match next(4) {
                0 => hay.push(b'+'),
                1 => hay.push(b'('),
                _ => {}
            }
            let sep = b" -."[next(3) as usize];
            for g in 0..1 + next(6) {
                if g > 0 {
                    hay.push(if next(8) == 0 {
                        b" -.)"[next(4) as usize]
                    } else {
                        sep
                    });
                }
                for _ in 0..1 + next(6) {
                    hay.push(b'0' + next(10) as u8);
                }
            }
            // A lone number before a word (`in 12 ms`, `4111 x`).
            if next(4) == 0 {
                hay.extend_from_slice([b" ms", b"-ab", b".x(", b" (1"][next(4) as usize]);
            }
            if next(2) == 0 {
                hay.extend_from_slice(b" ok");
            }
            let fast = s.scan(&hay);
            NO_SHORTCUTS.with(|c| c.set(true));
            let full = s.scan(&hay);
            NO_SHORTCUTS.with(|c| c.set(false));
            assert_eq!(fast, full, "{:?}", String::from_utf8_lossy(&hay));
            phones += full.iter().filter(|f| f.kind == Kind::Phone).count();
            others += full.iter().filter(|f| f.kind != Kind::Phone).count();
        }
        assert!(
            phones > 1000 && others > 150,
            "the corpus holds phones ({phones}) and cards, SSNs, addresses ({others})"
        );
        for hay in [
            "4111 1111 1111 1111",
            "203.0.113.7",
            "078-05-1120",
            "call 415.555.2671 now",
            "took 12 ms",
            "4111 ok",
            "415 (555) 2671",
        ] {
            let fast = s.scan(hay.as_bytes());
            NO_SHORTCUTS.with(|c| c.set(true));
            assert_eq!(fast, s.scan(hay.as_bytes()), "{hay}");
            NO_SHORTCUTS.with(|c| c.set(false));
        }
    }

    #[test]
    fn may_match_never_hides_a_finding() {
        let s = Scanner::new();
        let mut r = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b"aeyJAKISBbrsk_-:@.0123456789 +()GHPx";
        for _ in 0..20_000 {
            let len = (r % 40) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    r ^= r << 13;
                    r ^= r >> 7;
                    r ^= r << 17;
                    alphabet[(r % alphabet.len() as u64) as usize]
                })
                .collect();
            if !s.may_match(&hay) {
                assert!(s.scan(&hay).is_empty(), "{:?}", String::from_utf8_lossy(&hay));
            }
        }
        let only_email = Scanner::builder().only([Kind::Email]).build().unwrap();
        assert!(!only_email.may_match(b"eyJ and AKIA but no at sign"));
        assert!(
            Scanner::builder()
                .regex("x", "q")
                .build()
                .unwrap()
                .may_match(b"q")
        );
    }

    #[test]
    fn disabled_kinds_are_not_reported() {
        let s = Scanner::builder().only([Kind::Email]).build().unwrap();
        let found = s.scan_str("a@example.com 4111111111111111 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Kind::Email);
    }

    #[test]
    fn custom_detectors_merge_longest_first() {
        let s = Scanner::builder()
            .regex("employee", r"\bEMP-\d{6}\b")
            .literals(
                "project",
                ["Project Nightjar"],
                LiteralOptions {
                    case_insensitive: true,
                    whole_words: true,
                },
            )
            .build()
            .unwrap();
        let text = "EMP-123456 on project nightjar mailed a@example.com";
        let got: Vec<_> = s
            .scan_str(text)
            .into_iter()
            .map(|f| (s.kind_name(f.kind).to_owned(), f.range))
            .collect();
        assert_eq!(
            got,
            [
                ("employee".to_owned(), 0..10),
                ("project".to_owned(), 14..30),
                ("email".to_owned(), 38..51),
            ]
        );
    }

    #[test]
    fn bad_custom_detectors_are_refused() {
        assert!(matches!(
            Scanner::builder().regex("x", "(").build(),
            Err(ScannerError::Pattern { .. })
        ));
        assert!(matches!(
            Scanner::builder()
                .literals("x", Vec::<String>::new(), LiteralOptions::default())
                .build(),
            Err(ScannerError::EmptyLiterals { .. })
        ));
        assert!(matches!(
            Scanner::builder().regex("x", "a").regex("x", "b").build(),
            Err(ScannerError::Name { .. })
        ));
    }
}
