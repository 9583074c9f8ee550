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
