//! Authorization rules from the configuration (`jwt.authorization`), end to
//! end: a real axum server on loopback behind `Stack::from_config`, called
//! with a real hyper client. Every way a rule refuses is shown refusing.

mod common;

use axum::Router;
use axum::routing::get;
use common::{config_with, demo, send, serve_axum};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use shroud::Stack;
use shroud::config::AuthzRuleConfig;

fn rule(prefix: &str, methods: &[&str], scopes: &[&str], any: &[&str], roles: &[&str]) -> AuthzRuleConfig {
    let list = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    serde_json::from_value(json!({
        "path_prefix": prefix,
        "methods": list(methods),
        "scopes": list(scopes),
        "any_scopes": list(any),
        "roles": list(roles),
    }))
    .expect("rule")
}

/// A server whose every route answers 200 "ok", behind rules on `/admin`
/// (role `admin`), `/orders` (POST needs `orders:write`), `/reports` (one of
/// `eu` or `us`), with authentication optional elsewhere.
async fn start() -> (std::net::SocketAddr, demo::DevKey) {
    let key = demo::DevKey::generate();
    let mut config = config_with(&key);
    config.jwt.as_mut().expect("jwt section").optional = true;
    config.jwt.as_mut().expect("jwt section").authorization = vec![
        rule("/admin/", &[], &[], &[], &["admin"]),
        rule("/orders", &["post"], &["orders:write"], &[], &[]),
        rule("/reports", &[], &["reports:read"], &["eu", "us"], &[]),
    ];
    let stack = Stack::from_config(&config).expect("stack builds");
    let ok = get(|| async { "ok" }).post(|| async { "ok" });
    let app = Router::new()
        .route("/admin", ok.clone())
        .route("/admin/users", ok.clone())
        .route("/administrator", ok.clone())
        .route("/orders", ok.clone())
        .route("/reports", ok.clone())
        .route("/public", ok)
        .layer(stack);
    (serve_axum(app).await, key)
}

fn token(key: &demo::DevKey, scope: &str, roles: &[&str]) -> String {
    let mut claims: Value = demo::demo_claims(600);
    claims["scope"] = scope.into();
    claims["roles"] = json!(roles);
    demo::mint_token(key, &claims)
}

#[tokio::test]
async fn a_role_rule_refuses_a_token_without_the_role() {
    let (addr, key) = start().await;
    let staff = token(&key, "users:read", &["staff"]);
    let admin = token(&key, "users:read", &["admin"]);
    for path in ["/admin", "/admin/users"] {
        let got = send(addr, Method::GET, path, Some(&staff), &[]).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            got.headers["www-authenticate"]
                .to_str()
                .expect("ASCII")
                .contains(r#"error="insufficient_scope""#)
        );
        let got = send(addr, Method::GET, path, Some(&admin), &[]).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
    }
    // Prefixes match whole segments.
    let got = send(addr, Method::GET, "/administrator", Some(&staff), &[]).await;
    assert_eq!(got.status, StatusCode::OK);
}

#[tokio::test]
async fn a_method_rule_covers_only_its_methods() {
    let (addr, key) = start().await;
    let reader = token(&key, "orders:read", &[]);
    let writer = token(&key, "orders:read orders:write", &[]);
    assert_eq!(
        send(addr, Method::GET, "/orders", Some(&reader), &[])
            .await
            .status,
        StatusCode::OK
    );
    let got = send(addr, Method::POST, "/orders", Some(&reader), &[]).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(
        got.headers["www-authenticate"],
        r#"Bearer realm="users-api", error="insufficient_scope", scope="orders:write""#
    );
    assert_eq!(
        send(addr, Method::POST, "/orders", Some(&writer), &[])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn any_scopes_need_one_of_them_besides_the_required_ones() {
    let (addr, key) = start().await;
    let cases = [
        ("reports:read eu", StatusCode::OK),
        ("reports:read us", StatusCode::OK),
        ("reports:read", StatusCode::FORBIDDEN),
        ("eu us", StatusCode::FORBIDDEN),
    ];
    for (scope, want) in cases {
        let got = send(addr, Method::GET, "/reports", Some(&token(&key, scope, &[])), &[]).await;
        assert_eq!(got.status, want, "{scope}");
        if want == StatusCode::FORBIDDEN {
            // The challenge names what the rule asks for.
            assert_eq!(
                got.headers["www-authenticate"],
                r#"Bearer realm="users-api", error="insufficient_scope", scope="reports:read eu us""#
            );
        }
    }
}

#[tokio::test]
async fn without_a_token_a_rule_path_gets_401_and_others_pass() {
    let (addr, _key) = start().await;
    // Authentication is optional: no rule covers /public.
    assert_eq!(
        send(addr, Method::GET, "/public", None, &[]).await.status,
        StatusCode::OK
    );
    for path in ["/admin", "/reports"] {
        let got = send(addr, Method::GET, path, None, &[]).await;
        assert_eq!(got.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(got.headers["www-authenticate"], r#"Bearer realm="users-api""#);
    }
    // A method the rule does not name needs no token.
    assert_eq!(
        send(addr, Method::GET, "/orders", None, &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(addr, Method::POST, "/orders", None, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn grpc_requests_are_refused_with_grpc_status_whatever_the_case_of_their_content_type() {
    let (addr, key) = start().await;
    let staff = token(&key, "users:read", &["staff"]);
    for ct in ["application/grpc", "Application/GRPC+proto"] {
        let got = send(
            addr,
            Method::POST,
            "/admin",
            Some(&staff),
            &[("content-type", ct)],
        )
        .await;
        assert_eq!(
            got.status,
            StatusCode::OK,
            "gRPC errors are trailers-only HTTP 200 ({ct})"
        );
        assert_eq!(got.headers["grpc-status"], "7", "PERMISSION_DENIED ({ct})");
        assert!(!got.headers.contains_key("www-authenticate"));
        let got = send(addr, Method::POST, "/admin", None, &[("content-type", ct)]).await;
        assert_eq!(got.headers["grpc-status"], "16", "UNAUTHENTICATED ({ct})");
    }
}

#[tokio::test]
async fn refusals_are_logged_with_their_reason_and_nothing_personal() {
    let (addr, key) = start().await;
    let staff = token(&key, "users:read", &["staff"]);
    let got = send(addr, Method::GET, "/admin", Some(&staff), &[]).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    let got = send(addr, Method::GET, "/reports", None, &[]).await;
    assert_eq!(got.status, StatusCode::UNAUTHORIZED);
    let logs = common::logs().text();
    for reason in ["insufficient_scope", "missing_token"] {
        assert!(
            logs.contains(&format!(r#""reason":"{reason}""#)),
            "the refusal's reason is logged:\n{logs}"
        );
    }
    common::assert_no_pii("authorization logs", &logs);
    assert!(!logs.contains(&staff[..40]), "the token is never logged");
}
