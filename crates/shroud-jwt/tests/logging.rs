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

#[tokio::test]
async fn refusals_log_the_reason_code_only() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
