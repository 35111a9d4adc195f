//! The admin API of the user side: legal entities, roles, user types, users (internal users
//! created, any user edited under the field rules), invitations.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::app::{Rp, coded};
use crate::users::{
    Invitation, LegalEntity, NewInternalUser, RolePolicy, UserId, UserPatch, UserType,
};

type Shared = State<Arc<Rp>>;

fn ok<T: Serialize>(status: StatusCode, v: T) -> Response {
    (status, axum::Json(v)).into_response()
}

macro_rules! answer {
    ($result:expr, $status:expr) => {
        match $result {
            Ok(v) => ok($status, v),
            Err(e) => coded(e.code(), e.to_string()),
        }
    };
}

/// The role policy of a provider's users, from its stored settings.
fn policy(rp: &Rp, provider: &str) -> RolePolicy {
    rp.provider(provider)
        .map(|p| p.role_mapping.policy())
        .unwrap_or(RolePolicy::ManagedInApplication)
}

async fn legal_entities(State(rp): Shared) -> Response {
    answer!(rp.store.legal_entities(), StatusCode::OK)
}

async fn add_legal_entity(State(rp): Shared, axum::Json(e): axum::Json<LegalEntity>) -> Response {
    answer!(
        rp.store.create_legal_entity(&e).map(|()| e),
        StatusCode::CREATED
    )
}

async fn roles(State(rp): Shared) -> Response {
    answer!(rp.store.roles(), StatusCode::OK)
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRole {
    name: String,
}

async fn add_role(State(rp): Shared, axum::Json(r): axum::Json<NewRole>) -> Response {
    answer!(
        rp.store.create_role(&r.name).map(|()| r.name),
        StatusCode::CREATED
    )
}

async fn user_types(State(rp): Shared) -> Response {
    answer!(rp.store.user_types(), StatusCode::OK)
}

async fn add_user_type(State(rp): Shared, axum::Json(t): axum::Json<UserType>) -> Response {
    answer!(
        rp.store.create_user_type(&t).map(|()| t),
        StatusCode::CREATED
    )
}

async fn users(State(rp): Shared) -> Response {
    answer!(rp.store.users(), StatusCode::OK)
}

async fn add_user(State(rp): Shared, axum::Json(u): axum::Json<NewInternalUser>) -> Response {
    answer!(rp.store.create_internal_user(&u), StatusCode::CREATED)
}

async fn user(State(rp): Shared, Path(id): Path<UserId>) -> Response {
    match rp.store.user(id) {
        Ok(Some(u)) => ok(StatusCode::OK, u),
        Ok(None) => coded("directory.unknown_user", format!("no user with id {id}")),
        Err(e) => coded(e.code(), e.to_string()),
    }
}

async fn edit_user(
    State(rp): Shared,
    Path(id): Path<UserId>,
    axum::Json(p): axum::Json<UserPatch>,
) -> Response {
    // The store holds its connection while it asks for the policy, so the policy is looked
    // up first: asking the store from inside the callback would deadlock.
    let provider = rp
        .store
        .user(id)
        .ok()
        .flatten()
        .and_then(|u| u.identity)
        .map(|i| i.provider);
    let known = provider.as_deref().map(|name| policy(&rp, name));
    answer!(
        rp.store.edit_user(id, &p, |_| known
            .unwrap_or(RolePolicy::ManagedInApplication)),
        StatusCode::OK
    )
}

async fn delete_user(State(rp): Shared, Path(id): Path<UserId>) -> Response {
    match rp.store.delete_user(id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => coded(e.code(), e.to_string()),
    }
}

async fn invite(State(rp): Shared, axum::Json(i): axum::Json<Invitation>) -> Response {
    let p = policy(&rp, &i.provider);
    answer!(rp.store.invite(&i, p), StatusCode::CREATED)
}

/// The routes, under `/api/admin`.
pub fn routes() -> Router<Arc<Rp>> {
    Router::new()
        .route(
            "/api/admin/legal-entities",
            get(legal_entities).post(add_legal_entity),
        )
        .route("/api/admin/roles", get(roles).post(add_role))
        .route("/api/admin/user-types", get(user_types).post(add_user_type))
        .route("/api/admin/users", get(users).post(add_user))
        .route(
            "/api/admin/users/{id}",
            get(user).patch(edit_user).delete(delete_user),
        )
        .route("/api/admin/invitations", post(invite))
}
