//! The admin API of the OpenID Connect side: provider settings (list, store, rename,
//! delete), their metadata, validation and autoconfiguration, the redirect URI to register,
//! recent sign-in outcomes and the test clock.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin_actions::{RenameError, StoreProviderError};
use super::api_error::ApiError;
use super::state::{Rp, SignInRecord};
use crate::discovery;
use crate::settings::ProviderSettings;

/// Settings as the admin API shows them: the client secret is never sent back.
fn shown(mut p: ProviderSettings) -> ProviderSettings {
    p.client_secret = None;
    p
}

fn stored(rp: &Rp, name: &str) -> Result<ProviderSettings, ApiError> {
    rp.provider(name)
        .ok_or_else(|| ApiError::unknown_provider(name))
}

async fn list_providers(State(rp): State<Arc<Rp>>) -> Json<Vec<ProviderSettings>> {
    Json(rp.providers().into_iter().map(shown).collect())
}

fn autoconfiguration_failed(findings: Vec<discovery::Finding>) -> ApiError {
    ApiError::Unprocessable {
        code: "autoconfiguration.failed",
        details: json!(findings),
    }
}

/// Stores settings ([`Rp::store_provider`]: a request without `client_secret` keeps the
/// stored one, settings without endpoints are autoconfigured first).
async fn put_provider(
    State(rp): State<Arc<Rp>>,
    Json(p): Json<ProviderSettings>,
) -> Result<Response, ApiError> {
    let p = rp.store_provider(p).await.map_err(|e| match e {
        StoreProviderError::Autoconfiguration(findings) => autoconfiguration_failed(findings),
        StoreProviderError::Invalid(problems) => ApiError::invalid(
            "settings.invalid",
            problems.into_iter().map(|p| p.message).collect::<Vec<_>>(),
        ),
    })?;
    Ok((StatusCode::CREATED, Json(shown(p))).into_response())
}

async fn get_provider(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<Json<ProviderSettings>, ApiError> {
    Ok(Json(shown(stored(&rp, &name)?)))
}

async fn delete_provider(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    rp.store.delete_provider(&name)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    name: String,
}

async fn rename_provider(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Json(r): Json<Rename>,
) -> Result<Json<ProviderSettings>, ApiError> {
    let renamed = rp.rename_provider(&name, &r.name).map_err(|e| match e {
        RenameError::EmptyName => ApiError::invalid("settings.invalid", e.to_string()),
        RenameError::Taken(_) => ApiError::Conflict {
            code: "provider.exists",
            details: json!(e.to_string().trim_start_matches("name: ")),
        },
        RenameError::Store(e) => e.into(),
    })?;
    Ok(Json(shown(renamed)))
}

async fn metadata(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let document = rp
        .provider_metadata(&stored(&rp, &name)?)
        .await
        .map_err(|f| ApiError::Upstream {
            code: f.code,
            details: json!(f.message),
        })?;
    Ok(Json(document))
}

async fn validate(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let findings = rp.validate_provider(&stored(&rp, &name)?).await;
    Ok(Json(
        json!({ "valid": findings.is_empty(), "findings": findings }),
    ))
}

async fn autoconfigure(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<Json<ProviderSettings>, ApiError> {
    let p = rp
        .autoconfigure(stored(&rp, &name)?)
        .await
        .map_err(autoconfiguration_failed)?;
    rp.save_provider(&p)
        .map_err(|problems| ApiError::Unprocessable {
            code: "settings.invalid",
            details: json!(problems),
        })?;
    Ok(Json(shown(p)))
}

async fn redirect_uri(State(rp): State<Arc<Rp>>) -> Json<Value> {
    Json(json!({ "redirect_uri": rp.redirect_uri() }))
}

async fn sign_ins(State(rp): State<Arc<Rp>>) -> Json<Vec<SignInRecord>> {
    Json(rp.sign_ins())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOffset {
    offset: i64,
}

async fn set_clock(State(rp): State<Arc<Rp>>, Json(c): Json<ClockOffset>) -> Json<Value> {
    rp.set_clock_offset(c.offset);
    Json(json!({ "now": rp.now(), "offset": c.offset }))
}

/// The routes, under `/api/admin`.
pub(super) fn routes() -> Router<Arc<Rp>> {
    Router::new()
        .route(
            "/api/admin/providers",
            get(list_providers).post(put_provider),
        )
        .route(
            "/api/admin/providers/{name}",
            get(get_provider).delete(delete_provider),
        )
        .route("/api/admin/providers/{name}/rename", post(rename_provider))
        .route("/api/admin/providers/{name}/metadata", get(metadata))
        .route("/api/admin/providers/{name}/validate", get(validate))
        .route(
            "/api/admin/providers/{name}/autoconfigure",
            post(autoconfigure),
        )
        .route("/api/admin/redirect-uri", get(redirect_uri))
        .route("/api/admin/sign-ins", get(sign_ins))
        .route("/api/admin/clock", post(set_clock))
}
