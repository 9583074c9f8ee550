//! Generalization: replace a precise value by the class it falls in.

use core::net::IpAddr;

use serde::{Deserialize, Serialize};

/// How to generalize a value.
///
/// ```
/// use shroud_core::Generalize;
///
/// assert_eq!(Generalize::ip().apply("192.168.17.42").unwrap(), "192.168.17.0/24");
/// assert_eq!(Generalize::ip().apply("2001:db8:85a3::8a2e:370:7334").unwrap(), "2001:db8:85a3::/48");
/// assert_eq!(Generalize::Year.apply("1990-05-17").unwrap(), "1990");
/// assert_eq!(Generalize::Month.apply("1990-05-17").unwrap(), "1990-05");
/// assert_eq!(Generalize::Bucket { width: 10 }.apply("37").unwrap(), "30-39");
/// assert!(Generalize::Year.apply("not a date").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "to", try_from = "RawGeneralize")]
#[non_exhaustive]
pub enum Generalize {
    /// An IP address to its network: IPv4 to a `/v4` prefix, IPv6 to a `/v6`
    /// prefix. Both are required in a configuration; [`Generalize::ip`]
    /// gives `/24` and `/48`.
    IpPrefix {
        /// IPv4 prefix length, 0-31 (32 would keep the address).
        v4: u8,
        /// IPv6 prefix length, 0-127 (128 would keep the address).
        v6: u8,
    },
    /// A date (`YYYY-MM-DD...`, `YYYY-MM` or `YYYY`) to its year.
    Year,
    /// A date (`YYYY-MM-DD...` or `YYYY-MM`) to its year and month.
    Month,
    /// A number to the bucket of `width` it falls in: `37` -> `30-39`.
    Bucket {
        /// The bucket width, at least 2 (1 would keep the number).
        width: u64,
    },
}

/// The configuration form of [`Generalize`]: every setting a variant does
/// not take is refused (serde's `deny_unknown_fields` does not reach the
/// unit variants of an internally tagged enum, so `{to = "year",
/// precision = 1}` would pass).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeneralize {
    to: String,
    v4: Option<u8>,
    v6: Option<u8>,
    width: Option<u64>,
}

impl TryFrom<RawGeneralize> for Generalize {
    type Error = String;

    fn try_from(r: RawGeneralize) -> Result<Self, String> {
        let only = |allowed: &[&str]| -> Result<(), String> {
            for (name, set) in [
                ("v4", r.v4.is_some()),
                ("v6", r.v6.is_some()),
                ("width", r.width.is_some()),
            ] {
                if set && !allowed.contains(&name) {
                    return Err(format!("`{name}` does not apply to `to = \"{}\"`", r.to));
                }
            }
            Ok(())
        };
        let missing = |name: &str| format!("missing field `{name}`");
        match r.to.as_str() {
            "ip_prefix" => {
                only(&["v4", "v6"])?;
                Ok(Generalize::IpPrefix {
                    v4: r.v4.ok_or_else(|| missing("v4"))?,
                    v6: r.v6.ok_or_else(|| missing("v6"))?,
                })
            }
            "year" => only(&[]).map(|()| Generalize::Year),
            "month" => only(&[]).map(|()| Generalize::Month),
            "bucket" => {
                only(&["width"])?;
                Ok(Generalize::Bucket {
                    width: r.width.ok_or_else(|| missing("width"))?,
                })
            }
            _ => Err("unknown variant: expected one of `ip_prefix`, `year`, `month`, `bucket`".to_owned()),
        }
    }
}

/// A value that cannot be generalized the way asked (the caller then falls
/// back to redaction: generalization fails closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GeneralizeError {
    /// The value is not an IP address.
    #[error("value is not an IP address")]
    NotAnIp,
    /// The value is not a date of the expected form.
    #[error("value is not a date")]
    NotADate,
    /// The value is not a finite number.
    #[error("value is not a number")]
    NotANumber,
    /// The generalization itself is misconfigured.
    #[error(
        "invalid generalization: prefix lengths are 0-31 / 0-127 and bucket width at least 2, or nothing is generalized"
    )]
    Invalid,
}

impl Generalize {
    /// IPv4 to `/24`, IPv6 to `/48`.
    pub fn ip() -> Generalize {
        Generalize::IpPrefix { v4: 24, v6: 48 }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), GeneralizeError> {
        match *self {
            // A whole-address prefix or a bucket of one keeps the value.
            Generalize::IpPrefix { v4, v6 } if v4 >= 32 || v6 >= 128 => Err(GeneralizeError::Invalid),
            Generalize::Bucket { width: 0 | 1 } => Err(GeneralizeError::Invalid),
            _ => Ok(()),
        }
    }

    /// The generalized form of a string value.
    pub fn apply(&self, value: &str) -> Result<String, GeneralizeError> {
        self.validate()?;
        let v = value.trim();
        match *self {
            Generalize::IpPrefix { v4, v6 } => {
                match v.parse::<IpAddr>().map_err(|_| GeneralizeError::NotAnIp)? {
                    IpAddr::V4(a) => {
                        let bits = u32::from(a) & u32::MAX.checked_shl(32 - u32::from(v4)).unwrap_or(0);
                        Ok(format!("{}/{v4}", core::net::Ipv4Addr::from(bits)))
                    }
                    IpAddr::V6(a) => {
                        let bits = u128::from(a) & u128::MAX.checked_shl(128 - u32::from(v6)).unwrap_or(0);
                        Ok(format!("{}/{v6}", core::net::Ipv6Addr::from(bits)))
                    }
                }
            }
            Generalize::Year => {
                let (y, _) = date_parts(v).ok_or(GeneralizeError::NotADate)?;
                Ok(y.to_owned())
            }
            Generalize::Month => match date_parts(v) {
                Some((y, Some(m))) => Ok(format!("{y}-{m}")),
                _ => Err(GeneralizeError::NotADate),
            },
            Generalize::Bucket { .. } => {
                let n: f64 = v.parse().map_err(|_| GeneralizeError::NotANumber)?;
                self.bucket(n)
            }
        }
    }

    /// The generalized form of a number (for [`Generalize::Bucket`]; a year
    /// for date generalizations is not inferred from numbers).
    pub fn apply_number(&self, n: f64) -> Result<String, GeneralizeError> {
        self.validate()?;
        match self {
            Generalize::Bucket { .. } => self.bucket(n),
            _ => Err(GeneralizeError::NotANumber),
        }
    }

    fn bucket(&self, n: f64) -> Result<String, GeneralizeError> {
        let Generalize::Bucket { width } = *self else {
            return Err(GeneralizeError::Invalid);
        };
        if !n.is_finite() || n.abs() > 9.0e15 {
            return Err(GeneralizeError::NotANumber);
        }
        let w = width as i128;
        let low = (n.floor() as i128).div_euclid(w) * w;
        Ok(format!("{low}-{}", low + w - 1))
    }
}

fn date_parts(v: &str) -> Option<(&str, Option<&str>)> {
    let b = v.as_bytes();
    let digits = |r: core::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !digits(0..4) || b.get(4).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if b.len() == 4 {
        return Some((&v[..4], None));
    }
    if b.get(4) != Some(&b'-') || !digits(5..7) {
        return None;
    }
    let month: u8 = v[5..7].parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    if b.len() > 7 && !(b[7] == b'-' && digits(8..10)) {
        return None;
    }
    Some((&v[..4], Some(&v[5..7])))
}
