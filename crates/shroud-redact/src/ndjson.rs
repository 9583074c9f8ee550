//! NDJSON (`application/x-ndjson`) and RFC 7464 JSON text sequences
//! (`application/json-seq`): each record redacted as its own JSON document.

use crate::error::RedactError;
use crate::json::JsonRedactor;
use crate::policy::Policy;
use crate::summary::RedactionSummary;

/// A push-style redactor for a stream of JSON records separated by newlines
/// (or other whitespace) or RS (`0x1E`). A malformed record ends the stream
/// with an error after the last complete record.
///
/// ```
/// use shroud_redact::{NdjsonRedactor, Policy};
///
/// let mut r = NdjsonRedactor::new(Policy::default());
/// let mut out = Vec::new();
/// r.feed(b"{\"a\":\"jane@example.com\"}\n{\"b\":", &mut out)?;
/// r.feed(b"1}\n", &mut out)?;
/// r.finish(&mut out)?;
/// assert_eq!(out, b"{\"a\":\"[REDACTED:email]\"}\n{\"b\":1}\n");
/// # Ok::<(), shroud_redact::RedactError>(())
/// ```
#[derive(Debug)]
pub struct NdjsonRedactor {
    inner: JsonRedactor,
}

impl NdjsonRedactor {
    /// A redactor for one record stream.
    pub fn new(policy: Policy) -> NdjsonRedactor {
        NdjsonRedactor {
            inner: JsonRedactor::sequence(policy),
        }
    }

    /// What was redacted so far.
    pub fn summary(&self) -> RedactionSummary {
        self.inner.summary()
    }

    pub(crate) fn counters(&self) -> &crate::summary::Counters {
        self.inner.counters()
    }

    /// Redacts the next bytes.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        self.inner.feed(input, out)
    }

    /// Ends the stream; a record cut short is an error.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        self.inner.finish(out)
    }
}
