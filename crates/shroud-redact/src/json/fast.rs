//! The fast lane: the common shape of an API response (members, unescaped
//! strings, numbers and literals, each whole in the current input) taken in
//! one tight loop that keeps its state in locals.
//!
//! Bytes the lane passes stay in the input and leave with the next bulk
//! write; a value it replaces (a key rule's value, a detector finding in a
//! string) is written in place, and a member a rule drops is cut out. It
//! stops whenever it meets anything else (an escape, a token cut by the end
//! of the input, a container a rule replaces or drops, a key the detectors
//! must look at, a container with live path rules, a byte out of place) at
//! the start of that member or value, with `self.state` set as the general
//! state machine would have it there, and the general machine takes the
//! token whole. `tests.rs` checks that every split of an input (which moves
//! where the lane stops) gives the same output.

use shroud_core::Strategy;

use super::{Act, Disp, Frame, JsonRedactor, State, apply_rule, find_quote, scan_string, valid_number};

/// Where the lane is between tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fs {
    /// After `{`: a key or `}`.
    KeyOrClose,
    /// After `,` in an object: a key.
    Key,
    /// After `:`, or after `,` in an array: a value.
    Value,
    /// After `[`: a value or `]`.
    ValueOrClose,
    /// After a value: `,` or the closing bracket.
    After,
}

#[inline(always)]
fn skip_ws(inp: &[u8], mut i: usize) -> usize {
    // Compact JSON has none: one compare for the common case.
    if inp.get(i).is_some_and(|&b| b <= b' ') {
        while i < inp.len() && matches!(inp[i], b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
        }
    }
    i
}

#[inline(always)]
fn number_end(inp: &[u8], mut e: usize) -> usize {
    while e < inp.len() && matches!(inp[e], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
        e += 1;
    }
    e
}

impl JsonRedactor {
    /// Whether the lane may start here: no token held, nothing suppressed,
    /// inside a container without live path rules.
    #[inline]
    pub(super) fn fast_ready(&self) -> bool {
        #[cfg(test)]
        if !self.lane {
            return false;
        }
        !self.holding
            && self.suppress.is_none()
            && matches!(
                self.state,
                State::ObjectFirst | State::Key | State::ArrayFirst | State::After | State::Value
            )
            && self.stack.last().is_some_and(|t| t.live == 0)
    }

    /// Runs the lane from `i` (with [`fast_ready`](Self::fast_ready)
    /// true); answers where the general state machine resumes, never before
    /// `i`, with `self.state` (and `self.next` when a member's value is
    /// next) set for that position.
    pub(super) fn fast(&mut self, inp: &[u8], mut i: usize, out: &mut Vec<u8>) -> usize {
        let inner = &*self.policy.inner;
        let redactor = inner.redactor.as_ref();
        let scanner = redactor.map(|r| r.scanner());
        let need_keys = self.need_keys;
        let max_pending = inner.limits.max_pending;
        let max_depth = inner.limits.max_depth;
        let card_numbers = inner.numbers && scanner.is_some();
        let Some(top) = self.stack.last() else { return i };
        let mut obj = top.obj;
        let mut keep = top.keep;
        // Whether the object has written a member (its frame's `emitted`).
        let mut emitted = top.emitted;
        let mut fs = match self.state {
            State::ObjectFirst => Fs::KeyOrClose,
            State::Key => Fs::Key,
            State::ArrayFirst => Fs::ValueOrClose,
            State::After => Fs::After,
            State::Value if !obj => Fs::Value,
            State::Value if self.next_live == 0 && !matches!(self.next, Disp::Null(_)) => Fs::Value,
            _ => return i,
        };
        // The disposition of the member value to come (objects only).
        let mut d = if obj { self.next } else { Disp::Scan };
        // Where the member being read started: its comma, or its key's quote
        // for the first member; the general machine takes a member over from
        // there (it holds keys from their comma).
        let mut member = i;
        let mut member_state = self.state;
        let n = inp.len();
        // Stops at the value about to start at `$at`.
        macro_rules! stop_value {
            ($at:expr) => {{
                if obj {
                    self.next = d;
                    self.next_live = 0;
                }
                self.state = State::Value;
                return $at;
            }};
        }
        // Stops at the member being read.
        macro_rules! stop_member {
            () => {{
                self.state = member_state;
                return member;
            }};
        }
        // Applies key rule `$r` to the scalar `inp[$start..$end]` (whose text
        // `$text` gives, when the rule needs it), writing the replacement in
        // place.
        macro_rules! rule_in_place {
            ($start:expr, $end:expr, $r:expr, $text:expr) => {{
                let r = usize::from($r);
                self.counters.rule(r);
                if let Some(fixed) = &inner.rules[r].fixed {
                    out.extend_from_slice(&inp[self.mark..$start]);
                    out.extend_from_slice(fixed);
                    self.mark = $end;
                } else {
                    self.repl.clear();
                    if apply_rule(inner, r, $text, &mut self.repl, &mut self.masked) == Act::Replace {
                        out.extend_from_slice(&inp[self.mark..$start]);
                        out.extend_from_slice(&self.repl);
                        self.mark = $end;
                    }
                }
            }};
        }
        // Closes the innermost container at `inp[i]` and goes on after it,
        // or hands over when the lane cannot go on in the one around it.
        macro_rules! close {
            () => {{
                i += 1;
                if !close_fast(
                    &mut self.stack,
                    &mut self.state,
                    &mut obj,
                    &mut keep,
                    &mut emitted,
                ) {
                    return i;
                }
                fs = Fs::After;
                continue;
            }};
        }
        loop {
            i = skip_ws(inp, i);
            if i >= n {
                match fs {
                    Fs::KeyOrClose => self.state = State::ObjectFirst,
                    Fs::Key => stop_member!(),
                    Fs::Value => stop_value!(i),
                    Fs::ValueOrClose => self.state = State::ArrayFirst,
                    Fs::After => self.state = State::After,
                }
                return i;
            }
            let b = inp[i];
            match fs {
                Fs::KeyOrClose | Fs::Key => {
                    if fs == Fs::KeyOrClose {
                        if b == b'}' {
                            close!();
                        }
                        member = i;
                        member_state = State::ObjectFirst;
                    }
                    if b != b'"' {
                        stop_member!();
                    }
                    let Some(k) = find_quote(&inp[i + 1..]) else {
                        stop_member!()
                    };
                    let close = i + 1 + k;
                    if inp[close] != b'"' {
                        stop_member!();
                    }
                    d = if keep { Disp::Keep } else { Disp::Scan };
                    if need_keys {
                        // Held from its comma by the general machine, with the
                        // same cap.
                        if close + 1 - member > max_pending {
                            stop_member!();
                        }
                        if !keep {
                            let key = &inp[i + 1..close];
                            let info = self.keys.lookup(inner, key);
                            if let Some(r) = info.rule() {
                                d = match inner.rules[r].action {
                                    Strategy::Keep => Disp::Keep,
                                    Strategy::Drop => Disp::Null(r as u16),
                                    _ => Disp::Rule(r as u16),
                                };
                            }
                            // The general machine scans the key itself.
                            if info.scan && d != Disp::Keep {
                                stop_member!();
                            }
                        }
                    }
                    i = skip_ws(inp, close + 1);
                    if i >= n || inp[i] != b':' {
                        stop_member!();
                    }
                    i += 1;
                    if let Disp::Null(r) = d {
                        // A dropped member: cut from its comma (or its key,
                        // when first) to the end of a scalar value.
                        i = skip_ws(inp, i);
                        let Some(e) = scalar_end(inp, i) else {
                            stop_member!()
                        };
                        if e - i > max_pending {
                            stop_member!();
                        }
                        self.counters.rule(usize::from(r));
                        out.extend_from_slice(&inp[self.mark..member]);
                        self.mark = e;
                        i = e;
                        fs = Fs::After;
                        continue;
                    }
                    if !emitted {
                        emitted = true;
                        self.stack.last_mut().expect("inside an object").emitted = true;
                    }
                    fs = Fs::Value;
                }
                Fs::Value | Fs::ValueOrClose => {
                    if fs == Fs::ValueOrClose && b == b']' {
                        close!();
                    }
                    if !obj {
                        d = if keep { Disp::Keep } else { Disp::Scan };
                    }
                    let scan = d == Disp::Scan;
                    match b {
                        b'"' => {
                            let Some(k) = find_quote(&inp[i + 1..]) else {
                                stop_value!(i)
                            };
                            let close = i + 1 + k;
                            if inp[close] != b'"' {
                                stop_value!(i);
                            }
                            let end = close + 1;
                            match d {
                                Disp::Keep => {}
                                Disp::Scan => {
                                    if let Some(red) = redactor {
                                        if end - i > max_pending {
                                            stop_value!(i);
                                        }
                                        {
                                            self.repl.clear();
                                            let act = scan_string(
                                                red,
                                                &inp[i..end],
                                                false,
                                                &mut self.scratch,
                                                &mut self.repl,
                                                &mut self.counters,
                                            );
                                            if act == Act::Replace {
                                                out.extend_from_slice(&inp[self.mark..i]);
                                                out.extend_from_slice(&self.repl);
                                                self.mark = end;
                                            }
                                        }
                                    }
                                }
                                Disp::Rule(r) => {
                                    if end - i > max_pending {
                                        stop_value!(i);
                                    }
                                    let text = if inner.rules[usize::from(r)].fixed.is_some() {
                                        ""
                                    } else {
                                        match std::str::from_utf8(&inp[i + 1..close]) {
                                            Ok(t) => t,
                                            Err(_) => stop_value!(i),
                                        }
                                    };
                                    rule_in_place!(i, end, r, text);
                                }
                                Disp::Null(_) => unreachable!("dropped members are cut at their key"),
                            }
                            i = end;
                        }
                        b'-' | b'0'..=b'9' => {
                            let e = number_end(inp, i + 1);
                            if e >= n
                                || e - i > max_pending
                                || (scan && card_numbers && e - i >= 12)
                                || !valid_number(&inp[i..e])
                            {
                                stop_value!(i);
                            }
                            if let Disp::Rule(r) = d {
                                let text = std::str::from_utf8(&inp[i..e]).unwrap_or_default();
                                rule_in_place!(i, e, r, text);
                            }
                            i = e;
                        }
                        b't' | b'f' | b'n' => {
                            let lit: &[u8] = match b {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            let e = i + lit.len();
                            if e >= n || &inp[i..e] != lit || inp[e].is_ascii_lowercase() {
                                stop_value!(i);
                            }
                            // `null` stays `null` under any rule.
                            if let Disp::Rule(r) = d
                                && b != b'n'
                            {
                                let text = if b == b't' { "true" } else { "false" };
                                rule_in_place!(i, e, r, text);
                            }
                            i = e;
                        }
                        b'{' | b'[' => {
                            if self.stack.len() >= max_depth || matches!(d, Disp::Rule(_)) {
                                stop_value!(i);
                            }
                            obj = b == b'{';
                            keep = d == Disp::Keep;
                            emitted = false;
                            self.stack.push(Frame {
                                obj,
                                emitted: false,
                                keep,
                                live: 0,
                                index: 0,
                            });
                            i += 1;
                            fs = if obj { Fs::KeyOrClose } else { Fs::ValueOrClose };
                            continue;
                        }
                        _ => stop_value!(i),
                    }
                    fs = Fs::After;
                }
                Fs::After => match b {
                    b',' if obj => {
                        if need_keys && !emitted {
                            // Every member so far was dropped: the general
                            // machine removes this comma.
                            self.state = State::After;
                            return i;
                        }
                        member = i;
                        member_state = State::After;
                        i += 1;
                        fs = Fs::Key;
                    }
                    b',' => {
                        i += 1;
                        fs = Fs::Value;
                    }
                    b'}' | b']' if obj == (b == b'}') => {
                        close!();
                    }
                    _ => {
                        self.state = State::After;
                        return i;
                    }
                },
            }
        }
    }
}

/// The end of the scalar starting at `i` when it is whole in `inp` and valid:
/// an unescaped string, a number or a literal.
#[inline]
fn scalar_end(inp: &[u8], i: usize) -> Option<usize> {
    let n = inp.len();
    match *inp.get(i)? {
        b'"' => {
            let close = i + 1 + find_quote(&inp[i + 1..])?;
            (inp[close] == b'"').then_some(close + 1)
        }
        b'-' | b'0'..=b'9' => {
            let e = number_end(inp, i + 1);
            (e < n && valid_number(&inp[i..e])).then_some(e)
        }
        b't' | b'f' | b'n' => {
            let lit: &[u8] = match inp[i] {
                b't' => b"true",
                b'f' => b"false",
                _ => b"null",
            };
            let e = i + lit.len();
            (e < n && inp[i..e] == *lit && !inp[e].is_ascii_lowercase()).then_some(e)
        }
        _ => None,
    }
}

/// Closes the innermost container; answers whether the lane goes on in the
/// one around it (else `state` is set for the general machine).
#[inline]
fn close_fast(
    stack: &mut Vec<Frame>,
    state: &mut State,
    obj: &mut bool,
    keep: &mut bool,
    emitted: &mut bool,
) -> bool {
    stack.pop();
    match stack.last() {
        None => {
            *state = State::Done;
            false
        }
        Some(t) if t.live != 0 => {
            *state = State::After;
            false
        }
        Some(t) => {
            *obj = t.obj;
            *keep = t.keep;
            *emitted = t.emitted;
            true
        }
    }
}
