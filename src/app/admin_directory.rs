//! The admin API of the user side: legal entities, roles, user types, users (internal users
//! created, any user edited under the field rules), invitations.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::api_error::ApiError;
use super::state::Rp;
use crate::users::{Invitation, LegalEntity, NewInternalUser, User, UserId, UserPatch, UserType};

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;
type Found<T> = Result<Json<T>, ApiError>;

fn created<T>(value: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(value))
}

async fn legal_entities(State(rp): State<Arc<Rp>>) -> Found<Vec<LegalEntity>> {
    Ok(Json(rp.store.legal_entities()?))
}

async fn add_legal_entity(
    State(rp): State<Arc<Rp>>,
    Json(e): Json<LegalEntity>,
) -> Created<LegalEntity> {
    rp.store.create_legal_entity(&e)?;
    Ok(created(e))
}

async fn roles(State(rp): State<Arc<Rp>>) -> Found<Vec<String>> {
    Ok(Json(rp.store.roles()?))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRole {
    name: String,
}

async fn add_role(State(rp): State<Arc<Rp>>, Json(r): Json<NewRole>) -> Created<String> {
    rp.store.create_role(&r.name)?;
    Ok(created(r.name))
}

async fn user_types(State(rp): State<Arc<Rp>>) -> Found<Vec<UserType>> {
    Ok(Json(rp.store.user_types()?))
}

async fn add_user_type(State(rp): State<Arc<Rp>>, Json(t): Json<UserType>) -> Created<UserType> {
    rp.store.create_user_type(&t)?;
    Ok(created(t))
}

async fn users(State(rp): State<Arc<Rp>>) -> Found<Vec<User>> {
    Ok(Json(rp.store.users()?))
}

async fn add_user(State(rp): State<Arc<Rp>>, Json(u): Json<NewInternalUser>) -> Created<User> {
    Ok(created(rp.store.create_internal_user(&u)?))
}

async fn user(State(rp): State<Arc<Rp>>, Path(id): Path<UserId>) -> Found<User> {
    rp.store
        .user(id)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound {
            code: "directory.unknown_user",
            details: json!(format!("no user with id {id}")),
        })
}

async fn edit_user(
    State(rp): State<Arc<Rp>>,
    Path(id): Path<UserId>,
    Json(p): Json<UserPatch>,
) -> Found<User> {
    Ok(Json(rp.edit_user(id, &p)?))
}

async fn delete_user(
    State(rp): State<Arc<Rp>>,
    Path(id): Path<UserId>,
) -> Result<StatusCode, ApiError> {
    rp.store.delete_user(id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn invite(State(rp): State<Arc<Rp>>, Json(i): Json<Invitation>) -> Created<User> {
    Ok(created(rp.invite(&i)?))
}

/// The routes, under `/api/admin`.
pub(super) fn routes() -> Router<Arc<Rp>> {
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
