//! The layer over real sockets: an axum router and a hyper server on
//! 127.0.0.1, real hyper clients (HTTP/1.1 and, for gRPC, HTTP/2).
#![cfg(feature = "axum")]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use common::*;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use shroud_jwt::authz::{require_any_scope, require_claims, require_role, require_scope};
use shroud_jwt::{
    JwtLayer, KeySet, Rejection, TokenSource, TrustedIssuer, TypedClaims, VerifiedClaims, Verifier,
};
use tower::ServiceExt;

fn verifier() -> Verifier {
    Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").keys(KeySet::new([hs().key("hs"), ec().key("es")])))
        .audience("api")
        .cache(1000)
        .build()
        .unwrap()
}

#[derive(serde::Deserialize)]
struct Mine {
    sub: String,
    email: String,
}

fn app(layer: JwtLayer) -> Router {
    Router::new()
        .route(
            "/me",
            get(|c: VerifiedClaims| async move { c.sub().unwrap_or_default().to_owned() }),
        )
        .route(
            "/typed",
            get(|TypedClaims(m): TypedClaims<Mine>| async move { format!("{} {}", m.sub, m.email.len()) }),
        )
        .route(
            "/maybe",
            get(|c: Option<VerifiedClaims>| async move {
                c.map_or("anonymous".to_owned(), |c| c.sub().unwrap_or_default().to_owned())
            }),
        )
        .merge(
            Router::new()
                .route("/orders", get(|| async { "orders" }))
                .route_layer(require_scope("orders:read")),
        )
        .merge(
            Router::new()
                .route("/admin", get(|| async { "admin" }))
                .route_layer(require_role("admin")),
        )
        .merge(
            Router::new()
                .route("/write", get(|| async { "write" }))
                .route_layer(require_any_scope(["orders:write", "orders:admin"])),
        )
        .merge(
            Router::new()
                .route("/tenant", get(|| async { "tenant" }))
                .route_layer(require_claims(|c| c.get_str("tenant") == Some("t1"))),
        )
        .layer(layer)
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

struct Got {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

async fn send(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Got {
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
    let headers = res.headers().clone();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Got {
        status,
        headers,
        body,
    }
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[tokio::test]
async fn axum_router_over_a_socket() {
    let addr = serve(app(JwtLayer::new(verifier()).realm("orders").unwrap())).await;
    let good = hs().token("hs", &claims());

    let ok = send(addr, "/me", &[("authorization", &bearer(&good))]).await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "user-1"));
    // Served twice: the second time from the cache.
    let ok = send(addr, "/me", &[("authorization", &format!("bEaReR {good}"))]).await;
    assert_eq!(ok.status, StatusCode::OK);
    let ok = send(
        addr,
        "/typed",
        &[("authorization", &bearer(&ec().token("es", &claims())))],
    )
    .await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "user-1 16"));

    // No token: 401, challenge without error attribute.
    let none = send(addr, "/me", &[]).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers["www-authenticate"], r#"Bearer realm="orders""#);
    assert_eq!(none.headers["content-type"], "application/problem+json");

    // Bad tokens: 401 invalid_token; nothing of the token or claims in the answer.
    let mut expired = claims();
    expired["exp"] = json!(now() - 3600);
    let (input, _) = good.rsplit_once('.').unwrap();
    let mut bodies = std::collections::HashSet::new();
    for bad in [
        hs().token("hs", &expired),
        format!("{input}.AAAA"),
        "x.y.z".to_owned(),
    ] {
        let got = send(addr, "/me", &[("authorization", &bearer(&bad))]).await;
        assert_eq!(got.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(
            got.headers["www-authenticate"],
            r#"Bearer realm="orders", error="invalid_token""#
        );
        let problem: serde_json::Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(problem["status"], 401);
        assert!(!got.body.contains(&bad) && !got.body.contains("user-1") && !got.body.contains("jane"));
        bodies.insert(got.body);
    }
    assert_eq!(bodies.len(), 1, "which check failed is not revealed: {bodies:?}");

    // Two tokens: 400 invalid_request.
    let two = send(
        addr,
        "/me",
        &[
            ("authorization", &bearer(&good)),
            ("authorization", &bearer(&good)),
        ],
    )
    .await;
    assert_eq!(two.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        two.headers["www-authenticate"],
        r#"Bearer realm="orders", error="invalid_request""#
    );

    // Oversized: refused before decoding.
    let huge = format!("{}.{}.{}", "a".repeat(5000), "b".repeat(5000), "c");
    assert_eq!(
        send(addr, "/me", &[("authorization", &bearer(&huge))])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn authorization_per_route() {
    let addr = serve(app(JwtLayer::new(verifier()))).await;
    let reader = hs().token("hs", &claims());
    let h = [("authorization", bearer(&reader))];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();

    assert_eq!(send(addr, "/orders", &h).await.status, StatusCode::OK);
    let denied = send(addr, "/write", &h).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.headers["www-authenticate"],
        r#"Bearer realm="api", error="insufficient_scope", scope="orders:write orders:admin""#
    );
    assert_eq!(send(addr, "/admin", &h).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(addr, "/tenant", &h).await.status, StatusCode::FORBIDDEN);

    let mut c = claims();
    c["scope"] = json!("orders:admin");
    c["roles"] = json!(["admin"]);
    c["tenant"] = json!("t1");
    let admin = bearer(&hs().token("hs", &c));
    for path in ["/write", "/admin", "/tenant"] {
        assert_eq!(
            send(addr, path, &[("authorization", &admin)]).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    // The scp array form counts too.
    let mut c = claims();
    c.as_object_mut().unwrap().remove("scope");
    c["scp"] = json!(["orders:read"]);
    assert_eq!(
        send(
            addr,
            "/orders",
            &[("authorization", &bearer(&hs().token("hs", &c)))]
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn optional_mode_and_other_sources() {
    let layer = JwtLayer::new(verifier())
        .sources([TokenSource::Bearer, TokenSource::Cookie("at".into())])
        .optional(true);
    let addr = serve(app(layer)).await;
    let good = hs().token("hs", &claims());
    let anon = send(addr, "/maybe", &[]).await;
    assert_eq!((anon.status, anon.body.as_str()), (StatusCode::OK, "anonymous"));
    let me = send(addr, "/maybe", &[("cookie", &format!("theme=dark; at={good}"))]).await;
    assert_eq!((me.status, me.body.as_str()), (StatusCode::OK, "user-1"));
    // A bad token is still refused.
    assert_eq!(
        send(addr, "/maybe", &[("cookie", "at=a.b.c")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Cookie and header together: invalid_request.
    let both = [("cookie", format!("at={good}")), ("authorization", bearer(&good))];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(send(addr, "/maybe", &both).await.status, StatusCode::BAD_REQUEST);
    // Routes that need claims answer 401 without them (extractor and authorization layer).
    assert_eq!(send(addr, "/me", &[]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(send(addr, "/orders", &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rejection_and_claims_are_in_extensions() {
    let svc = tower::service_fn(|req: Request<Full<Bytes>>| async move {
        let claims = req.extensions().get::<shroud_jwt::Claims>().cloned();
        let info = req.extensions().get::<shroud_jwt::TokenInfo>().cloned();
        assert_eq!(info.unwrap().alg, "ES256");
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(
            claims.unwrap().sub().unwrap().to_owned(),
        ))))
    });
    let svc = tower::ServiceBuilder::new()
        .layer(JwtLayer::new(verifier()))
        .service(svc);
    let res = svc.clone().oneshot(Request::new(Full::default())).await.unwrap();
    assert_eq!(
        res.extensions().get::<Rejection>(),
        Some(&Rejection::MissingToken)
    );
    let bad = Request::get("/")
        .header("authorization", "Bearer a.b.c")
        .body(Full::default())
        .unwrap();
    let res = svc.clone().oneshot(bad).await.unwrap();
    assert_eq!(res.extensions().get::<Rejection>(), Some(&Rejection::Malformed));
    let good = Request::get("/")
        .header("authorization", bearer(&ec().token("es", &claims())))
        .body(Full::default())
        .unwrap();
    let res = svc.oneshot(good).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "user-1");
}

#[tokio::test]
async fn custom_rejection_response() {
    let layer = JwtLayer::new(verifier()).on_rejection(|r: &Rejection, _kind: shroud_jwt::RequestKind| {
        let mut res = Response::new(Bytes::from(format!("nope: {}", r.code())));
        *res.status_mut() = StatusCode::IM_A_TEAPOT;
        res
    });
    let svc = tower::ServiceBuilder::new()
        .layer(layer)
        .service(tower::service_fn(|_r: Request<Full<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Full::<Bytes>::default()))
        }));
    let res = svc.oneshot(Request::new(Full::default())).await.unwrap();
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(
        res.extensions().get::<Rejection>(),
        Some(&Rejection::MissingToken)
    );
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "nope: missing_token"
    );
}

/// A plain hyper server (HTTP/1 and HTTP/2) with the layer; gRPC requests
/// are answered trailers-only, as tonic does.
#[tokio::test]
async fn hyper_server_http_and_grpc() {
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = tower::ServiceBuilder::new()
        .layer(JwtLayer::new(verifier()).sources([TokenSource::Grpc, TokenSource::Bearer]))
        .layer(require_scope("orders:read"))
        .service(tower::service_fn(
            |req: Request<hyper::body::Incoming>| async move {
                let sub = req
                    .extensions()
                    .get::<shroud_jwt::Claims>()
                    .and_then(|c| c.sub().map(str::to_owned));
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(sub.unwrap_or_default()))))
            },
        ));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let svc = TowerToHyperService::new(svc.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });

    // HTTP/1.1
    let good = hs().token("hs", &claims());
    let ok = send(addr, "/", &[("authorization", &bearer(&good))]).await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "user-1"));
    assert_eq!(send(addr, "/", &[]).await.status, StatusCode::UNAUTHORIZED);

    // gRPC over HTTP/2 (prior knowledge).
    let h2 = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let grpc = |auth: Option<String>| {
        let mut req = Request::post(format!("http://{addr}/pkg.Orders/List"))
            .header("content-type", "application/grpc")
            .header("te", "trailers");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        h2.request(req.body(Full::new(Bytes::from_static(&[0, 0, 0, 0, 0]))).unwrap())
    };
    for (auth, want) in [(None, "16"), (Some(bearer("x.y.z")), "16")] {
        let res = tokio::time::timeout(Duration::from_secs(10), grpc(auth))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["grpc-status"], want);
        assert_eq!(res.headers()["content-type"], "application/grpc");
        assert!(res.headers().contains_key("grpc-message"));
        assert!(
            res.into_body().collect().await.unwrap().to_bytes().is_empty(),
            "trailers-only"
        );
    }
    let mut c = claims();
    c["scope"] = json!("other");
    let res = grpc(Some(bearer(&hs().token("hs", &c)))).await.unwrap();
    assert_eq!(res.headers()["grpc-status"], "7");
    let res = grpc(Some(bearer(&good))).await.unwrap();
    assert!(!res.headers().contains_key("grpc-status"));
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "user-1");
}
