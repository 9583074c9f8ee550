//! Encoded text, decoded for the detectors: HTML character references and
//! URL percent-encoding.
//!
//! Pages write addresses and numbers with references to hide them from
//! scrapers (`&#106;ane&#64;&#x65;xample.com`, as WordPress's `antispambot`
//! does) or to keep groups together (`+1&nbsp;415&nbsp;555&nbsp;2671`).
//! URLs carry query values percent-encoded, with `+` for a space in form
//! encoding (`?phone=%2B1+415+555+2671`, `card=4111%201111%201111%201111`),
//! and such URLs reach response bodies (pagination links, redirects) and
//! logs (`uri = %uri`). The detectors read bytes, so such a value passed
//! them whole or in part. Here what stands for an ASCII character is
//! decoded into a copy, with a map from each decoded byte back to where its
//! encoding starts, so that a finding in the copy covers the raw bytes,
//! encodings included.
//!
//! Only what a detector can use is decoded:
//! - character references to printable ASCII, the no-break space (U+00A0)
//!   as a space, and the named hyphen (`&hyphen;` and `&dash;`, U+2010) as
//!   `-`;
//! - `%XX` escapes of printable ASCII and the space (`%40`, `%2B`, `%20`);
//! - a `+` between two digits, as a space (form encoding's space inside a
//!   grouped number: `415+555+2671`).
//!
//! Anything else (references and escapes of other characters, UTF-8
//! escapes such as `%C3%A9`) and every byte that is not part of an encoding
//! is copied as it is. Nothing is decoded twice: `%2540` reads as `%40`
//! (which the email detector, reading the copy, still takes for an `@`).

/// The most digits a numeric reference is read with, leading zeros
/// included; longer ones are left as they are.
const MAX_DIGITS: usize = 10;

/// Named references to characters a detector uses, without the `&`; each
/// needs its `;`.
const NAMED: &[(&[u8], u8)] = &[
    (b"commat;", b'@'),
    (b"period;", b'.'),
    (b"plus;", b'+'),
    (b"lowbar;", b'_'),
    (b"hyphen;", b'-'),
    (b"dash;", b'-'),
    (b"colon;", b':'),
    (b"percnt;", b'%'),
    (b"lpar;", b'('),
    (b"rpar;", b')'),
    (b"num;", b'#'),
    (b"sol;", b'/'),
    (b"equals;", b'='),
    (b"nbsp;", b' '),
    (b"amp;", b'&'),
];

/// Whether `hay` may hold an encoding: `false` when it holds no `&`, no `%`
/// and no `+` after the first byte (a `+` that starts the text, as in a
/// phone number `+1 415 555 2671`, has no digit before it). Eight bytes a
/// step for short inputs (a JSON string, a log value), where calling
/// `memchr` costs more than the search; cheaper than finding where (most
/// text holds none). Some inputs holding `$` or `'` answer `true` too.
#[inline]
pub(crate) fn may_be_encoded(hay: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = hay.len();
    if n >= 64 {
        return matches!(hay[0], b'&' | b'%') || memchr::memchr3(b'&', b'%', b'+', &hay[1..]).is_some();
    }
    if n < 8 {
        return hay.iter().any(|&b| matches!(b, b'&' | b'%')) || hay.iter().skip(1).any(|&b| b == b'+');
    }
    // 0x80 in some byte of `x` that is zero (and maybe in others after it:
    // only whether any is set is used).
    let zero = |x: u64| x.wrapping_sub(LOW) & !x;
    // 0x80 in each byte of `x` that is zero, exactly: the mark of a `+` in
    // the first byte is cleared by `plus`, and must not spill into others.
    let exact = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let has = |w: u64, plus: u64| {
        // `$`, `%`, `&` and `'` (0x24 to 0x27) in one test: the two low
        // bits masked off.
        let amp_pct = zero((w ^ (LOW * 0x24)) & (LOW * 0xFC));
        (amp_pct | (exact(w ^ (LOW * u64::from(b'+'))) & plus)) & HIGH != 0
    };
    let word = |at: usize| u64::from_le_bytes(hay[at..at + 8].try_into().expect("eight bytes"));
    // The first word, whole words after it, then the last eight bytes
    // (overlapping the word before; never at 0, since `n` is at least 9
    // there).
    if has(word(0), !0x80) {
        return true;
    }
    let mut i = 8;
    while i + 8 <= n {
        if has(word(i), !0) {
            return true;
        }
        i += 8;
    }
    i != n && has(word(n - 8), !0)
}

/// The percent escape starting with the `%` at `at`, if it stands for a
/// printable ASCII character or the space.
pub(crate) fn percent(hay: &[u8], at: usize) -> Option<u8> {
    let hex = |i: usize| hay.get(at + i).and_then(|&b| char::from(b).to_digit(16));
    let value = hex(1)? * 16 + hex(2)?;
    // Below 0x80: a `u8`.
    (0x20..=0x7E).contains(&value).then_some(value as u8)
}

/// The character reference starting with the `&` at `at`, if it stands for
/// a byte a detector reads: `(byte, length of the reference)`.
pub(crate) fn reference(hay: &[u8], at: usize) -> Option<(u8, usize)> {
    let rest = &hay[at + 1..];
    if rest.first() != Some(&b'#') {
        return NAMED
            .iter()
            .find(|(name, _)| rest.starts_with(name))
            .map(|&(name, b)| (b, name.len() + 1));
    }
    let hex = matches!(rest.get(1), Some(b'x' | b'X'));
    let start = if hex { 2 } else { 1 };
    let radix = if hex { 16 } else { 10 };
    let mut value = 0u64;
    let mut n = 0;
    while let Some(d) = rest.get(start + n).and_then(|&b| char::from(b).to_digit(radix)) {
        if n == MAX_DIGITS {
            return None;
        }
        value = value * u64::from(radix) + u64::from(d);
        n += 1;
    }
    if n == 0 {
        return None;
    }
    // Browsers read a numeric reference without its `;` too.
    let len = 1 + start + n + usize::from(rest.get(start + n) == Some(&b';'));
    match value {
        0x21..=0x7E => Some((value as u8, len)),
        0x20 | 0xA0 => Some((b' ', len)),
        _ => None,
    }
}

/// Whether a digit, raw or percent-escaped, starts at `at`.
fn digit_at(hay: &[u8], at: usize) -> bool {
    match hay.get(at) {
        Some(b) if b.is_ascii_digit() => true,
        Some(b'%') => percent(hay, at).is_some_and(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// What the byte at `e` (a `&`, `%` or `+`) and what follows decode to:
/// `(byte, length of the encoding)`. `after_digit`: whether the decoded
/// byte before it is a digit.
#[inline]
fn decoded_at(hay: &[u8], e: usize, after_digit: bool) -> Option<(u8, usize)> {
    match hay[e] {
        b'&' => reference(hay, e),
        b'%' => percent(hay, e).map(|b| (b, 3)),
        // `+`: a space between two digits (the next one escaped, too).
        _ => (after_digit && digit_at(hay, e + 1)).then_some((b' ', 1)),
    }
}

/// The next `&`, `%` or `+` at or after `from`. Values are mostly short
/// (a JSON string, a log value): eight bytes a step without the setup of a
/// vectorized search (which long ones get), the last step overlapping the
/// one before it rather than going byte by byte.
#[inline]
fn next_candidate(hay: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let tail = hay.get(from..)?;
    if tail.len() >= 64 {
        return memchr::memchr3(b'&', b'%', b'+', tail).map(|p| from + p);
    }
    if tail.len() < 8 {
        return tail
            .iter()
            .position(|&b| matches!(b, b'&' | b'%' | b'+'))
            .map(|p| from + p);
    }
    // 0x80 in each byte of `x` that is zero, exactly.
    let zeros = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let hit = |at: usize| {
        let w = u64::from_le_bytes(tail[at..at + 8].try_into().expect("eight bytes"));
        let m = zeros(w ^ (LO * u64::from(b'&')))
            | zeros(w ^ (LO * u64::from(b'%')))
            | zeros(w ^ (LO * u64::from(b'+')));
        (m != 0).then(|| from + at + (m.trailing_zeros() / 8) as usize)
    };
    let mut i = 0;
    while i + 8 <= tail.len() {
        if let Some(p) = hit(i) {
            return Some(p);
        }
        i += 8;
    }
    // The last eight bytes: those before `i` were found clean above.
    if i < tail.len() { hit(tail.len() - 8) } else { None }
}

/// Where the first encoding that [`decode`] decodes starts, if any: text
/// whose `&`, `%` and `+` all stand for themselves (`AT&T`, `50% off`,
/// `+1 415`) is not copied.
pub(crate) fn first_encoding(hay: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(e) = next_candidate(hay, i) {
        // Nothing before `e` decodes: the byte before it is raw.
        if decoded_at(hay, e, e > 0 && hay[e - 1].is_ascii_digit()).is_some() {
            return Some(e);
        }
        i = e + 1;
    }
    None
}

/// Decodes the encodings in `hay`, the first of which starts at `first`
/// ([`first_encoding`]), into `out`; answers the decoded length `n`.
/// `map[i]` is where the encoding of `out[i]` starts in `hay`, and `map[n]`
/// is `hay.len()`.
///
/// `out` holds at least `hay.len()` bytes and `map` one more (decoding
/// never lengthens), and `hay` is shorter than 4 GiB (offsets are `u32`,
/// so that the map is four times the input, not eight).
pub(crate) fn decode(hay: &[u8], first: usize, out: &mut [u8], map: &mut [u32]) -> usize {
    debug_assert!(out.len() >= hay.len() && map.len() > hay.len());
    debug_assert!(u32::try_from(hay.len()).is_ok());
    let at = |i: usize| i as u32;
    // The raw bytes from `from` to `to`, copied and mapped to themselves.
    let copy = |from: usize, to: usize, n: &mut usize, out: &mut [u8], map: &mut [u32]| {
        out[*n..*n + (to - from)].copy_from_slice(&hay[from..to]);
        for (m, i) in map[*n..*n + (to - from)].iter_mut().zip(from..to) {
            *m = at(i);
        }
        *n += to - from;
    };
    let mut n = 0;
    let mut i = 0;
    let mut next = Some(first);
    while let Some(e) = next {
        copy(i, e, &mut n, out, map);
        let after_digit = n > 0 && out[n - 1].is_ascii_digit();
        map[n] = at(e);
        match decoded_at(hay, e, after_digit) {
            Some((b, len)) => {
                out[n] = b;
                i = e + len;
            }
            None => {
                out[n] = hay[e];
                i = e + 1;
            }
        }
        n += 1;
        next = next_candidate(hay, i);
    }
    copy(i, hay.len(), &mut n, out, map);
    map[n] = at(hay.len());
    n
}

/// The text `raw` stands for, when something in it decodes: the value a
/// finding of [`Scanner::for_each_decoded`](super::Scanner::for_each_decoded)
/// covers, as its detector read it. Decoding keeps UTF-8 valid (only ASCII
/// is written, whole encodings replaced).
pub(crate) fn decode_str(raw: &str) -> Option<String> {
    let hay = raw.as_bytes();
    if !may_be_encoded(hay) || u32::try_from(hay.len()).is_err() {
        return None;
    }
    let first = first_encoding(hay)?;
    let (mut out, mut map) = (vec![0; hay.len()], vec![0; hay.len() + 1]);
    let n = decode(hay, first, &mut out, &mut map);
    out.truncate(n);
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s` decoded, and the map; `s` itself and no map when nothing
    /// in it decodes.
    fn d(s: &str) -> (String, Vec<u32>) {
        let hay = s.as_bytes();
        let Some(first) = first_encoding(hay) else {
            return (s.to_owned(), Vec::new());
        };
        let (mut out, mut map) = (vec![0; hay.len()], vec![0; hay.len() + 1]);
        let n = decode(hay, first, &mut out, &mut map);
        out.truncate(n);
        map.truncate(n + 1);
        (String::from_utf8(out).unwrap(), map)
    }

    #[test]
    fn references_to_ascii_are_decoded_and_mapped() {
        let (text, map) = d("&#106;a&#x6E;e&commat;x.io");
        assert_eq!(text, "jane@x.io");
        assert_eq!(map, [0, 6, 7, 13, 14, 22, 23, 24, 25, 26]);
        assert_eq!(d("+1&nbsp;415&#160;555").0, "+1 415 555");
        assert_eq!(d("&#64x").0, "@x");
        assert_eq!(d("&#0000064;").0, "@");
    }

    #[test]
    fn percent_escapes_and_form_spaces_are_decoded_and_mapped() {
        let (text, map) = d("%2B1+415%20555");
        assert_eq!(text, "+1 415 555");
        assert_eq!(map, [0, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14]);
        assert_eq!(d("jane%2edoe%40x.io").0, "jane.doe@x.io");
        assert_eq!(d("4111+1111").0, "4111 1111");
        assert_eq!(d("555+%32671").0, "555 2671");
        // Nothing is decoded twice.
        assert_eq!(d("%2540").0, "%40");
        assert_eq!(d("&#37;40").0, "%40");
    }

    #[test]
    fn values_decode_to_what_they_stand_for() {
        assert_eq!(
            decode_str("%2B1+415+555+2671").as_deref(),
            Some("+1 415 555 2671")
        );
        assert_eq!(decode_str("j&#97;ne&#64;x.io").as_deref(), Some("jane@x.io"));
        assert_eq!(
            decode_str("caf\u{e9}%20%C3%A9").as_deref(),
            Some("caf\u{e9} %C3%A9")
        );
        assert_eq!(decode_str("+1 415 555 2671"), None);
        assert_eq!(decode_str("jane@x.io"), None);
    }

    #[test]
    fn other_text_is_copied() {
        for s in [
            "AT&T",
            "a & b",
            "&",
            "&#",
            "&#x;",
            "&#233;",
            "&eacute;",
            "&Commat;",
            "&commat",
            "&#00000000064;",
            "&#4294967360;",
            "100%",
            "50% off",
            "%4",
            "%zz",
            "%C3%A9",
            "%7F%00%1F",
            "+1 415",
            "a+1",
            "1+a",
            "1++2",
            "C++",
        ] {
            assert_eq!(d(s).0, s, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn candidates_agree_with_a_plain_search(
            hay in proptest::collection::vec(
                proptest::sample::select(b"&%+a\x00\xff\xa6\x25\x2b\x26\x27\x05\x0b".to_vec()),
                0..80,
            ),
            from in 0usize..90,
        ) {
            let plain = hay
                .get(from..)
                .and_then(|t| t.iter().position(|b| matches!(b, b'&' | b'%' | b'+')))
                .map(|p| from + p);
            proptest::prop_assert_eq!(next_candidate(&hay, from), plain);
        }

        #[test]
        fn may_be_encoded_agrees_with_a_plain_search(hay in proptest::collection::vec(
            proptest::sample::select(b"&%+*$a\x00\xff\xa6\x25\x2b\x26\x27\x2a\x24\x23".to_vec()),
            0..80,
        )) {
            let plus = hay.iter().skip(1).any(|&b| b == b'+');
            let any = hay.iter().any(|b| matches!(b, b'&' | b'%')) || plus;
            let maybe = may_be_encoded(&hay);
            proptest::prop_assert!(maybe || !any);
            // Only `$` and `'` may answer `true` besides.
            let lookalike = hay.iter().any(|b| matches!(b, b'$' | b'\''));
            proptest::prop_assert!(!maybe || any || lookalike);
        }

        /// Any input decodes without panic, the map is increasing and
        /// inside the input, and each byte maps to where it came from.
        #[test]
        fn the_map_is_sound(hay in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(b"&#x;%+0123456789abcdefABCDEFcommatnbsp".to_vec()),
            ],
            0..64,
        )) {
            let Some(first) = first_encoding(&hay) else {
                // Nothing decodes: no escape of printable ASCII, no `+`
                // between digits.
                for w in hay.windows(3) {
                    let escape = w[0] == b'%'
                        && std::str::from_utf8(&w[1..])
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .is_some_and(|v| (0x20..0x7F).contains(&v));
                    proptest::prop_assert!(!escape);
                    proptest::prop_assert!(!(w[0].is_ascii_digit() && w[1] == b'+' && w[2].is_ascii_digit()));
                }
                return Ok(());
            };
            let (mut out, mut map) = (vec![0; hay.len()], vec![0; hay.len() + 1]);
            let n = decode(&hay, first, &mut out, &mut map);
            out.truncate(n);
            map.truncate(n + 1);
            proptest::prop_assert_eq!(map[n] as usize, hay.len());
            proptest::prop_assert_ne!(&out, &hay);
            proptest::prop_assert_eq!(&out[..first], &hay[..first]);
            for i in 0..out.len() {
                proptest::prop_assert!(map[i] < map[i + 1]);
                let raw = map[i] as usize;
                if !matches!(hay[raw], b'&' | b'%' | b'+') {
                    proptest::prop_assert_eq!(hay[raw], out[i]);
                    proptest::prop_assert_eq!(map[i + 1] as usize, raw + 1);
                }
            }
        }
    }
}
