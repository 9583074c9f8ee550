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
        if self.shape_aware {
            if let Some(m) = self.email(value) {
                return m;
            }
            if let Some(m) = self.digits(value) {
                return m;
            }
        }
        self.keep(value, self.keep_first, self.keep_last)
    }

    fn keep(&self, value: &str, first: usize, last: usize) -> String {
        let n = value.chars().count();
        let (first, last) = if n <= first + last { (0, 0) } else { (first, last) };
        value
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i < first || i >= n - last {
                    c
                } else {
                    self.mask_char
                }
            })
            .collect()
    }

    fn email(&self, value: &str) -> Option<String> {
        let (local, domain) = value.rsplit_once('@')?;
        let (host, tld) = domain.rsplit_once('.')?;
        if local.is_empty() || host.is_empty() || tld.is_empty() || value.contains(char::is_whitespace) {
            return None;
        }
        let mut out = self.keep(local, 1, 0);
        out.push('@');
        out.push_str(&self.keep(host, 1, 0));
        out.push('.');
        out.push_str(tld);
        Some(out)
    }

    fn digits(&self, value: &str) -> Option<String> {
        let digits = value.bytes().filter(u8::is_ascii_digit).count();
        let shaped = value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'(' | b')' | b'-' | b'.' | b' '));
        if !shaped || digits < 7 {
            return None;
        }
        let mut seen = 0;
        Some(
            value
                .chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        seen += 1;
                        if seen > digits - 4 { c } else { self.mask_char }
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }
}
