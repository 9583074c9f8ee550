//! Value wrappers: [`Sensitive`] and [`Pseudonymous`].

use std::fmt;

use shroud_core::Pseudonymizer;

/// A value that must never be printed: `Debug` and `Display` write
/// `[REDACTED]`, whatever it holds.
///
/// `tracing::Value` is sealed in tracing-core, so no type outside it can
/// implement it; record wrappers with the `%` or `?` sigil, which go
/// through `Display` and `Debug`:
///
/// ```
/// use shroud_trace::Sensitive;
///
/// let password = Sensitive("hunter2");
/// tracing::info!(password = %password, "login");
/// assert_eq!(format!("{password} {password:?}"), "[REDACTED] [REDACTED]");
/// assert_eq!(*password.expose(), "hunter2");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Sensitive<T>(pub T);

impl<T> Sensitive<T> {
    /// The wrapped value, for code that needs it (never for logging).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::REDACTED)
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::REDACTED)
    }
}

/// A value printed as its keyed pseudonym (`ps1.<key id>.<tag>`), so log
/// lines about the same person can be correlated without naming them.
///
/// ```
/// use shroud_core::{Pseudonymizer, SecretKey};
/// use shroud_trace::Pseudonymous;
///
/// let keys = Pseudonymizer::new(SecretKey::new("k1", [3u8; 32])?);
/// let user = Pseudonymous::new(&keys, "email", "jane@example.com");
/// tracing::info!(user = %user, "password reset");
/// assert!(user.to_string().starts_with("ps1.k1."));
/// assert_eq!(format!("{user:?}"), user.to_string());
/// # Ok::<(), shroud_core::KeyError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Pseudonymous<'a, T> {
    value: T,
    keys: &'a Pseudonymizer,
    domain: &'a str,
}

impl<'a, T: AsRef<[u8]>> Pseudonymous<'a, T> {
    /// `value`, printed as its pseudonym in `domain`.
    pub fn new(keys: &'a Pseudonymizer, domain: &'a str, value: T) -> Self {
        Pseudonymous { value, keys, domain }
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Pseudonymous<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keys.pseudonymize(self.domain, self.value.as_ref()))
    }
}

impl<T: AsRef<[u8]>> fmt::Debug for Pseudonymous<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
