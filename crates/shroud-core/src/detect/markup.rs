//! Character references in HTML and XML text, decoded for the detectors.
//!
//! Pages write addresses and numbers with references to hide them from
//! scrapers (`&#106;ane&#64;&#x65;xample.com`, as WordPress's `antispambot`
//! does) or to keep groups together (`+1&nbsp;415&nbsp;555&nbsp;2671`). The
//! detectors read bytes, so such a value passed them whole or in part. Here
//! the references that stand for an ASCII character are decoded into a copy,
//! with a map from each decoded byte back to where its encoding starts, so
//! that a finding in the copy covers the raw bytes, references included.
//!
//! Only what a detector can use is decoded: references to printable ASCII,
//! the no-break space (U+00A0) as a space, and the named hyphen (`&hyphen;`
//! and `&dash;`, U+2010) as `-`. Any other reference, and
//! every byte that is not part of a reference, is copied as it is.

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

/// Whether `hay` holds a `&`: eight bytes a step for short inputs (a JSON
/// string, a log value), where calling `memchr` costs more than the search.
#[inline]
pub(crate) fn has_amp(hay: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const AMP: u64 = LOW * b'&' as u64;
    if hay.len() >= 64 {
        return memchr::memchr(b'&', hay).is_some();
    }
    let has = |w: u64| {
        let x = w ^ AMP;
        x.wrapping_sub(LOW) & !x & HIGH != 0
    };
    let word = |at: usize| u64::from_le_bytes(hay[at..at + 8].try_into().expect("eight bytes"));
    let n = hay.len();
    if n < 8 {
        return hay.contains(&b'&');
    }
    // Whole words, then the last eight bytes (overlapping the last word).
    let mut i = 0;
    while i + 8 <= n {
        if has(word(i)) {
            return true;
        }
        i += 8;
    }
    i != n && has(word(n - 8))
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

/// Decodes the references in `hay` into `out`; `map[i]` is where the
/// encoding of `out[i]` starts in `hay`, and `map[out.len()]` is
/// `hay.len()`. Answers whether anything was decoded.
///
/// Offsets are `u32` (the map is four times the input, not eight); an input
/// of 4 GiB or more is not decoded.
pub(crate) fn decode(hay: &[u8], out: &mut Vec<u8>, map: &mut Vec<u32>) -> bool {
    if u32::try_from(hay.len()).is_err() {
        return false;
    }
    let at = |i: usize| i as u32;
    out.clear();
    map.clear();
    out.reserve(hay.len());
    map.reserve(hay.len() + 1);
    let mut any = false;
    let mut i = 0;
    while i < hay.len() {
        let Some(amp) = memchr::memchr(b'&', &hay[i..]).map(|p| i + p) else {
            break;
        };
        out.extend_from_slice(&hay[i..amp]);
        map.extend(at(i)..at(amp));
        match reference(hay, amp) {
            Some((b, len)) => {
                out.push(b);
                map.push(at(amp));
                i = amp + len;
                any = true;
            }
            None => {
                out.push(b'&');
                map.push(at(amp));
                i = amp + 1;
            }
        }
    }
    out.extend_from_slice(&hay[i..]);
    map.extend(at(i)..at(hay.len()));
    map.push(at(hay.len()));
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> (String, Vec<u32>) {
        let (mut out, mut map) = (Vec::new(), Vec::new());
        decode(s.as_bytes(), &mut out, &mut map);
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
        ] {
            assert_eq!(d(s).0, s, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn has_amp_agrees_with_a_plain_search(hay in proptest::collection::vec(
            proptest::sample::select(b"&%a\x00\xff\xa6".to_vec()),
            0..80,
        )) {
            proptest::prop_assert_eq!(has_amp(&hay), hay.contains(&b'&'));
        }

        /// Any input decodes without panic, the map is increasing and
        /// inside the input, and each byte maps to where it came from.
        #[test]
        fn the_map_is_sound(hay in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(b"&#x;0123456789abcdefcommatnbsp".to_vec()),
            ],
            0..64,
        )) {
            let (mut out, mut map) = (Vec::new(), Vec::new());
            decode(&hay, &mut out, &mut map);
            proptest::prop_assert_eq!(map.len(), out.len() + 1);
            proptest::prop_assert_eq!(map[out.len()] as usize, hay.len());
            for i in 0..out.len() {
                proptest::prop_assert!(map[i] < map[i + 1]);
                let raw = map[i] as usize;
                if hay[raw] != b'&' {
                    proptest::prop_assert_eq!(hay[raw], out[i]);
                    proptest::prop_assert_eq!(map[i + 1] as usize, raw + 1);
                }
            }
        }
    }
}
