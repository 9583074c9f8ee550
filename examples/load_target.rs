//! The load-test target of docs/benchmarks.md ("Whole stack"): one JSON
//! endpoint (about 2 KiB of user records with personal data) served twice by
//! hyper, bare on `SHROUD_BARE_ADDR` (default `127.0.0.1:3100`) and behind
//! the stack of `examples/config/default.toml` on `SHROUD_ADDR` (default
//! `127.0.0.1:3101`). Prints a demo token for the load tool: a nested JWE
//! (ES256 inside A256KW + A256GCM), verified once and then served from the
//! verified-token cache.
//!
//! ```sh
//! cargo run --release --example load_target
//! wrk -t2 -c32 -d10s http://127.0.0.1:3100/users
//! wrk -t2 -c32 -d10s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3101/users
//! ```

#[path = "support/demo.rs"]
mod demo;

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use shroud::prelude::*;
use tower::ServiceBuilder;

const DEFAULT_CONFIG: &str = include_str!("config/default.toml");

fn users() -> Bytes {
    let all: Vec<_> = (0..3)
        .flat_map(|_| demo::USERS.iter().map(demo::user_json))
        .collect();
    Bytes::from(serde_json::to_vec(&all).expect("JSON"))
}

/// Accepts connections on `$listener` forever, serving each with `$service`.
macro_rules! serve {
    ($listener:expr, $service:expr) => {{
        let listener = $listener;
        let service = $service;
        async move {
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
        }
    }};
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let body = users();
    let handler = move |_req: Request<Incoming>| {
        let body = body.clone();
        async move {
            Ok::<_, Infallible>(
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Full::new(body))
                    .expect("valid response"),
            )
        }
    };
    let mut config = Config::from_toml(DEFAULT_CONFIG)?;
    let key = demo::DevKey::generate();
    key.trust_in(&mut config);
    let stacked = ServiceBuilder::new()
        .layer(Stack::from_config(&config)?)
        .service_fn(handler.clone());
    let bare = ServiceBuilder::new().service_fn(handler);

    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let bare_l = tokio::net::TcpListener::bind(env("SHROUD_BARE_ADDR", "127.0.0.1:3100")).await?;
    let stack_l = tokio::net::TcpListener::bind(env("SHROUD_ADDR", "127.0.0.1:3101")).await?;
    print_usage(
        bare_l.local_addr()?,
        stack_l.local_addr()?,
        &demo::mint_token(&key, &demo::demo_claims(24 * 3600)),
    );
    tokio::spawn(serve!(bare_l, bare));
    serve!(stack_l, stacked).await;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_usage(bare: std::net::SocketAddr, stack: std::net::SocketAddr, token: &str) {
    println!("bare http://{bare}/users\nstack http://{stack}/users\nTOKEN={token}");
}
