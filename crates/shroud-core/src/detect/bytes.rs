//! Byte classes and the word-at-a-time trigger search.

/// `[A-Za-z0-9]`.
pub(crate) const ALNUM: u8 = 1;
/// `[0-9A-Fa-f]`.
pub(crate) const HEX: u8 = 2;
/// The practical local part of an email address: `[A-Za-z0-9._%+-]`. RFC
/// 5322 also allows ``!#$&'*/=?^`{|}~``, but in running text those delimit
/// (`value=jane@example.com`, `'jane@example.com'`), so they end the local
/// part, as mail clients' address detection does.
pub(crate) const LOCAL: u8 = 4;
/// `[A-Za-z0-9_-]`: base64url, and the body of most API keys.
pub(crate) const B64URL: u8 = 8;
/// `[A-Za-z0-9+/]`: standard base64 without padding.
pub(crate) const B64STD: u8 = 16;
/// The `token68` of RFC 7235: `[A-Za-z0-9-._~+/]` (padding `=` handled apart).
pub(crate) const TOKEN68: u8 = 32;
/// A DNS label byte: `[A-Za-z0-9-]`.
pub(crate) const LABEL: u8 = 64;
/// `[A-Za-z]`.
pub(crate) const ALPHA: u8 = 128;

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        let alnum = b.is_ascii_alphanumeric();
        if alnum {
            c |= ALNUM | LOCAL | B64URL | B64STD | TOKEN68 | LABEL;
        }
        if b.is_ascii_alphabetic() {
            c |= ALPHA;
        }
        if b.is_ascii_hexdigit() {
            c |= HEX;
        }
        if matches!(b, b'.' | b'_' | b'%' | b'+' | b'-') {
            c |= LOCAL;
        }
        if b == b'-' {
            c |= LABEL;
        }
        match b {
            b'_' | b'-' => c |= B64URL | TOKEN68,
            b'+' | b'/' => c |= B64STD | TOKEN68,
            b'.' | b'~' => c |= TOKEN68,
            _ => {}
        }
        t[i] = c;
        i += 1;
    }
    t
}

pub(crate) static CLASS: [u8; 256] = build();

#[inline(always)]
pub(crate) fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

#[inline(always)]
pub(crate) fn at(hay: &[u8], i: usize, class: u8) -> bool {
    hay.get(i).is_some_and(|&b| is(b, class))
}

/// The number of bytes of `class` starting at `i`, at most `max`.
#[inline]
pub(crate) fn run(hay: &[u8], i: usize, class: u8, max: usize) -> usize {
    let end = hay.len().min(i.saturating_add(max));
    let Some(slice) = hay.get(i..end) else {
        return 0;
    };
    slice
        .iter()
        .position(|&b| CLASS[b as usize] & class == 0)
        .unwrap_or(slice.len())
}

/// The number of ASCII digits starting at `i`, at most `max`.
#[inline]
pub(crate) fn digits(hay: &[u8], i: usize, max: usize) -> usize {
    let end = hay.len().min(i.saturating_add(max));
    let Some(slice) = hay.get(i..end) else {
        return 0;
    };
    slice
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(slice.len())
}

/// Whether the byte before `i` does not continue a word: start of input or
/// not `[A-Za-z0-9_]`.
#[inline]
pub(crate) fn word_start(hay: &[u8], i: usize) -> bool {
    i == 0 || !(is(hay[i - 1], ALNUM) || hay[i - 1] == b'_')
}

/// Whether the byte at `i` does not continue a word: end of input or not
/// `[A-Za-z0-9_@]` (`@` so that a number is never cut out of an email).
#[inline]
pub(crate) fn word_end(hay: &[u8], i: usize) -> bool {
    match hay.get(i) {
        None => true,
        Some(&b) => !(is(b, ALNUM) || b == b'_' || b == b'@'),
    }
}

/// A stricter left boundary for numbers whose only validation is their
/// shape (phone, SSN, IPv4): besides [`word_start`], the number must not be
/// glued to an identifier by a joiner (`ORD-2024...`, `v1.2.3.4`, `a/123`).
#[inline]
pub(crate) fn strict_start(hay: &[u8], i: usize) -> bool {
    if !word_start(hay, i) {
        return false;
    }
    if i >= 2 && matches!(hay[i - 1], b'-' | b'.' | b'/' | b'\\') {
        return !is(hay[i - 2], ALNUM);
    }
    true
}

/// The stricter right boundary matching [`strict_start`]: not followed by a
/// joiner and more digits or letters (`415-555-2671-9`, `10.0.0.1.5`).
#[inline]
pub(crate) fn strict_end(hay: &[u8], i: usize) -> bool {
    if !word_end(hay, i) {
        return false;
    }
    if let Some(&b) = hay.get(i)
        && matches!(b, b'-' | b'.' | b'/' | b'\\')
    {
        return !at(hay, i + 1, ALNUM);
    }
    true
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Marks (with the high bit) every byte of `x` that is an ASCII digit, `:` or
/// `@`. Exact per byte: no carry crosses a byte boundary.
#[inline(always)]
fn trigger_mask(x: u64) -> u64 {
    let low = x & LOW7;
    // Bytes strictly between 0x2f and 0x3b: '0'..='9' and ':'.
    let between = (LO * (127 + 0x3b) - low) & !x & (low + LO * (127 - 0x2f)) & HI;
    // Bytes equal to '@'.
    let y = x ^ (LO * u64::from(b'@'));
    let at = !(((y & LOW7) + LOW7) | y) & HI;
    between | at
}

#[inline(always)]
pub(crate) const fn is_trigger(b: u8) -> bool {
    b.is_ascii_digit() || b == b':' || b == b'@'
}

/// The first position at or after `from` holding a digit, `:` or `@`.
///
/// Reads sixteen bytes a step as two words; on text without such bytes this
/// runs at several bytes per cycle.
#[inline]
pub(crate) fn next_trigger(hay: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let n = hay.len();
    while i + 16 <= n {
        let a = u64::from_le_bytes(hay[i..i + 8].try_into().expect("eight bytes"));
        let b = u64::from_le_bytes(hay[i + 8..i + 16].try_into().expect("eight bytes"));
        let (ma, mb) = (trigger_mask(a), trigger_mask(b));
        if ma | mb != 0 {
            return Some(if ma != 0 {
                i + (ma.trailing_zeros() / 8) as usize
            } else {
                i + 8 + (mb.trailing_zeros() / 8) as usize
            });
        }
        i += 16;
    }
    hay[i..]
        .iter()
        .position(|&b| TRIGGER[usize::from(b)])
        .map(|p| i + p)
}

static TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = is_trigger(b as u8);
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_search_agrees_with_bytewise_search() {
        let mut hay = Vec::new();
        for b in 0u8..=255 {
            hay.extend_from_slice(b"abcdefghijklmnopq");
            hay.push(b);
        }
        let mut from = 0;
        let mut expected = Vec::new();
        for (i, &b) in hay.iter().enumerate() {
            if is_trigger(b) {
                expected.push(i);
            }
        }
        let mut got = Vec::new();
        while let Some(p) = next_trigger(&hay, from) {
            got.push(p);
            from = p + 1;
        }
        assert_eq!(got, expected);
        assert_eq!(expected.len(), 12);
    }

    #[test]
    fn boundaries() {
        assert!(word_start(b"a 1", 2));
        assert!(!word_start(b"a1", 1));
        assert!(!word_end(b"1@x", 1));
        assert!(!strict_start(b"ORD-2024", 4));
        assert!(strict_start(b"call -2024", 6));
        assert!(!strict_end(b"10.0.0.1.5", 8));
        assert!(strict_end(b"10.0.0.1. ", 8));
    }
}
