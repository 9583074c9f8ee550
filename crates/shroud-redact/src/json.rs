//! The streaming JSON redactor: an incremental tokenizer with a path stack,
//! independent of HTTP.
//!
//! Bytes outside strings are copied through in bulk; a string is held only
//! while it may need replacing (a key when rules or detectors need it, a value
//! that must be scanned, a value a rule matched), and never past
//! [`Limits::max_pending`](crate::Limits::max_pending). Numbers and literals
//! are held too (they are short, and held to be validated). Memory is the
//! depth stack plus the longest pending token, whatever the body size.

use memchr::memchr2;
use shroud_core::{Kind, Outcome, REDACTED, Redactor, Strategy, Target};

use crate::error::RedactError;
use crate::policy::{Inner, Policy};
use crate::summary::{Counters, RedactionSummary};

mod fast;
mod keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value is expected (document start, after `:`, after `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value inside a container: `,` or the closing bracket.
    After,
    /// After the root value: only whitespace (or, in sequence mode, more records).
    Done,
    /// Inside a string.
    Str,
    /// Inside a number.
    Number,
    /// Inside `true`, `false` or `null`.
    Literal,
}

/// What happens to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disp {
    /// Run the detectors (when on).
    Scan,
    /// Leave this value and everything in it alone.
    Keep,
    /// Apply rule `n`.
    Rule(u16),
    /// Replace by `null` (a dropped array element or root).
    Null(u16),
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    obj: bool,
    /// Whether a member was written (so the next one needs its comma).
    emitted: bool,
    keep: bool,
    /// Path rules whose segments matched down to this container.
    live: u64,
    /// The index of the next array element.
    index: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    No,
    Backslash,
    Hex(u8),
}

/// A push-style streaming JSON redactor.
///
/// Feed it the body's bytes in any split; it writes redacted JSON that is
/// valid whenever the input is, and byte-identical to the input outside the
/// values it replaced. A malformed document, nesting past the cap or a pending
/// token past the cap is an error; the output written before the error holds
/// only complete, scanned tokens.
///
/// ```
/// use shroud_core::Strategy;
/// use shroud_redact::{JsonRedactor, Policy};
///
/// let policy = Policy::builder().key("ssn", Strategy::Drop).build()?;
/// let mut r = JsonRedactor::new(policy);
/// let mut out = Vec::new();
/// for chunk in [&br#"{"name":"Ja"#[..], br#"ne","ssn":"078-05-1120","mail":"ja"#, br#"ne@example.com"}"#] {
///     r.feed(chunk, &mut out)?;
/// }
/// r.finish(&mut out)?;
/// assert_eq!(out, br#"{"name":"Jane","mail":"[REDACTED:email]"}"#);
/// assert_eq!(r.summary().rules["ssn"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JsonRedactor {
    policy: Policy,
    state: State,
    stack: Vec<Frame>,
    /// A token is held: it starts at `tok_start` in the current input, after
    /// the bytes already in `pending`.
    holding: bool,
    tok_start: usize,
    pending: Vec<u8>,
    /// Bytes of the current input from `mark` on are not yet written.
    mark: usize,
    esc: Esc,
    escaped: bool,
    is_key: bool,
    /// The disposition of the value after the current key.
    next: Disp,
    next_live: u64,
    /// The disposition of the scalar being read.
    disp: Disp,
    /// Output is suppressed until the value at this depth ends.
    suppress: Option<usize>,
    need_keys: bool,
    sequence: bool,
    started: bool,
    consumed: u64,
    failed: bool,
    scratch: String,
    /// A masked value, before it is written as a JSON string.
    masked: String,
    keys: keys::KeyCache,
    repl: Vec<u8>,
    counters: Counters,
    /// How many JSON strings this document is nested in (see
    /// [`MAX_NESTED`]).
    nested: u8,
    /// Whether the fast lane runs (tests compare it with the general machine).
    #[cfg(test)]
    lane: bool,
}

/// Shows the parser's position, never the bytes it holds (a pending token
/// may be a value still to be redacted).
impl std::fmt::Debug for JsonRedactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonRedactor")
            .field("state", &self.state)
            .field("depth", &self.stack.len())
            .field("pending_bytes", &(self.pending.len() + usize::from(self.holding)))
            .field("consumed", &self.consumed)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl JsonRedactor {
    /// A redactor for one JSON document.
    pub fn new(policy: Policy) -> JsonRedactor {
        JsonRedactor::with_mode(policy, false)
    }

    /// A redactor for a sequence of JSON values separated by whitespace or
    /// RS (`0x1E`): NDJSON and RFC 7464 JSON text sequences, each record
    /// redacted on its own.
    pub fn sequence(policy: Policy) -> JsonRedactor {
        JsonRedactor::with_mode(policy, true)
    }

    fn with_mode(policy: Policy, sequence: bool) -> JsonRedactor {
        let need_keys = !policy.inner.rules.is_empty() || policy.inner.redactor.is_some();
        let keys = keys::KeyCache::for_policy(&policy.inner);
        JsonRedactor {
            policy,
            state: State::Value,
            stack: Vec::new(),
            holding: false,
            tok_start: 0,
            pending: Vec::new(),
            mark: 0,
            esc: Esc::No,
            escaped: false,
            is_key: false,
            next: Disp::Scan,
            next_live: 0,
            disp: Disp::Scan,
            suppress: None,
            need_keys,
            sequence,
            started: false,
            consumed: 0,
            failed: false,
            scratch: String::new(),
            masked: String::new(),
            keys,
            repl: Vec::new(),
            counters: Counters::default(),
            nested: 0,
            #[cfg(test)]
            lane: true,
        }
    }

    /// What was redacted so far.
    pub fn summary(&self) -> RedactionSummary {
        self.counters.summary(&self.policy)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Redacts the next bytes of the body, appending output to `out`.
    ///
    /// On error, `out` holds every complete, scanned token before the error;
    /// every later call fails.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        if self.failed {
            return Err(RedactError::Failed);
        }
        let before = out.len();
        let r = self.run(input, out);
        self.counters.bytes_in += input.len() as u64;
        self.counters.bytes_out += (out.len() - before) as u64;
        if r.is_err() {
            self.fail();
        }
        r
    }

    /// Ends the body: completes a trailing number and checks the document is
    /// whole.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        if self.failed {
            return Err(RedactError::Failed);
        }
        let before = out.len();
        let r = self.finish_inner(out);
        self.counters.bytes_out += (out.len() - before) as u64;
        if r.is_err() {
            self.fail();
        }
        r
    }

    fn fail(&mut self) {
        self.failed = true;
        self.pending = Vec::new();
        self.scratch = String::new();
        self.masked = String::new();
    }

    fn finish_inner(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        self.mark = 0;
        self.tok_start = 0;
        match self.state {
            State::Number => self.end_number(&[], 0, out)?,
            State::Literal => self.end_literal(&[], 0, out)?,
            _ => {}
        }
        if self.holding {
            return Err(RedactError::Truncated);
        }
        match self.state {
            State::Done => Ok(()),
            State::Value if self.stack.is_empty() && (!self.started || self.sequence) => Ok(()),
            _ => Err(RedactError::Truncated),
        }
    }

    fn syntax(&self, i: usize) -> RedactError {
        RedactError::Syntax {
            offset: self.consumed + i as u64,
        }
    }

    #[inline]
    fn flush(&mut self, inp: &[u8], upto: usize, out: &mut Vec<u8>) {
        if self.suppress.is_none() {
            out.extend_from_slice(&inp[self.mark..upto]);
        }
        self.mark = upto;
    }

    /// Starts holding a token at `at`. Nothing is written: a token that
    /// turns out verbatim leaves with the next bulk write.
    #[inline]
    fn hold(&mut self, at: usize) {
        self.holding = true;
        self.tok_start = at;
    }

    fn run(&mut self, inp: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        self.mark = 0;
        let n = inp.len();
        let mut i = 0;
        while i < n {
            match self.state {
                State::Str => match self.esc {
                    Esc::No => match find_quote(&inp[i..]) {
                        None => i = n,
                        Some(k) => {
                            i += k;
                            if inp[i] == b'\\' {
                                self.esc = Esc::Backslash;
                                self.escaped = true;
                                i += 1;
                            } else {
                                i += 1;
                                self.end_string(inp, i, out)?;
                                // Common compact sequences, taken without a
                                // trip through the dispatch: `":"` after a
                                // key, `,"` after a value.
                                if i < n {
                                    let b = inp[i];
                                    if (self.state == State::Colon && b == b':')
                                        || (self.state == State::After && b == b',')
                                    {
                                        i = self.structural(inp, i, b, out)?;
                                        if i < n && inp[i] == b'"' {
                                            i = self.structural(inp, i, b'"', out)?;
                                        }
                                    }
                                }
                            }
                        }
                    },
                    Esc::Backslash => {
                        self.esc = match inp[i] {
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Esc::No,
                            b'u' => Esc::Hex(0),
                            _ => return Err(self.syntax(i)),
                        };
                        i += 1;
                    }
                    Esc::Hex(k) => {
                        if !inp[i].is_ascii_hexdigit() {
                            return Err(self.syntax(i));
                        }
                        self.esc = if k == 3 { Esc::No } else { Esc::Hex(k + 1) };
                        i += 1;
                    }
                },
                State::Number => {
                    while i < n && matches!(inp[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                        i += 1;
                    }
                    if i < n {
                        self.end_number(inp, i, out)?;
                    }
                }
                State::Literal => {
                    while i < n && inp[i].is_ascii_lowercase() {
                        i += 1;
                    }
                    if i < n {
                        self.end_literal(inp, i, out)?;
                    } else if self.pending.len() + (i - self.tok_start) > 5 {
                        return Err(self.syntax(i));
                    }
                }
                _ => {
                    if self.fast_ready() {
                        let j = self.fast(inp, i, out);
                        if j > i {
                            i = j;
                            continue;
                        }
                    }
                    let b = inp[i];
                    if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                        i += 1;
                        continue;
                    }
                    i = self.structural(inp, i, b, out)?;
                }
            }
        }
        if self.holding {
            self.flush(inp, self.tok_start, out);
            let part = &inp[self.tok_start..];
            let max = self.policy.inner.limits.max_pending;
            if self.pending.len() + part.len() > max {
                return Err(RedactError::TokenTooLong { max });
            }
            self.pending.extend_from_slice(part);
        } else {
            self.flush(inp, n, out);
        }
        self.tok_start = 0;
        self.mark = 0;
        self.consumed += n as u64;
        Ok(())
    }

    /// Handles a non-whitespace byte outside strings, numbers and literals;
    /// answers the next position.
    fn structural(&mut self, inp: &[u8], i: usize, b: u8, out: &mut Vec<u8>) -> Result<usize, RedactError> {
        match self.state {
            State::Value => {
                if self.stack.is_empty() && self.sequence && b == 0x1E {
                    return Ok(i + 1);
                }
                self.begin_value(inp, i, b, out)
            }
            State::ArrayFirst => {
                if b == b']' {
                    self.close(i + 1);
                    Ok(i + 1)
                } else {
                    self.begin_value(inp, i, b, out)
                }
            }
            State::ObjectFirst | State::Key => {
                if b == b'}' && self.state == State::ObjectFirst {
                    self.close(i + 1);
                    return Ok(i + 1);
                }
                if b != b'"' {
                    return Err(self.syntax(i));
                }
                if self.need_keys && self.suppress.is_none() {
                    if !self.holding {
                        self.hold(i);
                    }
                    // Fast path: the whole key is in this input, unescaped.
                    if let Some(k) = find_quote(&inp[i + 1..])
                        && inp[i + 1 + k] == b'"'
                    {
                        let end = i + 2 + k;
                        self.is_key = true;
                        self.escaped = false;
                        self.with_token(inp, end, out, |this, tok, repl| Ok(this.key_token(tok, repl)))?;
                        return Ok(end);
                    }
                }
                self.is_key = true;
                self.escaped = false;
                self.esc = Esc::No;
                self.state = State::Str;
                Ok(i + 1)
            }
            State::Colon => {
                if b != b':' {
                    return Err(self.syntax(i));
                }
                self.state = State::Value;
                Ok(i + 1)
            }
            State::After => {
                let top = *self.stack.last().expect("After has a container");
                match b {
                    b',' => {
                        if top.obj {
                            if self.need_keys && self.suppress.is_none() {
                                self.hold(i);
                            }
                            self.state = State::Key;
                        } else {
                            self.state = State::Value;
                        }
                        Ok(i + 1)
                    }
                    b'}' if top.obj => {
                        self.close(i + 1);
                        Ok(i + 1)
                    }
                    b']' if !top.obj => {
                        self.close(i + 1);
                        Ok(i + 1)
                    }
                    _ => Err(self.syntax(i)),
                }
            }
            State::Done => {
                if self.sequence && b == 0x1E {
                    return Ok(i + 1);
                }
                if self.sequence {
                    return self.begin_value(inp, i, b, out);
                }
                Err(self.syntax(i))
            }
            State::Str | State::Number | State::Literal => unreachable!("handled by run"),
        }
    }

    fn close(&mut self, end: usize) {
        self.stack.pop();
        self.value_done(end);
    }

    #[inline]
    fn value_done(&mut self, end: usize) {
        if let Some(d) = self.suppress
            && self.stack.len() == d
        {
            self.suppress = None;
            self.mark = end;
        }
        self.state = if self.stack.is_empty() {
            State::Done
        } else {
            State::After
        };
    }

    /// The disposition of the value starting now, and its live path rules.
    #[inline]
    fn take_disp(&mut self) -> (Disp, u64) {
        if self.suppress.is_some() {
            return (Disp::Scan, 0);
        }
        let inner = &*self.policy.inner;
        let depth = self.stack.len();
        let Some(top) = self.stack.last_mut() else {
            let all = if inner.paths.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << inner.paths.len()) - 1
            };
            return (Disp::Scan, all);
        };
        if top.obj {
            return (self.next, self.next_live);
        }
        let index = top.index;
        top.index += 1;
        if top.keep {
            return (Disp::Keep, 0);
        }
        if top.live == 0 {
            return (Disp::Scan, 0);
        }
        let level = depth - 1;
        let mut live = 0u64;
        let mut complete = 0u64;
        let mut bits = top.live;
        while bits != 0 {
            let r = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let p = &inner.paths[r];
            if p.len() > level && p[level].matches_index(index) {
                live |= 1 << r;
                if p.len() == level + 1 {
                    complete |= 1 << r;
                }
            }
        }
        if complete != 0 {
            let r = complete.trailing_zeros() as u16;
            return match inner.rules[r as usize].action {
                Strategy::Keep => (Disp::Keep, 0),
                Strategy::Drop => (Disp::Null(r), 0),
                _ => (Disp::Rule(r), 0),
            };
        }
        (Disp::Scan, live)
    }

    fn begin_value(&mut self, inp: &[u8], i: usize, b: u8, out: &mut Vec<u8>) -> Result<usize, RedactError> {
        self.started = true;
        let (d, live) = self.take_disp();
        match b {
            b'{' | b'[' => {
                let max = self.policy.inner.limits.max_depth;
                if self.stack.len() >= max {
                    return Err(RedactError::TooDeep { max });
                }
                let obj = b == b'{';
                match d {
                    Disp::Rule(r) | Disp::Null(r) if self.suppress.is_none() => {
                        self.flush(inp, i, out);
                        self.counters.rule(r as usize);
                        if matches!(d, Disp::Null(_)) {
                            out.extend_from_slice(b"null");
                        } else {
                            let text = match &self.policy.inner.rules[r as usize].action {
                                Strategy::Redact { text: Some(t) } => t.as_str(),
                                _ => REDACTED,
                            };
                            write_json_string(out, text);
                        }
                        self.suppress = Some(self.stack.len());
                    }
                    _ => {}
                }
                self.stack.push(Frame {
                    obj,
                    emitted: false,
                    keep: d == Disp::Keep,
                    live,
                    index: 0,
                });
                self.state = if obj {
                    State::ObjectFirst
                } else {
                    State::ArrayFirst
                };
            }
            b'"' => {
                self.disp = d;
                self.is_key = false;
                self.escaped = false;
                self.esc = Esc::No;
                let hold = self.suppress.is_none()
                    && match d {
                        Disp::Rule(_) | Disp::Null(_) => true,
                        Disp::Scan => self.policy.inner.redactor.is_some(),
                        Disp::Keep => false,
                    };
                // Fast path: the whole string is in this input, unescaped.
                if let Some(k) = find_quote(&inp[i + 1..])
                    && inp[i + 1 + k] == b'"'
                {
                    let end = i + 2 + k;
                    if hold {
                        self.hold(i);
                        self.with_token(inp, end, out, |this, tok, repl| Ok(this.string_token(tok, repl)))?;
                    }
                    self.value_done(end);
                    return Ok(end);
                }
                if hold {
                    self.hold(i);
                }
                self.state = State::Str;
            }
            b'-' | b'0'..=b'9' => {
                self.disp = d;
                // Fast path: a number that ends in this input and is written
                // as it is (no rule, too short to be a card).
                let inner = &*self.policy.inner;
                let mut e = i + 1;
                while e < inp.len() && matches!(inp[e], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    e += 1;
                }
                let verbatim = self.suppress.is_some()
                    || d == Disp::Keep
                    || (d == Disp::Scan && (e - i < 12 || !inner.numbers || inner.redactor.is_none()));
                if e < inp.len() && verbatim && e - i <= inner.limits.max_pending {
                    if !valid_number(&inp[i..e]) {
                        return Err(self.syntax(e));
                    }
                    self.value_done(e);
                    return Ok(e);
                }
                self.hold(i);
                self.state = State::Number;
            }
            b't' | b'f' | b'n' => {
                self.disp = d;
                let lit: &[u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                let e = i + lit.len();
                let verbatim = b == b'n' || self.suppress.is_some() || matches!(d, Disp::Scan | Disp::Keep);
                if verbatim && e < inp.len() && &inp[i..e] == lit && !inp[e].is_ascii_lowercase() {
                    self.value_done(e);
                    return Ok(e);
                }
                self.hold(i);
                self.state = State::Literal;
            }
            _ => return Err(self.syntax(i)),
        }
        Ok(i + 1)
    }

    /// Completes the held token ending at `end` of the current input: `f`
    /// sees the whole token (borrowed from the input when it did not span a
    /// frame boundary) and says what becomes of it, writing any replacement
    /// to the scratch buffer it is given. A verbatim token costs no copy: it
    /// stays in the input and leaves with the next bulk write.
    fn with_token(
        &mut self,
        inp: &[u8],
        end: usize,
        out: &mut Vec<u8>,
        f: impl FnOnce(&mut Self, &[u8], &mut Vec<u8>) -> Result<Act, RedactError>,
    ) -> Result<(), RedactError> {
        let max = self.policy.inner.limits.max_pending;
        let mut repl = std::mem::take(&mut self.repl);
        repl.clear();
        self.holding = false;
        let spanned = !self.pending.is_empty();
        let act = if spanned {
            let mut pending = std::mem::take(&mut self.pending);
            let head = pending.len();
            pending.extend_from_slice(&inp[..end]);
            if pending.len() > max {
                return Err(RedactError::TokenTooLong { max });
            }
            let act = f(self, &pending, &mut repl);
            if matches!(act, Ok(Act::Verbatim)) && self.suppress.is_none() {
                // The rest of the token is still in the input, ahead of `mark`.
                out.extend_from_slice(&pending[..head]);
            }
            pending.clear();
            self.pending = pending;
            act?
        } else {
            if end - self.tok_start > max {
                return Err(RedactError::TokenTooLong { max });
            }
            f(self, &inp[self.tok_start..end], &mut repl)?
        };
        match act {
            Act::Verbatim => {}
            Act::Replace | Act::Drop => {
                if !spanned {
                    self.flush(inp, self.tok_start, out);
                }
                if act == Act::Replace && self.suppress.is_none() {
                    out.extend_from_slice(&repl);
                }
                self.mark = end;
                if act == Act::Drop {
                    self.suppress = Some(self.stack.len());
                }
            }
        }
        self.repl = repl;
        Ok(())
    }

    #[inline]
    fn end_string(&mut self, inp: &[u8], end: usize, out: &mut Vec<u8>) -> Result<(), RedactError> {
        if !self.holding {
            if self.is_key {
                self.state = State::Colon;
                self.next = Disp::Scan;
                self.next_live = 0;
            } else {
                self.value_done(end);
            }
            return Ok(());
        }
        self.with_token(inp, end, out, |this, tok, repl| Ok(this.string_token(tok, repl)))?;
        if !self.is_key {
            self.value_done(end);
        }
        Ok(())
    }

    fn string_token(&mut self, tok: &[u8], repl: &mut Vec<u8>) -> Act {
        if self.is_key {
            return self.key_token(tok, repl);
        }
        if self.suppress.is_some() {
            return Act::Verbatim;
        }
        let inner = &*self.policy.inner;
        let content = &tok[1..tok.len() - 1];
        match self.disp {
            Disp::Keep => Act::Verbatim,
            Disp::Null(r) => {
                self.counters.rule(r as usize);
                repl.extend_from_slice(b"null");
                Act::Replace
            }
            Disp::Rule(r) => {
                self.counters.rule(r as usize);
                let text = string_text(content, self.escaped, &mut self.scratch);
                apply_rule(inner, r as usize, text, repl, &mut self.masked)
            }
            Disp::Scan => {
                // JSON inside a string (a serialized column, a webhook
                // payload) always holds escaped quotes.
                let rules = !inner.rules.is_empty();
                if self.escaped
                    && self.nested < MAX_NESTED
                    && rules
                    && let Some(act) = self.nested_document(content, repl)
                {
                    return act;
                }
                let inner = &*self.policy.inner;
                match &inner.redactor {
                    Some(red) => scan_string(
                        red,
                        tok,
                        self.escaped,
                        &mut self.scratch,
                        repl,
                        &mut self.counters,
                    ),
                    None => Act::Verbatim,
                }
            }
        }
    }

    /// A string value that holds a JSON document is redacted as one, key and
    /// path rules included (the client will `JSON.parse` it): the rules see
    /// `{"password":"x"}` inside `"{\"password\":\"x\"}"`. `None` when the
    /// text does not open like a document or does not parse: it is then
    /// scanned as text.
    fn nested_document(&mut self, content: &[u8], repl: &mut Vec<u8>) -> Option<Act> {
        unescape(content, &mut self.scratch);
        let text = std::mem::take(&mut self.scratch);
        let act = (|| {
            if opens_like_document(text.as_bytes()) != Some(true) {
                return None;
            }
            let mut doc = JsonRedactor::new(self.policy.clone());
            doc.nested = self.nested + 1;
            let mut out = Vec::with_capacity(text.len());
            doc.feed(text.as_bytes(), &mut out).ok()?;
            doc.finish(&mut out).ok()?;
            self.counters.merge(&doc.counters);
            if out == text.as_bytes() {
                return Some(Act::Verbatim);
            }
            repl.push(b'"');
            escape_into(repl, std::str::from_utf8(&out).ok()?);
            repl.push(b'"');
            Some(Act::Replace)
        })();
        self.scratch = text;
        act
    }

    /// A complete key, held from the comma before it (if any) to its closing quote.
    fn key_token(&mut self, region: &[u8], repl: &mut Vec<u8>) -> Act {
        self.state = State::Colon;
        self.next = Disp::Scan;
        self.next_live = 0;
        if self.suppress.is_some() {
            return Act::Verbatim;
        }
        let inner = &*self.policy.inner;
        let q = if region[0] == b'"' {
            0
        } else {
            memchr::memchr(b'"', region).expect("a key region holds its quote")
        };
        let raw = &region[q + 1..region.len() - 1];
        let depth = self.stack.len();
        let top = *self.stack.last().expect("keys are inside objects");
        let mut matched: Option<usize> = None;
        if top.keep {
            self.next = Disp::Keep;
        } else {
            let key: &[u8] = if self.escaped {
                unescape(raw, &mut self.scratch);
                self.scratch.as_bytes()
            } else {
                raw
            };
            if top.live != 0 {
                let level = depth - 1;
                let mut live = 0u64;
                let mut bits = top.live;
                while bits != 0 {
                    let r = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let p = &inner.paths[r];
                    if p.len() > level && p[level].matches_key(key) {
                        if p.len() == level + 1 {
                            if matched.is_none() {
                                matched = Some(r);
                            }
                        } else {
                            live |= 1 << r;
                        }
                    }
                }
                self.next_live = live;
            }
            if matched.is_none() {
                matched = self.keys.lookup(inner, key).rule();
            }
            if let Some(r) = matched {
                match inner.rules[r].action {
                    Strategy::Keep => {
                        self.next = Disp::Keep;
                        self.next_live = 0;
                    }
                    Strategy::Drop => {
                        self.counters.rule(r);
                        return Act::Drop;
                    }
                    _ => {
                        self.next = Disp::Rule(r as u16);
                        self.next_live = 0;
                    }
                }
            }
        }
        let prefix = &region[..q];
        let top = self.stack.last_mut().expect("keys are inside objects");
        let skip_comma = !top.emitted && prefix.first() == Some(&b',');
        top.emitted = true;
        if !skip_comma && (inner.redactor.is_none() || self.next == Disp::Keep) {
            return Act::Verbatim;
        }
        let prefix = if skip_comma { &prefix[1..] } else { prefix };
        repl.extend_from_slice(prefix);
        let key_act = match &inner.redactor {
            Some(red) if self.next != Disp::Keep => scan_string(
                red,
                &region[q..],
                self.escaped,
                &mut self.scratch,
                repl,
                &mut self.counters,
            ),
            _ => Act::Verbatim,
        };
        match (skip_comma, key_act) {
            (false, Act::Verbatim) => Act::Verbatim,
            (true, Act::Verbatim) => {
                repl.extend_from_slice(&region[q..]);
                Act::Replace
            }
            _ => Act::Replace,
        }
    }

    fn end_number(&mut self, inp: &[u8], end: usize, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let offset = self.consumed + end as u64;
        self.with_token(inp, end, out, |this, tok, repl| {
            if !valid_number(tok) {
                return Err(RedactError::Syntax { offset });
            }
            if this.suppress.is_some() {
                return Ok(Act::Verbatim);
            }
            Ok(this.scalar_token(tok, true, repl))
        })?;
        self.value_done(end);
        Ok(())
    }

    fn end_literal(&mut self, inp: &[u8], end: usize, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let offset = self.consumed + end as u64;
        self.with_token(inp, end, out, |this, tok, repl| {
            if !matches!(tok, b"true" | b"false" | b"null") {
                return Err(RedactError::Syntax { offset });
            }
            if this.suppress.is_some() || tok == b"null" {
                return Ok(Act::Verbatim);
            }
            Ok(this.scalar_token(tok, false, repl))
        })?;
        self.value_done(end);
        Ok(())
    }

    /// A number, `true` or `false`.
    fn scalar_token(&mut self, tok: &[u8], number: bool, repl: &mut Vec<u8>) -> Act {
        let inner = &*self.policy.inner;
        match self.disp {
            Disp::Keep => Act::Verbatim,
            Disp::Null(r) => {
                self.counters.rule(r as usize);
                repl.extend_from_slice(b"null");
                Act::Replace
            }
            Disp::Rule(r) => {
                self.counters.rule(r as usize);
                // Numbers and booleans are ASCII.
                let text = std::str::from_utf8(tok).unwrap_or_default();
                apply_rule(inner, r as usize, text, repl, &mut self.masked)
            }
            Disp::Scan => match &inner.redactor {
                Some(red)
                    if number
                        && inner.numbers
                        && (digit_count(tok) >= 12 || tok.iter().any(|b| matches!(b, b'e' | b'E'))) =>
                {
                    // The whole number the token stands for is the card:
                    // `-4111111111111111`, `4111111111111111.0` and a float
                    // formatter's `4.111111111111111e15` carry it as well as
                    // the bare digits.
                    let mut buf = [0u8; 19];
                    let Some(digits) = whole_digits(tok, &mut buf) else {
                        return Act::Verbatim;
                    };
                    if digits.len() < 12 {
                        return Act::Verbatim;
                    }
                    let mut card = None;
                    crate::scan::for_each(red.scanner(), digits, |f| {
                        if f.kind == Kind::PaymentCard && f.range.start == 0 && f.range.end == digits.len() {
                            card = Some(f);
                        }
                    });
                    let Some(f) = card else { return Act::Verbatim };
                    self.counters.kind(f.kind);
                    let text = std::str::from_utf8(digits).unwrap_or_default();
                    match red.replacement(&f, text) {
                        Outcome::Keep => return Act::Verbatim,
                        Outcome::Replace(s) => write_json_string(repl, &s),
                        Outcome::Drop => repl.extend_from_slice(b"null"),
                    }
                    Act::Replace
                }
                _ => Act::Verbatim,
            },
        }
    }
}

/// What becomes of a held token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Written as it came.
    Verbatim,
    /// Replaced by the scratch buffer.
    Replace,
    /// Removed with the member it names.
    Drop,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in the lowest zero byte of `v` (bytes above it may be set
/// spuriously, so only the lowest set bit is meaningful).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// The first `"` or `\\`: eight bytes a step for the first words (most
/// strings are short), then `memchr2`.
#[inline(always)]
fn find_quote(hay: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= hay.len() {
        if i >= 64 {
            return memchr2(b'"', b'\\', &hay[i..]).map(|k| k + i);
        }
        let x = u64::from_le_bytes(hay[i..i + 8].try_into().expect("eight bytes"));
        let m = zero_bytes(x ^ (LO * u64::from(b'"'))) | zero_bytes(x ^ (LO * u64::from(b'\\')));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|k| k + i)
}

/// How deep JSON documents inside JSON strings are redacted as documents
/// (a string in a document in a string); deeper ones are scanned as text.
const MAX_NESTED: u8 = 2;

/// Whether text opens like a JSON document with members or strings:
/// `{"`, `{}`, `[{` or `["` after whitespace. `None` while the text is too
/// short to tell (nothing but whitespace, or `{` or `[` alone).
pub(crate) fn opens_like_document(b: &[u8]) -> Option<bool> {
    let mut significant = b.iter().filter(|c| !c.is_ascii_whitespace());
    match (significant.next(), significant.next()) {
        (Some(b'{'), Some(b'"' | b'}')) | (Some(b'['), Some(b'{' | b'"')) => Some(true),
        (None, _) | (Some(b'{' | b'['), None) => None,
        _ => Some(false),
    }
}

/// The decimal digits of the whole number a JSON number token stands for,
/// without sign or leading zeros, when it is one of 1 to 19 digits:
/// `4.111111111111111e15` and `41111111111111.11e2` are `4111111111111111`;
/// `1.5`, `1e-3` and anything past 19 digits are none.
fn whole_digits<'b>(tok: &[u8], buf: &'b mut [u8; 19]) -> Option<&'b [u8]> {
    let t = tok.strip_prefix(b"-").unwrap_or(tok);
    let (mantissa, exp) = match t.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(p) => (&t[..p], Some(&t[p + 1..])),
        None => (t, None),
    };
    let exp: i64 = match exp {
        None => 0,
        Some(exp) => {
            let (neg, digits) = match exp.first() {
                Some(b'-') => (true, &exp[1..]),
                Some(b'+') => (false, &exp[1..]),
                _ => (false, exp),
            };
            // Past four digits the number is far outside 19 digits either way.
            if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = digits.iter().fold(0i64, |a, &d| a * 10 + i64::from(d - b'0'));
            if neg { -v } else { v }
        }
    };
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &b""[..]),
    };
    // The mantissa's `k`th digit, zeros past its end.
    let digit = |k: usize| match k.checked_sub(int.len()) {
        None => int[k],
        Some(f) => frac.get(f).copied().unwrap_or(b'0'),
    };
    let len = int.len() + frac.len();
    let zeros = (0..len).take_while(|&k| digit(k) == b'0').count();
    if zeros == len {
        // Zero, however written.
        return None;
    }
    // The decimal point falls after `point` digits; at most 19 of those
    // may follow the leading zeros (this also bounds the work).
    let point = int.len() as i64 + exp;
    if point < 1 || point - zeros as i64 > 19 || (point as usize..len).any(|k| digit(k) != b'0') {
        return None;
    }
    let mut n = 0;
    // `zeros < point`: a zero integer part with nonzero digits after the
    // point was refused above.
    for k in zeros..point as usize {
        buf[n] = digit(k);
        n += 1;
    }
    (n > 0).then_some(&buf[..n])
}

fn digit_count(tok: &[u8]) -> usize {
    tok.iter().filter(|b| b.is_ascii_digit()).count()
}

/// The text of a string's content: the raw bytes when they hold no escape,
/// else the unescaped text in `scratch`.
fn string_text<'a>(content: &'a [u8], escaped: bool, scratch: &'a mut String) -> &'a str {
    if escaped {
        unescape(content, scratch);
        scratch.as_str()
    } else {
        match std::str::from_utf8(content) {
            Ok(s) => s,
            Err(_) => {
                scratch.clear();
                scratch.push_str(&String::from_utf8_lossy(content));
                scratch.as_str()
            }
        }
    }
}

/// Applies rule `r` to a scalar's text. A mask is written through `masked`,
/// a buffer kept across values (no allocation per value).
fn apply_rule(inner: &Inner, r: usize, text: &str, repl: &mut Vec<u8>, masked: &mut String) -> Act {
    let rule = &inner.rules[r];
    if let Some(fixed) = &rule.fixed {
        repl.extend_from_slice(fixed);
        return Act::Replace;
    }
    if let Strategy::Mask(m) = &rule.action {
        masked.clear();
        m.apply_into(text, masked);
        write_json_string(repl, masked);
        return Act::Replace;
    }
    let target = Target {
        domain: &rule.name,
        label: None,
    };
    match inner.transformer.apply(&rule.action, target, text) {
        Outcome::Keep => return Act::Verbatim,
        Outcome::Replace(s) => write_json_string(repl, &s),
        Outcome::Drop => repl.extend_from_slice(b"null"),
    }
    Act::Replace
}

/// Scans one JSON string token (quotes included); on findings, appends the
/// replaced string to `repl` and answers [`Act::Replace`].
fn scan_string(
    red: &Redactor,
    tok: &[u8],
    escaped: bool,
    scratch: &mut String,
    repl: &mut Vec<u8>,
    counters: &mut Counters,
) -> Act {
    let content = &tok[1..tok.len() - 1];
    let mut any = false;
    let mut last = 0;
    if !escaped {
        // A short string is scanned at once: the scan's first pass is what
        // `may_match` would do.
        if content.len() >= 64 && !red.scanner().may_match(content) {
            return Act::Verbatim;
        }
        crate::scan::for_each(red.scanner(), content, |f| {
            if !any {
                repl.push(b'"');
                any = true;
            }
            repl.extend_from_slice(&content[last..f.range.start]);
            counters.kind(f.kind);
            last = f.range.end;
            // A fixed replacement needs no look at the value.
            if let Some(text) = red.fixed_replacement(f.kind) {
                escape_into(repl, text);
                return;
            }
            let value = std::str::from_utf8(&content[f.range.clone()]).unwrap_or_default();
            match red.replacement(&f, value) {
                Outcome::Keep => repl.extend_from_slice(value.as_bytes()),
                Outcome::Replace(r) => escape_into(repl, &r),
                Outcome::Drop => {}
            }
        });
        if !any {
            return Act::Verbatim;
        }
        repl.extend_from_slice(&content[last..]);
        repl.push(b'"');
        return Act::Replace;
    }
    unescape(content, scratch);
    let text = scratch.as_str();
    if !red.scanner().may_match(text.as_bytes()) {
        return Act::Verbatim;
    }
    crate::scan::for_each(red.scanner(), text.as_bytes(), |f| {
        if !any {
            repl.push(b'"');
            any = true;
        }
        escape_into(repl, &text[last..f.range.start]);
        let value = &text[f.range.clone()];
        counters.kind(f.kind);
        match red.replacement(&f, value) {
            Outcome::Keep => escape_into(repl, value),
            Outcome::Replace(r) => escape_into(repl, &r),
            Outcome::Drop => {}
        }
        last = f.range.end;
    });
    if !any {
        return Act::Verbatim;
    }
    escape_into(repl, &text[last..]);
    repl.push(b'"');
    Act::Replace
}

/// Writes `s` as a JSON string, quotes included.
pub(crate) fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

/// Whether any byte of `b` must be escaped in a JSON string: a control
/// byte, `"` or `\\`.
///
/// Eight bytes a step for texts of eight bytes or more, the last step
/// overlapping the one before (a byte checked twice changes nothing): a
/// byte below 0x20 leaves its top bit set after subtracting 0x20 when it
/// was clear before, and `"` or `\\` leaves a zero byte after the XOR. A
/// borrow out of a flagged byte can only flag bytes above it, which the
/// answer, any flag at all, does not need to tell apart.
fn needs_escape(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const TOP: u64 = u64::from_ne_bytes([0x80; 8]);
    let flagged = |w: u64| {
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & TOP;
        let control = w.wrapping_sub(ONES * 0x20) & !w & TOP;
        control | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0
    };
    if b.len() < 8 {
        return b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let mut i = 0;
    while i + 8 < b.len() {
        if flagged(word(i)) {
            return true;
        }
        i += 8;
    }
    flagged(word(b.len() - 8))
}

/// Writes `s` JSON-escaped, without quotes.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    // Replacement texts rarely need escaping: one pass to find out.
    if !needs_escape(b) {
        out.extend_from_slice(b);
        return;
    }
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&b[last..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 0xf) as usize],
                ]);
                last = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&b[last..i]);
        out.extend_from_slice(esc);
        last = i + 1;
    }
    out.extend_from_slice(&b[last..]);
}

fn hex4(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, c| {
        acc * 16
            + match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'a'..=b'f' => u32::from(c - b'a' + 10),
                b'A'..=b'F' => u32::from(c - b'A' + 10),
                _ => 0,
            }
    })
}

/// Unescapes the content of a validated JSON string into `out`. Lone
/// surrogates become U+FFFD; bytes that are not UTF-8 are replaced likewise.
pub(crate) fn unescape(raw: &[u8], out: &mut String) {
    out.clear();
    let mut buf: Vec<u8> = std::mem::take(out).into_bytes();
    let mut i = 0;
    while i < raw.len() {
        let Some(k) = memchr::memchr(b'\\', &raw[i..]) else {
            buf.extend_from_slice(&raw[i..]);
            break;
        };
        buf.extend_from_slice(&raw[i..i + k]);
        i += k;
        let Some(&c) = raw.get(i + 1) else { break };
        i += 2;
        let ch = match c {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' if i + 4 <= raw.len() => {
                let hi = hex4(&raw[i..i + 4]);
                i += 4;
                if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i) == Some(&b'\\')
                    && raw.get(i + 1) == Some(&b'u')
                    && i + 6 <= raw.len()
                {
                    let lo = hex4(&raw[i + 2..i + 6]);
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}')
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            other => char::from(other),
        };
        let mut tmp = [0u8; 4];
        buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
    }
    *out = match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn valid_number(t: &[u8]) -> bool {
    let mut i = 0;
    if t.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < t.len() && t[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    match t.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == t.len()
}

#[cfg(test)]
mod tests;
