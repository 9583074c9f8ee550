//! What the layer logs: the reason code of a refusal, never the token, its
//! parts or a claim value (captured through a `MakeWriter`).

mod common;

use std::convert::Infallible;
use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::*;
use http::{Request, Response};
use http_body_util::Full;
use serde_json::json;
use shroud_jwt::{JwtLayer, KeySet, TrustedIssuer, Verifier};
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    /// Makes this thread's events, at every level, go to the capture until
    /// the guard drops.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(self.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

#[tokio::test]
async fn refusals_log_the_reason_code_only() {
    let capture = Capture::default();
    let _guard = capture.install();

    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").keys(KeySet::new([hs().key("hs")])))
        .build()
        .unwrap();
    let svc = tower::ServiceBuilder::new()
        .layer(JwtLayer::new(verifier))
        .service(tower::service_fn(|_r: Request<Full<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Full::<Bytes>::default()))
        }));

    let mut expired = claims();
    expired["exp"] = json!(now() - 3600);
    let expired = hs().token("hs", &expired);
    let good = hs().token("hs", &claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{input}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for token in [&expired, &forged, &good] {
        let req = Request::get("/")
            .header("authorization", format!("Bearer {token}"))
            .body(Full::default())
            .unwrap();
        let _ = svc.clone().oneshot(req).await.unwrap();
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("reason=\"expired\"") || logs.contains("reason=expired"),
        "{logs}"
    );
    assert!(logs.contains("bad_signature"), "{logs}");
    for token in [&expired, &forged, &good] {
        for part in token.split('.') {
            assert!(!logs.contains(part), "a token part reached the logs: {logs}");
        }
    }
    for value in ["user-1", "jane@example.com", "orders:read"] {
        assert!(!logs.contains(value), "a claim value reached the logs: {logs}");
    }
}

#[cfg(feature = "jwks-http")]
#[tokio::test]
async fn a_jwks_url_is_shown_without_its_credentials() {
    use std::time::Duration;

    use shroud_jwt::jwks::RemoteJwks;

    let capture = Capture::default();
    let _guard = capture.install();

    // User information in the URL is refused (the HTTP client's trace logs
    // would show it); `Debug` of the builder leaves it out too.
    let with_user = RemoteJwks::builder("https://jane:hunter2@id.example/keys.json");
    let built = format!("{with_user:?}");
    assert!(built.contains("https://id.example/keys.json"), "{built}");
    let err = with_user.spawn().unwrap_err().to_string();
    assert!(err.contains("user information"), "{err}");

    // A loopback port nothing listens on: every fetch fails and is logged,
    // at every level, without the query.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let jwks = RemoteJwks::builder(format!("http://{addr}/keys.json?api_key=s3cr3t"))
        .allow_http(true)
        .retry(Duration::from_millis(50))
        .timeout(Duration::from_secs(1))
        .spawn()
        .unwrap();
    assert!(!jwks.wait_loaded(Duration::from_millis(500)).await);
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("JWKS fetch failed"), "{logs}");
    let shown = format!("{built}\n{err}\n{jwks:?}\n{logs}");
    assert!(shown.contains(&format!("http://{addr}/keys.json")), "{shown}");
    for secret in ["jane", "hunter2", "api_key", "s3cr3t"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
