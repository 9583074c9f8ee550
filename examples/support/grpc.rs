//! The example gRPC user service (generated from `proto/users.proto`),
//! without any protection of its own: shroud's `Stack` goes around it.
#![allow(dead_code, unreachable_pub)]

use std::pin::Pin;

use futures_util::Stream;
use shroud::anon::AnonymizedClaims;
use shroud::core::CallerId;
use tonic::{Request, Response, Status};

use super::demo::USERS;

/// The generated messages, server and client.
pub mod pb {
    #![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
    tonic::include_proto!("users.v1");
}

use pb::users_server::Users;
use pb::{GetUserRequest, ListUsersRequest, User, WhoAmIRequest, WhoAmIResponse};

/// The user service.
#[derive(Debug, Default, Clone)]
pub struct UserService;

/// Protobuf bodies are opaque to a body-rewriting layer (they pass
/// `RedactLayer` untouched), so a gRPC service masks its own messages with
/// the PII engine: here the default `Redactor` and an initial for the name.
fn user(u: &super::demo::User) -> User {
    static REDACTOR: std::sync::LazyLock<shroud::core::Redactor> =
        std::sync::LazyLock::new(shroud::core::Redactor::default);
    let redactor = &*REDACTOR;
    User {
        id: u.id,
        name: u.name.chars().take(1).chain("***".chars()).collect(),
        email: redactor.redact_str(u.email).into_owned(),
        phone: redactor.redact_str(u.phone).into_owned(),
    }
}

#[tonic::async_trait]
impl Users for UserService {
    async fn get_user(&self, request: Request<GetUserRequest>) -> Result<Response<User>, Status> {
        let id = request.get_ref().id;
        match USERS.iter().find(|u| u.id == id) {
            Some(u) => {
                tracing::info!(email = u.email, "user read");
                Ok(Response::new(user(u)))
            }
            // The message names what was asked for, not who asked.
            None => Err(Status::not_found("no user with this id")),
        }
    }

    type ListUsersStream = Pin<Box<dyn Stream<Item = Result<User, Status>> + Send + 'static>>;

    async fn list_users(
        &self,
        _request: Request<ListUsersRequest>,
    ) -> Result<Response<Self::ListUsersStream>, Status> {
        let users: Vec<Result<User, Status>> = USERS.iter().map(|u| Ok(user(u))).collect();
        Ok(Response::new(Box::pin(futures_util::stream::iter(users))))
    }

    async fn who_am_i(&self, request: Request<WhoAmIRequest>) -> Result<Response<WhoAmIResponse>, Status> {
        // What the stack left of the caller's token: anonymized claims.
        let claims = request
            .extensions()
            .get::<AnonymizedClaims>()
            .ok_or_else(|| Status::unauthenticated("no verified caller"))?;
        let caller = request
            .extensions()
            .get::<CallerId>()
            .map(|c| c.as_str().to_owned());
        Ok(Response::new(WhoAmIResponse {
            claims_json: serde_json::Value::Object(claims.as_map().clone()).to_string(),
            caller: caller.unwrap_or_default(),
        }))
    }
}
