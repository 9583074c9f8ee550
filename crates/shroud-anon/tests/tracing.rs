//! What reaches logs: the caller pseudonym recorded into the request span,
//! the reveal audit event, and nothing before the layer posing as its output.

use std::convert::Infallible;
use std::io::Write;
use std::sync::{Arc, Mutex};

use http::{Request, Response};
use serde_json::json;
use shroud_anon::{AnonPolicy, AnonymizeLayer, AnonymizedClaims};
use shroud_core::{CallerId, Claims, EncryptionMode, Encryptor, Pseudonymizer, SecretKey, Strategy};
use tower::{ServiceBuilder, ServiceExt, service_fn};
use tracing_subscriber::fmt::MakeWriter;

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

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn subscriber(capture: &Capture) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish()
}

fn policy() -> AnonPolicy {
    AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap()))
        .encryptor(Encryptor::new(SecretKey::new("e1", [8u8; 32]).unwrap()))
        .claim("sub", Strategy::Pseudonymize { domain: None })
        .claim(
            "phone",
            Strategy::Encrypt {
                mode: EncryptionMode::Randomized,
                domain: None,
            },
        )
        .build()
        .unwrap()
}

fn claims() -> Claims {
    Claims::try_from(json!({"sub": "user-8c1f2a", "iss": "https://id.example", "phone": "+14155552671"}))
        .unwrap()
}

#[tokio::test]
async fn caller_is_recorded_in_the_request_span() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture));
    let policy = policy();
    let expected = policy.caller_id(claims().as_map()).unwrap();
    let svc = ServiceBuilder::new()
        .layer(AnonymizeLayer::new(policy))
        .service(service_fn(|req: Request<()>| async move {
            tracing::info!("in handler");
            let caller = req.extensions().get::<CallerId>().cloned();
            let raw = req.extensions().get::<Claims>().is_some();
            Ok::<_, Infallible>(Response::new((caller, raw)))
        }));
    let mut req = Request::new(());
    req.extensions_mut().insert(claims());
    let span = tracing::info_span!("request", caller = tracing::field::Empty);
    let res = tracing::Instrument::instrument(svc.oneshot(req), span)
        .await
        .unwrap();
    let (caller, raw) = res.into_body();
    assert_eq!(caller.as_ref(), Some(&expected));
    assert!(!raw);
    let logs = capture.text();
    assert!(
        logs.contains(&format!("caller={}", expected.as_str()))
            || logs.contains(&format!("caller=\"{}\"", expected.as_str())),
        "{logs}"
    );
    assert!(
        !logs.contains("user-8c1f2a") && !logs.contains("4155552671"),
        "{logs}"
    );
}

#[tokio::test]
async fn nothing_before_the_layer_poses_as_its_output() {
    let svc = ServiceBuilder::new()
        .layer(AnonymizeLayer::new(policy()))
        .service(service_fn(|req: Request<()>| async move {
            let anon = req.extensions().get::<AnonymizedClaims>().cloned();
            let caller = req.extensions().get::<CallerId>().cloned();
            Ok::<_, Infallible>(Response::new((anon, caller)))
        }));
    let mut req = Request::new(());
    req.extensions_mut().insert(AnonymizedClaims::new(
        Claims::try_from(json!({"sub": "forged"})).unwrap(),
    ));
    req.extensions_mut().insert(CallerId::new("ps1.k2026.forged"));
    let (anon, caller) = svc.oneshot(req).await.unwrap().into_body();
    assert!(anon.is_none() && caller.is_none());
}

#[test]
fn reveal_emits_an_audit_event_without_the_value() {
    let capture = Capture::default();
    let policy = policy();
    let out = policy.apply(claims().as_map());
    let ciphertext = out["phone"].as_str().unwrap().to_owned();
    let caller = CallerId::new("ps1.k2026.support-agent");
    let plain = tracing::subscriber::with_default(subscriber(&capture), || {
        policy.reveal("phone", &ciphertext, &caller).unwrap()
    });
    assert_eq!(&*plain, b"+14155552671");
    let logs = capture.text();
    assert!(logs.contains("shroud::audit"), "{logs}");
    assert!(
        logs.contains("claim=\"phone\"") || logs.contains("claim=phone"),
        "{logs}"
    );
    assert!(logs.contains("ps1.k2026.support-agent"), "{logs}");
    assert!(logs.contains("revealed=true"), "{logs}");
    assert!(
        !logs.contains("4155552671") && !logs.contains(&ciphertext),
        "{logs}"
    );

    // A failed reveal is audited too.
    let capture = Capture::default();
    let err = tracing::subscriber::with_default(subscriber(&capture), || {
        policy.reveal("sub", &ciphertext, &caller).unwrap_err()
    });
    assert_eq!(err, shroud_anon::RevealError::Failed);
    assert!(capture.text().contains("revealed=false"));
}
