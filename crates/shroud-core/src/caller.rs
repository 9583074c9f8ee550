//! [`CallerId`]: who made a request, as a pseudonym.

use core::fmt;

/// The pseudonymous identity of the caller of a request.
///
/// The anonymization layer derives it from the verified subject (a keyed
/// pseudonym, never the raw `sub`) and puts it in the request extensions;
/// tracing and audit events name callers by it. It holds no personal data by
/// construction, so it may be logged.
///
/// ```
/// use shroud_core::CallerId;
///
/// let caller = CallerId::new("ps1.k2026.h3KxQ2v1");
/// assert_eq!(caller.as_str(), "ps1.k2026.h3KxQ2v1");
/// assert_eq!(caller.to_string(), "ps1.k2026.h3KxQ2v1");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallerId(String);

impl CallerId {
    /// Wraps a pseudonym. Give it a pseudonym (for example from
    /// [`Pseudonymizer`](crate::Pseudonymizer)), never a raw identifier.
    pub fn new(pseudonym: impl Into<String>) -> CallerId {
        CallerId(pseudonym.into())
    }

    /// The pseudonym.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CallerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CallerId").field(&self.0).finish()
    }
}

impl fmt::Display for CallerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
