//! JWS algorithms and sets of them.

use core::fmt;

pub use jsonwebtoken::Algorithm;

const ALL: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The registered name of an algorithm (`"RS256"`, ...).
pub fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::EdDSA => "EdDSA",
        _ => "unsupported",
    }
}

/// Parses a registered algorithm name, exactly (case-sensitive, as RFC 7515
/// requires). `none` and every unsupported name give `None`.
pub fn parse_alg(name: &str) -> Option<Algorithm> {
    ALL.iter().copied().find(|a| alg_name(*a) == name)
}

/// The bit of a supported algorithm; none (0) for one shroud does not
/// support (`Algorithm` is non-exhaustive), so that such an algorithm is in
/// no set and never stands for another.
fn bit(alg: Algorithm) -> u16 {
    ALL.iter().position(|a| *a == alg).map_or(0, |i| 1 << i)
}

/// A set of JWS algorithms (a bit set; `Copy`).
///
/// ```
/// use shroud_jwt::{Algorithm, AlgSet};
/// let set = AlgSet::from_iter([Algorithm::RS256, Algorithm::ES256]);
/// assert!(set.contains(Algorithm::ES256) && !set.contains(Algorithm::HS256));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct AlgSet(u16);

impl AlgSet {
    /// No algorithm.
    pub const EMPTY: AlgSet = AlgSet(0);

    /// HS256, HS384, HS512.
    pub fn hmac() -> AlgSet {
        AlgSet::from_iter([Algorithm::HS256, Algorithm::HS384, Algorithm::HS512])
    }

    /// RS256..RS512 and PS256..PS512.
    pub fn rsa() -> AlgSet {
        AlgSet::from_iter(ALL[3..9].iter().copied())
    }

    /// Every asymmetric algorithm supported: RSA, ECDSA and EdDSA.
    pub fn asymmetric() -> AlgSet {
        AlgSet::from_iter(ALL[3..].iter().copied())
    }

    /// Every supported algorithm.
    pub fn all() -> AlgSet {
        AlgSet::from_iter(ALL)
    }

    /// Whether `alg` is in the set.
    pub fn contains(self, alg: Algorithm) -> bool {
        self.0 & bit(alg) != 0
    }

    /// The set with `alg` added.
    #[must_use]
    pub fn with(self, alg: Algorithm) -> AlgSet {
        AlgSet(self.0 | bit(alg))
    }

    /// Algorithms in both sets.
    #[must_use]
    pub fn intersect(self, other: AlgSet) -> AlgSet {
        AlgSet(self.0 & other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The algorithms, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Algorithm> for AlgSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        iter.into_iter().fold(AlgSet::EMPTY, AlgSet::with)
    }
}

impl fmt::Debug for AlgSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(alg_name)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_refused() {
        for a in ALL {
            assert_eq!(parse_alg(alg_name(a)), Some(a));
        }
        for bad in ["none", "None", "NONE", "hs256", "ES512", "", "RS256 "] {
            assert_eq!(parse_alg(bad), None, "{bad}");
        }
    }

    #[test]
    fn families_are_disjoint() {
        assert!(AlgSet::hmac().intersect(AlgSet::asymmetric()).is_empty());
        assert_eq!(AlgSet::all().iter().count(), 12);
        assert_eq!(AlgSet::rsa().iter().count(), 6);
        assert_eq!(format!("{:?}", AlgSet::hmac()), r#"{"HS256", "HS384", "HS512"}"#);
    }
}
