//! An axum API holding personal data, behind the whole shroud stack.
//!
//! ```sh
//! cargo run --example axum                       # embedded config, dev key, demo token
//! cargo run --example axum -- --config my.toml   # your config (TOML, JSON or YAML)
//! SHROUD_ADDR=0.0.0.0:8080 cargo run --example axum
//! ```
//!
//! At start it generates development keys (ES256 signing, A256KW token
//! encryption), trusts them in the configuration, mints a demo token (a
//! nested JWE) and prints curl lines: a 401 without a
//! token, a 200 with a redacted body, and the anonymized claims the handler
//! saw.

#[path = "support/app.rs"]
mod app;
#[path = "support/demo.rs"]
mod demo;

use std::net::SocketAddr;

use shroud::prelude::*;

/// The configuration used when no `--config` is given.
const DEFAULT_CONFIG: &str = include_str!("config/default.toml");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut config = match (args.next().as_deref(), args.next()) {
        (None, _) => Config::from_toml(DEFAULT_CONFIG)?,
        (Some("--config"), Some(path)) => Config::from_file(path)?,
        _ => return Err("usage: axum [--config FILE]".into()),
    };

    // Every log line goes through shroud's redacting layer first.
    demo::init_logs(config.trace.as_ref());
    let key = demo::DevKey::generate();
    key.trust_in(&mut config);
    let stack = Stack::from_config(&config)?;

    let app = app::router().layer(stack);
    let addr: SocketAddr = std::env::var("SHROUD_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;

    let token = demo::mint_token(&key, &demo::demo_claims(3600));
    print_usage(addr, &token);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_usage(addr: SocketAddr, token: &str) {
    let base = format!("http://{addr}");
    println!(
        "\nshroud axum example listening on {base}\n\n\
         Demo token (a nested JWE: signed with ES256, encrypted with A256KW + A256GCM; expires in 1 hour;\n\
         its claims hold the demo user's email, name and phone):\n\n\
         TOKEN={token}\n\n\
         No token: 401 with an RFC 6750 challenge\n  \
         curl -i {base}/users\n\n\
         With the token: 200, emails and phones masked, cards and street redacted, passwords dropped\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" {base}/users/1\n\n\
         The claims the handler saw: pseudonymized email and sub, masked phone, birth year; no name\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" {base}/me\n\n\
         Streaming: NDJSON export and server-sent events, redacted on the fly\n  \
         curl -s -H \"Authorization: Bearer $TOKEN\" {base}/export\n  \
         curl -sN -H \"Authorization: Bearer $TOKEN\" {base}/feed\n"
    );
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
