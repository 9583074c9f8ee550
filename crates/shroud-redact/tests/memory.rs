//! A 100 MiB JSON array streamed through `RedactLayer` over a real socket, in
//! constant memory: the peak resident set (VmHWM from /proc/self/status) may
//! not grow by more than 4 MiB over the baseline taken after a warm-up
//! request. This file is its own test binary so nothing else runs in the
//! process while it measures.

#[path = "support/proc_status.rs"]
mod proc_status;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use proc_status::status_kib;
use shroud_core::Strategy;
use shroud_redact::{Policy, RedactLayer};

const TOTAL: usize = 100 << 20;
const FRAME: usize = 64 << 10;

/// Generates a JSON array of user records, `total` bytes or a little more,
/// one frame at a time.
struct Users {
    total: usize,
    sent: usize,
    next: u64,
    done: bool,
}

impl http_body::Body for Users {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let mut buf = Vec::with_capacity(FRAME + 512);
        if this.next == 0 {
            buf.push(b'[');
        }
        while buf.len() < FRAME && this.sent + buf.len() < this.total {
            if this.next > 0 {
                buf.push(b',');
            }
            let i = this.next;
            buf.extend_from_slice(
                format!(
                    r#"{{"id":{i},"name":"User {i}","email":"user{i}@example.com","password":"pw{i}","session_token":"t{i}","bio":"likes hiking and reading"}}"#
                )
                .as_bytes(),
            );
            this.next += 1;
        }
        if this.sent + buf.len() >= this.total {
            buf.push(b']');
            this.done = true;
        }
        this.sent += buf.len();
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }
}

async fn stream(addr: std::net::SocketAddr, total: usize) -> (u64, u64) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = Request::get(format!("http://{addr}/users?size={total}"))
        .body(Empty::new())
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert!(res.headers().get(header::CONTENT_LENGTH).is_none());
    let mut body = res.into_body();
    let mut bytes = 0u64;
    let mut records = 0u64;
    let mut tail: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap();
        let Some(d) = frame.data_ref() else { continue };
        bytes += d.len() as u64;
        // Look across the frame boundary too.
        tail.extend_from_slice(&d[..d.len().min(64)]);
        for hay in [&tail[..], &d[..]] {
            assert!(
                memchr::memmem::find(hay, b"@example.com").is_none(),
                "an email left the process"
            );
            assert!(
                memchr::memmem::find(hay, b"\"password\"").is_none(),
                "a password left the process"
            );
            assert!(
                memchr::memmem::find(hay, b"\"t1").is_none(),
                "a token left the process"
            );
        }
        records += memchr::memmem::find_iter(d, b"\"session_token\":\"[REDACTED]\"").count() as u64;
        tail.clear();
        tail.extend_from_slice(&d[d.len().saturating_sub(64)..]);
    }
    (bytes, records)
}

#[tokio::test(flavor = "current_thread")]
#[allow(clippy::print_stderr)]
async fn a_100_mib_json_stream_in_constant_memory() {
    let policy = Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/users",
            get(|q: axum::extract::RawQuery| async move {
                let total =
                    q.0.and_then(|q| q.strip_prefix("size=").and_then(|v| v.parse().ok()))
                        .unwrap_or(TOTAL);
                let mut r = Response::new(Body::new(Users {
                    total,
                    sent: 0,
                    next: 0,
                    done: false,
                }));
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                r
            }),
        )
        .route_layer(RedactLayer::new(policy));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    tokio::time::timeout(Duration::from_secs(600), async {
        // Warm-up: allocator arenas, connection pools, lazily built tables.
        let (_, warm) = stream(addr, 8 << 20).await;
        assert!(warm > 0);
        let hwm_before = status_kib("VmHWM:");
        let rss_before = status_kib("VmRSS:");
        let (bytes, records) = stream(addr, TOTAL).await;
        let hwm_after = status_kib("VmHWM:");
        let rss_after = status_kib("VmRSS:");
        eprintln!(
            "100 MiB stream: {bytes} bytes out, {records} records; VmHWM {hwm_before} -> {hwm_after} kB \
             (+{} kB); VmRSS {rss_before} -> {rss_after} kB",
            hwm_after - hwm_before
        );
        assert!(bytes > (TOTAL as u64) / 2);
        assert!(records > 500_000);
        assert!(
            hwm_after - hwm_before < 4 * 1024,
            "peak memory grew by {} kB",
            hwm_after - hwm_before
        );
    })
    .await
    .expect("the stream took too long");
}
