//! End to end over gRPC: the example user service behind
//! `Server::builder().layer(Stack::from_config(..))` on loopback, called with
//! the generated tonic client.

mod common;

#[path = "../examples/support/grpc.rs"]
mod grpc;

use std::net::SocketAddr;

use common::{assert_no_pii, config_with, demo};
use grpc::pb::users_client::UsersClient;
use grpc::pb::users_server::UsersServer;
use grpc::pb::{GetUserRequest, ListUsersRequest, WhoAmIRequest};
use serde_json::Value;
use shroud::Stack;
use tonic::Code;
use tonic::transport::Channel;

async fn start() -> (SocketAddr, demo::DevKey) {
    let key = demo::DevKey::generate();
    let stack = Stack::from_config(&config_with(&key)).expect("stack builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .layer(stack)
            .add_service(UsersServer::new(grpc::UserService))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
            .expect("server");
    });
    (addr, key)
}

async fn client(addr: SocketAddr) -> UsersClient<Channel> {
    tokio::time::timeout(common::TIMEOUT, UsersClient::connect(format!("http://{addr}")))
        .await
        .expect("connect within the timeout")
        .expect("connect")
}

fn with_token<T>(message: T, token: Option<&str>) -> tonic::Request<T> {
    let mut req = tonic::Request::new(message);
    req.set_timeout(common::TIMEOUT);
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().expect("ASCII"));
    }
    req
}

/// Asserts a refusal with `code` whose message names no token, claim or key.
fn assert_refused(status: &tonic::Status, code: Code, token: Option<&str>) {
    assert_eq!(status.code(), code, "{status:?}");
    let msg = status.message();
    if let Some(t) = token {
        assert!(
            !msg.contains(&t[..20]) && !msg.contains(&t[t.len() - 20..]),
            "{msg}"
        );
    }
    for word in ["eyJ", "signature", "kid", "exp", "jane", "@"] {
        assert!(!msg.contains(word), "message {msg:?} says {word:?}");
    }
    assert_no_pii("gRPC status message", msg);
}

#[tokio::test]
async fn a_valid_token_reaches_the_service_with_anonymized_claims() {
    let (addr, key) = start().await;
    let token = demo::mint_token(&key, &demo::demo_claims(600));
    let mut c = client(addr).await;
    let me = c
        .who_am_i(with_token(WhoAmIRequest {}, Some(&token)))
        .await
        .expect("accepted")
        .into_inner();
    assert_no_pii("WhoAmI", &me.claims_json);
    let claims: Value = serde_json::from_str(&me.claims_json).expect("JSON");
    assert!(
        claims["email"]
            .as_str()
            .is_some_and(|e| e.starts_with("ps1.dev."))
    );
    assert!(claims.get("name").is_none());
    assert!(me.caller.starts_with("ps1.dev."));

    let user = c
        .get_user(with_token(GetUserRequest { id: 1 }, Some(&token)))
        .await
        .expect("accepted")
        .into_inner();
    assert_eq!(user.id, 1);
    assert_eq!(user.email, "[REDACTED:email]");
    assert_no_pii("GetUser", &format!("{user:?}"));

    let mut stream = c
        .list_users(with_token(ListUsersRequest {}, Some(&token)))
        .await
        .expect("accepted")
        .into_inner();
    let mut ids = Vec::new();
    while let Some(u) = stream.message().await.expect("stream") {
        ids.push(u.id);
    }
    assert_eq!(ids, [1, 2, 3]);
}

#[tokio::test]
async fn missing_expired_and_tampered_tokens_are_unauthenticated() {
    let (addr, key) = start().await;
    let mut c = client(addr).await;

    let status = c.who_am_i(with_token(WhoAmIRequest {}, None)).await.unwrap_err();
    assert_refused(&status, Code::Unauthenticated, None);

    let expired = demo::mint_token(&key, &demo::demo_claims(-3600));
    let status = c
        .who_am_i(with_token(WhoAmIRequest {}, Some(&expired)))
        .await
        .unwrap_err();
    assert_refused(&status, Code::Unauthenticated, Some(&expired));

    let good = demo::mint_token(&key, &demo::demo_claims(600));
    let (head, sig) = good.rsplit_once('.').expect("three parts");
    let tampered = format!("{head}.{}", sig.chars().rev().collect::<String>());
    let status = c
        .who_am_i(with_token(WhoAmIRequest {}, Some(&tampered)))
        .await
        .unwrap_err();
    assert_refused(&status, Code::Unauthenticated, Some(&tampered));

    let stranger = demo::mint_token(&demo::DevKey::generate(), &demo::demo_claims(600));
    let status = c
        .get_user(with_token(GetUserRequest { id: 1 }, Some(&stranger)))
        .await
        .unwrap_err();
    assert_refused(&status, Code::Unauthenticated, Some(&stranger));
}

#[tokio::test]
async fn a_token_without_the_scope_is_permission_denied() {
    let (addr, key) = start().await;
    let mut claims = demo::demo_claims(600);
    claims["scope"] = "users:export".into();
    let token = demo::mint_token(&key, &claims);
    let mut c = client(addr).await;
    let status = c
        .get_user(with_token(GetUserRequest { id: 1 }, Some(&token)))
        .await
        .unwrap_err();
    assert_refused(&status, Code::PermissionDenied, Some(&token));
}

#[tokio::test]
async fn service_statuses_pass_through_the_stack() {
    let (addr, key) = start().await;
    let token = demo::mint_token(&key, &demo::demo_claims(600));
    let mut c = client(addr).await;
    let status = c
        .get_user(with_token(GetUserRequest { id: 99 }, Some(&token)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), "no user with this id");
}

#[tokio::test]
async fn grpc_logs_hold_no_pii_and_no_token() {
    let (addr, key) = start().await;
    let token = demo::mint_token(&key, &demo::demo_claims(600));
    let mut c = client(addr).await;
    c.get_user(with_token(GetUserRequest { id: 2 }, Some(&token)))
        .await
        .expect("accepted");
    c.who_am_i(with_token(WhoAmIRequest {}, None)).await.unwrap_err();

    let logs = common::logs().text();
    assert!(
        logs.contains("user read"),
        "the service's event is there:\n{logs}"
    );
    assert!(logs.contains(r#""rpc.system":"grpc""#), "{logs}");
    assert!(logs.contains("/users.v1.Users/GetUser"), "{logs}");
    assert_no_pii("gRPC logs", &logs);
    assert!(!logs.contains(&token[..40]), "no token in logs");
}
