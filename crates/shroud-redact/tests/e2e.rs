//! End to end: axum servers on 127.0.0.1:0, a hyper client, real sockets.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use shroud_core::Strategy;
use shroud_redact::{
    ContentTypes, OnError, Policy, RedactError, RedactLayer, RedactionSummary, UnknownEncoding,
};

const TIMEOUT: Duration = Duration::from_secs(30);

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn client() -> Client<HttpConnector, Empty<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    error: bool,
}

async fn fetch(addr: SocketAddr, method: Method, path: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Empty::new()).unwrap();
    tokio::time::timeout(TIMEOUT, async {
        let res = match client().request(req).await {
            Ok(res) => res,
            // The server closed the connection before a response head: the
            // body failed before its first byte.
            Err(_) => {
                return Got {
                    status: StatusCode::from_u16(599).unwrap(),
                    headers: HeaderMap::new(),
                    body: Vec::new(),
                    error: true,
                };
            }
        };
        let status = res.status();
        let headers = res.headers().clone();
        let mut body = res.into_body();
        let mut bytes = Vec::new();
        let mut error = false;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => {
                    if let Some(d) = f.data_ref() {
                        bytes.extend_from_slice(d);
                    }
                }
                Err(_) => {
                    error = true;
                    break;
                }
            }
        }
        Got {
            status,
            headers,
            body: bytes,
            error,
        }
    })
    .await
    .expect("request timed out")
}

fn chunked(parts: Vec<Vec<u8>>) -> Body {
    Body::new(Chunks(parts.into_iter().map(Bytes::from).collect(), None))
}

/// Like [`chunked`], with a pause before each frame so every frame is
/// written to the socket on its own.
fn paced(parts: Vec<Vec<u8>>) -> Body {
    Body::new(Chunks(
        parts.into_iter().map(Bytes::from).collect(),
        Some(Box::pin(tokio::time::sleep(Duration::from_millis(30)))),
    ))
}

/// A body that yields the given chunks as separate frames.
struct Chunks(
    std::collections::VecDeque<Bytes>,
    Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(sleep) = &mut this.1 {
            std::task::ready!(sleep.as_mut().poll(cx));
            sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + Duration::from_millis(30));
        }
        std::task::Poll::Ready(this.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}

fn policy() -> Policy {
    Policy::builder()
        .key("password", Strategy::Drop)
        .key("*token*", Strategy::default())
        .redact_header("x-user-email")
        .build()
        .unwrap()
}

const USER: &str = r#"{"id":7,"name":"Jane Roe","email":"jane.roe@example.com","password":"hunter2","access_token":"abc","note":"card 4111 1111 1111 1111"}"#;
const REDACTED_USER: &str = r#"{"id":7,"name":"Jane Roe","email":"[REDACTED:email]","access_token":"[REDACTED]","note":"card [REDACTED:card]"}"#;

fn json_response(body: Body) -> Response {
    let mut r = Response::new(body);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

#[tokio::test]
async fn json_bodies_and_headers_are_redacted() {
    let summaries = Arc::new(Mutex::new(Vec::<RedactionSummary>::new()));
    let s2 = summaries.clone();
    let app = Router::new()
        .route(
            "/user",
            get(|| async {
                let mut r = json_response(Body::from(USER));
                r.headers_mut()
                    .insert("x-user-email", HeaderValue::from_static("jane.roe@example.com"));
                r.headers_mut()
                    .insert("x-debug", HeaderValue::from_static("served to 203.0.113.9"));
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(USER.len()));
                r.headers_mut()
                    .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                r
            }),
        )
        .route(
            "/chunked",
            get(|| async {
                let parts: Vec<Vec<u8>> = USER.as_bytes().iter().map(|b| vec![*b]).collect();
                json_response(chunked(parts))
            }),
        )
        .route(
            "/image",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], USER) }),
        )
        .route_layer(RedactLayer::new(policy()).on_summary(move |s| s2.lock().unwrap().push(s.clone())));
    let addr = serve(app).await;

    let got = fetch(addr, Method::GET, "/user", &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(!got.error);
    assert_eq!(String::from_utf8(got.body).unwrap(), REDACTED_USER);
    assert_eq!(got.headers["x-user-email"], "[REDACTED]");
    assert_eq!(got.headers["x-debug"], "served to [REDACTED:ipv4]");
    assert!(got.headers.get(header::CONTENT_LENGTH).is_none());
    assert!(got.headers.get(header::ACCEPT_RANGES).is_none());

    let got = fetch(addr, Method::GET, "/chunked", &[]).await;
    assert_eq!(String::from_utf8(got.body).unwrap(), REDACTED_USER);

    // Not configured: untouched.
    let got = fetch(addr, Method::GET, "/image", &[]).await;
    assert_eq!(got.body, USER.as_bytes());

    tokio::time::sleep(Duration::from_millis(50)).await;
    let s = summaries.lock().unwrap().clone();
    let full = s.iter().find(|s| s.headers == 2).expect("summary of /user");
    assert_eq!(full.rules["password"], 1);
    assert_eq!(full.rules["*token*"], 1);
    assert_eq!(full.detectors["email"], 1);
    assert_eq!(full.detectors["card"], 1);
    assert_eq!(full.bytes_in, USER.len() as u64);
    assert_eq!(full.bytes_out, REDACTED_USER.len() as u64);
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("jane") && !dbg.contains("hunter2") && !dbg.contains("4111"));
}

#[tokio::test]
async fn malformed_json_ends_the_stream_after_the_last_safe_byte() {
    let app = Router::new()
        .route(
            "/bad",
            get(|| async {
                json_response(paced(vec![
                    br#"{"ok":"fine","mail":"jane.roe@example.com","#.to_vec(),
                    br#""next":"bob@exa"#.to_vec(),
                    br#"mple.com" oops}"#.to_vec(),
                ]))
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/bad", &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.error, "the client must see the body fail");
    let body = String::from_utf8(got.body).unwrap();
    assert!(
        body.starts_with(r#"{"ok":"fine","mail":"[REDACTED:email]","#),
        "{body}"
    );
    assert!(!body.contains("bob@"), "{body}");
    assert!(!body.contains("jane"), "{body}");
}

#[tokio::test]
async fn problem_mode_answers_502_before_anything_is_sent() {
    let p = Policy::builder().on_error(OnError::Problem).build().unwrap();
    let app = Router::new()
        .route(
            "/bad",
            get(|| async { json_response(Body::from(r#"{"a":"jane.roe@example.com","b":tru}"#)) }),
        )
        .route("/good", get(|| async { json_response(Body::from(USER)) }))
        .route_layer(RedactLayer::new(p));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/bad", &[]).await;
    assert_eq!(got.status, StatusCode::BAD_GATEWAY);
    assert_eq!(got.headers[header::CONTENT_TYPE], "application/problem+json");
    let v: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(v["status"], 502);
    assert!(!String::from_utf8_lossy(&got.body).contains("jane"));
    let got = fetch(addr, Method::GET, "/good", &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(String::from_utf8(got.body).unwrap().contains("[REDACTED:email]"));
}

#[tokio::test]
async fn unknown_encodings_are_refused_or_passed_as_configured() {
    let enc = || async {
        let mut r = json_response(Body::from("opaque bytes jane.roe@example.com"));
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("compress"));
        r
    };
    let app = Router::new()
        .route("/enc", get(enc))
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/enc", &[]).await;
    assert_eq!(got.status, StatusCode::BAD_GATEWAY);
    assert!(!String::from_utf8_lossy(&got.body).contains("jane"));

    let pass = Policy::builder()
        .content_types(ContentTypes {
            unknown_encoding: UnknownEncoding::Pass,
            ..ContentTypes::default()
        })
        .build()
        .unwrap();
    let app = Router::new()
        .route("/enc", get(enc))
        .route_layer(RedactLayer::new(pass));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/enc", &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, b"opaque bytes jane.roe@example.com");
}

/// A response with `status`, these headers (each appended, so a name may
/// repeat) and `body`.
fn raw_response(status: u16, headers: &[(&'static str, &'static str)], body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    for (k, v) in headers {
        r.headers_mut().append(*k, HeaderValue::from_static(v));
    }
    r
}

#[tokio::test]
async fn responses_that_cannot_be_read_unambiguously_are_refused() {
    let utf16: Vec<u8> = "mail jane.roe@example.com"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let app = Router::new()
        // A byte range of a JSON document: a value without its key.
        .route(
            "/partial",
            get(|| async {
                raw_response(
                    206,
                    &[
                        ("content-type", "application/json"),
                        ("content-range", "bytes 26-34/36"),
                    ],
                    b"\"hunter2\"".to_vec(),
                )
            }),
        )
        .route(
            "/byteranges",
            get(|| async {
                raw_response(
                    206,
                    &[("content-type", "multipart/byteranges; boundary=x")],
                    b"--x\r\ncontent-type: application/json\r\n\r\n{\"password\":\"hunter2\"}\r\n--x--"
                        .to_vec(),
                )
            }),
        )
        .route(
            "/two-types",
            get(|| async {
                raw_response(
                    200,
                    &[
                        ("content-type", "image/png"),
                        ("content-type", "application/json"),
                    ],
                    br#"{"password":"hunter2"}"#.to_vec(),
                )
            }),
        )
        .route(
            "/utf16",
            get(move || async move {
                raw_response(200, &[("content-type", "text/plain; charset=UTF-16LE")], utf16)
            }),
        )
        .route(
            "/two-codings",
            get(|| async {
                raw_response(
                    200,
                    &[
                        ("content-type", "text/plain"),
                        ("content-encoding", "identity"),
                        ("content-encoding", "gzip"),
                    ],
                    b"mail hunter2 jane.roe@example.com".to_vec(),
                )
            }),
        )
        // Not one media type: browsers take the last of a list.
        .route(
            "/type-list",
            get(|| async {
                raw_response(
                    200,
                    &[("content-type", "application/json, charset=utf-8")],
                    br#"{"password":"hunter2","email":"jane.roe@example.com"}"#.to_vec(),
                )
            }),
        )
        .route(
            "/empty-type",
            get(|| async {
                raw_response(
                    200,
                    &[("content-type", "")],
                    b"mail jane.roe@example.com".to_vec(),
                )
            }),
        )
        // UTF-16 told by its byte order mark, whatever the header says,
        // and XML in UTF-16 without one (XML parsers detect `<\0?\0`).
        .route(
            "/bom16",
            get(move || async move {
                let mut body = vec![0xFF, 0xFE];
                body.extend(
                    "mail jane.roe@example.com"
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes),
                );
                raw_response(200, &[("content-type", "text/csv; charset=utf-8")], body)
            }),
        )
        .route(
            "/xml16",
            get(move || async move {
                let body = "<?xml version=\"1.0\"?><a>jane.roe@example.com</a>"
                    .encode_utf16()
                    .flat_map(u16::to_be_bytes)
                    .collect::<Vec<u8>>();
                raw_response(200, &[("content-type", "application/xml")], body)
            }),
        )
        // Readable: a single-byte charset, and a range of an image.
        .route(
            "/latin1",
            get(|| async {
                raw_response(
                    200,
                    &[("content-type", "text/plain; charset=\"ISO-8859-1\"")],
                    b"mail jane.roe@example.com".to_vec(),
                )
            }),
        )
        .route(
            "/image-range",
            get(|| async {
                raw_response(
                    206,
                    &[("content-type", "image/png"), ("content-range", "bytes 0-3/100")],
                    b"\x89PNG".to_vec(),
                )
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    for path in [
        "/partial",
        "/byteranges",
        "/two-types",
        "/utf16",
        "/two-codings",
        "/type-list",
        "/empty-type",
    ] {
        let got = fetch(addr, Method::GET, path, &[]).await;
        assert_eq!(got.status, StatusCode::BAD_GATEWAY, "{path}");
        let body = String::from_utf8_lossy(&got.body);
        assert!(
            !body.contains("hunter2") && !body.contains("jane"),
            "{path}: {body}"
        );
    }
    // Told by the body's first bytes: the body fails before its first byte
    // (this policy streams, so the server closes the connection instead of
    // answering 502).
    for path in ["/bom16", "/xml16"] {
        let got = fetch(addr, Method::GET, path, &[]).await;
        let text: String = got.body.iter().filter(|b| **b != 0).map(|b| *b as char).collect();
        assert!(!text.contains("jane"), "{path}: {text}");
        assert!(got.error && got.body.is_empty(), "{path}: {}", got.status);
    }
    let got = fetch(addr, Method::GET, "/latin1", &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, b"mail [REDACTED:email]");
    let got = fetch(addr, Method::GET, "/image-range", &[]).await;
    assert_eq!(got.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.body, b"\x89PNG");
}

/// One event, then nothing more for as long as the client waits.
struct OpenStream(Option<Bytes>);

impl http_body::Body for OpenStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        match self.get_mut().0.take() {
            Some(b) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
            None => std::task::Poll::Pending,
        }
    }
}

#[tokio::test]
async fn problem_mode_does_not_hold_an_event_stream() {
    let p = Policy::builder().on_error(OnError::Problem).build().unwrap();
    let app = Router::new()
        .route(
            "/events",
            get(|| async {
                let mut r = Response::new(Body::new(OpenStream(Some(Bytes::from_static(
                    b"data: hi jane.roe@example.com\n\n",
                )))));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream"),
                );
                r
            }),
        )
        .route_layer(RedactLayer::new(p));
    let addr = serve(app).await;
    let req = Request::get(format!("http://{addr}/events"))
        .body(Empty::new())
        .unwrap();
    // The head and the first event arrive while the stream stays open.
    let res = tokio::time::timeout(Duration::from_secs(5), client().request(req))
        .await
        .expect("the response head was held")
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("the first event was held")
        .unwrap()
        .unwrap();
    assert_eq!(
        frame.data_ref().map(|d| &d[..]),
        Some(&b"data: hi [REDACTED:email]\n\n"[..])
    );
}

#[cfg(feature = "compression")]
#[tokio::test]
async fn gzip_bodies_are_decoded_redacted_and_reencoded() {
    use std::io::Read;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let doc = format!("[{}]", vec![USER; 2000].join(","));
    gz.write_all(doc.as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    let app = Router::new()
        .route(
            "/gz",
            get(move || {
                let compressed = compressed.clone();
                async move {
                    let parts = compressed.chunks(1000).map(<[u8]>::to_vec).collect();
                    let mut r = json_response(chunked(parts));
                    r.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                    r
                }
            }),
        )
        .route(
            "/corrupt",
            get(|| async {
                let mut r = json_response(Body::from("definitely not gzip"));
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/gz", &[]).await;
    assert!(!got.error);
    assert_eq!(got.headers[header::CONTENT_ENCODING], "gzip");
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&got.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, format!("[{}]", vec![REDACTED_USER; 2000].join(",")));

    let got = fetch(addr, Method::GET, "/corrupt", &[]).await;
    assert!(got.error);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn sse_and_ndjson_stream_redacted() {
    let app = Router::new()
        .route(
            "/events",
            get(|| async {
                let mut r = Response::new(chunked(vec![
                    b"event: user\ndata: {\"email\":\"jane.roe@exa".to_vec(),
                    b"mple.com\",\"password\":\"x\"}\n\n".to_vec(),
                    b"data: ping from 10.0.0.8\n\n".to_vec(),
                ]));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream"),
                );
                r
            }),
        )
        .route(
            "/records",
            get(|| async {
                let mut r = Response::new(chunked(vec![
                    b"{\"password\":\"a\",\"n\":1}\n{\"m\":\"bob@ex".to_vec(),
                    b"ample.com\"}\n".to_vec(),
                ]));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-ndjson"),
                );
                r
            }),
        )
        .route(
            "/text",
            get(|| async {
                let mut r = Response::new(chunked(vec![
                    b"hello jane.roe@exa".to_vec(),
                    b"mple.com bye".to_vec(),
                ]));
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                r
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/events", &[]).await;
    assert_eq!(
        String::from_utf8(got.body).unwrap(),
        "event: user\ndata: {\"email\":\"[REDACTED:email]\"}\n\ndata: ping from [REDACTED:ipv4]\n\n"
    );
    let got = fetch(addr, Method::GET, "/records", &[]).await;
    assert_eq!(
        String::from_utf8(got.body).unwrap(),
        "{\"n\":1}\n{\"m\":\"[REDACTED:email]\"}\n"
    );
    let got = fetch(addr, Method::GET, "/text", &[]).await;
    assert_eq!(String::from_utf8(got.body).unwrap(), "hello [REDACTED:email] bye");
}

#[derive(Clone)]
struct Scopes(&'static str);

#[tokio::test]
async fn exempt_callers_get_raw_bodies_and_are_audited() {
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || CaptureWriter(writer.clone()))
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let summaries = Arc::new(Mutex::new(Vec::<RedactionSummary>::new()));
    let s2 = summaries.clone();
    let layer = RedactLayer::new(policy())
        .on_summary(move |s| s2.lock().unwrap().push(s.clone()))
        .exempt(|req: &axum::http::request::Parts| {
            req.extensions.get::<Scopes>().is_some_and(|s| s.0 == "pii:read")
        });
    let app = Router::new()
        .route(
            "/user",
            get(|| async {
                let mut r = json_response(Body::from(USER));
                r.headers_mut()
                    .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
                r.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=60"),
                );
                r
            }),
        )
        .route_layer(layer)
        .layer(axum::middleware::from_fn(
            |mut req: axum::extract::Request, next: axum::middleware::Next| async move {
                // Stands in for an authentication layer: scopes and the
                // caller's pseudonym go into request extensions.
                if req.headers().get("x-test-scope").is_some() {
                    req.extensions_mut().insert(Scopes("pii:read"));
                    req.extensions_mut()
                        .insert(shroud_core::CallerId::new("ps1.k1.Zm9vYmFy"));
                }
                next.run(req).await
            },
        ));
    let addr = serve(app).await;
    let raw = fetch(addr, Method::GET, "/user", &[("x-test-scope", "1")]).await;
    assert_eq!(raw.body, USER.as_bytes());
    // No cache may keep the raw body and serve it to someone else.
    assert_eq!(raw.headers[header::CACHE_CONTROL], "private, no-store");
    let red = fetch(addr, Method::GET, "/user", &[]).await;
    assert_eq!(String::from_utf8(red.body).unwrap(), REDACTED_USER);
    // The raw representation's validator does not name the redacted one.
    assert!(red.headers.get(header::ETAG).is_none());
    assert_eq!(red.headers[header::CACHE_CONTROL], "public, max-age=60");
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let audit: Vec<&str> = logs.lines().filter(|l| l.contains("exemption used")).collect();
    assert_eq!(audit.len(), 1, "{logs}");
    assert!(audit[0].contains("ps1.k1.Zm9vYmFy"));
    // Only the redacted response has a summary: the exempt one was not scanned.
    let summaries = summaries.lock().unwrap().clone();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].rules["password"], 1);
    // The summary also reaches the subscriber, as counts only.
    let logged: Vec<&str> = logs.lines().filter(|l| l.contains("response redacted")).collect();
    assert_eq!(logged.len(), 1, "{logs}");
    assert!(logged[0].contains("password(1)"), "{}", logged[0]);
    assert!(!logs.contains("jane") && !logs.contains("hunter2"), "{logs}");
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn head_204_and_304_bodies_are_untouched() {
    let app = Router::new()
        .route(
            "/user",
            get(|| async {
                let mut r = json_response(Body::from(USER));
                r.headers_mut()
                    .insert("x-user-email", HeaderValue::from_static("jane.roe@example.com"));
                r
            }),
        )
        .route("/nothing", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/cached",
            get(|| async {
                let mut r = StatusCode::NOT_MODIFIED.into_response();
                r.headers_mut()
                    .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
                r
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let head = fetch(addr, Method::HEAD, "/user", &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.headers["x-user-email"], "[REDACTED]");
    // No length of the raw body: set against the redacted body's, it would
    // tell how long the removed values were.
    assert!(
        head.headers
            .get(header::CONTENT_LENGTH)
            .is_none_or(|l| l != USER.len().to_string().as_str()),
        "{:?}",
        head.headers
    );
    let none = fetch(addr, Method::GET, "/nothing", &[]).await;
    assert_eq!(none.status, StatusCode::NO_CONTENT);
    assert!(none.body.is_empty());
    let cached = fetch(addr, Method::GET, "/cached", &[]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert_eq!(cached.headers[header::ETAG], "\"v1\"");
}

#[test]
fn redact_error_is_in_problem_extensions() {
    // The error type carries no body content in its Display.
    let e = RedactError::Syntax { offset: 12 };
    assert_eq!(e.to_string(), "malformed JSON at byte 12");
}

#[cfg(not(feature = "compression"))]
#[tokio::test]
async fn without_the_compression_feature_gzip_is_refused() {
    let app = Router::new()
        .route(
            "/gz",
            get(|| async {
                let mut r = json_response(Body::from(&b"\x1f\x8b compressed jane.roe@example.com"[..]));
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }),
        )
        .route_layer(RedactLayer::new(policy()));
    let addr = serve(app).await;
    let got = fetch(addr, Method::GET, "/gz", &[]).await;
    assert_eq!(got.status, StatusCode::BAD_GATEWAY);
    assert!(!String::from_utf8_lossy(&got.body).contains("jane"));
}
