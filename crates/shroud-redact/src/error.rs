//! Why a body could not be redacted.

/// Why a body could not be redacted. The stream ends with this error after the
/// last byte that was safe to send; no variant holds any part of the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// The body is not valid JSON at this byte offset (of the decoded body).
    #[error("malformed JSON at byte {offset}")]
    Syntax {
        /// Offset of the offending byte in the decoded body.
        offset: u64,
    },
    /// JSON nested deeper than the cap.
    #[error("JSON nested deeper than {max} levels")]
    TooDeep {
        /// The cap.
        max: usize,
    },
    /// A token that must be held (a string to scan, a key, an SSE event, a
    /// text run without a break) grew past the cap.
    #[error("a pending token grew past {max} bytes")]
    TokenTooLong {
        /// The cap.
        max: usize,
    },
    /// One slice of the compressed body inflated past the cap (a
    /// compression bomb: no text or JSON response is that repetitive).
    #[error("the compressed body inflated past {max} bytes a slice")]
    Inflated {
        /// The cap, in decoded bytes per compressed KiB.
        max: usize,
    },
    /// The body ended in the middle of a value.
    #[error("the body ended inside a value")]
    Truncated,
    /// The body could not be decoded from its `Content-Encoding`.
    #[error("the body could not be decoded from `{encoding}`")]
    Decode {
        /// The encoding.
        encoding: &'static str,
    },
    /// The response's `Content-Encoding` cannot be decoded by this build.
    #[error("the response has a content encoding that cannot be scanned")]
    Encoding,
    /// A partial response (`206`) of a type that is scanned: a byte range
    /// out of its document cannot be redacted by key rules (a range may hold
    /// a value without its key).
    #[error("a partial response (206) cannot be redacted")]
    PartialContent,
    /// The response's `Content-Type` names a charset the detectors cannot
    /// read (they read ASCII-compatible text), or comes more than once.
    #[error("the response's content type or charset cannot be scanned")]
    ContentType,
    /// The redactor was used again after it failed.
    #[error("the redactor already failed")]
    Failed,
}

/// The error of a redacted response body: the inner body's error, or a
/// [`RedactError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The wrapped body failed.
    #[error("response body failed")]
    Inner(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Redaction refused the body.
    #[error(transparent)]
    Redact(#[from] RedactError),
}
