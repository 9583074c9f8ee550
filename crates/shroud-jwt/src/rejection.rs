//! Why a request was refused.

use core::fmt;
use std::sync::Arc;

use http::StatusCode;

/// Why a request was refused: the typed reason behind a 401, 400, 403 or
/// (keys unavailable for every issuer) 503.
///
/// It goes into the response extensions and into a tracing event (as
/// [`code`](Rejection::code)); the client sees only the RFC 6750 error code,
/// never which check failed, and nothing of the token or its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No token in the request (and authentication is required).
    MissingToken,
    /// More than one token in the request (RFC 6750 §2: `invalid_request`).
    MultipleTokens,
    /// The token is larger than the configured cap.
    TokenTooLarge,
    /// The token is not a well-formed compact JWS with JSON header and claims.
    Malformed,
    /// The token is encrypted (JWE) and this verifier has no decryption keys.
    EncryptedToken,
    /// The encrypted token (JWE) could not be decrypted: wrong key, bad tag,
    /// bad lengths, invalid key agreement point, ... (deliberately one reason).
    Undecryptable,
    /// A plain JWS where an encrypted token (nested JWE) is required.
    EncryptionRequired,
    /// The JWE carries claims that are not a signed JWT (`cty` is not `JWT`).
    UnsignedClaims,
    /// `alg` is `none`, unknown or not in the allow-list.
    AlgorithmNotAllowed,
    /// The header lists `crit` extensions (or `b64`) shroud does not understand.
    CriticalHeader,
    /// No configured key matches the token's `kid` and `alg`.
    UnknownKey,
    /// No trusted issuer's keys can be loaded (every JWKS unreachable with
    /// nothing cached, or too stale to trust): no token can pass. The fault
    /// is the server's, not the token's: HTTP 503 with `Retry-After`, gRPC
    /// `UNAVAILABLE`, so that clients retry instead of asking their user to
    /// sign in again.
    KeysUnavailable,
    /// The keys of the issuer the token names cannot be loaded, while other
    /// issuers' can: a 401 like any token that cannot be verified, since
    /// the issuer is named by the unverified token itself (an attacker
    /// naming it must not be able to make the service answer 5xx).
    IssuerKeysUnavailable,
    /// The signature does not verify.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// A required claim is absent.
    MissingClaim,
    /// A registered claim has the wrong type (`exp` not a number, ...).
    InvalidClaim,
    /// `iss` is not a trusted issuer.
    UnknownIssuer,
    /// `aud` names none of the accepted audiences.
    AudienceMismatch,
    /// The `typ` header is not the configured one.
    WrongType,
    /// A custom validator refused the claims.
    ValidatorFailed,
    /// The token is valid but lacks a scope, role or claim the route needs.
    InsufficientScope {
        /// The scopes that would have been accepted, space separated (empty
        /// for role and claim requirements).
        scope: Arc<str>,
    },
}

/// The RFC 6750 §3.1 error code of a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerError {
    /// No credentials: the challenge carries no `error` attribute.
    None,
    /// `invalid_request` (400).
    InvalidRequest,
    /// `invalid_token` (401).
    InvalidToken,
    /// `insufficient_scope` (403).
    InsufficientScope,
}

impl BearerError {
    /// The code as written in `WWW-Authenticate`, if any.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            BearerError::None => None,
            BearerError::InvalidRequest => Some("invalid_request"),
            BearerError::InvalidToken => Some("invalid_token"),
            BearerError::InsufficientScope => Some("insufficient_scope"),
        }
    }
}

impl Rejection {
    /// A stable snake_case code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::MissingToken => "missing_token",
            Rejection::MultipleTokens => "multiple_tokens",
            Rejection::TokenTooLarge => "token_too_large",
            Rejection::Malformed => "malformed",
            Rejection::EncryptedToken => "encrypted_token",
            Rejection::Undecryptable => "undecryptable",
            Rejection::EncryptionRequired => "encryption_required",
            Rejection::UnsignedClaims => "unsigned_claims",
            Rejection::AlgorithmNotAllowed => "algorithm_not_allowed",
            Rejection::CriticalHeader => "critical_header",
            Rejection::UnknownKey => "unknown_key",
            Rejection::KeysUnavailable => "keys_unavailable",
            Rejection::IssuerKeysUnavailable => "issuer_keys_unavailable",
            Rejection::BadSignature => "bad_signature",
            Rejection::Expired => "expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::IssuedInFuture => "issued_in_future",
            Rejection::MissingClaim => "missing_claim",
            Rejection::InvalidClaim => "invalid_claim",
            Rejection::UnknownIssuer => "unknown_issuer",
            Rejection::AudienceMismatch => "audience_mismatch",
            Rejection::WrongType => "wrong_type",
            Rejection::ValidatorFailed => "validator_failed",
            Rejection::InsufficientScope { .. } => "insufficient_scope",
        }
    }

    /// The RFC 6750 error code.
    pub fn bearer_error(&self) -> BearerError {
        match self {
            Rejection::MissingToken => BearerError::None,
            Rejection::MultipleTokens | Rejection::TokenTooLarge => BearerError::InvalidRequest,
            Rejection::InsufficientScope { .. } => BearerError::InsufficientScope,
            _ => BearerError::InvalidToken,
        }
    }

    /// Whether the refusal is the server's fault ([`KeysUnavailable`]):
    /// the same token may pass once the keys load again.
    ///
    /// [`KeysUnavailable`]: Rejection::KeysUnavailable
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Rejection::KeysUnavailable)
    }

    /// The HTTP status: 503 when the keys are unavailable, 400 for
    /// `invalid_request`, 403 for `insufficient_scope`, 401 otherwise.
    pub fn status(&self) -> StatusCode {
        if self.is_unavailable() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self.bearer_error() {
            BearerError::InvalidRequest => StatusCode::BAD_REQUEST,
            BearerError::InsufficientScope => StatusCode::FORBIDDEN,
            BearerError::None | BearerError::InvalidToken => StatusCode::UNAUTHORIZED,
        }
    }

    /// The gRPC status code: 14 (UNAVAILABLE) when the keys are
    /// unavailable, 7 (PERMISSION_DENIED) for `insufficient_scope`, 16
    /// (UNAUTHENTICATED) otherwise.
    pub fn grpc_status(&self) -> u8 {
        if self.is_unavailable() {
            return 14;
        }
        match self.bearer_error() {
            BearerError::InsufficientScope => 7,
            _ => 16,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Rejection::MissingToken => "no bearer token",
            Rejection::MultipleTokens => "more than one bearer token",
            Rejection::TokenTooLarge => "bearer token too large",
            Rejection::Malformed => "malformed token",
            Rejection::EncryptedToken => "encrypted tokens are not accepted",
            Rejection::Undecryptable => "token could not be decrypted",
            Rejection::EncryptionRequired => "token must be encrypted",
            Rejection::UnsignedClaims => "encrypted token does not carry a signed JWT",
            Rejection::AlgorithmNotAllowed => "token algorithm not allowed",
            Rejection::CriticalHeader => "unsupported critical header",
            Rejection::UnknownKey => "no key for the token",
            Rejection::KeysUnavailable => "verification keys unavailable",
            Rejection::IssuerKeysUnavailable => "the issuer's verification keys are unavailable",
            Rejection::BadSignature => "invalid signature",
            Rejection::Expired => "token expired",
            Rejection::NotYetValid => "token not yet valid",
            Rejection::IssuedInFuture => "token issued in the future",
            Rejection::MissingClaim => "required claim missing",
            Rejection::InvalidClaim => "registered claim has the wrong type",
            Rejection::UnknownIssuer => "untrusted issuer",
            Rejection::AudienceMismatch => "audience not accepted",
            Rejection::WrongType => "token type not accepted",
            Rejection::ValidatorFailed => "claims refused",
            Rejection::InsufficientScope { .. } => "insufficient scope",
        };
        f.write_str(text)
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_codes() {
        assert_eq!(Rejection::MissingToken.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(Rejection::MissingToken.bearer_error().as_str(), None);
        assert_eq!(Rejection::MultipleTokens.status(), StatusCode::BAD_REQUEST);
        assert_eq!(Rejection::Expired.bearer_error().as_str(), Some("invalid_token"));
        let scope = Rejection::InsufficientScope { scope: "a".into() };
        assert_eq!(scope.status(), StatusCode::FORBIDDEN);
        assert_eq!(scope.grpc_status(), 7);
        assert_eq!(Rejection::BadSignature.grpc_status(), 16);
        assert_eq!(
            Rejection::KeysUnavailable.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(Rejection::KeysUnavailable.grpc_status(), 14);
        assert!(!Rejection::UnknownKey.is_unavailable());
        assert_eq!(
            Rejection::IssuerKeysUnavailable.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(Rejection::IssuerKeysUnavailable.grpc_status(), 16);
        assert_eq!(Rejection::Expired.code(), "expired");
    }
}
