//! Real servers on 127.0.0.1:0 and a real hyper client, every call bounded.
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shroud::Config;

#[path = "../../examples/support/demo.rs"]
pub mod demo;

/// The example configuration (the same file the axum example embeds).
pub const DEFAULT_TOML: &str = include_str!("../../examples/config/default.toml");

/// Every network step of a test finishes within this.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The default config trusting a fresh dev key.
pub fn config_with(key: &demo::DevKey) -> Config {
    logs();
    let mut config = Config::from_toml(DEFAULT_TOML).expect("default config parses");
    key.trust_in(&mut config);
    config
}

/// Serves `app` on a fresh loopback port.
pub async fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server");
    });
    addr
}

/// A response read to its end.
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// GET `path` with an optional bearer token, through a real HTTP/1 client.
pub async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Got {
    send(addr, Method::GET, path, token, &[]).await
}

/// `method` on `path` with an optional bearer token and extra headers,
/// through a real HTTP/1 client.
pub async fn send(
    addr: SocketAddr,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Got {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(Empty::new()).expect("request");
    let res = tokio::time::timeout(TIMEOUT, client.request(req))
        .await
        .expect("response within the timeout")
        .expect("response");
    let (parts, body) = res.into_parts();
    let bytes = tokio::time::timeout(TIMEOUT, body.collect())
        .await
        .expect("body within the timeout")
        .expect("body")
        .to_bytes();
    Got {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
    }
}

/// The raw personal data of the demo users and the demo token: none of it
/// may appear in a response body or a log line.
pub fn raw_pii() -> Vec<&'static str> {
    let mut v = vec![
        "jane.doe@example.com",
        "Jane Doe",
        "+1 415 555 0134",
        "1988-04-12",
        "hunter2",
    ];
    for u in demo::USERS {
        v.extend([u.email, u.phone, u.card, u.street, u.name]);
    }
    v
}

/// Asserts that `text` holds none of the raw PII.
pub fn assert_no_pii(what: &str, text: &str) {
    for pii in raw_pii() {
        assert!(!text.contains(pii), "{what} leaks {pii:?}:\n{text}");
    }
}

/// The logs of this test binary: a global subscriber (JSON lines, through
/// shroud's `RedactingLayer`) writing into one capture, installed by the
/// first caller. Global, so events from every server task and thread land
/// here; every test of the binary logs into it, so the PII assertions cover
/// them all.
pub fn logs() -> &'static Capture {
    use tracing_subscriber::prelude::*;
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let fmt = tracing_subscriber::fmt::layer()
            .json()
            .with_writer(capture.clone())
            .with_ansi(false);
        tracing_subscriber::registry()
            .with(shroud::trace::RedactingLayer::new(fmt))
            .with(tracing_subscriber::filter::LevelFilter::DEBUG)
            .try_init()
            .expect("the only subscriber of this test binary");
        capture
    })
}

/// A `MakeWriter` that keeps everything written, for asserting on logs.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
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
