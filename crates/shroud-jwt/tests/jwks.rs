//! Remote JWKS served by a real HTTP server on 127.0.0.1: key rotation
//! (A, then A+B, then B only), an outage, shared and rate-limited refetches.
#![cfg(all(feature = "jwks-http", feature = "axum"))]

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use common::*;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use shroud_jwt::jwks::RemoteJwks;
use shroud_jwt::{JwtLayer, Rejection, TrustedIssuer, VerifiedClaims, Verifier};

#[derive(Clone)]
struct Jwks {
    doc: Arc<Mutex<(StatusCode, String)>>,
    hits: Arc<AtomicUsize>,
}

impl Jwks {
    fn set(&self, keys: &[Value]) {
        *self.doc.lock().unwrap() = (StatusCode::OK, json!({ "keys": keys }).to_string());
    }

    fn fail(&self) {
        *self.doc.lock().unwrap() = (StatusCode::SERVICE_UNAVAILABLE, String::new());
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn jwks_server(max_age: u64) -> (Jwks, SocketAddr) {
    let state = Jwks {
        doc: Arc::new(Mutex::new((StatusCode::OK, String::new()))),
        hits: Arc::default(),
    };
    let app = Router::new()
        .route(
            "/jwks.json",
            get(move |State(s): State<Jwks>| async move {
                s.hits.fetch_add(1, Ordering::SeqCst);
                let (status, body) = s.doc.lock().unwrap().clone();
                (status, [("cache-control", format!("max-age={max_age}"))], body)
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, addr)
}

fn remote(addr: SocketAddr) -> RemoteJwks {
    remote_with(addr, Duration::from_millis(500))
}

fn remote_with(addr: SocketAddr, unknown_kid_interval: Duration) -> RemoteJwks {
    RemoteJwks::builder(format!("http://{addr}/jwks.json"))
        .allow_http(true)
        .ttl_bounds(Duration::from_secs(1), Duration::from_secs(3600))
        .unknown_kid_interval(unknown_kid_interval)
        .retry(Duration::from_millis(200))
        .max_stale(Duration::from_secs(3600))
        .timeout(Duration::from_secs(2))
        .spawn()
        .unwrap()
}

async fn api(jwks: RemoteJwks) -> SocketAddr {
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(jwks))
        .audience("api")
        .cache(100)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/",
            get(|c: VerifiedClaims| async move { c.sub().unwrap_or_default().to_owned() }),
        )
        .layer(JwtLayer::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The API's whole answer to a GET with `token`.
async fn get_with(addr: SocketAddr, token: &str) -> http::Response<Bytes> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = Request::get(format!("http://{addr}/"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::default())
        .unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), client.request(req))
        .await
        .unwrap()
        .unwrap();
    let (parts, body) = res.into_parts();
    http::Response::from_parts(parts, body.collect().await.unwrap().to_bytes())
}

async fn call(addr: SocketAddr, token: &str) -> StatusCode {
    get_with(addr, token).await.status()
}

/// A JWKS server that fails every fetch, and the verifier trusting it
/// (besides `also`).
async fn failing_jwks(also: Option<TrustedIssuer>) -> (Jwks, SocketAddr, Verifier) {
    let (server, jwks_addr) = jwks_server(60).await;
    server.fail();
    let mut b = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(remote(jwks_addr)))
        .audience("api");
    if let Some(issuer) = also {
        b = b.issuer(issuer);
    }
    (server, jwks_addr, b.build().unwrap())
}

/// Polls until `f` is true, at most `limit`.
async fn eventually<F, Fut>(limit: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_a_then_a_b_then_b() {
    let (server, jwks_addr) = jwks_server(1).await;
    server.set(&[rsa().jwk("A")]);
    let jwks = remote(jwks_addr);
    assert!(jwks.wait_loaded(Duration::from_secs(5)).await);
    let addr = api(jwks.clone()).await;

    let token_a = rsa().token("A", &claims());
    let token_b = rsa2().token("B", &claims());
    assert_eq!(call(addr, &token_a).await, StatusCode::OK);

    // B appears: accepted on its first request (unknown kid -> one refetch).
    server.set(&[rsa().jwk("A"), rsa2().jwk("B")]);
    assert_eq!(call(addr, &token_b).await, StatusCode::OK);

    // During the overlap no request fails, concurrent or not.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let t = if i % 2 == 0 {
            token_a.clone()
        } else {
            token_b.clone()
        };
        tasks.push(tokio::spawn(async move { call(addr, &t).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }

    // A is withdrawn: once the set is refreshed (max-age=1), A is refused,
    // even though its verification was cached; B keeps working.
    server.set(&[rsa2().jwk("B")]);
    let refused = eventually(Duration::from_secs(6), || async {
        call(addr, &token_a).await == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(refused, "tokens signed by a withdrawn key must be refused");
    for _ in 0..5 {
        assert_eq!(call(addr, &token_a).await, StatusCode::UNAUTHORIZED);
        assert_eq!(call(addr, &token_b).await, StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_keeps_serving_cached_keys() {
    let (server, jwks_addr) = jwks_server(1).await;
    server.set(&[ec().jwk("E")]);
    let jwks = remote(jwks_addr);
    assert!(jwks.wait_loaded(Duration::from_secs(5)).await);
    let addr = api(jwks.clone()).await;
    let token = ec().token("E", &claims());
    assert_eq!(call(addr, &token).await, StatusCode::OK);

    server.fail();
    let before = server.hits();
    // Several refresh periods pass with the JWKS down: the cached keys serve.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        server.hits() > before,
        "refreshes were attempted during the outage"
    );
    assert_eq!(call(addr, &token).await, StatusCode::OK);
    let fresh = ec().token(
        "E",
        &json!({"iss": "https://id.example", "aud": "api", "sub": "other", "exp": now() + 60}),
    );
    assert_eq!(
        call(addr, &fresh).await,
        StatusCode::OK,
        "not only cached verifications"
    );
    // An unknown kid during the outage is refused (fail closed).
    assert_eq!(
        call(addr, &ed().token("Z", &claims())).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_keys_ever_loaded_fails_closed() {
    let (_server, _, verifier) = failing_jwks(None).await;
    let err = verifier
        .verify_async(&ec().token("E", &claims()))
        .await
        .unwrap_err();
    assert_eq!(err, Rejection::KeysUnavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_keys_is_a_503_with_retry_after_not_a_challenge() {
    let (server, jwks_addr) = jwks_server(60).await;
    server.fail();
    let addr = api(remote(jwks_addr)).await;
    let res = get_with(addr, &ec().token("E", &claims())).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(res.headers().get("www-authenticate").is_none());
    let v: Value = serde_json::from_slice(res.body()).unwrap();
    assert_eq!(v["status"], 503);
    // A token the keys would not cover is still refused as the token's
    // fault once the keys load.
    server.set(&[ec().jwk("E")]);
    assert!(
        eventually(Duration::from_secs(10), || async {
            call(addr, &ec().token("E", &claims())).await == StatusCode::OK
        })
        .await
    );
    assert_eq!(
        call(addr, &ed().token("Z", &claims())).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_issuer_without_keys_among_others_is_a_401_not_a_503() {
    let (_server, _, verifier) = failing_jwks(Some(
        TrustedIssuer::new("https://static.example").key(ed().key("S")),
    ))
    .await;
    // A token naming the issuer whose JWKS is down, signed by nobody it
    // trusts: the caller cannot make this a 5xx.
    let err = verifier
        .verify_async(&ec().token("E", &claims()))
        .await
        .unwrap_err();
    assert_eq!(err, Rejection::IssuerKeysUnavailable);
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(err.grpc_status(), 16);
    // The other issuer's tokens still pass.
    let other = json!({"iss": "https://static.example", "aud": "api", "sub": "s", "exp": now() + 60});
    assert!(verifier.verify_async(&ed().token("S", &other)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_a_remote_jwks_are_never_trusted() {
    let (server, jwks_addr) = jwks_server(60).await;
    server.set(&[hs().jwk("H")]);
    let jwks = remote(jwks_addr);
    assert!(!jwks.wait_loaded(Duration::from_millis(1500)).await);
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(jwks))
        .audience("api")
        .algorithms(shroud_jwt::AlgSet::all())
        .build()
        .unwrap();
    let err = verifier
        .verify_async(&hs().token("H", &claims()))
        .await
        .unwrap_err();
    assert_eq!(err, Rejection::KeysUnavailable);
    assert!(server.hits() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_fetch_and_refetches_are_rate_limited() {
    let (server, jwks_addr) = jwks_server(3600).await;
    server.set(&[ec().jwk("E")]);
    let jwks = remote_with(jwks_addr, Duration::from_secs(30));
    assert!(jwks.wait_loaded(Duration::from_secs(5)).await);
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(jwks.clone()))
        .audience("api")
        .build()
        .unwrap();
    let gen0 = jwks.generation();

    // A new key appears; 20 requests with it arrive at once.
    server.set(&[ec().jwk("E"), ed().jwk("N")]);
    let before = server.hits();
    let token = ed().token("N", &claims());
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (v, t) = (verifier.clone(), token.clone());
        tasks.push(tokio::spawn(async move { v.verify_async(&t).await }));
    }
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    assert_eq!(server.hits() - before, 1, "one fetch for all concurrent misses");
    assert!(jwks.generation() > gen0);

    // Unknown kids do not make the verifier hammer the JWKS endpoint.
    let before = server.hits();
    for _ in 0..10 {
        let err = verifier
            .verify_async(&ed().token("unknown", &claims()))
            .await
            .unwrap_err();
        assert_eq!(err, Rejection::UnknownKey);
    }
    assert!(
        server.hits() - before <= 1,
        "at most one refetch per interval: {}",
        server.hits() - before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_verifications_end_when_the_keys_go_stale() {
    let (server, jwks_addr) = jwks_server(1).await;
    server.set(&[ec().jwk("E")]);
    let jwks = RemoteJwks::builder(format!("http://{jwks_addr}/jwks.json"))
        .allow_http(true)
        .ttl_bounds(Duration::from_secs(1), Duration::from_secs(3600))
        .retry(Duration::from_millis(200))
        .max_stale(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .spawn()
        .unwrap();
    assert!(jwks.wait_loaded(Duration::from_secs(5)).await);
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(jwks.clone()))
        .audience("api")
        .cache(100)
        .build()
        .unwrap();
    let token = ec().token("E", &claims());
    // Verified twice: the second answer comes from the cache.
    assert!(verifier.verify_async(&token).await.is_ok());
    assert!(verifier.verify_async(&token).await.is_ok());

    // The JWKS goes down: once the last good keys are too stale to serve,
    // the cached verification stops with them (fail closed).
    server.fail();
    let stale = eventually(Duration::from_secs(8), || async {
        matches!(
            verifier.verify_async(&token).await,
            Err(Rejection::KeysUnavailable)
        )
    })
    .await;
    assert!(stale, "a cached token outlived the keys that verified it");
    assert!(jwks.current().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refetches_are_rate_limited_before_any_key_loads() {
    let (server, jwks_addr) = jwks_server(60).await;
    server.fail();
    let jwks = remote_with(jwks_addr, Duration::from_secs(30));
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").jwks(jwks))
        .audience("api")
        .build()
        .unwrap();
    let token = ec().token("E", &claims());
    // The first token waits for one fetch, which fails.
    assert_eq!(
        verifier.verify_async(&token).await.unwrap_err(),
        Rejection::KeysUnavailable
    );
    // Later tokens are refused at once: they do not each wake a fetch.
    let before = server.hits();
    for _ in 0..10 {
        assert_eq!(
            verifier.verify_async(&token).await.unwrap_err(),
            Rejection::KeysUnavailable
        );
    }
    // The background task's own retries (back-off from 200 ms) may add one.
    let extra = server.hits() - before;
    assert!(extra <= 1, "{extra} fetches for 10 tokens");
}
