//! Named values inside a recorded value: `password: "hunter2"` in the
//! `Debug` of a struct (`info!(?login)`), `token=abc` in a query string,
//! `"secret":"x"` in a JSON blob. A field-name rule only sees the field's
//! own name; here the names written inside the value get the same rules,
//! and the values they name are replaced.

use crate::policy::{REDACTED, TracePolicy};

/// The longest name looked at: longer runs are not field names.
const MAX_NAME: usize = 64;

/// `text` with the value of every sensitive name in it replaced by
/// [`REDACTED`], or `None` when no such name occurs.
///
/// Recognized: `name: value` (`Debug`, YAML-like), `"name": value` and
/// `"name":value` (JSON), `name=value` (query strings, `key=value` logs).
/// A quoted value keeps its quotes; an unquoted one runs to the next `,`,
/// `;`, `&`, whitespace (after `=`), or closing bracket outside brackets
/// and quotes of its own (`Some("x")`, `[1, 2]` are whole values).
#[inline]
pub(crate) fn redact_named_values(policy: &TracePolicy, text: &str) -> Option<String> {
    // Most values hold no separator at all: that answer costs a few words'
    // worth of work, inlined, with the pass itself kept out of line.
    let first = next_separator(text.as_bytes())?;
    redact_from(policy, text, first)
}

/// [`redact_named_values`] from the first separator, at `first`.
#[inline(never)]
fn redact_from(policy: &TracePolicy, text: &str, first: usize) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `text` before `copied` are already in `out`.
    let mut copied = 0;
    let mut sep = first;
    loop {
        let mut resume = sep + 1;
        if let Some(name) = name_before(b, sep)
            && policy.is_sensitive(name)
            && let Some((start, end)) = value_after(b, sep)
            && start >= copied
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(REDACTED);
            copied = end;
            resume = resume.max(end);
        }
        match next_separator(&b[resume..]) {
            Some(k) => sep = resume + k,
            None => break,
        }
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

/// The next `:` or `=`. Values are mostly short: eight bytes a step
/// without the setup of a vectorized search (which long ones get), the
/// last step overlapping the one before it rather than going byte by byte.
#[inline]
fn next_separator(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // 0x80 in each byte of `x` that is zero, exactly.
    let zeros = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let hit = |at: usize| {
        let w = u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
        let m = zeros(w ^ (LO * u64::from(b':'))) | zeros(w ^ (LO * u64::from(b'=')));
        (m != 0).then(|| at + (m.trailing_zeros() / 8) as usize)
    };
    if b.len() >= 64 {
        return memchr::memchr2(b':', b'=', b);
    }
    if b.len() < 8 {
        return b.iter().position(|&c| c == b':' || c == b'=');
    }
    let mut i = 0;
    while i + 8 <= b.len() {
        if let Some(p) = hit(i) {
            return Some(p);
        }
        i += 8;
    }
    // The last eight bytes: those before `i` were found clean above.
    if i < b.len() { hit(b.len() - 8) } else { None }
}

/// The name written right before the separator at `sep`: a quoted JSON
/// name (`"name":`) or a bare run of letters, digits, `_`, `-` and `.`;
/// none for the label of a replacement (`[REDACTED:email]`).
fn name_before(b: &[u8], sep: usize) -> Option<&str> {
    let name_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    let (start, end) = if sep > 0 && b[sep - 1] == b'"' {
        let end = sep - 1;
        // Looked for no further back than a name can reach.
        let from = end.saturating_sub(MAX_NAME + 1);
        let open = from + b[from..end].iter().rposition(|&c| c == b'"')?;
        (open + 1, end)
    } else {
        let end = sep;
        let mut start = end;
        while start > 0 && end - start < MAX_NAME && name_char(b[start - 1]) {
            start -= 1;
        }
        (start, end)
    };
    let name = &b[start..end];
    if name.is_empty() || name.len() > MAX_NAME || !name.iter().all(|&c| name_char(c)) {
        return None;
    }
    // `[REDACTED:email]`: a replacement's label, not a name.
    if start > 0 && b[start - 1] == b'[' {
        return None;
    }
    // ASCII only (checked above): a valid `str`.
    std::str::from_utf8(name).ok()
}

/// Where the value after the separator at `sep` starts and ends (for a
/// quoted value, inside its quotes); `None` when there is none.
fn value_after(b: &[u8], sep: usize) -> Option<(usize, usize)> {
    let equals = b[sep] == b'=';
    let mut s = sep + 1;
    // `name: value` and `"name": value`; after `=` the value is adjacent.
    if !equals {
        while s < b.len() && b[s] == b' ' {
            s += 1;
        }
    }
    if s >= b.len() {
        return None;
    }
    if b[s] == b'"' {
        // To the closing quote, over escaped ones.
        let mut e = s + 1;
        while e < b.len() {
            match b[e] {
                b'\\' => e += 2,
                b'"' => return Some((s + 1, e)),
                _ => e += 1,
            }
        }
        return Some((s + 1, b.len()));
    }
    let mut depth = 0usize;
    let mut quoted = false;
    let mut e = s;
    while e < b.len() {
        let c = b[e];
        if quoted {
            match c {
                b'\\' => e += 1,
                b'"' => quoted = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => quoted = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => break,
                b')' | b']' | b'}' => depth -= 1,
                b',' | b';' | b'&' | b'\n' | b'\r' if depth == 0 => break,
                b' ' | b'\t' if depth == 0 && equals => break,
                _ => {}
            }
        }
        e += 1;
    }
    let e = e.min(b.len());
    // Trailing spaces stay outside the value.
    let mut end = e;
    while end > s && b[end - 1] == b' ' {
        end -= 1;
    }
    (end > s).then_some((s, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        redact_named_values(&TracePolicy::default(), text).unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn named_values_inside_a_value_are_replaced() {
        for (text, want) in [
            (
                r#"Login { name: "Jane Doe", password: "hunter2" }"#,
                r#"Login { name: "Jane Doe", password: "[REDACTED]" }"#,
            ),
            (
                r#"Req { api_token: Some("abc"), n: 1 }"#,
                r#"Req { api_token: [REDACTED], n: 1 }"#,
            ),
            ("a=1&password=hunter2&b=2", "a=1&password=[REDACTED]&b=2"),
            (
                "user=jane secret=s3cr3t retries=3",
                "user=jane secret=[REDACTED] retries=3",
            ),
            (
                r#"{"user":"jane","session_id":"q1w2","tags":["a"]}"#,
                r#"{"user":"jane","session_id":"[REDACTED]","tags":["a"]}"#,
            ),
            (
                r#"{"user": "jane", "Authorization": "Bearer x.y"}"#,
                r#"{"user": "jane", "Authorization": "[REDACTED]"}"#,
            ),
            (
                r#"Form { card_pin: [1, 2, 3, 4], ok: true }"#,
                r#"Form { card_pin: [REDACTED], ok: true }"#,
            ),
            (
                r#"x { password: "a \"quoted\" one", y: 2 }"#,
                r#"x { password: "[REDACTED]", y: 2 }"#,
            ),
        ] {
            assert_eq!(r(text), want, "{text}");
        }
    }

    #[test]
    fn other_names_and_separators_are_left_alone() {
        for text in [
            "https://example.com:8443/path?a=1",
            "at 12:30:45 the job ran",
            r#"Login { name: "Jane", retries: 3 }"#,
            "passes=3 compass: north",
            "password",
            "password:",
            "password=",
            ":=:=",
            "",
        ] {
            assert_eq!(redact_named_values(&TracePolicy::default(), text), None, "{text}");
        }
    }

    proptest::proptest! {
        /// The word-at-a-time search finds the first separator, at any
        /// length and position (the overlapping last word included).
        #[test]
        fn separator_search_finds_the_first(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b':', b'=', b' ', 0x80, 0xff, b'9', b';', b'<', b'>']),
                0..90,
            ),
        ) {
            let want = bytes.iter().position(|&c| c == b':' || c == b'=');
            proptest::prop_assert_eq!(next_separator(&bytes), want);
        }

        #[test]
        fn any_text_is_handled_and_named_secrets_never_survive(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "password", "token", "name", ":", "=", " ", "\"", "\\", ",", "{", "}", "(", ")",
                    "[", "]", "&", "hunter2", "é", "\n", "Some(", "x",
                ]),
                0..40,
            ),
        ) {
            let text = parts.concat();
            let _ = redact_named_values(&TracePolicy::default(), &text);
            let planted = format!("{text} password=hunter2 ");
            let out = r(&planted);
            proptest::prop_assert!(!out.ends_with("password=hunter2 "), "{}", out);
        }
    }
}
