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

/// Stores settings; a request without `client_secret` keeps the stored one, so settings
/// read from this API (which never shows the secret) can be sent back changed. Settings
/// without endpoints are autoconfigured first, so issuer, client credentials and flow are
/// enough to create a provider.
async fn put_provider(
    State(rp): State<Arc<Rp>>,
    Json(mut p): Json<ProviderSettings>,
) -> Result<Response, ApiError> {
    if p.client_secret.is_none() {
        p.client_secret = rp.provider(&p.name).and_then(|old| old.client_secret);
    }
    let p = rp
        .with_discovered_endpoints(p)
        .await
        .map_err(autoconfiguration_failed)?;
    rp.save_provider(&p)
        .map_err(|problems| ApiError::invalid("settings.invalid", problems))?;
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
    let mut p = stored(&rp, &name)?;
    if r.name.trim().is_empty() {
        return Err(ApiError::invalid(
            "settings.invalid",
            "name: expected a display name, found an empty one",
        ));
    }
    if rp.provider(&r.name).is_some() {
        return Err(ApiError::Conflict {
            code: "provider.exists",
            details: json!(format!("a provider named \"{}\" exists", r.name)),
        });
    }
    p.name = r.name.clone();
    let json = serde_json::to_string(&p).map_err(|e| ApiError::Internal {
        code: "store.failed",
        details: json!(e.to_string()),
    })?;
    rp.store.rename_provider(&name, &r.name)?;
    rp.store.put_provider(&r.name, &json)?;
    Ok(Json(shown(p)))
}

async fn metadata(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = stored(&rp, &name)?;
    let document = discovery::fetch_document(&rp.http, &p.metadata_location())
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
    let p = stored(&rp, &name)?;
    Ok(Json(
        match discovery::fetch_document(&rp.http, &p.metadata_location()).await {
            Ok(m) => {
                let findings = discovery::validate(&m, &p);
                json!({ "valid": findings.is_empty(), "findings": findings })
            }
            Err(f) => json!({ "valid": false, "findings": [f] }),
        },
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
