//! Detectors anchored on letters and punctuation: email addresses, IPv6
//! addresses and credentials.

use super::bytes::{
    ALNUM, ALPHA, B64STD, B64URL, HEX, LABEL, LOCAL, TOKEN68, at, is, run, word_end, word_start,
};
use super::encoded;
use crate::Kind;
use base64::Engine as _;

/// An email address around the `@` at `at_pos`, not reaching back before
/// `floor`. Answers `(start, end)`.
///
/// Local part: `[A-Za-z0-9._%+-]`, 1-64 bytes, no leading, trailing or
/// doubled dot (a doubled dot cuts the local part after it).
/// Domain: two or more labels of `[A-Za-z0-9-]` (1-63, no leading or
/// trailing dash), the last one 2-63 letters, 253 bytes at most.
pub(crate) fn email(hay: &[u8], at_pos: usize, floor: usize) -> Option<(usize, usize)> {
    email_around(hay, at_pos, at_pos + 1, floor)
}

/// An email address written with its `@` percent-encoded (`%40`), as URL
/// builders write it in query values: `/verify?email=jane%40example.com`.
/// `pct` is the position of the `%`.
pub(crate) fn email_pct(hay: &[u8], pct: usize, floor: usize) -> Option<(usize, usize)> {
    if hay.get(pct + 1..pct + 3) != Some(b"40") {
        return None;
    }
    email_around(hay, pct, pct + 3, floor)
}

/// An email address written with its `@` as an HTML character reference:
/// numeric (`&#64;`, `&#x40;`) or named (`&commat;`), as pages write
/// addresses to hide them from naive scrapers. `amp` is the position of the
/// reference's `&`.
///
/// Read as browsers read it ([`encoded::reference`]): leading zeros
/// (`&#064;`, `&#x0040;`) and a numeric reference without its `;` (`&#64`,
/// which ends at the first byte that cannot continue the number) are
/// accepted.
pub(crate) fn email_reference(hay: &[u8], amp: usize, floor: usize) -> Option<(usize, usize)> {
    if amp < floor || hay.get(amp) != Some(&b'&') {
        return None;
    }
    match encoded::reference(hay, amp)? {
        (b'@', len) => email_around(hay, amp, amp + len, floor),
        _ => None,
    }
}

/// An email address whose local part ends at `at_pos` and whose domain
/// starts at `domain`, with the `@` (or its encoding) between them.
fn email_around(hay: &[u8], at_pos: usize, domain: usize, floor: usize) -> Option<(usize, usize)> {
    // Back from the `@` over local-part bytes, 65 at most (one more than
    // allowed). Tight loops, one rule each, cost fewer instructions a byte
    // than one loop that tracks several.
    let lo = floor.max(at_pos.saturating_sub(65));
    // `None` for a position past the end, too.
    let seg = hay.get(lo..at_pos)?;
    let k = seg.iter().rposition(|&b| !is(b, LOCAL)).map_or(0, |p| p + 1);
    if seg.len() - k > 64 {
        return None;
    }
    // A doubled dot cannot be inside a dot-atom: keep what follows the last one.
    let cut = seg[k..].windows(2).rposition(|w| w == b"..").map_or(0, |p| p + 2);
    let mut s = lo + k + cut;
    while s < at_pos && hay[s] == b'.' {
        s += 1;
    }
    if s == at_pos || hay[at_pos - 1] == b'.' {
        return None;
    }
    let mut i = domain;
    let mut labels = 0;
    let mut end = None;
    loop {
        let (l, valid) = label(hay, i);
        if l == 0 {
            break;
        }
        labels += 1;
        let label_end = i + l;
        if label_end - domain > 253 {
            break;
        }
        if labels >= 2 {
            let letters = hay[i..label_end].iter().take_while(|&&b| is(b, ALPHA)).count();
            if valid && l >= 2 && letters == l {
                end = Some(label_end);
            } else if letters >= 2 && letters < l && hay[i + letters] == b'-' {
                // A top-level label glued to a suffix: `example.com-deleted`
                // (a soft-deleted account), `example.com-`.
                end = Some(i + letters);
            }
        }
        if valid && hay.get(label_end) == Some(&b'.') && at(hay, label_end + 1, ALNUM) {
            i = label_end + 1;
        } else {
            break;
        }
    }
    let end = end?;
    // A dash may follow only a glued top-level label (a whole label takes
    // its dashes in).
    let tail_ok = match hay.get(end) {
        None => true,
        Some(&b) => !(is(b, ALNUM) || b == b'_' || b == b'@'),
    };
    tail_ok.then_some((s, end))
}

/// The run of `[A-Za-z0-9-]` at `i` (at most 64 bytes read), and whether it
/// is a DNS label: 1-63 bytes, no dash at either end.
fn label(hay: &[u8], i: usize) -> (usize, bool) {
    let Some(seg) = hay.get(i..hay.len().min(i.saturating_add(64))) else {
        return (0, false);
    };
    let l = seg.iter().position(|&b| !is(b, LABEL)).unwrap_or(seg.len());
    let valid = l > 0 && l <= 63 && seg[0] != b'-' && seg[l - 1] != b'-';
    (l, valid)
}

/// Whether the colon at `colon` ends a label (a word that is not all hex
/// digits, such as `ip` or `addr`) rather than a group of an address.
fn after_label(hay: &[u8], colon: usize) -> bool {
    let mut w = colon;
    while w > 0 && colon - w < 16 && is(hay[w - 1], ALNUM) {
        w -= 1;
    }
    w < colon && hay[w..colon].iter().any(|&b| !is(b, HEX))
}

/// The longest textual IPv6 address.
const IPV6_MAX: usize = 45;

/// An IPv6 address (full, compressed, or with an embedded IPv4) starting at
/// `s`. On failure answers `Err(skip)`: the end of the run of address
/// characters it read (at most an address's length), where the scan goes on
/// unless a credential's keyword starts before it.
pub(crate) fn ipv6(hay: &[u8], s: usize) -> Result<usize, usize> {
    // The run is read no further than an address can go, so an attempt
    // costs the same on a run of any length.
    let mut e = s;
    while e < hay.len() && e - s <= IPV6_MAX + 1 && (is(hay[e], HEX) || hay[e] == b':' || hay[e] == b'.') {
        e += 1;
    }
    // "::1" is the shortest address worth reporting. After a colon, the
    // address may follow a label (`ip:`, `addr:`), not a group of its run.
    if e - s < 3
        || e - s > IPV6_MAX + 1
        || !word_end(hay, e)
        || (s > 0 && hay[s - 1] == b':' && !after_label(hay, s - 1))
    {
        return Err(e);
    }
    let mut end = e;
    // A sentence may end right after an address; "::" at the end is the address's own.
    if matches!(hay[end - 1], b'.') || (hay[end - 1] == b':' && hay[end - 2] != b':') {
        end -= 1;
    }
    let cand = &hay[s..end];
    if end - s > IPV6_MAX
        || cand.iter().filter(|&&b| b == b':').count() < 2
        || !cand.iter().any(u8::is_ascii_digit)
    {
        return Err(e);
    }
    let text = core::str::from_utf8(cand).map_err(|_| e)?;
    text.parse::<core::net::Ipv6Addr>().map(|_| end).map_err(|_| e)
}

/// What a keyword (found by the literal search) starts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Keyword {
    /// `eyJ`: a JWS or JWE.
    Jose,
    /// `AKIA` / `ASIA`.
    Aws,
    /// A prefixed API key: the body's byte class and length bounds.
    Api {
        class: BodyClass,
        min: usize,
        max: usize,
    },
    /// `Bearer `.
    Bearer,
    /// `Basic `.
    Basic,
    /// `-----BEGIN `.
    Pem,
    /// `&commat;`: an email address's `@` as an HTML named reference. Its
    /// local part lies before the keyword.
    AtEntity,
}

/// The characters an API key body may hold.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyClass {
    Alnum,
    AlnumUnderscore,
    AlnumDash,
    Base64Url,
}

impl BodyClass {
    fn accepts(self, b: u8) -> bool {
        match self {
            BodyClass::Alnum => is(b, ALNUM),
            BodyClass::AlnumUnderscore => is(b, ALNUM) || b == b'_',
            BodyClass::AlnumDash => is(b, ALNUM) || b == b'-',
            BodyClass::Base64Url => is(b, B64URL),
        }
    }
}

/// The literal prefixes of credentials and what each starts.
pub(crate) const KEYWORDS: &[(&str, Keyword, Kind)] = {
    use BodyClass::*;
    use Keyword::*;
    &[
        ("eyJ", Jose, Kind::Jwt),
        ("&commat;", AtEntity, Kind::Email),
        ("AKIA", Aws, Kind::AwsAccessKey),
        ("ASIA", Aws, Kind::AwsAccessKey),
        (
            "ghp_",
            Api {
                class: Alnum,
                min: 36,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "gho_",
            Api {
                class: Alnum,
                min: 36,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "ghu_",
            Api {
                class: Alnum,
                min: 36,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "ghs_",
            Api {
                class: Alnum,
                min: 36,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "ghr_",
            Api {
                class: Alnum,
                min: 36,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "github_pat_",
            Api {
                class: AlnumUnderscore,
                min: 22,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "glpat-",
            Api {
                class: Base64Url,
                min: 20,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "sk_live_",
            Api {
                class: Alnum,
                min: 16,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "sk_test_",
            Api {
                class: Alnum,
                min: 16,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "rk_live_",
            Api {
                class: Alnum,
                min: 16,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "rk_test_",
            Api {
                class: Alnum,
                min: 16,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "whsec_",
            Api {
                class: Alnum,
                min: 24,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xoxb-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xoxp-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xoxa-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xoxr-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xoxs-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "xapp-",
            Api {
                class: AlnumDash,
                min: 10,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "AIza",
            Api {
                class: Base64Url,
                min: 35,
                max: 35,
            },
            Kind::ApiKey,
        ),
        (
            "npm_",
            Api {
                class: Alnum,
                min: 36,
                max: 36,
            },
            Kind::ApiKey,
        ),
        (
            "sk-proj-",
            Api {
                class: Base64Url,
                min: 20,
                max: 255,
            },
            Kind::ApiKey,
        ),
        (
            "sk-ant-",
            Api {
                class: Base64Url,
                min: 20,
                max: 255,
            },
            Kind::ApiKey,
        ),
        ("Bearer ", Bearer, Kind::BearerToken),
        ("bearer ", Bearer, Kind::BearerToken),
        ("BEARER ", Bearer, Kind::BearerToken),
        ("Basic ", Basic, Kind::BasicCredential),
        ("basic ", Basic, Kind::BasicCredential),
        ("BASIC ", Basic, Kind::BasicCredential),
        ("-----BEGIN ", Pem, Kind::PrivateKey),
    ]
};

/// The shortest opaque credential after `Bearer ` that counts as one.
const BEARER_MIN: usize = 12;
/// Longest `Basic` credential decoded (a `user:password` pair).
const BASIC_MAX: usize = 1024;
/// Longest PEM private key block looked at.
const PEM_MAX: usize = 16 * 1024;

/// A credential starting with the keyword of length `klen` at `s`.
/// Answers the kind and end, or `Err(skip)` with where the next attempt may start.
pub(crate) fn credential(hay: &[u8], s: usize, klen: usize, kw: Keyword) -> Result<(Kind, usize), usize> {
    let after = s + klen;
    match kw {
        Keyword::Jose => jose(hay, s),
        Keyword::Aws => {
            let n = (after..hay.len().min(after + 17))
                .take_while(|&i| matches!(hay[i], b'A'..=b'Z' | b'2'..=b'7'))
                .count();
            if word_start(hay, s) && n == 16 && word_end(hay, after + 16) {
                Ok((Kind::AwsAccessKey, after + 16))
            } else {
                Err(after)
            }
        }
        Keyword::Api { class, min, max } => {
            let mut e = after;
            while e < hay.len() && e - after <= max && class.accepts(hay[e]) {
                e += 1;
            }
            let n = e - after;
            let boundary = match hay.get(e) {
                None => true,
                Some(&b) => !(is(b, ALNUM) || b == b'_' || b == b'-'),
            };
            if word_start(hay, s) && (min..=max).contains(&n) && boundary {
                Ok((Kind::ApiKey, e))
            } else {
                Err(e.max(after))
            }
        }
        Keyword::Bearer => {
            if !word_start(hay, s) {
                return Err(after);
            }
            let mut n = run(hay, after, TOKEN68, usize::MAX);
            // A sentence may end right after the credential.
            while n > 0 && hay[after + n - 1] == b'.' {
                n -= 1;
            }
            let mut e = after + n;
            while e < hay.len() && hay[e] == b'=' && e - after - n < 2 {
                e += 1;
            }
            let padded = e > after + n;
            let boundary = !padded || (!at(hay, e, TOKEN68) && hay.get(e) != Some(&b'='));
            if n >= BEARER_MIN && boundary {
                Ok((Kind::BearerToken, e))
            } else {
                Err(after)
            }
        }
        Keyword::Basic => {
            if !word_start(hay, s) {
                return Err(after);
            }
            let n = run(hay, after, B64STD, BASIC_MAX + 1);
            let mut e = after + n;
            while e < hay.len() && hay[e] == b'=' && e - after - n < 2 {
                e += 1;
            }
            // A sentence may end right after the credential (`.` then no
            // more of a token).
            let sentence_end = hay.get(e) == Some(&b'.') && !at(hay, e + 1, TOKEN68);
            if !(8..=BASIC_MAX).contains(&n) || (at(hay, e, TOKEN68) && !sentence_end) {
                return Err(after);
            }
            let decoded = base64::engine::general_purpose::STANDARD_NO_PAD.decode(&hay[after..after + n]);
            match decoded {
                Ok(d) if d.contains(&b':') && d.iter().all(|b| !b.is_ascii_control()) => {
                    Ok((Kind::BasicCredential, e))
                }
                _ => Err(after),
            }
        }
        Keyword::Pem => pem(hay, s, after),
        // The address's local part lies before the keyword, down to where
        // the previous finding ended: the scanner, which knows that, reads
        // it (`email_reference`).
        Keyword::AtEntity => Err(after),
    }
}

/// Base64url segments: a JWS has three (the last may be empty for `alg: none`),
/// a JWE five (the encrypted key is empty for `dir`).
fn jose(hay: &[u8], s: usize) -> Result<(Kind, usize), usize> {
    if s > 0 && (is(hay[s - 1], B64URL) || hay[s - 1] == b'.') {
        return Err(s + 3);
    }
    let mut bounds = [(0usize, 0usize); 5];
    let mut n = 0;
    let mut i = s;
    loop {
        let l = run(hay, i, B64URL, usize::MAX);
        bounds[n] = (i, i + l);
        n += 1;
        i += l;
        if n == 5 || hay.get(i) != Some(&b'.') {
            break;
        }
        i += 1;
    }
    let seg = |k: usize| bounds[k].1 - bounds[k].0;
    let skip = bounds[n - 1].1.max(s + 3);
    if seg(0) < 10 {
        return Err(skip);
    }
    // A trailing "." followed by more base64url means the token goes on in a
    // way neither form allows.
    if n == 5 && seg(2) >= 8 && seg(3) >= 2 && seg(4) >= 16 && !at(hay, bounds[4].1, B64URL) {
        let e = bounds[4].1;
        if !(hay.get(e) == Some(&b'.') && at(hay, e + 1, B64URL)) {
            return Ok((Kind::Jwe, e));
        }
    }
    if n >= 3 && seg(1) >= 2 {
        return Ok((Kind::Jwt, bounds[2].1));
    }
    Err(skip)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// `-----BEGIN [A-Z ]*PRIVATE KEY-----` ... `-----END [A-Z ]*PRIVATE KEY-----`.
fn pem(hay: &[u8], s: usize, after: usize) -> Result<(Kind, usize), usize> {
    let label_end = after + run_label(hay, after);
    let head = &hay[after..label_end];
    if !head.ends_with(b"PRIVATE KEY") || hay.get(label_end..label_end + 5) != Some(b"-----") {
        return Err(after);
    }
    let body = label_end + 5;
    let limit = hay.len().min(body + PEM_MAX);
    // The first `-----END ` of the window, unless another `-----BEGIN `
    // comes first (blocks do not nest): so a run of headers without an end
    // costs the gap between them each, not a whole window.
    let window = &hay[body..limit];
    let mut from = 0;
    let p = loop {
        let Some(q) = find(&window[from..], b"-----") else {
            return Err(after);
        };
        let at = from + q;
        let rest = &window[at + 5..];
        if rest.starts_with(b"END ") {
            break at;
        }
        if rest.starts_with(b"BEGIN ") {
            return Err(after);
        }
        from = at + 1;
    };
    let end_label = body + p + 9;
    let e = end_label + run_label(hay, end_label);
    if hay[end_label..e].ends_with(b"PRIVATE KEY") && hay.get(e..e + 5) == Some(b"-----") {
        let _ = s;
        Ok((Kind::PrivateKey, e + 5))
    } else {
        Err(after)
    }
}

fn run_label(hay: &[u8], i: usize) -> usize {
    let end = hay.len().min(i + 40);
    let mut j = i;
    while j < end && (hay[j].is_ascii_uppercase() || hay[j] == b' ') {
        j += 1;
    }
    j - i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The email rules written plainly (one pass per rule).
    fn email_reference(hay: &[u8], at_pos: usize, floor: usize) -> Option<(usize, usize)> {
        let mut s = at_pos;
        while s > floor && is(hay[s - 1], LOCAL) {
            s -= 1;
            if at_pos - s > 64 {
                return None;
            }
        }
        if let Some(p) = (s + 1..at_pos)
            .rev()
            .find(|&i| hay[i] == b'.' && hay[i - 1] == b'.')
        {
            s = p + 1;
        }
        while s < at_pos && hay[s] == b'.' {
            s += 1;
        }
        if s == at_pos || hay[at_pos - 1] == b'.' {
            return None;
        }
        // The run of label bytes at `i`, and whether it is a valid label.
        let run = |i: usize| {
            let stop = hay.len().min(i + 64);
            let j = (i..stop)
                .find(|&j| !(hay[j].is_ascii_alphanumeric() || hay[j] == b'-'))
                .unwrap_or(stop);
            let l = j - i;
            (l, l > 0 && l <= 63 && hay[i] != b'-' && hay[j - 1] != b'-')
        };
        let (mut i, mut labels, mut end) = (at_pos + 1, 0, None);
        while i < hay.len() {
            let (l, valid) = run(i);
            if l == 0 {
                break;
            }
            labels += 1;
            if i + l - at_pos - 1 > 253 {
                break;
            }
            let word = &hay[i..i + l];
            if labels >= 2 && valid && l >= 2 && word.iter().all(u8::is_ascii_alphabetic) {
                end = Some(i + l);
            } else if labels >= 2 {
                // Letters, then a dash: a top-level label glued to a suffix.
                let letters = word.iter().take_while(|b| b.is_ascii_alphabetic()).count();
                if letters >= 2 && word.get(letters) == Some(&b'-') {
                    end = Some(i + letters);
                }
            }
            if valid
                && hay.get(i + l) == Some(&b'.')
                && hay.get(i + l + 1).is_some_and(u8::is_ascii_alphanumeric)
            {
                i += l + 1;
            } else {
                break;
            }
        }
        let end = end?;
        let tail_ok = hay
            .get(end)
            .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'@'));
        tail_ok.then_some((s, end))
    }

    proptest::proptest! {
        #[test]
        fn email_matches_its_definition(
            local in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(vec!["a", "Z9", ".", ".."]),
                    1 => proptest::sample::select(vec![
                        "-", "_", "+", " ", "@",
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    ]),
                ],
                0..10,
            ),
            domain in proptest::sample::select(vec![
                "example.com".to_owned(), "mail.example.co.uk".to_owned(), "x1.io".to_owned(),
                "a.b".to_owned(), "-bad.com".to_owned(), "example.c0m".to_owned(),
                "ex..com".to_owned(), "bad-.com".to_owned(), String::new(), "localhost".to_owned(),
                "a.bb.ccc.dddd".to_owned(),
                // Labels of 63 and 64 bytes; domains of 253 and 254 bytes.
                format!("{}.com", "a".repeat(63)), format!("{}.com", "a".repeat(64)),
                format!("x.{}", "a".repeat(63)), format!("x.{}", "a".repeat(64)),
                format!("{}.{}.com", vec!["b".repeat(62); 3].join("."), "c".repeat(60)),
                format!("{}.{}.com", vec!["b".repeat(62); 3].join("."), "c".repeat(61)),
            ]),
            tail in proptest::sample::select(vec![
                "", ".", "@x.com", "-", " ", "a", "_", ".x", ".9", "-deleted-17", "--", ".x-", "-x.com",
            ]),
            floor in 0usize..8,
        ) {
            let hay = format!("{}@{domain}{tail}", local.concat()).into_bytes();
            for at_pos in (0..hay.len()).filter(|&i| hay[i] == b'@') {
                let floor = floor.min(at_pos);
                proptest::prop_assert_eq!(email(&hay, at_pos, floor), email_reference(&hay, at_pos, floor));
            }
        }
    }

    #[test]
    fn emails() {
        let cases = [
            ("john.doe@example.com", Some((0, 20))),
            ("mail a.b+tag@mail.example.co.uk.", Some((5, 31))),
            ("x..y@example.com", Some((3, 16))),
            ("no@tld", None),
            ("a@b.c0m", None),
            ("user@-bad.com", None),
            // A top-level label glued to a suffix (a soft-deleted account).
            ("jane@example.com-deleted-1717000000", Some((0, 16))),
            ("jane@example.com-", Some((0, 16))),
            ("jane@x.ab-cd.com", Some((0, 16))),
            ("jane@example.com.x-", Some((0, 16))),
            ("jane@example.c-m", None),
        ];
        for (text, want) in cases {
            let at = text.find('@').unwrap();
            assert_eq!(email(text.as_bytes(), at, 0), want, "{text}");
        }
        // A position past the end answers nothing rather than panicking.
        assert_eq!(email(b"a@b.com", 7, 0), None);
        assert_eq!(email(b"a@b.com", 70, 3), None);
    }

    #[test]
    fn ipv6s() {
        for a in [
            "2001:db8::1",
            "::1",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:192.0.2.128",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
        ] {
            assert_eq!(ipv6(a.as_bytes(), 0), Ok(a.len()), "{a}");
        }
        for a in ["12:30:45", "00:1a:2b:3c:4d:5e", "::", "dead::beef"] {
            assert!(ipv6(a.as_bytes(), 0).is_err(), "{a}");
        }
    }

    #[test]
    fn credentials() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
        assert_eq!(jose(jwt.as_bytes(), 0), Ok((Kind::Jwt, jwt.len())));
        let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXZpdml2aXZpdg.Y2lwaGVy.dGFndGFndGFndGFndGFndA";
        assert_eq!(jose(jwe.as_bytes(), 0), Ok((Kind::Jwe, jwe.len())));
        let basic = "Basic dXNlcjpwYXNzd29yZA==";
        let kw = Keyword::Basic;
        assert_eq!(
            credential(basic.as_bytes(), 0, 6, kw),
            Ok((Kind::BasicCredential, basic.len()))
        );
        assert!(credential(b"Basic training", 0, 6, kw).is_err());
        assert!(credential(b"Bearer of bad news", 0, 7, Keyword::Bearer).is_err());
    }
}
