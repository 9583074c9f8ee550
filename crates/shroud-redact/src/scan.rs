//! How shroud-redact calls the scanner: every body and header read decoded.

use shroud_core::{Finding, Scanner};

/// [`Scanner::for_each_decoded`] over `hay`: every body and header is read
/// with its character references (`&#64;`, `&nbsp;`) and percent-escapes
/// (`%2B`, `%20`, `+` between digits) decoded, since a `text/plain` or JSON
/// body may carry HTML as well as a `text/html` one, and URLs with query
/// values (pagination links, redirects) in any of them.
#[inline]
pub(crate) fn for_each(scanner: &Scanner, hay: &[u8], f: impl FnMut(Finding)) {
    scanner.for_each_decoded(hay, f);
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
            assert!(Scanner::new().may_match(s.as_bytes()), "{s}");
        }
        assert!(!Scanner::new().may_match(b"likes hiking and reading"));
        assert!(!Scanner::new().may_match(b"Springfield"));
    }

    proptest! {
        #[test]
        fn prefilter_never_hides_a_finding(
            hay in "[a-zA-Z0-9 @:._\\-+/=()]{0,60}|(eyJ|AKIA|ASIA|AIza|ghp_|xoxb-|sk_live_|bearer |basic |Bearer |-----BEGIN )[a-zA-Z0-9 ._=-]{0,60}"
        ) {
            if !Scanner::new().may_match(hay.as_bytes()) {
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
