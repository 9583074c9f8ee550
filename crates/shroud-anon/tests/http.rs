//! The layer end to end over real sockets: a JwtLayer verifying real HS256
//! tokens in front, an axum app on 127.0.0.1, and in gateway mode a real
//! upstream server the app forwards to.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::routing::get;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use shroud_anon::{AnonPolicy, AnonymizeLayer, AnonymizedClaims, Caller, DefaultAction, Gateway};
use shroud_core::{Claims, Kind, Mask, Pseudonymizer, SecretKey, Strategy};
use shroud_jwt::{Algorithm, JwtLayer, Key, TrustedIssuer, Verifier};

const SECRET: [u8; 32] = [42; 32];
const EMAIL: &str = "jane.roe@example.com";
const SUB: &str = "user-8c1f2a";

fn token(claims: &Value) -> String {
    // Name the backend: in a workspace build another crate's benchmarks
    // enable both of jsonwebtoken's backends, and then none is the default.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(&SECRET),
    )
    .unwrap()
}

fn claims() -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    json!({
        "iss": "https://id.example", "sub": SUB, "exp": now + 600, "iat": now,
        "email": EMAIL, "name": "Jane Roe", "roles": ["admin", "ops"], "note": "reach me at jane.roe@example.com",
    })
}

fn jwt() -> JwtLayer {
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(&SECRET, Algorithm::HS256).unwrap()))
        .build()
        .unwrap();
    JwtLayer::new(verifier).optional(true)
}

fn policy() -> AnonPolicy {
    AnonPolicy::builder()
        .pseudonymizer(Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap()))
        .default_action(DefaultAction::Drop)
        .claim("sub", Strategy::Pseudonymize { domain: None })
        .claim("email", Strategy::Pseudonymize { domain: None })
        .claim("name", Strategy::Mask(Mask::default()))
        .claim("roles", Strategy::Keep)
        .detect(Kind::Email, Strategy::Redact { text: None })
        .build()
        .unwrap()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

async fn send(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::get(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let fut = client.request(req.body(Full::default()).unwrap());
    let res = tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .unwrap()
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn me(claims: AnonymizedClaims, caller: Caller, raw: Option<Extension<Claims>>) -> String {
    json!({
        "claims": claims.as_map(),
        "caller": caller.as_str(),
        "raw": raw.is_some(),
    })
    .to_string()
}

async fn maybe(claims: Option<AnonymizedClaims>, caller: Option<Caller>) -> String {
    format!("{} {}", claims.is_some(), caller.is_some())
}

fn app(anon: AnonymizeLayer) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .layer(anon)
        .layer(jwt())
}

#[tokio::test]
async fn handler_never_sees_the_raw_email() {
    let addr = serve(app(AnonymizeLayer::new(policy()))).await;
    let t = token(&claims());
    let (status, body) = send(addr, "/me", &[("authorization", &format!("Bearer {t}"))]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains(EMAIL) && !body.contains(SUB) && !body.contains("Jane"),
        "{body}"
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    let c = &v["claims"];
    let p = Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap());
    assert_eq!(c["email"], p.pseudonymize("email", EMAIL.as_bytes()));
    assert_eq!(c["sub"], p.pseudonymize("sub", SUB.as_bytes()));
    assert_eq!(c["name"], "J*******");
    assert_eq!(c["roles"], json!(["admin", "ops"]));
    assert_eq!(
        c["note"], "[REDACTED]",
        "the detector caught the email in an unnamed claim"
    );
    assert!(c["exp"].is_u64() && c["iss"] == "https://id.example");
    assert!(v["caller"].as_str().unwrap().starts_with("ps1.k2026."));
    assert_ne!(v["caller"], c["sub"]);
    assert_eq!(v["raw"], false, "raw claims removed by default");
}

#[tokio::test]
async fn raw_claims_only_on_explicit_opt_in() {
    let keep: AnonymizeLayer<shroud_anon::KeepRaw> = AnonymizeLayer::new(policy()).keep_raw_claims();
    let router = Router::new().route("/me", get(me)).layer(keep).layer(jwt());
    let addr = serve(router).await;
    let t = token(&claims());
    let (status, body) = send(addr, "/me", &[("authorization", &format!("Bearer {t}"))]).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["raw"], true);
    assert!(!body.contains(EMAIL));
}

#[tokio::test]
async fn optional_auth_without_a_token_passes_through() {
    let addr = serve(app(AnonymizeLayer::new(policy()))).await;
    let (status, body) = send(addr, "/maybe", &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "false false"));
    let t = token(&claims());
    let (_, body) = send(addr, "/maybe", &[("authorization", &format!("Bearer {t}"))]).await;
    assert_eq!(body, "true true");
    // The extractors refuse without the layer's output.
    let (status, _) = send(addr, "/me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// What the upstream saw, as JSON.
async fn upstream(headers: HeaderMap) -> String {
    let h = |n: &str| headers.get(n).map(|v| v.to_str().unwrap().to_owned());
    json!({
        "sub": h("x-shroud-sub"),
        "roles": h("x-shroud-roles"),
        "email": h("x-shroud-email"),
        "authorization": h("authorization"),
        "cookie": h("cookie"),
        "all": format!("{headers:?}"),
    })
    .to_string()
}

/// A minimal reverse proxy: forwards the request, headers as they are, to
/// the upstream.
async fn proxy(State(upstream): State<SocketAddr>, req: Request<Body>) -> String {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut out = Request::get(format!("http://{upstream}/"));
    for (k, v) in req.headers() {
        if k != http::header::HOST {
            out = out.header(k, v);
        }
    }
    let res = client.request(out.body(Full::default()).unwrap()).await.unwrap();
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn gateway_forwards_pseudonyms_and_no_credentials() {
    let up = serve(Router::new().route("/", get(upstream))).await;
    let gateway = Gateway::new()
        .header("sub", "x-shroud-sub")
        .unwrap()
        .header("roles", "x-shroud-roles")
        .unwrap()
        .header("email", "x-shroud-email")
        .unwrap()
        .strip_cookie("session")
        .unwrap()
        .strip_header("x-access-token")
        .unwrap();
    let router = Router::new()
        .route("/proxy", get(proxy))
        .with_state(up)
        .layer(AnonymizeLayer::new(policy()).gateway(gateway))
        .layer(jwt());
    let addr = serve(router).await;
    let t = token(&claims());
    let (status, body) = send(
        addr,
        "/proxy",
        &[
            ("authorization", &format!("Bearer {t}")),
            ("cookie", "session=s3cr3t; theme=dark"),
            ("x-shroud-email", "spoofed@example.com"),
            ("x_shroud_email", "spoofed@example.com"),
            ("proxy-authorization", "Basic cHJveHk6czNjcjN0"),
            ("x-access-token", "s3cr3t-token"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    let p = Pseudonymizer::new(SecretKey::new("k2026", [7u8; 32]).unwrap());
    assert_eq!(v["sub"], p.pseudonymize("sub", SUB.as_bytes()));
    assert_eq!(v["email"], p.pseudonymize("email", EMAIL.as_bytes()));
    assert_eq!(v["roles"], r#"["admin","ops"]"#);
    assert_eq!(v["authorization"], Value::Null);
    assert_eq!(v["cookie"], "theme=dark");
    assert!(!body.contains(EMAIL) && !body.contains(SUB) && !body.contains(&t) && !body.contains("s3cr3t"));
    for gone in [
        "spoofed",
        "cHJveHk6czNjcjN0",
        "x_shroud_email",
        "proxy-authorization",
    ] {
        assert!(!body.contains(gone), "{gone} reached the upstream: {body}");
    }

    // Without a token (optional route): no pseudonym headers, and spoofed
    // ones do not get through.
    let (_, body) = send(
        addr,
        "/proxy",
        &[
            ("x-shroud-sub", "ps1.k2026.forged"),
            ("x_shroud_sub", "ps1.k2026.forged"),
        ],
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["sub"], Value::Null, "{body}");
    assert!(!body.contains("forged"), "{body}");
}

#[tokio::test]
async fn gateway_strips_whatever_carried_the_token_without_being_told() {
    use shroud_jwt::TokenSource;

    let up = serve(Router::new().route("/", get(upstream))).await;
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(&SECRET, Algorithm::HS256).unwrap()))
        .build()
        .unwrap();
    // The token may come in a cookie or a header the gateway was not told
    // about.
    let jwt = JwtLayer::new(verifier).sources([
        TokenSource::Cookie("at".into()),
        TokenSource::Header(http::HeaderName::from_static("x-jwt")),
    ]);
    let router = Router::new()
        .route("/proxy", get(proxy))
        .with_state(up)
        .layer(AnonymizeLayer::new(policy()).gateway(Gateway::new()))
        .layer(jwt);
    let addr = serve(router).await;
    let t = token(&claims());
    for (name, value) in [("cookie", format!("theme=dark; at={t}")), ("x-jwt", t.clone())] {
        let (status, body) = send(addr, "/proxy", &[(name, &value)]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            !body.contains(&t),
            "the token in {name} reached the upstream: {body}"
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        if name == "cookie" {
            assert_eq!(v["cookie"], "theme=dark", "{body}");
        }
    }
}
