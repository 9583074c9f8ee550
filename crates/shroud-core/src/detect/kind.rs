//! What a detector reports: the kind of a finding and where it is.

use core::fmt;
use core::ops::Range;

/// The kind of personal data or secret a [`Finding`] holds.
///
/// The order of the variants is the *specificity* order used to break ties
/// when two candidates of the same length start at the same byte: the earlier
/// variant wins (a JWE beats a JWT, a card beats a phone number).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A PEM private key block (`-----BEGIN ... PRIVATE KEY-----`).
    PrivateKey,
    /// A compact JWE (five base64url segments starting `eyJ`).
    Jwe,
    /// A compact JWT/JWS (three base64url segments starting `eyJ`).
    Jwt,
    /// An AWS access key id (`AKIA`/`ASIA` + 16 characters of `[A-Z2-7]`).
    AwsAccessKey,
    /// A well-known prefixed API key (`ghp_`, `github_pat_`, `sk_live_`, `xoxb-`, `AIza`, ...).
    ApiKey,
    /// An HTTP `Bearer` credential, scheme included.
    BearerToken,
    /// An HTTP `Basic` credential, scheme included (base64 that decodes to `user:password`).
    BasicCredential,
    /// An IBAN that passes the mod-97 check and its country's length.
    Iban,
    /// A payment card number that passes the Luhn check and a known IIN range.
    PaymentCard,
    /// A US social security number.
    Ssn,
    /// An email address.
    Email,
    /// An IPv6 address.
    IpV6,
    /// An IPv4 address.
    IpV4,
    /// A phone number (E.164 or a common national form).
    Phone,
    /// A user-defined detector added through [`ScannerBuilder`](crate::ScannerBuilder).
    Custom(CustomId),
}

/// Identifies a custom detector of one [`Scanner`](crate::Scanner); its name is
/// [`Scanner::custom_name`](crate::Scanner::custom_name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomId(pub(crate) u16);

impl CustomId {
    /// The index of the detector, in the order it was added to the builder.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl Kind {
    /// Every built-in kind, most specific first.
    pub const BUILTIN: [Kind; 14] = [
        Kind::PrivateKey,
        Kind::Jwe,
        Kind::Jwt,
        Kind::AwsAccessKey,
        Kind::ApiKey,
        Kind::BearerToken,
        Kind::BasicCredential,
        Kind::Iban,
        Kind::PaymentCard,
        Kind::Ssn,
        Kind::Email,
        Kind::IpV6,
        Kind::IpV4,
        Kind::Phone,
    ];

    /// The short, stable name used in configuration and in `[REDACTED:<kind>]`.
    ///
    /// Custom detectors answer `"custom"`; their own name is kept by the scanner.
    pub fn name(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::Jwe => "jwe",
            Kind::Jwt => "jwt",
            Kind::AwsAccessKey => "aws_key",
            Kind::ApiKey => "api_key",
            Kind::BearerToken => "bearer",
            Kind::BasicCredential => "basic_auth",
            Kind::Iban => "iban",
            Kind::PaymentCard => "card",
            Kind::Ssn => "ssn",
            Kind::Email => "email",
            Kind::IpV6 => "ipv6",
            Kind::IpV4 => "ipv4",
            Kind::Phone => "phone",
            Kind::Custom(_) => "custom",
        }
    }

    /// The position of a built-in kind in [`Kind::BUILTIN`].
    #[inline]
    pub(crate) fn builtin_index(self) -> Option<usize> {
        // One value per arm, `Custom` included, so that the match becomes a
        // table load rather than an indirect jump per call.
        let i = match self {
            Kind::PrivateKey => 0,
            Kind::Jwe => 1,
            Kind::Jwt => 2,
            Kind::AwsAccessKey => 3,
            Kind::ApiKey => 4,
            Kind::BearerToken => 5,
            Kind::BasicCredential => 6,
            Kind::Iban => 7,
            Kind::PaymentCard => 8,
            Kind::Ssn => 9,
            Kind::Email => 10,
            Kind::IpV6 => 11,
            Kind::IpV4 => 12,
            Kind::Phone => 13,
            Kind::Custom(_) => Kind::BUILTIN.len(),
        };
        (i < Kind::BUILTIN.len()).then_some(i)
    }

    /// Looks a built-in kind up by its [`name`](Kind::name).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::BUILTIN.into_iter().find(|k| k.name() == name)
    }

    /// Whether this kind is a credential (token, key) rather than personal data.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            Kind::PrivateKey
                | Kind::Jwe
                | Kind::Jwt
                | Kind::AwsAccessKey
                | Kind::ApiKey
                | Kind::BearerToken
                | Kind::BasicCredential
        )
    }

    pub(crate) fn bit(self) -> u32 {
        match self {
            Kind::Custom(_) => 1 << 31,
            k => 1 << (Kind::BUILTIN.iter().position(|b| *b == k).unwrap_or(31) as u32),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A piece of personal data or a secret found in a haystack.
///
/// A finding holds only the kind and the byte range, never the value, so it is
/// safe to log. Ranges are valid `str` boundaries when the haystack is a
/// `str`: built-in findings start and end on ASCII bytes, and a custom
/// detector's match is widened to whole characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// Where it is, in bytes.
    pub range: Range<usize>,
}

impl Finding {
    /// The length of the finding in bytes.
    pub fn len(&self) -> usize {
        self.range.end - self.range.start
    }

    /// Whether the finding is empty (never true for findings a scanner reports).
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// A set of kinds, cheap to copy.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KindSet(u32);

impl KindSet {
    pub(crate) const ALL: KindSet = KindSet(u32::MAX);

    pub(crate) fn contains(self, k: Kind) -> bool {
        self.0 & k.bit() != 0
    }

    pub(crate) fn insert(&mut self, k: Kind) {
        self.0 |= k.bit();
    }

    pub(crate) fn remove(&mut self, k: Kind) {
        self.0 &= !k.bit();
    }

    pub(crate) fn any_of(self, ks: &[Kind]) -> bool {
        ks.iter().any(|k| self.contains(*k))
    }
}

impl fmt::Debug for KindSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(Kind::BUILTIN.iter().filter(|k| self.contains(**k)))
            .finish()
    }
}
