//! Masking: keep a little of a value so people can recognise it.

use serde::{Deserialize, Serialize};

/// How to mask a value.
///
/// With `shape_aware` on (the default), values are masked by their shape:
///
/// - an email keeps the first character of the local part and of the domain,
///   and the top-level domain: `jane.roe@example.com` -> `j*******@e******.com`;
/// - a value of digits and phone/card punctuation (`+ ( ) - . space`) keeps
///   its punctuation and its last four digits:
///   `+1 415 555 2671` -> `+* *** *** 2671`;
/// - anything else keeps `keep_first` and `keep_last` characters.
///
/// A value too short to hide anything once those are kept is masked whole.
///
/// ```
/// use shroud_core::Mask;
///
/// let m = Mask::default();
/// assert_eq!(m.apply("jane.roe@example.com"), "j*******@e******.com");
/// assert_eq!(m.apply("4111 1111 1111 1111"), "**** **** **** 1111");
/// assert_eq!(Mask::plain(2, 2).apply("Johnathan"), "Jo*****an");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mask {
    /// Characters kept at the start of a value without a known shape.
    pub keep_first: usize,
    /// Characters kept at the end of a value without a known shape.
    pub keep_last: usize,
    /// The character that replaces hidden ones.
    pub mask_char: char,
    /// Mask emails, phone and card numbers by their shape.
    pub shape_aware: bool,
}

impl Default for Mask {
    fn default() -> Self {
        Mask {
            keep_first: 1,
            keep_last: 0,
            mask_char: '*',
            shape_aware: true,
        }
    }
}

impl Mask {
    /// A mask that keeps `first` and `last` characters, ignoring shape.
    pub fn plain(first: usize, last: usize) -> Mask {
        Mask {
            keep_first: first,
            keep_last: last,
            mask_char: '*',
            shape_aware: false,
        }
    }

    /// The masked form of `value`.
    pub fn apply(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        self.apply_into(value, &mut out);
        out
    }

    /// Appends the masked form of `value` to `out`: one buffer, no
    /// intermediate strings.
    pub fn apply_into(&self, value: &str, out: &mut String) {
        if self.shape_aware && (self.email(value, out) || self.digits(value, out)) {
            return;
        }
        self.keep(value, self.keep_first, self.keep_last, out);
    }

    /// Appends `value` with all but its first `first` and last `last`
    /// characters hidden (all of them when it has no more than that).
    fn keep(&self, value: &str, first: usize, last: usize, out: &mut String) {
        self.keep_known(value, value.is_ascii(), first, last, out);
    }

    /// [`keep`](Self::keep) of a value already known to be ASCII or not.
    fn keep_known(&self, value: &str, ascii: bool, first: usize, last: usize, out: &mut String) {
        // Characters; for ASCII, bytes.
        let n = if ascii { value.len() } else { value.chars().count() };
        let (first, last) = if n <= first.saturating_add(last) {
            (0, 0)
        } else {
            (first, last)
        };
        if ascii {
            out.push_str(&value[..first]);
            self.hide(n - first - last, out);
            if last > 0 {
                out.push_str(&value[n - last..]);
            }
            return;
        }
        for (i, c) in value.chars().enumerate() {
            out.push(if i < first || i >= n - last {
                c
            } else {
                self.mask_char
            });
        }
    }

    /// Appends `n` mask characters.
    #[inline]
    fn hide(&self, n: usize, out: &mut String) {
        const STARS: &str = "****************************************************************";
        if self.mask_char == '*' {
            let mut left = n;
            while left > 0 {
                let k = left.min(STARS.len());
                out.push_str(&STARS[..k]);
                left -= k;
            }
        } else {
            out.extend(std::iter::repeat_n(self.mask_char, n));
        }
    }

    fn email(&self, value: &str, out: &mut String) -> bool {
        // `@` and `.` are ASCII, so the byte positions memrchr finds are
        // character boundaries.
        let bytes = value.as_bytes();
        let Some(at) = memchr::memrchr(b'@', bytes) else {
            return false;
        };
        let Some(dot) = memchr::memrchr(b'.', &bytes[at + 1..]).map(|d| at + 1 + d) else {
            return false;
        };
        let (local, host, tld) = (&value[..at], &value[at + 1..dot], &value[dot + 1..]);
        // The top-level label is kept as it is: only a real one (letters,
        // digits, `-`), not whatever follows the last dot
        // (`jane@example.com;dob=1990-05-17`).
        if local.is_empty()
            || host.is_empty()
            || tld.is_empty()
            || tld.len() > 63
            || !tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
        // One pass (two reductions the compiler vectorizes) for both: whether
        // the value is ASCII, and whether it may hold ASCII whitespace
        // (`char::is_whitespace` on ASCII: tab to carriage return, space; all
        // at or below the space), looked for only then.
        let (mut high, mut low) = (0u8, u8::MAX);
        for &b in bytes {
            high |= b;
            low = low.min(b);
        }
        let ascii = high < 0x80;
        let spaced = low <= b' ' && bytes.iter().any(|b| matches!(b, b'\t'..=b'\r' | b' '));
        if spaced || (!ascii && value.contains(char::is_whitespace)) {
            return false;
        }
        if ascii && self.mask_char.is_ascii() && self.email_ascii(bytes, at, dot, out) {
            return true;
        }
        self.keep_known(local, ascii, 1, 0, out);
        out.push('@');
        self.keep_known(host, ascii, 1, 0, out);
        out.push('.');
        out.push_str(tld);
        true
    }

    /// The email mask of an ASCII value with an ASCII mask character, made
    /// in a stack buffer with one copy and two fills (the general path
    /// pushes each piece). Answers `false`, writing nothing, for a value
    /// longer than the buffer.
    fn email_ascii(&self, bytes: &[u8], at: usize, dot: usize, out: &mut String) -> bool {
        let mut buf = [0u8; 128];
        let Some(b) = buf.get_mut(..bytes.len()) else {
            return false;
        };
        b.copy_from_slice(bytes);
        // The first character of the local part and of the host stay, unless
        // it is the only one (then it is hidden too).
        let mask = self.mask_char as u8;
        b[usize::from(at > 1)..at].fill(mask);
        b[at + 1 + usize::from(dot - at > 2)..dot].fill(mask);
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                true
            }
            Err(_) => false,
        }
    }

    /// A phone or card number keeps its last four digits. Dates and IPv4
    /// addresses are not numbers of that kind (their last digits are the
    /// day or the host): masked as any other value.
    fn digits(&self, value: &str, out: &mut String) -> bool {
        if value.parse::<std::net::Ipv4Addr>().is_ok() || is_date(value) {
            return false;
        }
        let mut digits = 0;
        for b in value.bytes() {
            if b.is_ascii_digit() {
                digits += 1;
            } else if !matches!(b, b'+' | b'(' | b')' | b'-' | b'.' | b' ') {
                return false;
            }
        }
        if digits < 7 {
            return false;
        }
        // Only ASCII from here: digits and punctuation.
        let mut seen = 0;
        for c in value.chars() {
            if c.is_ascii_digit() {
                seen += 1;
                out.push(if seen > digits - 4 { c } else { self.mask_char });
            } else {
                out.push(c);
            }
        }
        true
    }
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` and the day-first forms.
fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    let shape = |lens: [usize; 3]| {
        let mut parts = v.split(['-', '/', '.']);
        let ok = lens.iter().all(|&n| {
            parts
                .next()
                .is_some_and(|p| p.len() == n && p.bytes().all(|c| c.is_ascii_digit()))
        });
        ok && parts.next().is_none()
    };
    b.len() == 10 && (shape([4, 2, 2]) || shape([2, 2, 4]))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Mask;

    /// The masking rules written plainly, one string per step.
    fn reference(m: &Mask, value: &str) -> String {
        let keep = |value: &str, first: usize, last: usize| -> String {
            let n = value.chars().count();
            let (first, last) = if n <= first.saturating_add(last) {
                (0, 0)
            } else {
                (first, last)
            };
            value
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i < first || i >= n - last {
                        c
                    } else {
                        m.mask_char
                    }
                })
                .collect()
        };
        if m.shape_aware {
            if let Some((local, domain)) = value.rsplit_once('@')
                && let Some((host, tld)) = domain.rsplit_once('.')
                && !(local.is_empty()
                    || host.is_empty()
                    || tld.is_empty()
                    || tld.len() > 63
                    || !tld.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    || value.contains(char::is_whitespace))
            {
                return format!("{}@{}.{tld}", keep(local, 1, 0), keep(host, 1, 0));
            }
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            let shaped = value
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'(' | b')' | b'-' | b'.' | b' '));
            let dated = value.len() == 10
                && [[4, 2, 2], [2, 2, 4]].iter().any(|lens| {
                    let parts: Vec<&str> = value.split(['-', '/', '.']).collect();
                    parts.len() == 3
                        && parts
                            .iter()
                            .zip(lens)
                            .all(|(p, &n)| p.len() == n && p.bytes().all(|c| c.is_ascii_digit()))
                });
            let ip = value.parse::<std::net::Ipv4Addr>().is_ok();
            if shaped && digits >= 7 && !dated && !ip {
                let mut seen = 0;
                return value
                    .chars()
                    .map(|c| {
                        if c.is_ascii_digit() {
                            seen += 1;
                            if seen > digits - 4 { c } else { m.mask_char }
                        } else {
                            c
                        }
                    })
                    .collect();
            }
        }
        keep(value, m.keep_first, m.keep_last)
    }

    proptest! {
        #[test]
        fn one_buffer_masks_as_the_rules_say(
            value in "[a-zé@. +()0-9\\-\t\n\x0b\x0c\r\u{a0}]{0,40}|.{0,100}|[a-z0-9.é]{1,3}@[a-z0-9é-]{1,3}\\.[a-z]{1,3}",
            first in 0usize..4,
            last in 0usize..4,
            shape_aware in any::<bool>(),
            mask_char in prop::sample::select(vec!['*', '#', 'x', '•']),
        ) {
            let m = Mask { keep_first: first, keep_last: last, mask_char, shape_aware };
            prop_assert_eq!(m.apply(&value), reference(&m, &value));
        }
    }

    #[test]
    fn every_email_shape_masks_as_the_rules_say() {
        // Parts of one, two and more characters (one is hidden whole), ASCII
        // mask characters (the stack-buffer path) and others, and addresses
        // longer than that buffer.
        let long = "l".repeat(130);
        for local in ["j", "ja", "jane.roe", long.as_str()] {
            for host in ["e", "ex", "example", "x.example"] {
                for tld in ["c", "com"] {
                    for mask_char in ['*', '#', '•'] {
                        let m = Mask {
                            mask_char,
                            ..Mask::default()
                        };
                        let v = format!("{local}@{host}.{tld}");
                        assert_eq!(m.apply(&v), reference(&m, &v), "{v} {mask_char}");
                    }
                }
            }
        }
        assert_eq!(Mask::default().apply("j@e.com"), "*@*.com");
        assert_eq!(Mask::default().apply("jo@ex.com"), "j*@e*.com");
    }

    #[test]
    fn an_email_with_any_whitespace_is_not_masked_as_one() {
        let m = Mask::default();
        for ws in ['\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{2003}'] {
            let v = format!("jane{ws}roe@example.com");
            assert_eq!(m.apply(&v), reference(&m, &v), "{ws:?}");
        }
    }

    #[test]
    fn dates_addresses_and_tails_keep_nothing_of_their_own() {
        let m = Mask::default();
        // A date or an IPv4 address is not a phone number: its last digits
        // (the day, the host) are not kept.
        assert_eq!(m.apply("1990-05-17"), "1*********");
        assert_eq!(m.apply("17.05.1990"), "1*********");
        assert_eq!(m.apply("203.0.113.9"), "2**********");
        assert_eq!(m.apply("+1 415-555-2671"), "+* ***-***-2671");
        // Only a real top-level label is kept after the last dot.
        assert_eq!(
            m.apply("jane@example.com;dob=1990-05-17"),
            format!("j{}", "*".repeat(30))
        );
        assert_eq!(m.apply("jane@example.co-op"), "j***@e******.co-op");
    }

    #[test]
    fn long_values_are_hidden_whole() {
        let v = "x".repeat(200);
        let out = Mask::plain(1, 1).apply(&v);
        assert_eq!(out.len(), 200);
        assert_eq!(out.matches('*').count(), 198);
    }

    #[test]
    fn huge_keep_counts_hide_the_whole_value() {
        // Counts from a config file are not trusted to add up without
        // overflow: a value shorter than what would be kept is hidden whole.
        for (first, last) in [(usize::MAX, 1), (1, usize::MAX), (usize::MAX, usize::MAX)] {
            let m = Mask::plain(first, last);
            assert_eq!(m.apply("jane"), "****");
            assert_eq!(m.apply("jané"), "****");
            let shaped = Mask {
                shape_aware: true,
                ..m
            };
            assert_eq!(shaped.apply("jane roe"), "********");
        }
    }
}
