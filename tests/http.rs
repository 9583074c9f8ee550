//! End to end over HTTP: the example API behind `Stack::from_config`, served
//! by axum (and by plain hyper through `ServiceBuilder`) on loopback, called
//! with a real hyper client.

mod common;

#[path = "../examples/support/app.rs"]
mod app;

use axum::routing::get as route_get;
use common::{assert_no_pii, config_with, demo, get, serve_axum};
use http::StatusCode;
use serde_json::Value;
use shroud::Stack;
use shroud::anon::AnonymizedClaims;
use shroud::core::Claims;

/// The example API, plus a route reporting what a handler can see of the
/// caller's claims, behind the stack of the default config.
async fn start() -> (std::net::SocketAddr, demo::DevKey) {
    let key = demo::DevKey::generate();
    let stack = Stack::from_config(&config_with(&key)).expect("stack builds");
    let app = app::router()
        .route(
            "/seen",
            route_get(|req: axum::extract::Request| async move {
                let ext = req.extensions();
                axum::Json(serde_json::json!({
                    "raw_claims": ext.get::<Claims>().is_some(),
                    "claims": ext.get::<AnonymizedClaims>().map(|c| c.as_map().clone()),
                }))
            }),
        )
        .layer(stack);
    (serve_axum(app).await, key)
}

fn token(key: &demo::DevKey) -> String {
    demo::mint_token(key, &demo::demo_claims(600))
}

#[tokio::test]
async fn a_valid_token_gets_a_redacted_json_body() {
    let (addr, key) = start().await;
    let got = get(addr, "/users/1", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_no_pii("JSON body", &got.body);
    let v: Value = serde_json::from_str(&got.body).expect("still JSON");
    assert_eq!(v["id"], 1);
    assert_eq!(v["email"], "j*******@e******.com");
    assert_eq!(v["card"], "[REDACTED:card]");
    assert_eq!(v["address"]["street"], "[REDACTED]");
    assert_eq!(v["address"]["city"], "San Francisco");
    assert!(v.get("password").is_none(), "password dropped");
    assert!(
        got.headers
            .get("content-length")
            .is_none_or(|l| l == &got.body.len().to_string())
    );
}

#[tokio::test]
async fn the_list_is_redacted_too() {
    let (addr, key) = start().await;
    let got = get(addr, "/users", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_no_pii("list body", &got.body);
    let v: Value = serde_json::from_str(&got.body).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(demo::USERS.len()));
}

#[tokio::test]
async fn a_missing_token_gets_401_with_a_bare_challenge() {
    let (addr, _) = start().await;
    let got = get(addr, "/users/1", None).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    // RFC 6750 §3.1: no error code when the request carried no credentials.
    assert_eq!(got.headers["www-authenticate"], r#"Bearer realm="users-api""#);
    assert_eq!(got.headers["content-type"], "application/problem+json");
    assert_no_pii("401 body", &got.body);
}

#[tokio::test]
async fn an_expired_token_gets_401_invalid_token() {
    let (addr, key) = start().await;
    let expired = demo::mint_token(&key, &demo::demo_claims(-3600));
    let got = get(addr, "/users/1", Some(&expired)).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        got.headers["www-authenticate"],
        r#"Bearer realm="users-api", error="invalid_token""#
    );
    assert!(!got.body.contains(&expired));
    assert_no_pii("401 body", &got.body);
}

#[tokio::test]
async fn a_tampered_token_gets_401_invalid_token() {
    let (addr, key) = start().await;
    let good = demo::mint_signed_token(&key, &demo::demo_claims(600));
    // Change the payload: a bigger scope, same signature.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut claims = demo::demo_claims(600);
    claims["scope"] = "users:read users:export admin".into();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        claims.to_string(),
    );
    let tampered = parts.join(".");
    let got = get(addr, "/users/1", Some(&tampered)).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        got.headers["www-authenticate"],
        r#"Bearer realm="users-api", error="invalid_token""#
    );
    // A flipped signature byte is refused the same way.
    let mut sig = good.into_bytes();
    let last = sig.len() - 2;
    sig[last] = if sig[last] == b'A' { b'B' } else { b'A' };
    let got = get(addr, "/users/1", Some(std::str::from_utf8(&sig).expect("ASCII"))).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_from_an_untrusted_key_gets_401() {
    let (addr, _) = start().await;
    let stranger = demo::DevKey::generate();
    let got = get(addr, "/users/1", Some(&token(&stranger))).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    assert!(
        got.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn a_token_without_the_scope_of_a_rule_gets_403() {
    let (addr, key) = start().await;
    let mut claims = demo::demo_claims(600);
    claims["scope"] = "users:read".into();
    let read_only = demo::mint_token(&key, &claims);
    assert_eq!(
        get(addr, "/users/1", Some(&read_only)).await.status,
        StatusCode::OK
    );
    let got = get(addr, "/export", Some(&read_only)).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(
        got.headers["www-authenticate"],
        r#"Bearer realm="users-api", error="insufficient_scope", scope="users:export""#
    );
    // No rule covers /me: a valid token is enough.
    assert_eq!(get(addr, "/me", Some(&read_only)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn handlers_see_anonymized_claims_only() {
    let (addr, key) = start().await;
    let got = get(addr, "/seen", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&got.body).expect("JSON");
    assert_eq!(v["raw_claims"], false, "raw claims removed before the handler");
    let claims = &v["claims"];
    let email = claims["email"].as_str().expect("email pseudonym");
    assert!(email.starts_with("ps1.dev."), "{email}");
    assert_eq!(claims["sub"], claims["email"], "same domain: linkable pseudonyms");
    assert_eq!(claims["phone_number"], "+* *** *** 0134");
    assert_eq!(claims["birthdate"], "1988");
    assert!(claims.get("name").is_none(), "not on the allow-list");
    assert_eq!(claims["scope"], "users:read users:export");

    // `/me` of the example shows the same, and the caller pseudonym.
    let me = get(addr, "/me", Some(&token(&key))).await;
    assert_no_pii("/me", &me.body);
    let me: Value = serde_json::from_str(&me.body).expect("JSON");
    assert_eq!(me["claims"]["email"], email);
    assert!(me["caller"].as_str().is_some_and(|c| c.starts_with("ps1.dev.")));
}

#[tokio::test]
async fn a_streamed_ndjson_export_is_redacted_record_by_record() {
    let (addr, key) = start().await;
    let got = get(addr, "/export?repeat=3000", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_no_pii("NDJSON export", &got.body);
    let lines: Vec<&str> = got.body.lines().collect();
    assert_eq!(lines.len(), 3000);
    for line in lines {
        let v: Value = serde_json::from_str(line).expect("each record is JSON");
        assert!(
            v["card"].as_str().is_some_and(|c| c.starts_with("[REDACTED")),
            "{line}"
        );
    }
}

#[tokio::test]
async fn server_sent_events_are_redacted() {
    let (addr, key) = start().await;
    let got = get(addr, "/feed", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "text/event-stream");
    assert_no_pii("SSE feed", &got.body);
    assert_eq!(got.body.matches("event: signup").count(), demo::USERS.len());
    assert!(
        got.body.contains(r#""email":"j*******@e******.com""#),
        "{}",
        got.body
    );
}

#[tokio::test]
async fn logs_hold_no_pii_and_no_token() {
    let (addr, key) = start().await;
    let tok = token(&key);
    // A handler that logs a raw email (`/users/{id}`), refusals, a stream.
    assert_eq!(
        get(addr, "/users/2?email=john.roe@example.org", Some(&tok))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(get(addr, "/users/1", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(addr, "/users/1", Some(&format!("{tok}x"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get(addr, "/export", Some(&tok)).await.status, StatusCode::OK);

    let logs = common::logs().text();
    assert!(
        logs.contains("user read"),
        "the handler's event is there:\n{logs}"
    );
    assert!(
        logs.contains(r#""http.route":"/users/{id}""#),
        "route template, not the path:\n{logs}"
    );
    assert!(
        logs.contains(r#""http.status":401"#),
        "refusals are traced:\n{logs}"
    );
    assert!(
        logs.contains("ps1.dev."),
        "the caller pseudonym is recorded:\n{logs}"
    );
    assert_no_pii("logs", &logs);
    assert!(!logs.contains(&tok[..40]), "no token in logs");
    assert!(!logs.contains("john.roe"), "no query string in logs");
}

#[tokio::test]
async fn a_plain_hyper_server_with_service_builder() {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceBuilder;

    let key = demo::DevKey::generate();
    let stack = Stack::from_config(&config_with(&key)).expect("stack");
    let service =
        ServiceBuilder::new()
            .layer(stack)
            .service_fn(|_req: http::Request<hyper::body::Incoming>| async {
                let body = r#"{"email":"jane.doe@example.com","card":"4111 1111 1111 1111"}"#;
                Ok::<_, std::convert::Infallible>(
                    http::Response::builder()
                        .header("content-type", "application/json")
                        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                        .expect("response"),
                )
            });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    assert_eq!(get(addr, "/", None).await.status, StatusCode::UNAUTHORIZED);
    let got = get(addr, "/", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.body,
        r#"{"email":"j*******@e******.com","card":"[REDACTED:card]"}"#
    );
}

#[tokio::test]
async fn a_token_minted_with_anonymized_claims_carries_no_pii_and_verifies() {
    let key = demo::DevKey::generate();
    let stack = Stack::from_config(&config_with(&key)).expect("stack");
    let policy = stack.anonymize().expect("anonymize section").policy().clone();
    let token = demo::mint_anonymized_token(&key, &policy, &demo::demo_claims(600));
    assert_eq!(token.split('.').count(), 5, "a nested JWE");
    let inner = key.decrypt(&token);
    let payload = inner.split('.').nth(1).expect("compact JWS");
    let claims =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).expect("b64");
    let claims = String::from_utf8(claims).expect("UTF-8");
    assert_no_pii("minted token", &claims);
    assert!(claims.contains("\"sub\":\"ps1.dev."), "{claims}");

    let addr = serve_axum(app::router().layer(stack)).await;
    let got = get(addr, "/users/1", Some(&token)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
}

/// The default config trusting `key`, decrypting with the A256KW `secret`.
fn encrypted_config(key: &demo::DevKey, secret: &[u8; 32], require: bool) -> shroud::Config {
    let mut config = config_with(key);
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secret);
    let jwt = config.jwt.as_mut().expect("jwt");
    jwt.encryption.decryption_keys.push(shroud::config::KeyConfig {
        format: shroud::config::KeyFormat::Hmac,
        alg: Some("A256KW".into()),
        kid: Some("enc-1".into()),
        enc: None,
        value: Some(format!("base64:{b64}")),
        file: None,
        env: None,
    });
    jwt.encryption.require_encryption = require;
    config
}

/// A nested JWE: the signed token encrypted to `secret` (A256KW + A256GCM).
fn encrypt(token: &str, secret: &[u8; 32]) -> String {
    use shroud::jwt::{ContentEncryption, Encrypter, EncryptionKey, KeyManagement};
    let key = EncryptionKey::symmetric(secret, KeyManagement::A256Kw)
        .expect("key")
        .with_kid("enc-1");
    Encrypter::new(key, ContentEncryption::A256Gcm)
        .encrypt(token.as_bytes(), Some("JWT"))
        .expect("encrypt")
}

#[tokio::test]
async fn encrypted_tokens_are_decrypted_then_verified() {
    let key = demo::DevKey::generate();
    let secret = [7u8; 32];
    let stack = Stack::from_config(&encrypted_config(&key, &secret, false)).expect("stack");
    let addr = serve_axum(app::router().layer(stack)).await;
    let jwe = encrypt(&demo::mint_signed_token(&key, &demo::demo_claims(600)), &secret);
    assert_eq!(jwe.split('.').count(), 5, "compact JWE");

    let got = get(addr, "/me", Some(&jwe)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_no_pii("/me", &got.body);
    // Signed-only tokens still pass without `require_encryption`.
    assert_eq!(get(addr, "/me", Some(&token(&key))).await.status, StatusCode::OK);
    // Encrypted to another key, or wrapping a token from an untrusted signer.
    let other = encrypt(&token(&key), &[8u8; 32]);
    assert_eq!(
        get(addr, "/me", Some(&other)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let forged = encrypt(&token(&demo::DevKey::generate()), &secret);
    assert_eq!(
        get(addr, "/me", Some(&forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn require_encryption_refuses_signed_only_tokens() {
    let key = demo::DevKey::generate();
    let secret = [9u8; 32];
    let stack = Stack::from_config(&encrypted_config(&key, &secret, true)).expect("stack");
    let addr = serve_axum(app::router().layer(stack)).await;
    let plain = get(
        addr,
        "/me",
        Some(&demo::mint_signed_token(&key, &demo::demo_claims(600))),
    )
    .await;
    assert_eq!(plain.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        plain.headers["www-authenticate"],
        r#"Bearer realm="users-api", error="invalid_token""#
    );
    let signed = demo::mint_signed_token(&key, &demo::demo_claims(600));
    let ok = get(addr, "/users/1", Some(&encrypt(&signed, &secret))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_no_pii("/users/1", &ok.body);
}

#[tokio::test]
async fn without_decryption_keys_encrypted_tokens_are_refused() {
    let key = demo::DevKey::generate();
    let mut config = config_with(&key);
    config
        .jwt
        .as_mut()
        .expect("jwt")
        .encryption
        .decryption_keys
        .clear();
    let addr = serve_axum(app::router().layer(Stack::from_config(&config).expect("stack"))).await;
    let got = get(addr, "/me", Some(&token(&key))).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    let signed = demo::mint_signed_token(&key, &demo::demo_claims(600));
    assert_eq!(get(addr, "/me", Some(&signed)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn optional_authentication_still_enforces_the_rules() {
    let key = demo::DevKey::generate();
    let mut config = config_with(&key);
    config.jwt.as_mut().expect("jwt").optional = true;
    let stack = Stack::from_config(&config).expect("stack");
    let app = axum::Router::new()
        .route(
            "/seen",
            route_get(|req: axum::extract::Request| async move {
                axum::Json(
                    serde_json::json!({ "claims": req.extensions().get::<AnonymizedClaims>().is_some() }),
                )
            }),
        )
        .merge(app::router())
        .layer(stack);
    let addr = serve_axum(app).await;
    // No rule covers /seen: the request passes without claims.
    let open = get(addr, "/seen", None).await;
    assert_eq!(open.status, StatusCode::OK);
    assert_eq!(open.body, r#"{"claims":false}"#);
    // A rule covers /users: no claims, no entry.
    let closed = get(addr, "/users/1", None).await;
    assert_eq!(closed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(closed.headers["www-authenticate"], r#"Bearer realm="users-api""#);
    // A present token must still verify.
    let bad = get(addr, "/seen", Some("e30.e30.e30")).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(addr, "/seen", Some(&token(&key))).await.body,
        r#"{"claims":true}"#
    );
}
