//! A seeded generator of PII values (valid and near-miss) and of negative
//! text that looks numeric but holds no PII. Shared by the detection-quality
//! test, the `detection_report` example and the `scan` benchmark.
#![allow(dead_code, unreachable_pub)]

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shroud_core::Kind;

pub type Gen = ChaCha8Rng;

pub fn rng(seed: u64) -> Gen {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The kinds the corpus generates, with the recall each must reach.
pub const KINDS: &[(Kind, f64)] = &[
    (Kind::Email, 1.0),
    (Kind::Phone, 0.95),
    (Kind::PaymentCard, 1.0),
    (Kind::Iban, 1.0),
    (Kind::Ssn, 1.0),
    (Kind::IpV4, 1.0),
    (Kind::IpV6, 1.0),
    (Kind::Jwt, 1.0),
    (Kind::Jwe, 1.0),
    (Kind::AwsAccessKey, 1.0),
    (Kind::ApiKey, 1.0),
    (Kind::BearerToken, 1.0),
    (Kind::BasicCredential, 1.0),
];

/// Sentences a value is embedded in; `{}` is the value.
pub const CONTEXTS: &[&str] = &[
    "{}",
    "Contact: {} today.",
    "value={}&next=1",
    "\"{}\"",
    "<td>{}</td>",
    "({})",
    "see {}, then continue",
    "field: {}\n",
    "[{}]",
    "'{}'",
];

fn digits(r: &mut Gen, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + r.random_range(0..10u8)))
        .collect()
}

fn pick<'a>(r: &mut Gen, xs: &'a [&'a str]) -> &'a str {
    xs.choose(r).copied().unwrap_or("")
}

fn alnum(r: &mut Gen, n: usize, alphabet: &[u8]) -> String {
    (0..n)
        .map(|_| char::from(*alphabet.choose(r).unwrap_or(&b'a')))
        .collect()
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const FIRST: &[&str] = &[
    "jane", "john", "maria", "li", "ahmed", "olga", "kwame", "sofia", "noah", "emma", "lucas",
];
const LAST: &[&str] = &[
    "roe", "doe", "garcia", "wang", "khan", "ivanova", "mensah", "rossi", "smith", "muller",
];
const TLDS: &[&str] = &[
    "com",
    "org",
    "net",
    "io",
    "de",
    "fr",
    "co.uk",
    "info",
    "technology",
    "app",
];

pub fn email(r: &mut Gen) -> String {
    let (f, l) = (pick(r, FIRST), pick(r, LAST));
    let local = match r.random_range(0..7) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}_{l}{}", r.random_range(1..99)),
        2 => format!("{}{l}", &f[..1]),
        3 => format!("{f}.{l}+{}", pick(r, &["news", "shop", "x"])),
        4 => format!("{f}{}", digits(r, 4)),
        5 => format!("{}.{}", f.to_uppercase(), l),
        _ => format!("{f}-{l}"),
    };
    let domain = match r.random_range(0..4) {
        0 => format!("{}.{}", alnum(r, 6, LOWER), pick(r, TLDS)),
        1 => format!("mail.{}.{}", alnum(r, 5, LOWER), pick(r, TLDS)),
        2 => format!("{}-{}.{}", alnum(r, 4, LOWER), alnum(r, 3, LOWER), pick(r, TLDS)),
        _ => format!(
            "{}.{}",
            pick(r, &["example", "gmail", "outlook", "proton"]),
            pick(r, TLDS)
        ),
    };
    format!("{local}@{domain}")
}

pub fn email_near_miss(r: &mut Gen) -> String {
    let e = email(r);
    let (local, domain) = e.split_once('@').expect("an email");
    match r.random_range(0..5) {
        0 => format!("{local}.{domain}"),
        1 => format!("{local}@{}", domain.split('.').next().unwrap_or("host")),
        2 => format!("@{domain}"),
        3 => format!("{local}@.{domain}"),
        _ => format!(
            "{local}@{}.c{}",
            domain.split('.').next().unwrap_or("h"),
            r.random_range(0..10)
        ),
    }
}

fn group(d: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    for (k, &s) in sizes.iter().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        out.push_str(&d[i..i + s]);
        i += s;
    }
    out
}

pub fn phone(r: &mut Gen) -> String {
    let area = format!("{}{}", r.random_range(2..10), digits(r, 2));
    let exch = format!("{}{}", r.random_range(2..10), digits(r, 2));
    let line = digits(r, 4);
    let sep = pick(r, &[" ", "-", "."]);
    match r.random_range(0..12) {
        0 => format!("+1{area}{exch}{line}"),
        1 => format!("+1 {area} {exch} {line}"),
        2 => format!("+1-{area}-{exch}-{line}"),
        3 => format!("+1 ({area}) {exch}-{line}"),
        4 => format!("({area}) {exch}-{line}"),
        5 => format!("{area}{sep}{exch}{sep}{line}"),
        6 => format!("1-{area}-{exch}-{line}"),
        7 => format!("+44 20 {} {}", digits(r, 4), digits(r, 4)),
        8 => format!("+49 30 {}", digits(r, 8)),
        9 => format!("0{} {} {}", r.random_range(10..99), digits(r, 4), digits(r, 4)),
        10 => format!(
            "+33 {} {} {} {} {}",
            r.random_range(1..10),
            digits(r, 2),
            digits(r, 2),
            digits(r, 2),
            digits(r, 2)
        ),
        _ => format!("+{}{}", pick(r, &["61", "81", "91", "55", "34"]), digits(r, 9)),
    }
}

pub fn phone_near_miss(r: &mut Gen) -> String {
    match r.random_range(0..5) {
        0 => {
            let n = r.random_range(3..7);
            format!("+{}", digits(r, n))
        }
        1 => format!("+1{}", digits(r, 16)),
        2 => format!("{}-{}", digits(r, 3), digits(r, 4)),
        3 => format!("{}-{}-{}", digits(r, 2), digits(r, 2), digits(r, 2)),
        _ => format!("{}-{}-{}", r.random_range(0..2), digits(r, 2), digits(r, 4)),
    }
}

fn luhn_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let mut v = u32::from(b - b'0');
            if i % 2 == 0 {
                v *= 2;
                if v > 9 {
                    v -= 9;
                }
            }
            v
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A Luhn-valid number for a random real brand, and its grouping.
fn card_digits(r: &mut Gen) -> (String, Vec<usize>) {
    let (prefix, len): (String, usize) = match r.random_range(0..8) {
        0 => ("4".into(), *[16usize, 16, 13, 19].choose(r).unwrap_or(&16)),
        1 => (r.random_range(51..56).to_string(), 16),
        2 => (r.random_range(2221..2721).to_string(), 16),
        3 => (pick(r, &["34", "37"]).into(), 15),
        4 => (pick(r, &["6011", "65", "644"]).into(), 16),
        5 => (r.random_range(3528..3590).to_string(), 16),
        6 => ("36".into(), 14),
        _ => ("62".into(), 16),
    };
    let body = format!("{prefix}{}", digits(r, len - prefix.len() - 1));
    let full = format!("{body}{}", luhn_digit(&body));
    let groups = match len {
        15 => vec![4, 6, 5],
        14 => vec![4, 6, 4],
        13 => vec![4, 4, 5],
        19 => vec![4, 4, 4, 4, 3],
        _ => vec![4, 4, 4, 4],
    };
    (full, groups)
}

pub fn card(r: &mut Gen) -> String {
    let (d, g) = card_digits(r);
    match r.random_range(0..3) {
        0 => d,
        1 => group(&d, &g, " "),
        _ => group(&d, &g, "-"),
    }
}

pub fn card_near_miss(r: &mut Gen) -> String {
    let (d, g) = card_digits(r);
    match r.random_range(0..3) {
        0 => {
            // Luhn-invalid: change the check digit.
            let last = d.as_bytes()[d.len() - 1] - b'0';
            let bad = format!("{}{}", &d[..d.len() - 1], (last + r.random_range(1..10)) % 10);
            group(&bad, &g, " ")
        }
        1 => {
            // Luhn-valid but no issuer uses the prefix.
            let body = format!("{}{}", pick(r, &["1", "7", "8", "9"]), digits(r, 14));
            format!("{body}{}", luhn_digit(&body))
        }
        _ => {
            let body = format!("4{}", digits(r, 10));
            format!("{body}{}", luhn_digit(&body))
        }
    }
}

const IBAN_COUNTRIES: &[(&str, usize, bool)] = &[
    ("DE", 22, false),
    ("FR", 27, false),
    ("GB", 22, true),
    ("NL", 18, true),
    ("ES", 24, false),
    ("IT", 27, true),
    ("BE", 16, false),
    ("CH", 21, false),
    ("NO", 15, false),
    ("PL", 28, false),
    ("AT", 20, false),
    ("IE", 22, true),
];

fn iban_check(cc: &str, bban: &str) -> String {
    let rearranged = format!("{bban}{cc}00");
    let mut rem = 0u32;
    for c in rearranged.bytes() {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    format!("{:02}", 98 - rem)
}

fn iban_raw(r: &mut Gen) -> String {
    let &(cc, len, letters) = IBAN_COUNTRIES.choose(r).expect("countries");
    let bban = if letters {
        format!(
            "{}{}",
            alnum(r, 4, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            digits(r, len - 8)
        )
    } else {
        digits(r, len - 4)
    };
    format!("{cc}{}{bban}", iban_check(cc, &bban))
}

fn spaced(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn iban(r: &mut Gen) -> String {
    let raw = iban_raw(r);
    if r.random_bool(0.5) { spaced(&raw) } else { raw }
}

/// Written forms the main generators leave out (so that their seeded
/// streams, and the figures measured on them, stay as they were): lower-case
/// IBANs, dotted cards, international phone numbers with mixed separators
/// and the NANP's `415 555-2671`.
pub fn variant(kind: Kind, r: &mut Gen) -> Option<String> {
    Some(match kind {
        Kind::Iban => {
            let raw = iban_raw(r).to_ascii_lowercase();
            if r.random_bool(0.5) { spaced(&raw) } else { raw }
        }
        Kind::PaymentCard => {
            let (d, g) = card_digits(r);
            group(&d, &g, ".")
        }
        Kind::Phone => match r.random_range(0..4) {
            0 => format!("+49 30 {}-{}", digits(r, 4), digits(r, 4)),
            1 => format!("+44 20 {}-{}", digits(r, 4), digits(r, 4)),
            2 => format!(
                "+33 {} {} {}-{}-{}",
                r.random_range(1..10),
                digits(r, 2),
                digits(r, 2),
                digits(r, 2),
                digits(r, 2)
            ),
            _ => format!(
                "{}{} {}{}-{}",
                r.random_range(2..10),
                digits(r, 2),
                r.random_range(2..10),
                digits(r, 2),
                digits(r, 4)
            ),
        },
        _ => return None,
    })
}

pub fn iban_near_miss(r: &mut Gen) -> String {
    let raw = iban_raw(r);
    match r.random_range(0..3) {
        0 => {
            let mut b = raw.into_bytes();
            let i = b.len() - 1;
            b[i] = b'0' + (b[i] - b'0' + 1) % 10;
            String::from_utf8(b).unwrap_or_default()
        }
        1 => raw[..raw.len() - 1].to_owned(),
        _ => format!("ZZ{}", &raw[2..]),
    }
}

pub fn ssn(r: &mut Gen) -> String {
    let area = loop {
        let a = r.random_range(1..900);
        if a != 666 {
            break a;
        }
    };
    let sep = pick(r, &["-", " "]);
    format!(
        "{area:03}{sep}{:02}{sep}{:04}",
        r.random_range(1..100),
        r.random_range(1..10000)
    )
}

pub fn ssn_near_miss(r: &mut Gen) -> String {
    match r.random_range(0..4) {
        0 => format!(
            "000-{:02}-{:04}",
            r.random_range(1..100),
            r.random_range(1..10000)
        ),
        1 => format!(
            "666-{:02}-{:04}",
            r.random_range(1..100),
            r.random_range(1..10000)
        ),
        2 => format!("{}-00-{:04}", r.random_range(100..900), r.random_range(1..10000)),
        _ => format!("{}-{:02}-0000", r.random_range(900..1000), r.random_range(1..100)),
    }
}

pub fn ipv4(r: &mut Gen) -> String {
    let o: [u8; 4] = r.random();
    format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])
}

pub fn ipv4_near_miss(r: &mut Gen) -> String {
    match r.random_range(0..3) {
        0 => format!(
            "{}.{}.{}.{}",
            r.random_range(256..999),
            r.random::<u8>(),
            r.random::<u8>(),
            r.random::<u8>()
        ),
        1 => format!("{}.{}.{}", r.random::<u8>(), r.random::<u8>(), r.random::<u8>()),
        _ => format!(
            "{}.{}.{}.{}.{}",
            r.random::<u8>(),
            r.random::<u8>(),
            r.random::<u8>(),
            r.random::<u8>(),
            r.random::<u8>()
        ),
    }
}

pub fn ipv6(r: &mut Gen) -> String {
    let seg = |r: &mut Gen| -> u16 { if r.random_bool(0.3) { 0 } else { r.random() } };
    match r.random_range(0..5) {
        0 => {
            let s: Vec<String> = (0..8).map(|_| format!("{:04x}", r.random::<u16>())).collect();
            s.join(":")
        }
        1 => format!(
            "2001:db8:{:x}::{:x}",
            r.random::<u16>(),
            r.random_range(1..u16::MAX)
        ),
        2 => format!(
            "fe80::{:x}:{:x}ff:fe{:x}:{:x}",
            r.random::<u16>(),
            r.random::<u8>(),
            r.random::<u8>(),
            r.random::<u16>()
        ),
        3 => format!("::ffff:{}", ipv4(r)),
        _ => {
            let a: [u16; 8] = core::array::from_fn(|_| seg(r));
            let mut a = a;
            a[0] = 0x2000 | (a[0] & 0x0fff);
            std::net::Ipv6Addr::from(a).to_string()
        }
    }
}

pub fn ipv6_near_miss(r: &mut Gen) -> String {
    match r.random_range(0..3) {
        0 => (0..9)
            .map(|_| format!("{:x}", r.random::<u16>()))
            .collect::<Vec<_>>()
            .join(":"),
        1 => format!("2001::db8::{:x}", r.random::<u16>()),
        _ => format!("2001:db8:{:x}:1ffff::1", r.random::<u16>()),
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn jwt(r: &mut Gen) -> String {
    let alg = pick(r, &["HS256", "RS256", "ES256", "EdDSA"]);
    let header = b64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
    let payload = b64url(
        format!(
            r#"{{"sub":"{}","iat":{},"scope":"read"}}"#,
            digits(r, 8),
            1_700_000_000 + r.random_range(0..10_000_000)
        )
        .as_bytes(),
    );
    let sig_len = *[32usize, 64, 256].choose(r).unwrap_or(&32);
    let sig: Vec<u8> = (0..sig_len).map(|_| r.random()).collect();
    format!("{header}.{payload}.{}", b64url(&sig))
}

pub fn jwe(r: &mut Gen) -> String {
    let header = b64url(br#"{"alg":"dir","enc":"A256GCM","cty":"JWT"}"#);
    let iv: [u8; 12] = r.random();
    let ct: Vec<u8> = (0..r.random_range(40..400)).map(|_| r.random()).collect();
    let tag: [u8; 16] = r.random();
    let ek = if r.random_bool(0.5) {
        String::new()
    } else {
        b64url(&r.random::<[u8; 32]>())
    };
    format!("{header}.{ek}.{}.{}.{}", b64url(&iv), b64url(&ct), b64url(&tag))
}

pub fn jwt_near_miss(r: &mut Gen) -> String {
    let j = jwt(r);
    let mut parts = j.split('.');
    let (h, p) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    match r.random_range(0..2) {
        0 => format!("{h}.{p}"),
        _ => format!("eyJ.{p}.{}", alnum(r, 20, B64URL)),
    }
}

pub fn aws(r: &mut Gen) -> String {
    format!(
        "{}{}",
        pick(r, &["AKIA", "ASIA"]),
        alnum(r, 16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    )
}

pub fn aws_near_miss(r: &mut Gen) -> String {
    match r.random_range(0..3) {
        0 => format!("AKIA{}", alnum(r, 15, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")),
        1 => format!("AKIA{}", alnum(r, 16, b"abcdefghijklmnopqrstuvwxyz234567")),
        _ => format!("AKIA{}0", alnum(r, 15, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")),
    }
}

pub fn api_key(r: &mut Gen) -> String {
    match r.random_range(0..6) {
        0 => format!("ghp_{}", alnum(r, 36, ALNUM)),
        1 => format!("github_pat_{}_{}", alnum(r, 22, ALNUM), alnum(r, 59, ALNUM)),
        2 => format!("sk_live_{}", alnum(r, 24, ALNUM)),
        3 => format!("xoxb-{}-{}-{}", digits(r, 12), digits(r, 13), alnum(r, 24, ALNUM)),
        4 => format!("AIza{}", alnum(r, 35, B64URL)),
        _ => format!("glpat-{}", alnum(r, 20, B64URL)),
    }
}

pub fn bearer(r: &mut Gen) -> String {
    let n = r.random_range(20..60);
    let token = if r.random_bool(0.5) {
        jwt(r)
    } else {
        alnum(r, n, ALNUM)
    };
    format!("{} {token}", pick(r, &["Bearer", "bearer"]))
}

pub fn basic(r: &mut Gen) -> String {
    use base64::Engine as _;
    let creds = format!("{}:{}", pick(r, FIRST), alnum(r, 12, ALNUM));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(creds)
    )
}

/// A valid sample of `kind`.
pub fn valid(kind: Kind, r: &mut Gen) -> String {
    match kind {
        Kind::Email => email(r),
        Kind::Phone => phone(r),
        Kind::PaymentCard => card(r),
        Kind::Iban => iban(r),
        Kind::Ssn => ssn(r),
        Kind::IpV4 => ipv4(r),
        Kind::IpV6 => ipv6(r),
        Kind::Jwt => jwt(r),
        Kind::Jwe => jwe(r),
        Kind::AwsAccessKey => aws(r),
        Kind::ApiKey => api_key(r),
        Kind::BearerToken => bearer(r),
        Kind::BasicCredential => basic(r),
        _ => String::new(),
    }
}

/// A near miss of `kind`: close in shape, invalid by the kind's rules.
pub fn near_miss(kind: Kind, r: &mut Gen) -> Option<String> {
    Some(match kind {
        Kind::Email => email_near_miss(r),
        Kind::Phone => phone_near_miss(r),
        Kind::PaymentCard => card_near_miss(r),
        Kind::Iban => iban_near_miss(r),
        Kind::Ssn => ssn_near_miss(r),
        Kind::IpV4 => ipv4_near_miss(r),
        Kind::IpV6 => ipv6_near_miss(r),
        Kind::Jwt => jwt_near_miss(r),
        Kind::AwsAccessKey => aws_near_miss(r),
        _ => return None,
    })
}

/// Categories of negative text: numeric-looking values that are not PII.
pub const NEGATIVES: &[&str] = &[
    "uuid",
    "order number",
    "hex hash",
    "timestamp",
    "version",
    "price",
];

pub fn negative(category: &str, r: &mut Gen) -> String {
    let hex = |r: &mut Gen, n: usize| alnum(r, n, b"0123456789abcdef");
    match category {
        "uuid" => {
            let u = format!(
                "{}-{}-4{}-{}{}-{}",
                hex(r, 8),
                hex(r, 4),
                hex(r, 3),
                pick(r, &["8", "9", "a", "b"]),
                hex(r, 3),
                hex(r, 12)
            );
            if r.random_bool(0.2) { u.to_uppercase() } else { u }
        }
        "order number" => match r.random_range(0..5) {
            0 => format!("ORD-{}-{}", r.random_range(2015..2027), digits(r, 6)),
            1 => format!("#{}", digits(r, 9)),
            2 => format!("INV-{}", digits(r, 8)),
            3 => format!("order {}", digits(r, 10)),
            _ => format!(
                "SKU {}-{}",
                alnum(r, 3, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                digits(r, 5)
            ),
        },
        "hex hash" => {
            let n = *[32usize, 40, 64].choose(r).unwrap_or(&40);
            let h = hex(r, n);
            if r.random_bool(0.2) { h.to_uppercase() } else { h }
        }
        "timestamp" => {
            let (y, mo, d) = (
                r.random_range(2000..2030),
                r.random_range(1..13),
                r.random_range(1..29),
            );
            let (h, mi, s) = (
                r.random_range(0..24),
                r.random_range(0..60),
                r.random_range(0..60),
            );
            match r.random_range(0..6) {
                0 => format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                1 => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
                2 => format!("{}", r.random_range(1_000_000_000u64..1_900_000_000)),
                3 => format!("{}", r.random_range(1_000_000_000_000u64..1_900_000_000_000)),
                4 => format!("{h:02}:{mi:02}:{s:02}.{:03}", r.random_range(0..1000)),
                _ => format!(
                    "{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}+02:00",
                    r.random_range(0..1_000_000)
                ),
            }
        }
        "version" => match r.random_range(0..4) {
            0 => format!(
                "{}.{}.{}",
                r.random_range(0..20),
                r.random_range(0..100),
                r.random_range(0..100)
            ),
            1 => format!(
                "v{}.{}.{}",
                r.random_range(0..20),
                r.random_range(0..100),
                r.random_range(0..100)
            ),
            2 => format!(
                "{}.{}.{}-beta.{}",
                r.random_range(0..5),
                r.random_range(0..30),
                r.random_range(0..10),
                r.random_range(1..9)
            ),
            _ => format!("release-{}.{}", r.random_range(2015..2027), r.random_range(1..13)),
        },
        _ => match r.random_range(0..5) {
            0 => format!(
                "${},{}.{:02}",
                r.random_range(1..999),
                digits(r, 3),
                r.random_range(0..100)
            ),
            1 => format!("€{}.{:02}", r.random_range(0..10000), r.random_range(0..100)),
            2 => format!("USD {}.{:02}", r.random_range(0..100000), r.random_range(0..100)),
            3 => format!("{}.{:02} EUR", r.random_range(0..100000), r.random_range(0..100)),
            _ => format!("£{}.{}k", r.random_range(1..999), r.random_range(0..10)),
        },
    }
}

pub fn embed(r: &mut Gen, value: &str) -> (String, core::ops::Range<usize>) {
    let ctx = pick(r, CONTEXTS);
    let at = ctx.find("{}").expect("a placeholder");
    let text = ctx.replacen("{}", value, 1);
    (text, at..at + value.len())
}

const WORDS: &[&str] = &[
    "the",
    "request",
    "was",
    "processed",
    "by",
    "service",
    "and",
    "returned",
    "status",
    "after",
    "retry",
    "cache",
    "miss",
    "for",
    "user",
    "profile",
    "update",
    "queued",
    "worker",
    "completed",
    "in",
    "with",
    "latency",
    "budget",
    "exceeded",
    "warning",
    "connection",
    "pool",
    "resized",
    "handler",
    "route",
];

/// Log-like text with no PII, about `len` bytes: words with a numeric token
/// (count, version, timestamp, price, order number, UUID, hash) every
/// fourteen words or so, about one every eighty bytes.
pub fn clean_text(r: &mut Gen, len: usize) -> String {
    text_with_numbers(r, len, 14)
}

/// Prose with no PII and no numbers, about `len` bytes.
pub fn prose(r: &mut Gen, len: usize) -> String {
    text_with_numbers(r, len, 0)
}

fn text_with_numbers(r: &mut Gen, len: usize, one_in: u32) -> String {
    let mut s = String::with_capacity(len + 64);
    while s.len() < len {
        if one_in > 0 && r.random_range(0..one_in) == 0 {
            let c = *NEGATIVES.choose(r).unwrap_or(&"version");
            s.push_str(&negative(c, r));
        } else {
            s.push_str(pick(r, WORDS));
        }
        s.push(if r.random_range(0..12) == 0 { '\n' } else { ' ' });
    }
    s.truncate(len);
    s
}

/// Text dense with PII: every third or so token is a PII value of a random
/// kind, about `len` bytes.
pub fn dense_text(r: &mut Gen, len: usize) -> String {
    let mut s = String::with_capacity(len + 512);
    while s.len() < len {
        if r.random_range(0..3) == 0 {
            let &(k, _) = KINDS.choose(r).expect("kinds");
            s.push_str(&valid(k, r));
        } else {
            s.push_str(pick(r, WORDS));
        }
        s.push(' ');
    }
    while !s.is_char_boundary(len.min(s.len())) {
        s.pop();
    }
    s.truncate(len);
    s
}

/// One row of the detection-quality table.
#[derive(Debug, Clone)]
pub struct Row {
    pub kind: Kind,
    pub target: f64,
    pub valid: usize,
    pub found: usize,
    pub near_misses: usize,
    pub near_miss_hits: usize,
    pub negatives: usize,
    pub negative_hits: usize,
}

impl Row {
    pub fn recall(&self) -> f64 {
        self.found as f64 / self.valid as f64
    }
    pub fn near_miss_rate(&self) -> f64 {
        if self.near_misses == 0 {
            0.0
        } else {
            self.near_miss_hits as f64 / self.near_misses as f64
        }
    }
    pub fn negative_rate(&self) -> f64 {
        self.negative_hits as f64 / self.negatives as f64
    }
}

/// Measures recall on `n` valid samples per kind, hits on `n` near misses per
/// kind, and hits per kind on `n` negative samples per negative category.
pub fn quality(scanner: &shroud_core::Scanner, seed: u64, n: usize) -> Vec<Row> {
    let mut r = rng(seed);
    let mut negatives = Vec::new();
    for c in NEGATIVES {
        for _ in 0..n {
            let v = negative(c, &mut r);
            negatives.push(embed(&mut r, &v).0);
        }
    }
    let neg_findings: Vec<Vec<Kind>> = negatives
        .iter()
        .map(|t| scanner.scan_str(t).into_iter().map(|f| f.kind).collect())
        .collect();
    KINDS
        .iter()
        .map(|&(kind, target)| {
            let mut found = 0;
            for _ in 0..n {
                let v = valid(kind, &mut r);
                let (text, range) = embed(&mut r, &v);
                if scanner
                    .scan_str(&text)
                    .iter()
                    .any(|f| f.kind == kind && f.range == range)
                {
                    found += 1;
                }
            }
            let (mut near_misses, mut near_miss_hits) = (0, 0);
            for _ in 0..n {
                let Some(v) = near_miss(kind, &mut r) else { break };
                let (text, range) = embed(&mut r, &v);
                near_misses += 1;
                if scanner
                    .scan_str(&text)
                    .iter()
                    .any(|f| f.kind == kind && f.range.start < range.end && range.start < f.range.end)
                {
                    near_miss_hits += 1;
                }
            }
            Row {
                kind,
                target,
                valid: n,
                found,
                near_misses,
                near_miss_hits,
                negatives: negatives.len(),
                negative_hits: neg_findings.iter().filter(|ks| ks.contains(&kind)).count(),
            }
        })
        .collect()
}

/// The table as Markdown.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| kind | recall | target | near misses flagged | negative samples flagged |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        s.push_str(&format!(
            "| {} | {:.2}% ({}/{}) | >= {:.0}% | {} | {:.3}% ({}/{}) |\n",
            row.kind,
            row.recall() * 100.0,
            row.found,
            row.valid,
            row.target * 100.0,
            if row.near_misses == 0 {
                "n/a".to_owned()
            } else {
                format!(
                    "{:.2}% ({}/{})",
                    row.near_miss_rate() * 100.0,
                    row.near_miss_hits,
                    row.near_misses
                )
            },
            row.negative_rate() * 100.0,
            row.negative_hits,
            row.negatives,
        ));
    }
    s
}
