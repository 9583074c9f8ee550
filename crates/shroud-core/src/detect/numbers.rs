//! Detectors anchored on digits: payment cards, SSNs, phone numbers, IPv4,
//! IBANs. Each takes the candidate start and answers the end of a match.

use super::bytes::{digits, strict_end, word_end};

/// The Luhn check over decimal digit values.
pub(crate) fn luhn(d: &[u8]) -> bool {
    /// A digit doubled, its two digits summed.
    const DOUBLED: [u32; 16] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9, 0, 0, 0, 0, 0, 0];
    let mut sum = 0u32;
    // From the right: the check digit as it is, the next one doubled, and so on.
    let mut pairs = d.rchunks_exact(2);
    for p in &mut pairs {
        sum += u32::from(p[1]) + DOUBLED[usize::from(p[0] & 15)];
    }
    if let [first] = pairs.remainder() {
        sum += u32::from(*first);
    }
    sum.is_multiple_of(10)
}

fn prefix(d: &[u8], k: usize) -> u32 {
    d[..k.min(d.len())]
        .iter()
        .fold(0u32, |a, &x| a * 10 + u32::from(x))
}

/// Whether the digits fall in a known issuer range with a length that issuer
/// uses (Visa, Mastercard incl. 2221-2720, Amex, Discover, JCB, Diners,
/// UnionPay, Maestro, Mir).
pub(crate) fn known_iin(d: &[u8]) -> bool {
    let len = d.len();
    let p4 = prefix(d, 4);
    let (p2, p3) = if len >= 4 {
        (p4 / 100, p4 / 10)
    } else {
        (prefix(d, 2), prefix(d, 3))
    };
    let long = (16..=19).contains(&len);
    match d[0] {
        4 => matches!(len, 13 | 16 | 19),
        5 => {
            ((51..=55).contains(&p2) && len == 16)
                || (matches!(p4, 5018 | 5020 | 5038 | 5893) && (13..=19).contains(&len))
        }
        2 => ((2221..=2720).contains(&p4) && len == 16) || ((2200..=2204).contains(&p4) && long),
        3 => {
            (matches!(p2, 34 | 37) && len == 15)
                || ((3528..=3589).contains(&p4) && long)
                || (((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len))
        }
        6 => {
            // Discover (6011, 644-649, 65) and UnionPay (62, which holds the
            // Discover co-branded 622126-622925).
            ((p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || p2 == 62) && long)
                || (matches!(p4, 6304 | 6759 | 6761 | 6762 | 6763) && (13..=19).contains(&len))
        }
        _ => false,
    }
}

/// A payment card number at `s`: 13-19 digits, contiguous or in groups of
/// 3-6 separated by one space, dash or dot (the same one throughout), in a
/// known IIN range, Luhn-valid. The longest valid run of whole groups wins.
pub(crate) fn card(hay: &[u8], s: usize) -> Option<usize> {
    let tail = hay.get(s..)?;
    let mut digs = [0u8; 19];
    let mut n = 0usize;
    // (end, digits so far) after each whole group, offsets from `s`.
    let mut ends = [(0usize, 0usize); 8];
    let mut ng = 0usize;
    let mut sep = 0u8;
    let mut i = 0usize;
    // One pass: each group's digits are counted and copied together.
    'groups: loop {
        let mut k = n;
        while let Some(&b) = tail.get(i)
            && b.is_ascii_digit()
        {
            if k == digs.len() {
                // More than 19 digits: this group cannot be part of a card.
                break 'groups;
            }
            digs[k] = b - b'0';
            k += 1;
            i += 1;
        }
        let d = k - n;
        if d == 0 {
            break;
        }
        let grouped = ng > 0 || matches!(tail.get(i), Some(b' ' | b'-' | b'.'));
        if grouped && !(3..=6).contains(&d) && !(ng == 0 && d >= 13) {
            break;
        }
        n = k;
        ends[ng] = (i, n);
        ng += 1;
        if ng == ends.len() || (ng == 1 && d >= 13) {
            break;
        }
        match tail.get(i) {
            Some(&b) if matches!(b, b' ' | b'-' | b'.') && (sep == 0 || sep == b) => {
                if !tail.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    break;
                }
                sep = b;
                i += 1;
            }
            _ => break,
        }
    }
    ends[..ng].iter().rev().find_map(|&(end, nd)| {
        let d = &digs[..nd];
        ((13..=19).contains(&nd) && word_end(hay, s + end) && known_iin(d) && luhn(d)).then_some(s + end)
    })
}

/// A US SSN at `s`: `AAA-GG-SSSS` or `AAA GG SSSS`, area not 000, 666 or
/// 900-999, group not 00, serial not 0000.
pub(crate) fn ssn(hay: &[u8], s: usize) -> Option<usize> {
    if digits(hay, s, 4) != 3 {
        return None;
    }
    let sep = *hay.get(s + 3)?;
    if !(sep == b'-' || sep == b' ')
        || digits(hay, s + 4, 3) != 2
        || hay.get(s + 6) != Some(&sep)
        || digits(hay, s + 7, 5) != 4
    {
        return None;
    }
    let num = |r: core::ops::Range<usize>| hay[r].iter().fold(0u32, |a, &x| a * 10 + u32::from(x - b'0'));
    let (area, group, serial) = (num(s..s + 3), num(s + 4..s + 6), num(s + 7..s + 11));
    let ok = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    (ok && strict_end(hay, s + 11)).then_some(s + 11)
}

/// An IPv4 address at `s`: four decimal octets 0-255 without leading zeros.
pub(crate) fn ipv4(hay: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    for k in 0..4 {
        let tail = hay.get(i..)?;
        // One to three digits, no leading zero, at most 255.
        let mut v = 0u32;
        let mut d = 0;
        while let Some(&b) = tail.get(d)
            && b.is_ascii_digit()
        {
            if d == 3 {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
            d += 1;
        }
        if d == 0 || (d > 1 && tail[0] == b'0') || v > 255 {
            return None;
        }
        i += d;
        if k < 3 {
            if hay.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    strict_end(hay, i).then_some(i)
}

#[derive(Clone, Copy, Default)]
struct Group {
    start: usize,
    len: usize,
    end: usize,
    paren: bool,
    /// The separator before the group; 0 for the first and for one right
    /// after a `)` group (free there: `+1 (415) 555-2671`).
    sep: u8,
}

/// A phone number at `s` (a `+`, a `(` or a digit).
///
/// - E.164: `+` then 8-15 digits, contiguous or in groups separated by one
///   space, dash or dot, with at most one parenthesised group
///   (`+44 (0)20 7946 0958`, `+1 (415) 555-2671`).
/// - National forms, which must have separators: NANP `415-555-2671`,
///   `(415) 555-2671`, `1-800-555-0199` (area and exchange 2-9), and trunk
///   forms starting with `0` with 10-11 digits in 2-5 groups of at least two
///   (`020 7946 0958`, `0171 1234567`, `01 23 45 67 89`).
///
/// One separator character throughout, except for the one right after a
/// `)`; or spaces then dashes (`+49 30 1234-5678`, `415 555-2671`), where
/// the dashed part is not a date. The longest run of whole groups that
/// forms a valid number wins.
pub(crate) fn phone(hay: &[u8], s: usize) -> Option<usize> {
    let intl = hay.get(s) == Some(&b'+');
    let mut groups = [Group::default(); 8];
    let mut ng = 0;
    let mut i = s + usize::from(intl);
    let mut sep = 0u8;
    let mut total = 0;
    let mut seen_paren = false;
    loop {
        let paren = hay.get(i) == Some(&b'(');
        if paren && seen_paren {
            break;
        }
        let start = i + usize::from(paren);
        let len = digits(hay, start, 16);
        if len == 0 || total + len > 15 {
            break;
        }
        let mut end = start + len;
        if paren {
            if len > 5 || hay.get(end) != Some(&b')') {
                break;
            }
            end += 1;
            seen_paren = true;
        }
        groups[ng] = Group {
            start,
            len,
            end,
            paren,
            sep,
        };
        ng += 1;
        total += len;
        if ng == groups.len() {
            break;
        }
        // One separator, or none right after a ")" group, which frees the
        // next one: `+1 (415) 555-2671`. Whether the separators may differ
        // is the validation's call.
        match hay.get(end) {
            Some(&b) if matches!(b, b' ' | b'-' | b'.') => {
                let next = hay.get(end + 1);
                if !next.is_some_and(|c| c.is_ascii_digit() || *c == b'(') {
                    break;
                }
                sep = if paren { 0 } else { b };
                i = end + 1;
            }
            Some(&b) if paren && b.is_ascii_digit() => {
                sep = 0;
                i = end;
            }
            _ => break,
        }
    }
    (1..=ng).rev().find_map(|k| {
        let g = &groups[..k];
        let end = g[k - 1].end;
        let ok = if intl {
            valid_intl(hay, g)
        } else {
            valid_national(hay, g)
        };
        (ok && strict_end(hay, end)).then_some(end)
    })
}

fn valid_intl(hay: &[u8], g: &[Group]) -> bool {
    let total: usize = g.iter().map(|g| g.len).sum();
    (8..=15).contains(&total)
        && !g[0].paren
        && hay[g[0].start] != b'0'
        && (one_separator(g) || spaces_then_dashes(hay, g))
}

/// Whether each run of groups keeps one separator; a `)` group ends a run
/// (the separator right after it is free: `1 (415) 555-2671`).
fn one_separator(g: &[Group]) -> bool {
    let mut run = 0u8;
    for x in &g[1..] {
        match (x.sep, run) {
            (0, _) => run = 0,
            (s, 0) => run = s,
            (s, r) if s == r => {}
            _ => return false,
        }
    }
    true
}

/// `+49 30 1234-5678`, `415 555-2671`: groups joined by spaces, then by
/// dashes, the dashed ones not spelling a date (`+8 2024-11-24`).
fn spaces_then_dashes(hay: &[u8], g: &[Group]) -> bool {
    let mut first_dash = None;
    for (k, x) in g.iter().enumerate().skip(1) {
        match x.sep {
            0 => {}
            b' ' if first_dash.is_none() => {}
            b'-' => {
                first_dash.get_or_insert(k);
            }
            _ => return false,
        }
    }
    let Some(d) = first_dash else { return true };
    let dashed = &g[d - 1..];
    let date = dashed.len() == 3
        && dashed[0].len == 4
        && dashed[1].len == 2
        && dashed[2].len == 2
        && matches!(hay[dashed[0].start], b'1' | b'2');
    !date
}

fn valid_national(hay: &[u8], g: &[Group]) -> bool {
    let total: usize = g.iter().map(|g| g.len).sum();
    if g.len() < 2 || !(10..=11).contains(&total) {
        return false;
    }
    let mut buf = [0usize; 8];
    for (b, g) in buf.iter_mut().zip(g) {
        *b = g.len;
    }
    let lens = &buf[..g.len()];
    let first = |k: usize| hay[g[k].start];
    let nanp = |a: usize| (b'2'..=b'9').contains(&first(a)) && (b'2'..=b'9').contains(&first(a + 1));
    // One separator a run, or the NANP's `415 555-2671` / `1 800 555-0199`.
    let one = one_separator(g);
    match lens {
        [3, 3, 4] => return nanp(0) && (one || spaces_then_dashes(hay, g)),
        [1, 3, 3, 4] => {
            return first(0) == b'1' && !g[0].paren && nanp(1) && (one || spaces_then_dashes(hay, g));
        }
        _ => {}
    }
    one && first(0) == b'0' && (2..=5).contains(&g.len()) && lens.iter().all(|&l| l >= 2)
}

/// IBAN lengths by country (SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The registered IBAN length of a country, if it uses IBANs.
pub(crate) fn iban_length(cc: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.as_slice() == cc)
        .map(|&(_, l)| usize::from(l))
}

/// The ISO 13616 mod-97 check over an IBAN without spaces.
pub(crate) fn iban_mod97(iban: &[u8]) -> bool {
    let mut rem = 0u32;
    let rearranged = iban[4..].iter().chain(&iban[..4]);
    for &c in rearranged {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// An IBAN at `s`: two letters, two check digits and the BBAN, either
/// contiguous or printed in groups of four separated by one space; exact
/// length for the country and a valid mod-97 check. All its letters are
/// upper case, or all lower case (`de89 3704 ...`, as typed into forms).
pub(crate) fn iban(hay: &[u8], s: usize) -> Option<usize> {
    let cc = hay.get(s..s + 2)?;
    let upper = cc.iter().all(u8::is_ascii_uppercase);
    if !upper && !cc.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let want = iban_length(&[cc[0].to_ascii_uppercase(), cc[1].to_ascii_uppercase()])?;
    let letter = if upper {
        u8::is_ascii_uppercase
    } else {
        u8::is_ascii_lowercase
    };
    let mut buf = [0u8; 34];
    let mut n = 0;
    let mut i = s;
    let spaced = hay.get(s + 4) == Some(&b' ');
    while n < want {
        let c = *hay.get(i)?;
        if c == b' ' && spaced && n % 4 == 0 && n > 0 {
            i += 1;
            continue;
        }
        if !(c.is_ascii_digit() || letter(&c)) {
            return None;
        }
        if (2..4).contains(&n) && !c.is_ascii_digit() {
            return None;
        }
        buf[n] = c.to_ascii_uppercase();
        n += 1;
        i += 1;
    }
    // A lower-case candidate whose letters are all hex digits is as likely a
    // hex id (a span id `be30fea83537c7fe` has Belgium's length).
    let hex_only = !upper && {
        let mut letters = buf[4..want].iter().filter(|c| c.is_ascii_uppercase()).peekable();
        letters.peek().is_some() && letters.all(|c| (b'A'..=b'F').contains(c))
    };
    (!hex_only && word_end(hay, i) && iban_mod97(&buf[..want])).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Luhn check as the standard states it.
    fn luhn_reference(d: &[u8]) -> bool {
        let mut sum = 0u32;
        for (i, &x) in d.iter().rev().enumerate() {
            let mut v = u32::from(x);
            if i % 2 == 1 {
                v *= 2;
                if v > 9 {
                    v -= 9;
                }
            }
            sum += v;
        }
        sum.is_multiple_of(10)
    }

    /// Dotted-quad IPv4 written plainly: split on dots, four octets.
    fn ipv4_reference(hay: &[u8], s: usize) -> Option<usize> {
        let mut i = s;
        for k in 0..4 {
            let d = hay[i.min(hay.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if d == 0 || d > 3 || (d > 1 && hay[i] == b'0') {
                return None;
            }
            let v: u32 = std::str::from_utf8(&hay[i..i + d]).ok()?.parse().ok()?;
            if v > 255 {
                return None;
            }
            i += d;
            if k < 3 {
                if hay.get(i) != Some(&b'.') {
                    return None;
                }
                i += 1;
            }
        }
        strict_end(hay, i).then_some(i)
    }

    /// The card matcher as first written: one `digits` call a group.
    fn card_reference(hay: &[u8], s: usize) -> Option<usize> {
        let mut digs = [0u8; 19];
        let mut n = 0usize;
        let mut ends = [(0usize, 0usize); 8];
        let mut ng = 0usize;
        let mut sep = 0u8;
        let mut i = s;
        loop {
            let d = digits(hay, i, 20);
            if d == 0 || n + d > 19 {
                break;
            }
            let grouped = ng > 0 || matches!(hay.get(i + d), Some(b' ' | b'-' | b'.'));
            if grouped && !(3..=6).contains(&d) && !(ng == 0 && d >= 13) {
                break;
            }
            for (v, &b) in digs[n..n + d].iter_mut().zip(&hay[i..i + d]) {
                *v = b - b'0';
            }
            n += d;
            i += d;
            ends[ng] = (i, n);
            ng += 1;
            if ng == ends.len() || (ng == 1 && d >= 13) {
                break;
            }
            match hay.get(i) {
                Some(&b) if matches!(b, b' ' | b'-' | b'.') && (sep == 0 || sep == b) => {
                    if !hay.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        break;
                    }
                    sep = b;
                    i += 1;
                }
                _ => break,
            }
        }
        ends[..ng].iter().rev().find_map(|&(end, nd)| {
            let d = &digs[..nd];
            ((13..=19).contains(&nd) && word_end(hay, end) && known_iin(d) && luhn(d)).then_some(end)
        })
    }

    proptest::proptest! {
        #[test]
        fn card_matches_the_group_by_group_matcher(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    // Whole cards (16, 15 and 19 digits) and their groups.
                    "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
                    "378282246310005", "3782 822463 10005", "4111111111111111110",
                    "4111 1111 1111 1111 110", "6221 2600 0000 0000 001", "4111 1111-1111 1111",
                    "4111", "1111", "110", "3782", "822463", "10005", "0000", "001",
                    // Separators and breakers.
                    " ", " ", "-", ".", "a", "@", "_", "12", "1234567",
                ]),
                0..10,
            ),
        ) {
            let hay = parts.concat().into_bytes();
            for s in 0..=hay.len() {
                proptest::prop_assert_eq!(card(&hay, s), card_reference(&hay, s), "at {}", s);
            }
        }

        #[test]
        fn luhn_matches_its_definition(d in proptest::collection::vec(0u8..10, 0..24)) {
            proptest::prop_assert_eq!(luhn(&d), luhn_reference(&d));
        }

        #[test]
        fn ipv4_matches_its_definition(
            hay in proptest::collection::vec(proptest::sample::select(b"0123456789.. a-".to_vec()), 0..24),
        ) {
            for s in 0..=hay.len() {
                proptest::prop_assert_eq!(ipv4(&hay, s), ipv4_reference(&hay, s), "at {}", s);
            }
        }
    }

    fn whole(f: impl Fn(&[u8], usize) -> Option<usize>, s: &str) -> bool {
        f(s.as_bytes(), 0) == Some(s.len())
    }

    #[test]
    fn cards() {
        for c in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111.1111.1111.1111",
            "5555555555554444",
            "2223003122003222",
            "378282246310005",
            "3782 822463 10005",
            "6011111111111117",
            "3530111333300000",
            "30569309025904",
        ] {
            assert!(whole(card, c), "{c}");
        }
        for c in [
            "4111111111111112",
            "1234567812345670",
            "4111 1111-1111 1111",
            "4111.1111 1111.1111",
            "41111111111111111111",
        ] {
            assert!(!whole(card, c), "{c}");
        }
        assert_eq!(card(b"4111 1111 1111 1111 2024", 0), Some(19));
    }

    #[test]
    fn ssns() {
        assert!(whole(ssn, "123-45-6789"));
        assert!(whole(ssn, "123 45 6789"));
        for s in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
            "123-45 6789",
        ] {
            assert!(!whole(ssn, s), "{s}");
        }
    }

    #[test]
    fn phones() {
        for p in [
            "+14155552671",
            "+1 415 555 2671",
            "+1-415-555-2671",
            "+1 (415) 555-2671",
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958",
            "+33 1 23 45 67 89",
            "(415) 555-2671",
            "415-555-2671",
            "415.555.2671",
            "1-800-555-0199",
            "020 7946 0958",
            "0171 1234567",
            "+49 30 1234-5678",
            "+44 20 7946-0958",
            "+49 30 12345-67",
            "415 555-2671",
            "1 800 555-0199",
            "1 800-555-0199",
            "1 (415) 555-2671",
            "01 (23) 45-67-89",
            "(030) 1234-5678",
        ] {
            assert!(whole(phone, p), "{p}");
        }
        for p in [
            "+1234567",
            "+1234567890123456",
            "2024-05-01",
            "4155552671",
            "123-456-7890",
            "415-555 2671",
            "415 555.2671",
            "1-800 555-0199",
            "020 7946-0958",
            "05 2026-11-24",
            "+1.25 3.50 4.75",
            "+8 2024-11-24",
            "+1 2024-11-24 10",
            "+33 1.23.45 67-89",
            "+49-30 1234 5678",
            "1.2.3.4",
        ] {
            assert!(!whole(phone, p), "{p}");
        }
    }

    #[test]
    fn ipv4s() {
        assert!(whole(ipv4, "192.168.0.1"));
        assert!(whole(ipv4, "0.0.0.0"));
        assert!(!whole(ipv4, "256.1.1.1"));
        assert!(!whole(ipv4, "01.1.1.1"));
        assert_eq!(ipv4(b"1.2.3.4.5", 0), None);
        assert_eq!(ipv4(b"1.2.3.4. x", 0), Some(7));
    }

    #[test]
    fn ibans() {
        assert!(whole(iban, "DE89370400440532013000"));
        assert!(whole(iban, "DE89 3704 0044 0532 0130 00"));
        assert!(whole(iban, "GB82WEST12345698765432"));
        assert!(!whole(iban, "DE89370400440532013001"));
        assert!(!whole(iban, "DE8937040044053201300"));
        assert!(!whole(iban, "ZZ89370400440532013000"));
        assert!(whole(iban, "de89370400440532013000"));
        assert!(whole(iban, "de89 3704 0044 0532 0130 00"));
        assert!(whole(iban, "gb82west12345698765432"));
        // One case throughout.
        assert!(!whole(iban, "De89370400440532013000"));
        assert!(!whole(iban, "gb82WEST12345698765432"));
        assert!(!whole(iban, "de89370400440532013001"));
        // Hex ids of an IBAN's length that pass mod-97.
        for hex in ["be30fea83537c7fe", "ad29798fc33befc6a48a61c8"] {
            assert!(iban_mod97(hex.to_ascii_uppercase().as_bytes()), "{hex}");
            assert!(!whole(iban, hex), "{hex}");
        }
    }
}
