//! One gzip frame of about 64 KiB that inflates to 64 MiB of JSON (an array
//! of whitespace) streamed through `RedactLayer` over a real socket: the
//! decoded body is redacted, re-encoded and queued a slice at a time, so the
//! peak resident set (VmHWM from /proc/self/status) may not grow by more than
//! 24 MiB (it grew by 65 MiB when the decoded frame was held whole, and by
//! 8 MiB since). Its own test binary, so nothing else runs in the process
//! while it measures.
#![cfg(feature = "compression")]

#[path = "support/proc_status.rs"]
mod proc_status;

use std::io::Write as _;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use proc_status::status_kib;
use shroud_redact::{Policy, RedactLayer};

const INFLATED: usize = 64 << 20;

/// `[`, `inflated` spaces, `{"mail":"jane@example.com"}]`, gzipped a chunk
/// at a time (the plain text is never held whole).
fn bomb(inflated: usize) -> Bytes {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(b"[").unwrap();
    let spaces = vec![b' '; 64 << 10];
    for _ in 0..inflated / spaces.len() {
        z.write_all(&spaces).unwrap();
    }
    z.write_all(br#"{"mail":"jane@example.com"}]"#).unwrap();
    Bytes::from(z.finish().unwrap())
}

/// Fetches `/bomb` and answers the decoded body's length and whether the
/// email was redacted.
async fn fetch(addr: std::net::SocketAddr) -> (usize, bool) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = Request::get(format!("http://{addr}/bomb"))
        .body(Empty::new())
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let mut body = res.into_body();
    // Decoded as it arrives, in constant memory: only the length and the
    // tail are kept.
    let mut z = flate2::write::GzDecoder::new(Vec::new());
    let mut len = 0;
    let mut tail = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap();
        let Some(d) = frame.data_ref() else { continue };
        z.write_all(d).unwrap();
        let out = z.get_mut();
        len += out.len();
        tail.extend_from_slice(out);
        tail.drain(..tail.len().saturating_sub(128));
        out.clear();
    }
    z.try_finish().unwrap();
    let out = z.get_mut();
    len += out.len();
    tail.extend_from_slice(out);
    let tail = String::from_utf8_lossy(&tail).into_owned();
    (len, tail.contains("[REDACTED:email]") && !tail.contains("jane"))
}

#[tokio::test(flavor = "current_thread")]
#[allow(clippy::print_stderr)]
async fn a_compressed_bomb_frame_is_redacted_in_bounded_memory() {
    let small = bomb(1 << 20);
    let big = bomb(INFLATED);
    assert!(big.len() < 128 << 10, "{}", big.len());
    let app = Router::new()
        .route(
            "/bomb",
            get(move |q: axum::extract::RawQuery| {
                let frame = if q.0.is_some() { small.clone() } else { big.clone() };
                async move {
                    let mut r = Response::new(Body::from(frame));
                    r.headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    r.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                    r
                }
            }),
        )
        .route_layer(RedactLayer::new(Policy::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    tokio::time::timeout(Duration::from_secs(300), async {
        // Warm-up: allocator arenas, connection pools, the codecs.
        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let warm = client
            .request(
                Request::get(format!("http://{addr}/bomb?small"))
                    .body(Empty::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        let _ = warm.into_body().collect().await.unwrap();
        let hwm_before = status_kib("VmHWM:");
        let (len, redacted) = fetch(addr).await;
        let hwm_after = status_kib("VmHWM:");
        eprintln!(
            "gzip bomb: {len} bytes decoded; VmHWM {hwm_before} -> {hwm_after} kB (+{} kB)",
            hwm_after - hwm_before
        );
        assert!(len > INFLATED, "{len}");
        assert!(redacted);
        assert!(
            hwm_after - hwm_before < 24 * 1024,
            "peak memory grew by {} kB",
            hwm_after - hwm_before
        );
    })
    .await
    .expect("the bomb took too long");
}
