//! A gRPC user service behind the whole shroud stack, with a client mode.
//!
//! ```sh
//! cargo run --example tonic --features grpc-examples                 # the server; prints a demo token
//! SHROUD_TOKEN=... cargo run --example tonic --features grpc-examples -- client
//! ```
//!
//! The server uses `examples/config/default.toml` (or `--config FILE`) and
//! listens on `SHROUD_GRPC_ADDR` (default `127.0.0.1:50051`). The client
//! calls it without a token (UNAUTHENTICATED), then with `SHROUD_TOKEN`:
//! `WhoAmI` (the anonymized claims the service saw), `GetUser`, `ListUsers`.

#[path = "support/demo.rs"]
mod demo;
#[path = "support/grpc.rs"]
mod grpc;

use grpc::pb::users_client::UsersClient;
use grpc::pb::users_server::UsersServer;
use grpc::pb::{GetUserRequest, ListUsersRequest, WhoAmIRequest};
use shroud::prelude::*;

const DEFAULT_CONFIG: &str = include_str!("config/default.toml");

fn addr() -> String {
    std::env::var("SHROUD_GRPC_ADDR").unwrap_or_else(|_| "127.0.0.1:50051".to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Some(Config::from_toml(DEFAULT_CONFIG)?),
        ["--config", path] => Some(Config::from_file(path)?),
        ["client"] => None,
        _ => return Err("usage: tonic [--config FILE | client]".into()),
    };
    // Every log line goes through shroud's redacting layer first.
    demo::init_logs(config.as_ref().and_then(|c| c.trace.as_ref()));
    match config {
        Some(config) => server(config).await,
        None => client().await,
    }
}

async fn server(mut config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let key = demo::DevKey::generate();
    key.trust_in(&mut config);
    let stack = Stack::from_config(&config)?;
    let listener = tokio::net::TcpListener::bind(addr()).await?;
    let local = listener.local_addr()?;
    print_usage(local, &demo::mint_token(&key, &demo::demo_claims(3600)));
    tonic::transport::Server::builder()
        .layer(stack)
        .add_service(UsersServer::new(grpc::UserService))
        .serve_with_incoming_shutdown(tonic::transport::server::TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_usage(addr: std::net::SocketAddr, token: &str) {
    println!(
        "\nshroud gRPC example listening on {addr}\n\n\
         SHROUD_GRPC_ADDR={addr} SHROUD_TOKEN={token} cargo run --example tonic --features grpc-examples -- client\n"
    );
}

#[allow(clippy::print_stdout)]
async fn client() -> Result<(), Box<dyn std::error::Error>> {
    let token =
        std::env::var("SHROUD_TOKEN").map_err(|_| "set SHROUD_TOKEN to the token the server printed")?;
    let mut client = UsersClient::connect(format!("http://{}", addr())).await?;

    let status = client
        .who_am_i(WhoAmIRequest {})
        .await
        .expect_err("refused without a token");
    println!("without a token: {:?} {:?}", status.code(), status.message());

    let bearer: tonic::metadata::MetadataValue<_> = format!("Bearer {token}").parse()?;
    let me = client
        .who_am_i(with_token(WhoAmIRequest {}, &bearer))
        .await?
        .into_inner();
    println!("the service saw: caller {} claims {}", me.caller, me.claims_json);
    let user = client
        .get_user(with_token(GetUserRequest { id: 1 }, &bearer))
        .await?
        .into_inner();
    println!("user 1: {} <{}>", user.name, user.email);
    let mut stream = client
        .list_users(with_token(ListUsersRequest {}, &bearer))
        .await?
        .into_inner();
    while let Some(u) = stream.message().await? {
        println!("listed: {}", u.id);
    }
    let missing = client
        .get_user(with_token(GetUserRequest { id: 99 }, &bearer))
        .await
        .expect_err("no such user");
    println!("user 99: {:?} {:?}", missing.code(), missing.message());
    Ok(())
}

/// A request carrying the token in its `authorization` metadata.
fn with_token<T>(
    message: T,
    bearer: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
) -> tonic::Request<T> {
    let mut req = tonic::Request::new(message);
    req.metadata_mut().insert("authorization", bearer.clone());
    req
}
