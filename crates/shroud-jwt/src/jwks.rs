//! Remote JWKS over HTTP(S) (feature `jwks-http`).
//!
//! A [`RemoteJwks`] keeps an issuer's key set fresh from its `jwks_uri`:
//!
//! - cached for the response's `Cache-Control: max-age` (clamped to the
//!   configured bounds) or the configured TTL, and refreshed in the
//!   background at 80% of that, so requests never wait for a scheduled fetch;
//! - refetched when a token names an unknown `kid`, at most once per
//!   [`unknown_kid_interval`](RemoteJwksBuilder::unknown_kid_interval) (30 s by
//!   default); concurrent misses wait for that one fetch;
//! - on fetch errors the last good set keeps serving for at most
//!   [`max_stale`](RemoteJwksBuilder::max_stale) past its expiry, then the
//!   issuer fails closed;
//! - no lock is held across a fetch: requests read an `Arc` snapshot.
//!
//! HTTPS uses rustls with the aws-lc-rs provider and the Mozilla roots of
//! `webpki-roots`: it builds with cargo alone and does not depend on the
//! CA files of the machine it runs on (which minimal container images lack).
//! Plain `http` is refused unless explicitly allowed.

use core::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CACHE_CONTROL;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{Notify, watch};

use crate::key::{KeySet, MAX_JWKS_LEN};
use crate::verifier::ConfigError;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// A key set fetched from a JWKS URL and kept fresh in the background.
/// Cheap to clone; the background task ends when the last clone is dropped.
#[derive(Clone)]
pub struct RemoteJwks {
    shared: Arc<Shared>,
}

struct Snapshot {
    keys: Arc<KeySet>,
    /// When the keys stop being served if fetches keep failing.
    stale_until: Instant,
    digest: u128,
}

#[derive(Default)]
struct KidState {
    in_flight: bool,
    last: Option<Instant>,
}

struct Shared {
    uri: Uri,
    /// The URL as logs and `Debug` show it: no user information, no query.
    shown: String,
    settings: Settings,
    snapshot: RwLock<Option<Snapshot>>,
    generation: AtomicU64,
    kid: Mutex<KidState>,
    wake: Arc<Notify>,
    done: watch::Sender<u64>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

#[derive(Clone, Debug)]
struct Settings {
    ttl: Duration,
    min_ttl: Duration,
    max_ttl: Duration,
    max_stale: Duration,
    retry: Duration,
    unknown_kid_interval: Duration,
    timeout: Duration,
    allow_http: bool,
}

/// Builds a [`RemoteJwks`].
#[must_use]
pub struct RemoteJwksBuilder {
    uri: String,
    settings: Settings,
}

impl fmt::Debug for RemoteJwksBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwksBuilder")
            .field("uri", &shown_uri(&self.uri))
            .field("settings", &self.settings)
            .finish()
    }
}

/// A JWKS URL fit for logs: scheme, host, port and path. User information
/// and the query (where a URL may carry a credential) are left out.
fn shown_uri(uri: &str) -> String {
    let Ok(uri) = uri.parse::<Uri>() else {
        return "(not a URL)".to_owned();
    };
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    let scheme = uri.scheme_str().map(|s| format!("{s}://")).unwrap_or_default();
    format!("{scheme}{host}{port}{}", uri.path())
}

/// Whether the URL's host is a loopback name or address.
fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl RemoteJwks {
    /// Starts a builder for the JWKS at `uri` (https unless
    /// [`allow_http`](RemoteJwksBuilder::allow_http)).
    pub fn builder(uri: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder {
            uri: uri.into(),
            settings: Settings {
                ttl: Duration::from_secs(300),
                min_ttl: Duration::from_secs(30),
                max_ttl: Duration::from_secs(24 * 3600),
                max_stale: Duration::from_secs(3600),
                retry: Duration::from_secs(10),
                unknown_kid_interval: Duration::from_secs(30),
                timeout: Duration::from_secs(5),
                allow_http: false,
            },
        }
    }

    /// The keys now in use, if any fetch succeeded and they are not too stale.
    pub fn current(&self) -> Option<Arc<KeySet>> {
        let snap = self.shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
        snap.as_ref()
            .filter(|s| s.stale_until > Instant::now())
            .map(|s| s.keys.clone())
    }

    /// Increases whenever the fetched key set changes.
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// The generation, while the keys may be served (loaded and not too
    /// stale). Read before the snapshot: a change in between only makes a
    /// cached verification look older than it is.
    pub(crate) fn live_generation(&self) -> Option<u64> {
        let generation = self.generation();
        let snap = self.shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
        snap.as_ref()
            .is_some_and(|s| s.stale_until > Instant::now())
            .then_some(generation)
    }

    /// Waits (at most `timeout`) until a key set has been loaded.
    pub async fn wait_loaded(&self, timeout: Duration) -> bool {
        let mut rx = self.shared.done.subscribe();
        let wait = async {
            while self.current().is_none() {
                if rx.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
        self.current().is_some()
    }

    /// Asks for a refetch because a token named an unknown `kid` (or no keys
    /// are loaded yet) and waits for it; returns at once when a refetch was
    /// asked for less than the configured interval ago, whether or not keys
    /// are loaded (while the JWKS is down, the background task retries with
    /// its back-off and tokens are refused at once).
    pub(crate) async fn refresh_unknown_kid(&self) {
        let shared = &self.shared;
        let mut rx = shared.done.subscribe();
        {
            let mut st = shared.kid.lock().unwrap_or_else(|p| p.into_inner());
            if !st.in_flight {
                let recent = st
                    .last
                    .is_some_and(|t| t.elapsed() < shared.settings.unknown_kid_interval);
                if recent {
                    return;
                }
                st.in_flight = true;
                st.last = Some(Instant::now());
                rx.borrow_and_update();
                shared.wake.notify_one();
            } else {
                rx.borrow_and_update();
            }
        }
        let _ = tokio::time::timeout(shared.settings.timeout + Duration::from_secs(1), rx.changed()).await;
    }
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("uri", &self.shared.shown)
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl RemoteJwksBuilder {
    /// TTL when the response has no usable `Cache-Control: max-age` (default 300 s).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.settings.ttl = ttl;
        self
    }

    /// Bounds applied to `max-age` (default 30 s to 24 h).
    pub fn ttl_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.settings.min_ttl = min;
        self.settings.max_ttl = max;
        self
    }

    /// How long past expiry the last good set keeps serving while fetches
    /// fail (default 1 h).
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.settings.max_stale = max_stale;
        self
    }

    /// Delay before retrying a failed fetch (default 10 s).
    pub fn retry(mut self, retry: Duration) -> Self {
        self.settings.retry = retry;
        self
    }

    /// At most one refetch for unknown `kid`s per this interval (default 30 s).
    pub fn unknown_kid_interval(mut self, interval: Duration) -> Self {
        self.settings.unknown_kid_interval = interval;
        self
    }

    /// Timeout of one fetch (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Allows a plain `http` URL to a loopback host (`localhost`,
    /// `127.0.0.0/8`, `[::1]`: a sidecar or tests). Plain `http` to any
    /// other host stays refused: anyone on the network path could replace
    /// the keys and forge tokens.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.settings.allow_http = allow;
        self
    }

    /// Checks the settings and starts the background task on the current
    /// tokio runtime; the first fetch starts at once.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(self) -> Result<RemoteJwks, ConfigError> {
        let uri: Uri = self
            .uri
            .parse()
            .map_err(|_| ConfigError::Invalid("JWKS URL does not parse"))?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.settings.allow_http && is_loopback(&uri) => {}
            Some("http") if self.settings.allow_http => {
                return Err(ConfigError::Invalid(
                    "JWKS URL must be https (plain http is allowed to loopback hosts only)",
                ));
            }
            _ => return Err(ConfigError::Invalid("JWKS URL must be https")),
        }
        // The client sends no credentials from a URL, and the HTTP client's
        // own trace logs would show them: refused rather than leaked.
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(ConfigError::Invalid("JWKS URL must not carry user information"));
        }
        let s = &self.settings;
        if s.min_ttl > s.max_ttl || s.ttl.is_zero() || s.timeout.is_zero() || s.retry.is_zero() {
            return Err(ConfigError::Invalid(
                "JWKS durations: ttl, timeout and retry must be above 0, and the TTL bounds in order",
            ));
        }
        // A zero minimum TTL lets `max-age=0` (or `no-cache`) make the
        // task refetch without pause; durations past the cap could overflow
        // the clock arithmetic and end the task.
        if s.min_ttl < MIN_TTL_FLOOR {
            return Err(ConfigError::Invalid("JWKS minimum TTL must be at least 1 s"));
        }
        if [
            s.ttl,
            s.max_ttl,
            s.max_stale,
            s.retry,
            s.unknown_kid_interval,
            s.timeout,
        ]
        .iter()
        .any(|d| *d > MAX_DURATION)
        {
            return Err(ConfigError::Invalid("JWKS durations must be at most 30 days"));
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|_| ConfigError::Invalid("TLS configuration"))?;
        let roots = rustls::RootCertStore {
            roots: webpki_roots().to_vec(),
        };
        let tls = tls.with_root_certificates(roots).with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client: HttpsClient = Client::builder(TokioExecutor::new()).build(https);
        let (done, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            shown: shown_uri(&self.uri),
            uri,
            settings: self.settings,
            snapshot: RwLock::new(None),
            generation: AtomicU64::new(1),
            kid: Mutex::new(KidState::default()),
            wake: Arc::new(Notify::new()),
            done,
        });
        let wake = shared.wake.clone();
        tokio::spawn(run(Arc::downgrade(&shared), wake, client));
        Ok(RemoteJwks { shared })
    }
}

fn webpki_roots() -> &'static [rustls::pki_types::TrustAnchor<'static>] {
    webpki_roots::TLS_SERVER_ROOTS
}

/// The lowest minimum TTL: refetches are at least this far apart.
const MIN_TTL_FLOOR: Duration = Duration::from_secs(1);

/// The longest any JWKS duration setting may be.
const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

async fn run(weak: Weak<Shared>, wake: Arc<Notify>, client: HttpsClient) {
    let mut failures: u32 = 0;
    loop {
        let Some(shared) = weak.upgrade() else { return };
        let result = fetch(&client, &shared).await;
        let next = match result {
            Ok((keys, max_age, digest)) => {
                failures = 0;
                let ttl = max_age
                    .map(|a| a.clamp(shared.settings.min_ttl, shared.settings.max_ttl))
                    .unwrap_or(shared.settings.ttl);
                let now = Instant::now();
                let mut snap = shared.snapshot.write().unwrap_or_else(|p| p.into_inner());
                let changed = snap.as_ref().is_none_or(|s| s.digest != digest);
                *snap = Some(Snapshot {
                    keys: if changed {
                        Arc::new(keys)
                    } else {
                        snap.as_ref()
                            .map_or_else(|| Arc::new(KeySet::default()), |s| s.keys.clone())
                    },
                    stale_until: now + ttl + shared.settings.max_stale,
                    digest,
                });
                drop(snap);
                if changed {
                    shared.generation.fetch_add(1, Ordering::AcqRel);
                    tracing::debug!(uri = %shared.shown, "JWKS loaded");
                }
                ttl.mul_f32(0.8)
            }
            Err(reason) => {
                failures = failures.saturating_add(1);
                tracing::warn!(uri = %shared.shown, reason, "JWKS fetch failed; serving the last good keys");
                // Retry sooner while nothing is loaded, back off while stale keys serve.
                shared.settings.retry.saturating_mul(failures.min(6))
            }
        };
        shared.kid.lock().unwrap_or_else(|p| p.into_inner()).in_flight = false;
        shared.done.send_modify(|n| *n += 1);
        drop(shared);
        tokio::select! {
            _ = tokio::time::sleep(next) => {}
            _ = wake.notified() => {}
        }
    }
}

async fn fetch(
    client: &HttpsClient,
    shared: &Shared,
) -> Result<(KeySet, Option<Duration>, u128), &'static str> {
    let req = Request::get(shared.uri.clone())
        .header(http::header::ACCEPT, "application/jwk-set+json, application/json")
        .body(Empty::new())
        .map_err(|_| "request")?;
    let work = async {
        let res = client.request(req).await.map_err(|_| "connection failed")?;
        if res.status() != StatusCode::OK {
            return Err("status is not 200");
        }
        let max_age = max_age(res.headers());
        let body = Limited::new(res.into_body(), MAX_JWKS_LEN)
            .collect()
            .await
            .map_err(|_| "body failed or too large")?;
        Ok((body.to_bytes(), max_age))
    };
    let (body, max_age) = tokio::time::timeout(shared.settings.timeout, work)
        .await
        .map_err(|_| "timeout")??;
    let keys = KeySet::from_jwks(&body).map_err(|_| "not a usable JWKS")?;
    // A secret published at a URL is no secret: whoever can fetch it can
    // sign tokens. Remote key sets carry public keys only.
    if keys
        .keys()
        .iter()
        .any(|k| !k.algorithms().intersect(crate::AlgSet::hmac()).is_empty())
    {
        return Err("symmetric key in a remote JWKS");
    }
    Ok((keys, max_age, crate::cache::token_hash(&body)))
}

/// `max-age` of a `Cache-Control` header (`no-store`/`no-cache` give 0).
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut out = None;
    for v in headers.get_all(CACHE_CONTROL) {
        let v = v.to_str().ok()?;
        for d in v.split(',') {
            let d = d.trim();
            if d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache") {
                return Some(Duration::ZERO);
            }
            if let Some(n) = d
                .get(..8)
                .filter(|p| p.eq_ignore_ascii_case("max-age="))
                .and(d.get(8..))
            {
                out = n.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(CACHE_CONTROL, v.parse().unwrap());
            max_age(&m)
        };
        assert_eq!(h("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(h("MAX-AGE=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(h("no-store"), Some(Duration::ZERO));
        assert_eq!(h("public"), None);
        assert_eq!(h("max-age=-1"), None);
    }

    #[tokio::test]
    async fn refuses_plain_http_and_bad_urls() {
        assert!(RemoteJwks::builder("http://127.0.0.1:1/jwks").spawn().is_err());
        assert!(RemoteJwks::builder("not a url").spawn().is_err());
        assert!(RemoteJwks::builder("ftp://x/jwks").spawn().is_err());
        assert!(
            RemoteJwks::builder("http://127.0.0.1:1/jwks")
                .allow_http(true)
                .spawn()
                .is_ok()
        );
        // Plain http reaches loopback hosts only.
        for ok in [
            "http://localhost:1/jwks",
            "http://[::1]:1/jwks",
            "http://127.9.0.1:1/jwks",
        ] {
            assert!(RemoteJwks::builder(ok).allow_http(true).spawn().is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.internal/jwks",
            "http://10.0.0.1/jwks",
            "http://localhost.evil.example/jwks",
            "http://[::2]/jwks",
        ] {
            let Err(e) = RemoteJwks::builder(bad).allow_http(true).spawn() else {
                panic!("{bad} allowed");
            };
            assert!(e.to_string().contains("loopback"), "{bad}: {e}");
        }
    }

    #[tokio::test]
    async fn refuses_durations_that_spin_or_overflow() {
        let b = || RemoteJwks::builder("https://idp.example/jwks");
        let day = Duration::from_secs(24 * 3600);
        let refused: [(RemoteJwksBuilder, &str); 5] = [
            // `max-age=0` would refetch without pause.
            (b().ttl_bounds(Duration::ZERO, day), "at least 1 s"),
            (b().ttl_bounds(Duration::from_millis(999), day), "at least 1 s"),
            // `now + ttl + max_stale` would overflow the clock.
            (b().max_stale(Duration::MAX), "30 days"),
            (b().ttl_bounds(Duration::from_secs(1), Duration::MAX), "30 days"),
            (b().retry(31 * day), "30 days"),
        ];
        for (builder, why) in refused {
            let Err(e) = builder.spawn() else {
                panic!("spawned ({why})")
            };
            assert!(e.to_string().contains(why), "{e}");
        }
        assert!(
            b().ttl_bounds(Duration::from_secs(1), 30 * day)
                .max_stale(30 * day)
                .spawn()
                .is_ok()
        );
    }
}
