//! Encrypted tokens through JwtLayer over a real socket: axum on 127.0.0.1,
//! a hyper client.
#![cfg(feature = "axum")]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use common::*;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shroud_jwt::authz::require_encryption;
use shroud_jwt::{
    ContentEncryption, DecryptionKey, DecryptionKeySet, Encrypter, EncryptionKey, JwtLayer, TrustedIssuer,
    VerifiedClaims, Verifier,
};

fn recipient() -> (DecryptionKey, EncryptionKey) {
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "kid": "enc-1", "use": "enc",
        "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    });
    let mut public = jwk.clone();
    public.as_object_mut().unwrap().remove("d");
    (
        DecryptionKey::from_jwk(&jwk).unwrap(),
        EncryptionKey::from_jwk(&public).unwrap(),
    )
}

fn app() -> Router {
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(hs().key("hs")))
        .audience("api")
        .decryption_keys(DecryptionKeySet::new([recipient().0]))
        .build()
        .unwrap();
    let me = |c: VerifiedClaims| async move { c.sub().unwrap_or_default().to_owned() };
    Router::new()
        .route("/me", get(me))
        .merge(
            Router::new()
                .route("/secret", get(me))
                .route_layer(require_encryption()),
        )
        .layer(JwtLayer::new(verifier))
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Status, `WWW-Authenticate` and body of a GET with this bearer token.
async fn get_with(addr: SocketAddr, path: &str, token: &str) -> (StatusCode, Option<String>, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = Request::get(format!("http://{addr}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::default())
        .unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), client.request(req))
        .await
        .unwrap()
        .unwrap();
    let status = res.status();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, challenge, body)
}

#[tokio::test]
async fn nested_jwe_over_a_socket() {
    let addr = serve(app()).await;
    let encrypter = Encrypter::new(recipient().1, ContentEncryption::A256Gcm);
    let jws = hs().token("hs", &claims());
    let jwe = encrypter.encrypt(jws.as_bytes(), Some("JWT")).unwrap();

    // The handler sees the inner claims, on both routes.
    for path in ["/me", "/secret"] {
        let (status, _, body) = get_with(addr, path, &jwe).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "user-1"), "{path}");
    }

    // The same claims as a plain JWS: fine on /me, refused where encryption is required.
    assert_eq!(get_with(addr, "/me", &jws).await.0, StatusCode::OK);
    let (status, challenge, _) = get_with(addr, "/secret", &jws).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer realm="api", error="invalid_token""#)
    );

    // A JWE for another recipient key and one with a flipped tag byte get the
    // very same answer.
    let other = serde_json::json!({
        "kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "kid": "enc-1",
        "x": "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
        "y": "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
    });
    let wrong_key = Encrypter::new(
        EncryptionKey::from_jwk(&other).unwrap(),
        ContentEncryption::A256Gcm,
    )
    .encrypt(jws.as_bytes(), Some("JWT"))
    .unwrap();
    let (head, tag) = jwe.rsplit_once('.').unwrap();
    let mut tag = tag.as_bytes().to_vec();
    tag[0] = if tag[0] == b'A' { b'B' } else { b'A' };
    let bad_tag = format!("{head}.{}", String::from_utf8(tag).unwrap());
    let a = get_with(addr, "/me", &wrong_key).await;
    let b = get_with(addr, "/me", &bad_tag).await;
    assert_eq!(a.0, StatusCode::UNAUTHORIZED);
    assert_eq!(a, b);
    assert!(!a.2.contains("decrypt") && !a.2.contains("tag") && !a.2.contains("user-1"));
}
