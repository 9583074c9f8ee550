//! The token pipeline: size cap, split, header, issuer selection, key lookup,
//! signature, claims. Parsed once; keys prepared at construction.

use core::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use shroud_core::{Claims, TokenInfo};
use zeroize::Zeroizing;

use crate::alg::{AlgSet, alg_name};
use crate::cache::{Entry, TokenCache, token_hash};
use crate::jwe::{self, DecryptOptions, DecryptionKeySet};
use crate::key::{Key, KeySet, SignatureError};
use crate::rejection::Rejection;
use crate::token::{self, Compact};

/// The default token size cap, in bytes, checked before any decoding.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;
/// The default clock leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// The largest leeway accepted.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// How long a token without `exp` may stay in the verified-token cache.
const NO_EXP_CACHE_SECS: i64 = 300;

/// A configuration mistake, found at construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No trusted issuer was configured.
    #[error("no trusted issuer configured")]
    NoIssuer,
    /// Two trusted issuers have the same `iss`.
    #[error("issuer configured twice")]
    DuplicateIssuer,
    /// The leeway is above [`MAX_LEEWAY`].
    #[error("leeway above the maximum of {} s", MAX_LEEWAY.as_secs())]
    LeewayTooLarge,
    /// The algorithm allow-list is empty, or shares no algorithm with the keys.
    #[error("no algorithm is both allowed and usable by the keys")]
    NoAlgorithm,
    /// The token size cap is 0 or above 1 MiB.
    #[error("token size cap must be 1 byte to 1 MiB")]
    MaxTokenLen,
    /// A setting is invalid; the text says which.
    #[error("invalid setting: {0}")]
    Invalid(&'static str),
}

/// What to do with a JWE whose payload is claims rather than a nested,
/// signed JWT (`cty` not `JWT`).
///
/// Such claims are authenticated only by the decryption key. With RSA-OAEP
/// and ECDH-ES the encryption key is public, so anyone can mint them: accept
/// them only from symmetric key management (`dir`, `A*KW`, `A*GCMKW`), whose
/// key is a shared secret. The claims are then validated as usual (`exp`,
/// `nbf`, `iss`, `aud`, ...) and [`TokenInfo::alg`] is the JWE `alg`.
///
/// The decryption keys vouch for no particular issuer, so a verifier that
/// accepts unsigned claims trusts exactly one issuer
/// ([`VerifierBuilder::build`] refuses more): otherwise whoever shares a
/// key with one issuer could write claims in another's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnsignedClaims {
    /// Refused with [`Rejection::UnsignedClaims`] (the default).
    #[default]
    Refuse,
    /// Accepted from symmetric key management only; refused from RSA-OAEP
    /// and ECDH-ES.
    SymmetricKeys,
    /// Accepted from any key management algorithm. Anyone holding the
    /// public key can then mint claims: for tests and closed systems only.
    AnyKey,
}

/// Where an issuer's keys come from.
#[derive(Clone)]
pub(crate) enum KeySource {
    Static(Arc<KeySet>),
    #[cfg(feature = "jwks-http")]
    Remote(crate::jwks::RemoteJwks),
}

impl KeySource {
    pub(crate) fn current(&self) -> Option<Arc<KeySet>> {
        match self {
            KeySource::Static(set) => Some(set.clone()),
            #[cfg(feature = "jwks-http")]
            KeySource::Remote(remote) => remote.current(),
        }
    }

    fn generation(&self) -> u64 {
        match self {
            KeySource::Static(_) => 0,
            #[cfg(feature = "jwks-http")]
            KeySource::Remote(remote) => remote.generation(),
        }
    }

    /// The generation of the keys, while they may be served: `None` once a
    /// remote set is too stale (or never loaded), so that cached
    /// verifications stop with the keys that made them.
    fn live_generation(&self) -> Option<u64> {
        match self {
            KeySource::Static(_) => Some(0),
            #[cfg(feature = "jwks-http")]
            KeySource::Remote(remote) => remote.live_generation(),
        }
    }

    fn algorithms(&self) -> AlgSet {
        match self {
            KeySource::Static(set) => set
                .keys()
                .iter()
                .fold(AlgSet::EMPTY, |a, k| k.algorithms().iter().fold(a, AlgSet::with)),
            #[cfg(feature = "jwks-http")]
            KeySource::Remote(_) => AlgSet::asymmetric(),
        }
    }
}

/// An issuer whose tokens are accepted, with its keys.
///
/// The token's unverified `iss` only selects which issuer's keys to try; the
/// signature decides.
pub struct TrustedIssuer {
    iss: Option<Arc<str>>,
    keys: Option<KeySource>,
    audiences: Option<Vec<String>>,
}

impl TrustedIssuer {
    /// Tokens whose `iss` is exactly `iss`.
    pub fn new(iss: impl AsRef<str>) -> TrustedIssuer {
        TrustedIssuer {
            iss: Some(Arc::from(iss.as_ref())),
            keys: None,
            audiences: None,
        }
    }

    /// Tokens with any or no `iss`: for a single issuer whose keys alone
    /// decide. Tried only when no issuer matches the token's `iss` exactly.
    pub fn any() -> TrustedIssuer {
        TrustedIssuer {
            iss: None,
            keys: None,
            audiences: None,
        }
    }

    /// The issuer's keys.
    #[must_use]
    pub fn keys(mut self, keys: KeySet) -> TrustedIssuer {
        self.keys = Some(KeySource::Static(Arc::new(keys)));
        self
    }

    /// A single key.
    #[must_use]
    pub fn key(self, key: Key) -> TrustedIssuer {
        self.keys(KeySet::new([key]))
    }

    /// Keys from a remote JWKS, refreshed in the background.
    #[cfg(feature = "jwks-http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks-http")))]
    #[must_use]
    pub fn jwks(mut self, jwks: crate::jwks::RemoteJwks) -> TrustedIssuer {
        self.keys = Some(KeySource::Remote(jwks));
        self
    }

    /// Audiences accepted for this issuer, replacing the verifier's.
    #[must_use]
    pub fn audiences<I, S>(mut self, audiences: I) -> TrustedIssuer
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }
}

impl fmt::Debug for TrustedIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedIssuer")
            .field("iss", &self.iss)
            .finish_non_exhaustive()
    }
}

type Validator = Arc<dyn Fn(&Claims) -> bool + Send + Sync>;
type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub(crate) struct IssuerEntry {
    iss: Option<Arc<str>>,
    pub(crate) keys: KeySource,
    audiences: Option<Vec<String>>,
}

struct Inner {
    issuers: Vec<IssuerEntry>,
    algorithms: AlgSet,
    leeway: i64,
    require_exp: bool,
    audiences: Vec<String>,
    any_audience: bool,
    required: Vec<String>,
    typ: Option<String>,
    validators: Vec<Validator>,
    clock: Option<Clock>,
    max_token_len: usize,
    cache: Option<TokenCache>,
    decryption: Option<Arc<DecryptionKeySet>>,
    decrypt_options: DecryptOptions,
    require_encryption: bool,
    unsigned_claims: UnsignedClaims,
}

/// Verifies compact JWS tokens: the engine inside [`JwtLayer`](crate::JwtLayer),
/// usable on its own. Cheap to clone.
///
/// ```
/// use shroud_jwt::{Algorithm, Key, TrustedIssuer, Verifier};
///
/// let key = Key::hmac(b"0123456789abcdef0123456789abcdef", Algorithm::HS256)?;
/// let verifier = Verifier::builder()
///     .issuer(TrustedIssuer::new("https://id.example").key(key))
///     .audience("api")
///     .build()?;
/// assert!(verifier.verify("not.a.token").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "issuers",
                &self
                    .inner
                    .issuers
                    .iter()
                    .map(|i| i.iss.as_deref())
                    .collect::<Vec<_>>(),
            )
            .field("algorithms", &self.inner.algorithms)
            .field("leeway", &self.inner.leeway)
            .finish_non_exhaustive()
    }
}

/// A verified token: its claims and what is known about it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The verified claims.
    pub claims: Claims,
    /// Algorithm, key id, issuer, expiry.
    pub info: TokenInfo,
}

/// A token verified without the cache: its result, the issuer that
/// vouched for it and the generation of that issuer's keys.
struct Accepted {
    verified: Verified,
    issuer: usize,
    generation: u64,
}

/// Why a token was not verified without the cache.
enum Failed {
    Rejected(Rejection),
    /// The remote key set of the issuer does not know the token's key (or
    /// has none loaded): refetch and verify again.
    Refresh(Pending),
}

/// A verification waiting for a refetch of an issuer's remote keys.
pub(crate) struct Pending {
    /// The issuer (an index into the verifier's issuers).
    pub(crate) issuer: usize,
    /// The signed token a JWE carried, so that it is not decrypted again
    /// (with several RSA keys and no `kid`, that is several private-key
    /// operations an unauthenticated caller could double).
    decrypted: Option<Zeroizing<Vec<u8>>>,
}

impl Failed {
    /// A refetch of `issuer`'s keys, for a token that was not encrypted
    /// (or whose plaintext [`Verifier::verify_nested`] adds).
    fn refresh(issuer: usize) -> Failed {
        Failed::Refresh(Pending {
            issuer,
            decrypted: None,
        })
    }
}

impl From<Rejection> for Failed {
    fn from(r: Rejection) -> Self {
        Failed::Rejected(r)
    }
}

/// The outcome of the synchronous part of verification.
pub(crate) enum Outcome {
    Verified(Verified),
    Rejected(Rejection),
    /// The issuer's remote key set does not know the token's `kid`: refetch
    /// (rate-limited) and verify again.
    #[cfg_attr(not(feature = "jwks-http"), allow(dead_code))]
    Refresh(Pending),
}

impl Verifier {
    /// Starts a builder.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The token size cap in bytes.
    pub fn max_token_len(&self) -> usize {
        self.inner.max_token_len
    }

    fn now(&self) -> i64 {
        match &self.inner.clock {
            Some(clock) => clock(),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }

    /// Verifies a compact token with the keys at hand. A remote key set that
    /// does not know the token's `kid` gives [`Rejection::UnknownKey`] here;
    /// [`verify_async`](Self::verify_async) refetches it first.
    pub fn verify(&self, token: &str) -> Result<Verified, Rejection> {
        match self.verify_outcome(token.as_bytes(), false) {
            Outcome::Verified(v) => Ok(v),
            Outcome::Rejected(r) => Err(r),
            Outcome::Refresh(_) => Err(Rejection::UnknownKey),
        }
    }

    /// Verifies a compact token, refetching a remote key set (rate-limited)
    /// when the token names a key it does not know.
    pub async fn verify_async(&self, token: &str) -> Result<Verified, Rejection> {
        match self.verify_outcome(token.as_bytes(), false) {
            Outcome::Verified(v) => Ok(v),
            Outcome::Rejected(r) => Err(r),
            Outcome::Refresh(pending) => {
                self.refresh(pending.issuer).await;
                self.verify_refreshed(token.as_bytes(), pending).into_result()
            }
        }
    }

    /// Waits for the remote key set of issuer `i` to be refetched (or for the
    /// refetch to be refused by the rate limit).
    pub(crate) fn refresh(&self, i: usize) -> impl Future<Output = ()> + Send + 'static {
        #[cfg(feature = "jwks-http")]
        {
            let remote = match self.inner.issuers.get(i).map(|e| &e.keys) {
                Some(KeySource::Remote(r)) => Some(r.clone()),
                _ => None,
            };
            async move {
                if let Some(r) = remote {
                    r.refresh_unknown_kid().await;
                }
            }
        }
        #[cfg(not(feature = "jwks-http"))]
        {
            let _ = i;
            std::future::ready(())
        }
    }

    /// Drops every cached verification result.
    pub fn clear_cache(&self) {
        if let Some(c) = &self.inner.cache {
            c.clear();
        }
    }

    pub(crate) fn verify_outcome(&self, token: &[u8], refreshed: bool) -> Outcome {
        self.outcome(token, refreshed, None)
    }

    /// Verifies `token` again once the keys `pending` waited for were
    /// refetched (or the refetch was refused); a JWE is not decrypted again.
    pub(crate) fn verify_refreshed(&self, token: &[u8], pending: Pending) -> Outcome {
        self.outcome(token, true, pending.decrypted)
    }

    fn outcome(&self, token: &[u8], refreshed: bool, decrypted: Option<Zeroizing<Vec<u8>>>) -> Outcome {
        let inner = &*self.inner;
        if token.len() > inner.max_token_len {
            return Outcome::Rejected(Rejection::TokenTooLarge);
        }
        let now = self.now();
        let cache_key = match &inner.cache {
            Some(cache) => {
                let key = token_hash(token);
                if let Some(hit) = self.cache_get(cache, key, now) {
                    return Outcome::Verified(hit);
                }
                Some(key)
            }
            None => None,
        };
        let result = match decrypted {
            Some(plaintext) => self.verify_nested(plaintext, now, refreshed),
            None => self.verify_uncached(token, now, refreshed),
        };
        match result {
            Ok(Accepted {
                verified,
                issuer,
                generation,
            }) => {
                if let (Some(cache), Some(key)) = (&inner.cache, cache_key) {
                    let until = verified.info.expires_at.map_or(now + NO_EXP_CACHE_SECS, |e| {
                        e.saturating_add(inner.leeway).min(now + NO_EXP_CACHE_SECS * 12)
                    });
                    let entry = Entry {
                        claims: verified.claims.clone(),
                        info: verified.info.clone(),
                        until,
                        issuer,
                        generation,
                    };
                    cache.insert(key, entry, now);
                }
                Outcome::Verified(verified)
            }
            Err(Failed::Rejected(r)) => Outcome::Rejected(r),
            Err(Failed::Refresh(pending)) => Outcome::Refresh(pending),
        }
    }

    fn cache_get(&self, cache: &TokenCache, key: u128, now: i64) -> Option<Verified> {
        let issuers = &self.inner.issuers;
        let (claims, info) = cache.get(key, now, |i| {
            issuers.get(i).and_then(|e| e.keys.live_generation())
        })?;
        // Revalidate time-bound claims against the current clock.
        if let Some(nbf) = claims.nbf()
            && now + self.inner.leeway < nbf
        {
            return None;
        }
        // Custom checks run on every presentation (a replay set or a
        // revocation list must see each one); a failure is verified again,
        // uncached, and refused there.
        if self.inner.validators.iter().any(|v| !v(&claims)) {
            return None;
        }
        Some(Verified { claims, info })
    }

    fn select_issuer(&self, claims: &Map<String, Value>) -> Result<usize, Rejection> {
        let issuers = &self.inner.issuers;
        let iss = match claims.get("iss") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(Rejection::InvalidClaim),
        };
        if let Some(iss) = iss
            && let Some(i) = issuers.iter().position(|e| e.iss.as_deref() == Some(iss))
        {
            return Ok(i);
        }
        issuers
            .iter()
            .position(|e| e.iss.is_none())
            .ok_or(Rejection::UnknownIssuer)
    }

    fn verify_uncached(&self, token: &[u8], now: i64, refreshed: bool) -> Result<Accepted, Failed> {
        let inner = &*self.inner;
        match token::split(token)? {
            Compact::Jws { .. } if inner.require_encryption => Err(Rejection::EncryptionRequired.into()),
            Compact::Jws {
                header,
                payload,
                signature,
                signing_input,
            } => self.verify_jws(header, payload, signature, signing_input, now, refreshed, false),
            Compact::Jwe => {
                let decrypted = self.decrypt(token)?;
                if !decrypted.is_nested_jwt() {
                    return self.verify_unsigned(decrypted, now);
                }
                self.verify_nested(decrypted.into_plaintext(), now, refreshed)
            }
        }
    }

    /// The signed token a JWE carried. A refetch it waits for keeps the
    /// plaintext, so that the JWE is decrypted once.
    fn verify_nested(
        &self,
        plaintext: Zeroizing<Vec<u8>>,
        now: i64,
        refreshed: bool,
    ) -> Result<Accepted, Failed> {
        // The inner token obeys the same cap as a bare one (with `zip`, it
        // may be larger than the JWE that carried it).
        if plaintext.len() > self.inner.max_token_len {
            return Err(Rejection::TokenTooLarge.into());
        }
        let result = match token::split(&plaintext)? {
            Compact::Jws {
                header,
                payload,
                signature,
                signing_input,
            } => self.verify_jws(header, payload, signature, signing_input, now, refreshed, true),
            // A JWE inside a JWE: refused.
            Compact::Jwe => Err(Rejection::Malformed.into()),
        };
        match result {
            Err(Failed::Refresh(Pending { issuer, .. })) => Err(Failed::Refresh(Pending {
                issuer,
                decrypted: Some(plaintext),
            })),
            other => other,
        }
    }

    fn decrypt(&self, token: &[u8]) -> Result<jwe::Decrypted, Rejection> {
        let inner = &*self.inner;
        let keys = inner.decryption.as_deref().ok_or(Rejection::EncryptedToken)?;
        // A non-UTF-8 token is malformed.
        let token = std::str::from_utf8(token).map_err(|_| Rejection::Malformed)?;
        jwe::decrypt(token, keys, &inner.decrypt_options).map_err(|e| match e {
            jwe::JweError::Malformed => Rejection::Malformed,
            jwe::JweError::Unsupported => Rejection::AlgorithmNotAllowed,
            _ => Rejection::Undecryptable,
        })
    }

    /// Claims encrypted into a JWE without a signature: refused unless the
    /// policy accepts them for this key management algorithm.
    fn verify_unsigned(&self, decrypted: jwe::Decrypted, now: i64) -> Result<Accepted, Failed> {
        let inner = &*self.inner;
        let symmetric = matches!(
            decrypted.alg(),
            jwe::KeyManagement::Dir
                | jwe::KeyManagement::A128Kw
                | jwe::KeyManagement::A192Kw
                | jwe::KeyManagement::A256Kw
                | jwe::KeyManagement::A128GcmKw
                | jwe::KeyManagement::A192GcmKw
                | jwe::KeyManagement::A256GcmKw
        );
        let accepted = match inner.unsigned_claims {
            UnsignedClaims::Refuse => false,
            UnsignedClaims::SymmetricKeys => symmetric,
            UnsignedClaims::AnyKey => true,
        };
        if !accepted {
            return Err(Rejection::UnsignedClaims.into());
        }
        // Without an inner JWS, the JWE's own header carries the type.
        if let Some(want) = &inner.typ {
            match decrypted.typ() {
                Some(typ) if typ_matches(typ, want) => {}
                _ => return Err(Rejection::WrongType.into()),
            }
        }
        let json = decrypted.plaintext();
        if json.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) != Some(&b'{') {
            return Err(Rejection::Malformed.into());
        }
        let map: Map<String, Value> = serde_json::from_slice(json).map_err(|_| Rejection::Malformed)?;
        let issuer = self.select_issuer(&map)?;
        let entry = &inner.issuers[issuer];
        let generation = entry.keys.generation();
        let claims = Claims::new(map);
        self.validate(&claims, entry, now)?;
        let info = TokenInfo::new(
            decrypted.alg().name(),
            decrypted.key_id().map(Arc::from),
            entry.iss.clone(),
            claims.exp(),
            true,
        );
        Ok(Accepted {
            verified: Verified { claims, info },
            issuer,
            generation,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn verify_jws(
        &self,
        header: &[u8],
        payload: &[u8],
        signature: &[u8],
        signing_input: &[u8],
        now: i64,
        refreshed: bool,
        encrypted: bool,
    ) -> Result<Accepted, Failed> {
        let inner = &*self.inner;
        let mut header_buf = token::HeaderBuf::new();
        let header = token::header(header, &mut header_buf)?;
        if !inner.algorithms.contains(header.alg) {
            return Err(Rejection::AlgorithmNotAllowed.into());
        }
        if let Some(want) = &inner.typ {
            match &header.typ {
                Some(typ) if typ_matches(typ, want) => {}
                _ => return Err(Rejection::WrongType.into()),
            }
        }
        let map = token::payload(payload)?;
        let issuer = self.select_issuer(&map)?;
        let entry = &inner.issuers[issuer];
        let remote = !matches!(entry.keys, KeySource::Static(_));
        // The generation is read before the keys: a rotation in between
        // tags a cached result with the older generation (it is verified
        // again), never keys of the older set with the newer generation.
        let generation = entry.keys.generation();
        let keys = match entry.keys.current() {
            Some(keys) => keys,
            // Nothing loaded yet (or too stale to serve): wait for a fetch once.
            None if remote && !refreshed => return Err(Failed::refresh(issuer)),
            // With every issuer's keys gone, no token can pass: an outage,
            // answered 503. With one issuer's keys gone among others, the
            // answer stays a 401: the issuer is named by the unverified
            // token, and an attacker must not turn requests into 5xx (which
            // trip load balancers and alerts) by naming that issuer.
            None => {
                let outage = inner.issuers.iter().all(|e| e.keys.live_generation().is_none());
                return Err(if outage {
                    Rejection::KeysUnavailable
                } else {
                    Rejection::IssuerKeysUnavailable
                }
                .into());
            }
        };

        let kid = header.kid.as_deref();
        let key = match keys.check_signature(header.alg, kid, signing_input, signature) {
            Ok(key) => key,
            Err(SignatureError::NoKey) if remote && !refreshed => return Err(Failed::refresh(issuer)),
            Err(SignatureError::NoKey) => return Err(Rejection::UnknownKey.into()),
            Err(SignatureError::Rejected(r)) => return Err(r.into()),
        };

        let claims = Claims::new(map);
        self.validate(&claims, entry, now)?;
        // The kid of the key that verified the token, never the header's:
        // a key without a kid matches any, and the sender picks the header.
        let kid = key.kid_arc();
        let info = TokenInfo::new(
            alg_name(header.alg),
            kid,
            entry.iss.clone(),
            claims.exp(),
            encrypted,
        );
        Ok(Accepted {
            verified: Verified { claims, info },
            issuer,
            generation,
        })
    }

    fn validate(&self, claims: &Claims, entry: &IssuerEntry, now: i64) -> Result<(), Rejection> {
        let inner = &*self.inner;
        let leeway = inner.leeway;
        match claims.get("exp") {
            None if inner.require_exp => return Err(Rejection::MissingClaim),
            None => {}
            Some(_) => {
                let exp = claims.exp().ok_or(Rejection::InvalidClaim)?;
                if now >= exp.saturating_add(leeway) {
                    return Err(Rejection::Expired);
                }
            }
        }
        if claims.contains("nbf") {
            let nbf = claims.nbf().ok_or(Rejection::InvalidClaim)?;
            if now.saturating_add(leeway) < nbf {
                return Err(Rejection::NotYetValid);
            }
        }
        if claims.contains("iat") {
            let iat = claims.iat().ok_or(Rejection::InvalidClaim)?;
            if iat > now.saturating_add(leeway) {
                return Err(Rejection::IssuedInFuture);
            }
        }
        if let Some(iss) = &entry.iss
            && claims.iss() != Some(&**iss)
        {
            return Err(Rejection::UnknownIssuer);
        }
        let audiences = entry.audiences.as_ref().unwrap_or(&inner.audiences);
        if !audiences.is_empty() {
            match claims.get("aud") {
                None => return Err(Rejection::MissingClaim),
                Some(Value::String(_) | Value::Array(_)) => {
                    if !claims.aud().iter().any(|a| audiences.iter().any(|w| w == a)) {
                        return Err(Rejection::AudienceMismatch);
                    }
                }
                Some(_) => return Err(Rejection::InvalidClaim),
            }
        } else if claims.contains("aud") && !inner.any_audience {
            // A token meant for a named audience, and this service names
            // none it is: it cannot tell whether the token is meant for it
            // (RFC 7519 §4.1.3; RFC 8725 §3.9, a token for another service
            // of the same issuer).
            return Err(Rejection::AudienceMismatch);
        }
        if inner.required.iter().any(|name| !claims.contains(name)) {
            return Err(Rejection::MissingClaim);
        }
        if inner.validators.iter().any(|v| !v(claims)) {
            return Err(Rejection::ValidatorFailed);
        }
        Ok(())
    }
}

impl Outcome {
    fn into_result(self) -> Result<Verified, Rejection> {
        match self {
            Outcome::Verified(v) => Ok(v),
            Outcome::Rejected(r) => Err(r),
            Outcome::Refresh(_) => Err(Rejection::UnknownKey),
        }
    }
}

/// `typ` compares case-insensitively, with or without the `application/`
/// prefix (RFC 7515 §4.1.9).
fn typ_matches(got: &str, want: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(p) if p.eq_ignore_ascii_case("application/") => &s[12..],
            _ => s,
        }
    }
    strip(got).eq_ignore_ascii_case(strip(want))
}

/// Builds a [`Verifier`].
#[must_use]
pub struct VerifierBuilder {
    issuers: Vec<TrustedIssuer>,
    algorithms: Option<AlgSet>,
    leeway: Duration,
    require_exp: bool,
    audiences: Vec<String>,
    any_audience: bool,
    required: Vec<String>,
    typ: Option<String>,
    validators: Vec<Validator>,
    clock: Option<Clock>,
    max_token_len: usize,
    cache: usize,
    decryption: Option<Arc<DecryptionKeySet>>,
    decrypt_options: DecryptOptions,
    require_encryption: bool,
    unsigned_claims: UnsignedClaims,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        VerifierBuilder {
            issuers: Vec::new(),
            algorithms: None,
            leeway: DEFAULT_LEEWAY,
            require_exp: true,
            audiences: Vec::new(),
            any_audience: false,
            required: Vec::new(),
            typ: None,
            validators: Vec::new(),
            clock: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            cache: 0,
            decryption: None,
            decrypt_options: DecryptOptions::default(),
            require_encryption: false,
            unsigned_claims: UnsignedClaims::Refuse,
        }
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuers", &self.issuers)
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Adds a trusted issuer.
    pub fn issuer(mut self, issuer: TrustedIssuer) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// The algorithm allow-list. By default every algorithm some key of a
    /// static key set is bound to, or every asymmetric algorithm for remote
    /// key sets; a key still verifies only its own algorithms.
    pub fn algorithms(mut self, algs: AlgSet) -> Self {
        self.algorithms = Some(algs);
        self
    }

    /// Clock leeway for `exp`, `nbf` and `iat` (default 60 s, at most 300 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Whether `exp` is required (default `true`).
    pub fn require_exp(mut self, require: bool) -> Self {
        self.require_exp = require;
        self
    }

    /// Adds an accepted audience; a token is accepted when its `aud` names
    /// any of them (an issuer's own list, [`TrustedIssuer::audiences`],
    /// takes the place of this one for its tokens).
    ///
    /// With no audience configured, a token that carries `aud` is refused
    /// with [`Rejection::AudienceMismatch`] (RFC 7519 §4.1.3): it was meant
    /// for some service, perhaps another one trusting the same issuer.
    /// Tokens without `aud` pass. See [`any_audience`](Self::any_audience).
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.audiences.push(aud.into());
        self
    }

    /// Accepts tokens whatever their `aud` when no audience is configured
    /// (default `false`). Only for a service that is the sole audience of
    /// every token its issuers mint: otherwise a token minted for another
    /// service is accepted here.
    pub fn any_audience(mut self, any: bool) -> Self {
        self.any_audience = any;
        self
    }

    /// Requires the claim `name` to be present.
    pub fn require_claim(mut self, name: impl Into<String>) -> Self {
        self.required.push(name.into());
        self
    }

    /// Requires the `typ` header to be `typ` (for example `at+jwt`, RFC 9068):
    /// the signed token's header, or the JWE's own header for claims
    /// encrypted without a signature ([`unsigned_claims`](Self::unsigned_claims)).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Adds a custom check on the verified claims.
    pub fn validator<F>(mut self, f: F) -> Self
    where
        F: Fn(&Claims) -> bool + Send + Sync + 'static,
    {
        self.validators.push(Arc::new(f));
        self
    }

    /// Replaces the clock (seconds since the Unix epoch), for tests and replays.
    pub fn clock<F>(mut self, f: F) -> Self
    where
        F: Fn() -> i64 + Send + Sync + 'static,
    {
        self.clock = Some(Arc::new(f));
        self
    }

    /// The token size cap in bytes (default 8 KiB), checked before decoding;
    /// the signed token inside a JWE obeys it too (with `zip`, it may be
    /// larger than the JWE).
    pub fn max_token_len(mut self, len: usize) -> Self {
        self.max_token_len = len;
        self
    }

    /// Enables the verified-token cache with room for `entries` tokens
    /// (0 disables it, the default).
    pub fn cache(mut self, entries: usize) -> Self {
        self.cache = entries;
        self
    }

    /// Decryption keys for encrypted tokens (JWE, RFC 7516). A JWE must carry
    /// a nested signed JWT (`cty: JWT`): it is decrypted, then the inner JWS
    /// goes through the same steps as a plain one, with
    /// [`TokenInfo::encrypted`] set. Claims encrypted directly into a JWE
    /// (not signed) are refused with [`Rejection::UnsignedClaims`]. Without
    /// decryption keys every JWE is refused with [`Rejection::EncryptedToken`].
    ///
    /// Every decryption failure is [`Rejection::Undecryptable`]; `RSA1_5`,
    /// PBES2, `crit` and (by default) `zip` give
    /// [`Rejection::AlgorithmNotAllowed`]. The token size cap
    /// ([`max_token_len`](Self::max_token_len)) applies to the encrypted token.
    pub fn decryption_keys(mut self, keys: DecryptionKeySet) -> Self {
        self.decryption = Some(Arc::new(keys));
        self
    }

    /// Decryption options (`zip` with an inflate cap); by default `zip` is refused.
    pub fn decrypt_options(mut self, opts: DecryptOptions) -> Self {
        self.decrypt_options = opts;
        self
    }

    /// Refuses plain (unencrypted) JWS tokens with
    /// [`Rejection::EncryptionRequired`]: only nested JWEs are accepted.
    /// Needs [`decryption_keys`](Self::decryption_keys). For one route only,
    /// see [`authz::require_encryption`](crate::authz::require_encryption).
    pub fn require_encryption(mut self, require: bool) -> Self {
        self.require_encryption = require;
        self
    }

    /// Whether claims encrypted directly into a JWE, without a nested
    /// signature, are accepted (default [`UnsignedClaims::Refuse`]).
    pub fn unsigned_claims(mut self, policy: UnsignedClaims) -> Self {
        self.unsigned_claims = policy;
        self
    }

    /// Checks the configuration and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        match &self.decryption {
            Some(keys) if keys.is_empty() => return Err(ConfigError::Invalid("empty decryption key set")),
            None if self.require_encryption => {
                return Err(ConfigError::Invalid("encryption required but no decryption keys"));
            }
            _ => {}
        }
        if self.issuers.is_empty() {
            return Err(ConfigError::NoIssuer);
        }
        // The decryption keys belong to no issuer: with several, a holder of
        // a shared key could write claims in any issuer's name.
        if self.unsigned_claims != UnsignedClaims::Refuse && self.issuers.len() > 1 {
            return Err(ConfigError::Invalid(
                "unsigned claims need exactly one trusted issuer (the decryption keys vouch for no particular one)",
            ));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(ConfigError::LeewayTooLarge);
        }
        if self.max_token_len == 0 || self.max_token_len > 1024 * 1024 {
            return Err(ConfigError::MaxTokenLen);
        }
        if self.cache > 10_000_000 {
            return Err(ConfigError::Invalid("cache size above 10 million entries"));
        }
        let mut issuers = Vec::with_capacity(self.issuers.len());
        for t in self.issuers {
            let keys = t
                .keys
                .ok_or(ConfigError::Invalid("trusted issuer without keys"))?;
            if issuers.iter().any(|e: &IssuerEntry| e.iss == t.iss) {
                return Err(ConfigError::DuplicateIssuer);
            }
            issuers.push(IssuerEntry {
                iss: t.iss,
                keys,
                audiences: t.audiences,
            });
        }
        let usable = issuers.iter().fold(AlgSet::EMPTY, |a, e| {
            e.keys.algorithms().iter().fold(a, AlgSet::with)
        });
        let algorithms = self.algorithms.unwrap_or(usable).intersect(AlgSet::all());
        if algorithms.intersect(usable).is_empty() {
            return Err(ConfigError::NoAlgorithm);
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuers,
                algorithms,
                leeway: self.leeway.as_secs() as i64,
                require_exp: self.require_exp,
                audiences: self.audiences,
                any_audience: self.any_audience,
                required: self.required,
                typ: self.typ,
                validators: self.validators,
                clock: self.clock,
                max_token_len: self.max_token_len,
                cache: (self.cache > 0).then(|| TokenCache::new(self.cache)),
                decryption: self.decryption,
                decrypt_options: self.decrypt_options,
                require_encryption: self.require_encryption,
                unsigned_claims: self.unsigned_claims,
            }),
        })
    }
}

#[cfg(all(test, feature = "jwks-http"))]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::jwe::{ContentEncryption, DecryptionKey, Encrypter, EncryptionKey, KeyManagement};
    use crate::jwks::RemoteJwks;

    /// A JWE waiting for its issuer's keys carries the signed token it held,
    /// and the verification after the refetch does not decrypt again.
    #[tokio::test]
    async fn a_jwe_is_decrypted_once_across_a_refetch() {
        let key = [7u8; 32];
        // Nothing listens on port 9 of loopback: the JWKS never loads.
        let jwks = RemoteJwks::builder("http://127.0.0.1:9/jwks.json")
            .allow_http(true)
            .timeout(Duration::from_millis(200))
            .spawn()
            .unwrap();
        let verifier = Verifier::builder()
            .issuer(TrustedIssuer::new("https://id.example").jwks(jwks))
            .decryption_keys(DecryptionKeySet::new([DecryptionKey::symmetric(
                &key,
                KeyManagement::Dir,
            )
            .unwrap()]))
            .build()
            .unwrap();
        let b64 = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let jws = format!(
            "{}.{}.{}",
            b64(serde_json::json!({"alg": "ES256", "kid": "k1"})),
            b64(serde_json::json!({"iss": "https://id.example", "sub": "u"})),
            URL_SAFE_NO_PAD.encode([1u8; 64]),
        );
        let jwe = Encrypter::new(
            EncryptionKey::symmetric(&key, KeyManagement::Dir).unwrap(),
            ContentEncryption::A256Gcm,
        )
        .encrypt(jws.as_bytes(), Some("JWT"))
        .unwrap();
        let Outcome::Refresh(pending) = verifier.verify_outcome(jwe.as_bytes(), false) else {
            panic!("no refetch asked for");
        };
        assert_eq!(pending.issuer, 0);
        assert_eq!(
            pending.decrypted.as_deref().map(Vec::as_slice),
            Some(jws.as_bytes())
        );
        // Bytes that would not even decrypt: the retry reads the signed
        // token it kept, and fails only for want of keys.
        match verifier.verify_refreshed(b"not a token at all", pending) {
            Outcome::Rejected(r) => assert_eq!(r, Rejection::KeysUnavailable),
            _ => panic!("the retry did not use the kept token"),
        }
        // A plain JWS keeps nothing.
        let Outcome::Refresh(pending) = verifier.verify_outcome(jws.as_bytes(), false) else {
            panic!("no refetch asked for");
        };
        assert!(pending.decrypted.is_none());
    }
}
