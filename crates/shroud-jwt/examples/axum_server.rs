//! An axum server behind `JwtLayer`, with a per-route scope requirement.
//!
//! ```sh
//! cargo run -p shroud-jwt --example axum_server --features axum
//! # then, with the token it prints:
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders
//! ```
#![allow(clippy::print_stdout, missing_docs)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shroud_jwt::authz::require_scope;
use shroud_jwt::{Algorithm, JwtLayer, Key, TrustedIssuer, VerifiedClaims, Verifier};

const SECRET: &[u8] = b"example-secret-of-at-least-32-bytes!";

/// Mints an HS256 token for the demo (a real deployment gets tokens from its
/// identity provider and verifies them with its JWKS).
fn demo_token() -> String {
    let exp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = format!(
        r#"{{"iss":"https://id.example","sub":"demo","aud":"orders","exp":{exp},"scope":"orders:read"}}"#
    );
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET), input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let verifier = Verifier::builder()
        .issuer(TrustedIssuer::new("https://id.example").key(Key::hmac(SECRET, Algorithm::HS256)?))
        .audience("orders")
        .cache(10_000)
        .build()?;

    let app = Router::new()
        .route(
            "/orders",
            get(|c: VerifiedClaims| async move { format!("orders of {}\n", c.sub().unwrap_or("?")) }),
        )
        .route_layer(require_scope("orders:read"))
        .route(
            "/me",
            // Debug of `Claims` shows claim names, never their values.
            get(|c: VerifiedClaims| async move { format!("{:?}\n", c.0) }),
        )
        .layer(JwtLayer::new(verifier).realm("orders")?);

    println!("TOKEN={}", demo_token());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
