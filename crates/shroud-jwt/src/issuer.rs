//! The mint side: [`Issuer`] signs claims into compact JWS tokens, after
//! running them through [`ClaimsTransform`]s (anonymization) and adding the
//! registered claims it owns.

use core::fmt;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::alg::alg_name;
use crate::jwe::Encrypter;
use crate::signing::SigningKey;

/// The default token lifetime.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// The longest token lifetime an [`Issuer`] accepts.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Why a [`ClaimsTransform`] refused a claim set.
///
/// The reason is a fixed text chosen by the transform: it must never hold a
/// claim value (it may reach logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claims transform failed: {reason}")]
pub struct TransformError {
    reason: Cow<'static, str>,
}

impl TransformError {
    /// A transform error with a reason that holds no claim value.
    pub fn new(reason: impl Into<Cow<'static, str>>) -> TransformError {
        TransformError {
            reason: reason.into(),
        }
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A rewrite of the caller's claims before they are signed, for example
/// anonymization (`shroud_anon::AnonPolicy` implements it).
///
/// Transforms run in the order they were added, on the caller's claims only:
/// the registered claims the [`Issuer`] sets (`exp`, `iat`, `nbf`, `jti`,
/// and `iss`/`aud` when configured) are added afterwards, so a transform can
/// neither see nor change them, and adding one of them is refused. An error
/// means no token is minted (fail closed).
pub trait ClaimsTransform: Send + Sync {
    /// Rewrites `claims` in place.
    fn transform(&self, claims: &mut Map<String, Value>) -> Result<(), TransformError>;
}

impl<F> ClaimsTransform for F
where
    F: Fn(&mut Map<String, Value>) -> Result<(), TransformError> + Send + Sync,
{
    fn transform(&self, claims: &mut Map<String, Value>) -> Result<(), TransformError> {
        self(claims)
    }
}

impl<T: ClaimsTransform + ?Sized> ClaimsTransform for Arc<T> {
    fn transform(&self, claims: &mut Map<String, Value>) -> Result<(), TransformError> {
        (**self).transform(claims)
    }
}

/// A mistake in the [`Issuer`] configuration, found by
/// [`IssuerBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerError {
    /// No signing key was given.
    #[error("no signing key configured")]
    NoSigningKey,
    /// The lifetime is zero or above [`MAX_LIFETIME`].
    #[error("token lifetime must be 1 s to {} s", MAX_LIFETIME.as_secs())]
    Lifetime,
    /// A setting is invalid; the text says which.
    #[error("invalid setting: {0}")]
    Invalid(&'static str),
    /// The encryption settings do not fit together.
    #[error("invalid encryption setting: {0}")]
    Encryption(&'static str),
}

/// Why [`Issuer::mint`] made no token. Never holds a claim value or key
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MintError {
    /// The claims did not serialize to a JSON object.
    #[error("claims must serialize to a JSON object")]
    NotAnObject,
    /// The caller (or a transform) supplied a registered claim that this
    /// issuer sets itself.
    #[error("claim `{0}` is set by the issuer")]
    ReservedClaim(&'static str),
    /// A [`ClaimsTransform`] refused the claims.
    #[error(transparent)]
    Transform(#[from] TransformError),
    /// The clock is before the Unix epoch or the expiry overflows.
    #[error("clock out of range")]
    Clock,
    /// The system random generator failed.
    #[error("random generator failed")]
    Random,
    /// The crypto backend failed to sign or encrypt.
    #[error("crypto backend failed")]
    Crypto,
}

type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Names of the claims an issuer may set, as static strings for errors.
const ISSUER_CLAIMS: [&str; 6] = ["exp", "iat", "nbf", "jti", "iss", "aud"];

struct Inner {
    key: SigningKey,
    /// `base64url(header) + "."`, built once.
    header_prefix: String,
    lifetime: i64,
    not_before: bool,
    jti: bool,
    iss: Option<String>,
    aud: Option<Value>,
    /// `"iss":"..","aud":..,` serialized once.
    fixed_claims: Vec<u8>,
    transforms: Vec<Arc<dyn ClaimsTransform>>,
    clock: Option<Clock>,
    typ: String,
    encrypter: Option<Encrypter>,
}

/// Mints signed tokens (compact JWS, RFC 7515) for claims, or signed then
/// encrypted ones (a nested JWT: a compact JWE, RFC 7516, with `cty: "JWT"`
/// around the JWS) when an [`Encrypter`] is configured.
///
/// Every token gets `iat` (now), `exp` (now + lifetime) and, unless turned
/// off, a random `jti` (128 bits, base64url); `nbf` (= `iat`), `iss` and
/// `aud` when configured. The header holds `alg`, `typ` (`JWT` unless set)
/// and the key's `kid`.
///
/// # Registered claims
///
/// The issuer owns the claims it sets: a claim set that already holds one of
/// them (`exp`, `iat`, `jti`, and `nbf`, `iss` or `aud` when configured) is
/// refused with [`MintError::ReservedClaim`] rather than silently
/// overwritten. Claims the issuer does not set (`sub`, and `iss`/`aud` when
/// not configured) pass through.
///
/// # Transforms
///
/// [`ClaimsTransform`]s (for example anonymization with `shroud-anon`) run on
/// the caller's claims before the issuer adds its own. An error from any of
/// them means no token (fail closed).
///
/// `Debug` shows the algorithm, key id, lifetime and issuer, never key bytes.
///
/// ```
/// use serde_json::json;
/// use shroud_jwt::{Algorithm, Issuer, Key, SigningKey, TrustedIssuer, Verifier};
///
/// let secret = b"a-shared-secret-of-32-bytes-min!";
/// let issuer = Issuer::builder()
///     .signing_key(SigningKey::hmac(secret, Algorithm::HS256)?.with_kid("k1"))
///     .issuer("https://id.example")
///     .audience("api")
///     .lifetime(std::time::Duration::from_secs(300))
///     .build()?;
/// let token = issuer.mint(&json!({"sub": "user-1", "scope": "orders:read"}))?;
///
/// let verifier = Verifier::builder()
///     .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(secret, Algorithm::HS256)?.with_kid("k1")))
///     .audience("api")
///     .build()?;
/// let verified = verifier.verify(&token)?;
/// assert_eq!(verified.claims.sub(), Some("user-1"));
/// assert_eq!(verified.info.kid.as_deref(), Some("k1"));
///
/// // The issuer sets `exp`: a caller-provided one is refused.
/// assert!(issuer.mint(&json!({"sub": "user-1", "exp": 4_000_000_000u64})).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Issuer")
            .field("alg", &alg_name(inner.key.algorithm()))
            .field("kid", &inner.key.kid())
            .field("iss", &inner.iss)
            .field("lifetime", &inner.lifetime)
            .field("transforms", &inner.transforms.len())
            .field(
                "encryption",
                &inner
                    .encrypter
                    .as_ref()
                    .map(|e| (e.alg().map(|a| a.name()), e.enc().name())),
            )
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// Starts a builder.
    pub fn builder() -> IssuerBuilder {
        IssuerBuilder::default()
    }

    fn now(&self) -> Result<i64, MintError> {
        match &self.inner.clock {
            Some(clock) => Ok(clock()),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .map_err(|_| MintError::Clock),
        }
    }

    fn reserved(&self, name: &str) -> bool {
        let inner = &*self.inner;
        match name {
            "exp" | "iat" => true,
            "jti" => inner.jti,
            "nbf" => inner.not_before,
            "iss" => inner.iss.is_some(),
            "aud" => inner.aud.is_some(),
            _ => false,
        }
    }

    fn check_reserved(&self, claims: &Map<String, Value>) -> Result<(), MintError> {
        for name in ISSUER_CLAIMS {
            if claims.contains_key(name) && self.reserved(name) {
                return Err(MintError::ReservedClaim(name));
            }
        }
        Ok(())
    }

    /// Mints a token for `claims`: anything that serializes to a JSON object
    /// (a `serde_json::Map` or `Value`, or a `#[derive(Serialize)]` struct).
    ///
    /// Returns a compact JWS, or a compact JWE around it (a nested JWT) when
    /// encryption is configured. [`mint_map`](Self::mint_map) skips the
    /// conversion to a map.
    pub fn mint<T: Serialize + ?Sized>(&self, claims: &T) -> Result<String, MintError> {
        match serde_json::to_value(claims) {
            Ok(Value::Object(map)) => self.mint_map(map),
            _ => Err(MintError::NotAnObject),
        }
    }

    /// Mints a token for a claim map, taking it by value (no copy).
    pub fn mint_map(&self, mut claims: Map<String, Value>) -> Result<String, MintError> {
        let inner = &*self.inner;
        self.check_reserved(&claims)?;
        for t in &inner.transforms {
            t.transform(&mut claims)?;
        }
        if !inner.transforms.is_empty() {
            self.check_reserved(&claims)?;
        }
        let now = self.now()?;
        let exp = now.checked_add(inner.lifetime).ok_or(MintError::Clock)?;
        // The caller's claims, then the issuer's, written straight after
        // them: no claim of the issuer's is in the map (checked above).
        // Wiped when dropped, on every path: with an encrypter the claims
        // are confidential, and an error below may return early.
        // Sized up front (the claims are serialized once to count their
        // bytes): a buffer that grew would leave unwiped copies behind.
        let mut counted = Counted(0);
        serde_json::to_writer(&mut counted, &claims).map_err(|_| MintError::NotAnObject)?;
        let mut payload = zeroize::Zeroizing::new(Vec::with_capacity(
            counted.0 + 1 + inner.fixed_claims.len() + CLAIMS_TAIL,
        ));
        let capacity = payload.capacity();
        serde_json::to_writer(&mut *payload, &claims).map_err(|_| MintError::NotAnObject)?;
        drop(claims);
        payload.pop(); // the closing brace
        if payload.len() > 1 {
            payload.push(b',');
        }
        payload.extend_from_slice(&inner.fixed_claims);
        write_claims(&mut payload, now, exp, inner.not_before, inner.jti)?;
        debug_assert_eq!(payload.capacity(), capacity, "the claims buffer grew");
        // Room for the largest signature (RSA-8192: 1,366 base64url
        // characters), so the token never reallocates and leaves an unwiped
        // copy of the inner JWS behind.
        // Wiped when dropped from the start: an error while signing returns
        // early with the encoded claims in it.
        let mut token = zeroize::Zeroizing::new(String::with_capacity(
            inner.header_prefix.len() + payload.len().div_ceil(3) * 4 + 1 + 1400,
        ));
        token.push_str(&inner.header_prefix);
        URL_SAFE_NO_PAD.encode_string(&*payload, &mut token);
        let signature = inner.key.sign(token.as_bytes()).ok_or(MintError::Crypto)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        match &inner.encrypter {
            // A signed token is the caller's to keep.
            None => Ok(std::mem::take(&mut *token)),
            Some(encrypter) => {
                // The claims are confidential here: the inner JWS and the
                // serialized claims are wiped on drop.
                drop(payload);
                encrypter
                    .encrypt(token.as_bytes(), Some("JWT"))
                    .map_err(|_| MintError::Crypto)
            }
        }
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> crate::Algorithm {
        self.inner.key.algorithm()
    }

    /// The `typ` header value (of the JWS).
    pub fn typ(&self) -> &str {
        &self.inner.typ
    }

    /// Whether tokens are encrypted (nested JWTs).
    pub fn is_encrypted(&self) -> bool {
        self.inner.encrypter.is_some()
    }
}

/// 128 random bits for a `jti`.
///
/// A call to the system generator costs about as much as signing an HS256
/// token, so each thread draws 64 ids at once and hands them out, wiping
/// each as it goes. (The pool lives in thread-local memory: a process that
/// forks after minting would hand out the rest of the pool in both
/// processes; the ids stay random, but a replay cache would see them
/// twice.)
fn jti_bytes() -> Result<[u8; 16], MintError> {
    use std::cell::RefCell;
    const IDS: usize = 64;
    struct Pool {
        bytes: [u8; 16 * IDS],
        next: usize,
    }
    thread_local! {
        static POOL: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; 16 * IDS], next: IDS }) };
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.next == IDS {
            aws_lc_rs::rand::fill(&mut pool.bytes).map_err(|_| MintError::Random)?;
            pool.next = 0;
        }
        let at = pool.next * 16;
        pool.next += 1;
        let mut id = [0u8; 16];
        id.copy_from_slice(&pool.bytes[at..at + 16]);
        pool.bytes[at..at + 16].fill(0);
        Ok(id)
    })
}

/// The most [`write_claims`] appends, with the comma before it: three
/// times at most 28 bytes, a 31-byte `jti`, the closing brace.
const CLAIMS_TAIL: usize = 128;

/// Counts the bytes written to it.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends `"iat":..,["nbf":..,]"exp":..[,"jti":".."]}`.
fn write_claims(out: &mut Vec<u8>, now: i64, exp: i64, nbf: bool, jti: bool) -> Result<(), MintError> {
    use std::io::Write as _;
    let io = |_| MintError::Clock;
    write!(out, "\"iat\":{now},").map_err(io)?;
    if nbf {
        write!(out, "\"nbf\":{now},").map_err(io)?;
    }
    write!(out, "\"exp\":{exp}").map_err(io)?;
    if jti {
        let id = jti_bytes()?;
        let mut buf = [0u8; 22];
        let n = URL_SAFE_NO_PAD
            .encode_slice(id, &mut buf)
            .map_err(|_| MintError::Random)?;
        out.extend_from_slice(b",\"jti\":\"");
        out.extend_from_slice(&buf[..n]);
        out.push(b'"');
    }
    out.push(b'}');
    Ok(())
}

/// Builds an [`Issuer`]; every setting is checked in
/// [`build`](Self::build).
#[must_use]
pub struct IssuerBuilder {
    key: Option<SigningKey>,
    lifetime: Duration,
    not_before: bool,
    jti: bool,
    iss: Option<String>,
    aud: Option<Vec<String>>,
    transforms: Vec<Arc<dyn ClaimsTransform>>,
    clock: Option<Clock>,
    typ: String,
    encrypter: Option<Encrypter>,
}

impl Default for IssuerBuilder {
    fn default() -> Self {
        IssuerBuilder {
            key: None,
            lifetime: DEFAULT_LIFETIME,
            not_before: false,
            jti: true,
            iss: None,
            aud: None,
            transforms: Vec::new(),
            clock: None,
            typ: "JWT".to_owned(),
            encrypter: None,
        }
    }
}

impl fmt::Debug for IssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerBuilder")
            .field("key", &self.key)
            .field("iss", &self.iss)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl IssuerBuilder {
    /// The signing key (and with it the algorithm and `kid`).
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Token lifetime: `exp = iat + lifetime` (default 15 minutes, at most
    /// [`MAX_LIFETIME`], whole seconds).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Whether to set `nbf` (equal to `iat`); off by default.
    pub fn not_before(mut self, on: bool) -> Self {
        self.not_before = on;
        self
    }

    /// Whether to set a random `jti` (128 bits, base64url); on by default.
    pub fn jti(mut self, on: bool) -> Self {
        self.jti = on;
        self
    }

    /// The `iss` claim of every token.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// Adds an audience; one gives a string `aud`, several an array.
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.aud.get_or_insert_with(Vec::new).push(aud.into());
        self
    }

    /// The `typ` header (default `JWT`; for example `at+jwt`, RFC 9068).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = typ.into();
        self
    }

    /// Encrypts every signed token to the recipient of `encrypter` (its key
    /// with `alg` and `kid`, and its content encryption `enc`): the tokens
    /// become nested JWTs, a compact JWE with `cty: "JWT"` whose plaintext is
    /// the JWS. The encrypter is tried once at [`build`](Self::build), so a
    /// key that does not fit its algorithm or `enc` is refused there.
    pub fn encryption(mut self, encrypter: Encrypter) -> Self {
        self.encrypter = Some(encrypter);
        self
    }

    /// Adds a claims transform, run in the order added.
    pub fn transform<T: ClaimsTransform + 'static>(mut self, transform: T) -> Self {
        self.transforms.push(Arc::new(transform));
        self
    }

    /// Replaces the clock (seconds since the Unix epoch), for tests.
    pub fn clock<F>(mut self, f: F) -> Self
    where
        F: Fn() -> i64 + Send + Sync + 'static,
    {
        self.clock = Some(Arc::new(f));
        self
    }

    /// Checks the configuration and builds the issuer.
    pub fn build(self) -> Result<Issuer, IssuerError> {
        let key = self.key.ok_or(IssuerError::NoSigningKey)?;
        let lifetime = self.lifetime.as_secs();
        if lifetime == 0 || self.lifetime > MAX_LIFETIME {
            return Err(IssuerError::Lifetime);
        }
        if self.iss.as_deref() == Some("") {
            return Err(IssuerError::Invalid("empty `iss`"));
        }
        let aud = match self.aud {
            None => None,
            Some(list) if list.iter().any(String::is_empty) => {
                return Err(IssuerError::Invalid("empty audience"));
            }
            Some(mut list) if list.len() == 1 => list.pop().map(Value::String),
            Some(list) => Some(Value::Array(list.into_iter().map(Value::String).collect())),
        };
        if self.typ.is_empty() || self.typ.len() > 64 || self.typ.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(IssuerError::Invalid(
                "`typ` must be 1 to 64 visible ASCII characters",
            ));
        }
        if key.kid() == Some("") {
            return Err(IssuerError::Invalid("empty `kid`"));
        }
        if let Some(e) = &self.encrypter {
            if e.alg().is_none() {
                return Err(IssuerError::Encryption(
                    "the encryption key is bound to no key management algorithm",
                ));
            }
            if e.encrypt(b"{}", Some("JWT")).is_err() {
                return Err(IssuerError::Encryption(
                    "the encryption key does not fit its algorithm or content encryption",
                ));
            }
        }
        let mut header = Map::new();
        header.insert("alg".into(), alg_name(key.algorithm()).into());
        header.insert("typ".into(), self.typ.clone().into());
        if let Some(kid) = key.kid() {
            header.insert("kid".into(), kid.into());
        }
        let header = serde_json::to_vec(&header).map_err(|_| IssuerError::Invalid("header"))?;
        let mut header_prefix = URL_SAFE_NO_PAD.encode(header);
        header_prefix.push('.');
        let mut fixed_claims = Vec::new();
        for (name, value) in [("iss", self.iss.clone().map(Value::String)), ("aud", aud.clone())] {
            if let Some(value) = value {
                fixed_claims.extend_from_slice(format!("\"{name}\":").as_bytes());
                serde_json::to_writer(&mut fixed_claims, &value)
                    .map_err(|_| IssuerError::Invalid("claims"))?;
                fixed_claims.push(b',');
            }
        }
        Ok(Issuer {
            inner: Arc::new(Inner {
                key,
                header_prefix,
                lifetime: lifetime as i64,
                not_before: self.not_before,
                jti: self.jti,
                iss: self.iss,
                aud,
                fixed_claims,
                transforms: self.transforms,
                clock: self.clock,
                typ: self.typ,
                encrypter: self.encrypter,
            }),
        })
    }
}
