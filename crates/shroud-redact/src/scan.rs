//! Calls into the scanner, with a guard for inputs it cannot take.

use shroud_core::{Finding, Scanner};

/// [`Scanner::for_each`] over `hay`.
///
/// The scanner's IPv6 matcher reads one byte before the haystack when it
/// starts with a lone `:` (a `: comment` SSE line, a `":x"` JSON string), so
/// such a haystack is scanned from its second byte: a lone `:` starts no
/// finding, and the byte after it is a word start either way.
#[inline]
pub(crate) fn for_each(scanner: &Scanner, hay: &[u8], mut f: impl FnMut(Finding)) {
    if hay.first() == Some(&b':')
        && !matches!(hay.get(1), Some(b) if b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
    {
        scanner.for_each(&hay[1..], |mut x| {
            x.range = x.range.start + 1..x.range.end + 1;
            f(x);
        });
    } else {
        scanner.for_each(hay, f);
    }
}

/// Bytes at least one of which every finding of a built-in detector holds:
/// the scanner's triggers (digits, `:`, `@`) and a byte of every credential
/// prefix it searches for (`eyJ`, `AKIA`/`ASIA`/`AIza`, `Bearer`/`Basic`,
/// `-----BEGIN`, `ghp_`, `xoxb-`, `sk_live_`, ...). The lower-case `bearer `
/// and `basic ` prefixes are checked apart.
const TRIGGERS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    let extra = b":@_-JAB";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// Whether the built-in detectors could find anything in `hay`; `false`
/// means they certainly find nothing, so short strings without any trigger
/// skip the scanner's per-call setup. Used only for scanners without custom
/// detectors.
#[inline]
pub(crate) fn may_match(hay: &[u8]) -> bool {
    if hay.iter().any(|&b| TRIGGERS[b as usize]) {
        return true;
    }
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'b', &hay[i..]) {
        let j = i + k;
        if hay[j..].starts_with(b"bearer ") || hay[j..].starts_with(b"basic ") {
            return true;
        }
        i = j + 1;
    }
    false
}

/// Every finding in `hay`, in order.
pub(crate) fn scan(scanner: &Scanner, hay: &[u8]) -> Vec<Finding> {
    let mut v = Vec::new();
    for_each(scanner, hay, |x| v.push(x));
    v
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn leading_colon_is_safe() {
        let s = Scanner::new();
        for hay in [&b":"[..], b": x", b":x 10.0.0.1", b"::1", b":::", b":."] {
            let _ = scan(&s, hay);
        }
        assert_eq!(scan(&s, b": a@example.com")[0].range, 2..15);
        assert_eq!(scan(&s, b"::1 x")[0].range, 0..3);
    }

    #[test]
    fn prefilter_passes_every_credential_prefix() {
        for s in [
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            "AKIAIOSFODNN7EXAMPLE",
            "bearer abcdefghijklmnop",
            "basic dXNlcjpwYXNzd29yZA==",
            "Bearer x",
            "-----BEGIN PRIVATE KEY-----",
            "ghp_abc",
            "xoxb-1",
            "sk_live_x",
            "AIzaSy",
            "jane@example.com",
            "::1",
        ] {
            assert!(may_match(s.as_bytes()), "{s}");
        }
        assert!(!may_match(b"likes hiking and reading"));
        assert!(!may_match(b"Springfield"));
    }

    proptest! {
        #[test]
        fn prefilter_never_hides_a_finding(
            hay in "[a-zA-Z0-9 @:._\\-+/=()]{0,60}|(eyJ|AKIA|ASIA|AIza|ghp_|xoxb-|sk_live_|bearer |basic |Bearer |-----BEGIN )[a-zA-Z0-9 ._=-]{0,60}"
        ) {
            if !may_match(hay.as_bytes()) {
                prop_assert!(Scanner::new().scan(hay.as_bytes()).is_empty(), "{}", hay);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_bytes_scan_without_panic(hay in prop::collection::vec(
            prop_oneof![any::<u8>(), prop::sample::select(b":.@0123456789abcdefABCDEF- +".to_vec())], 0..80)
        ) {
            let s = Scanner::new();
            for start in 0..hay.len().min(4) {
                for f in scan(&s, &hay[start..]) {
                    prop_assert!(f.range.end <= hay.len() - start);
                }
            }
        }
    }
}
