//! hyper 1 and hyper-util, no framework: one `tower::ServiceBuilder` with
//! shroud's `Stack` around a plain service function.
//!
//! ```sh
//! cargo run --example hyper                       # embedded config, dev key, demo token
//! cargo run --example hyper -- --config my.toml
//! ```
//!
//! Listens on `SHROUD_ADDR` (default `127.0.0.1:3001`).

#[path = "support/demo.rs"]
mod demo;

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use shroud::anon::AnonymizedClaims;
use shroud::prelude::*;
use tower::ServiceBuilder;

const DEFAULT_CONFIG: &str = include_str!("config/default.toml");

/// The application: `/me` (the anonymized claims) and `/users/{id}`.
async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let json = |status: StatusCode, body: serde_json::Value| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("valid response")
    };
    let path = req.uri().path();
    if path == "/me" {
        let claims = req
            .extensions()
            .get::<AnonymizedClaims>()
            .map(|c| c.as_map().clone());
        return Ok(json(StatusCode::OK, serde_json::json!({ "claims": claims })));
    }
    let user = path
        .strip_prefix("/users/")
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| demo::USERS.iter().find(|u| u.id == id));
    Ok(match user {
        Some(u) => json(StatusCode::OK, demo::user_json(u)),
        None => json(StatusCode::NOT_FOUND, serde_json::json!({ "error": "not found" })),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Config::from_toml(DEFAULT_CONFIG)?,
        ["--config", path] => Config::from_file(path)?,
        _ => return Err("usage: hyper [--config FILE]".into()),
    };
    // Every log line goes through shroud's redacting layer first.
    demo::init_logs(config.trace.as_ref());
    let key = demo::DevKey::generate();
    key.trust_in(&mut config);

    let service = ServiceBuilder::new()
        .layer(Stack::from_config(&config)?)
        .service_fn(handle);

    let addr = std::env::var("SHROUD_ADDR").unwrap_or_else(|_| "127.0.0.1:3001".to_owned());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    print_usage(local, &demo::mint_token(&key, &demo::demo_claims(3600)));
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            if let Err(error) = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

#[allow(clippy::print_stdout)]
fn print_usage(addr: std::net::SocketAddr, token: &str) {
    println!(
        "\nshroud hyper example listening on http://{addr}\n\n\
         TOKEN={token}\n\n  \
         curl -i http://{addr}/users/1\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" http://{addr}/users/1\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" http://{addr}/me\n"
    );
}
