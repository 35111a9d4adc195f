//! The sign-in routes: the provider list, `/signin/{name}` which sends the browser to the
//! provider, and `/callback`, which takes the authorization response in any response mode,
//! has [`crate::signin`] verify it, hands the identity to the user rules and opens a session.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::pages;
use super::session_store::Session;
use super::state::{Rp, SignInRecord, SignedInUser};
use crate::error::SignInError;
use crate::signin::{self, StartOptions, VerifiedIdentity};
use crate::users;

async fn home(State(rp): State<Arc<Rp>>) -> Response {
    let list: Vec<(String, Option<String>)> = rp
        .providers()
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.name, p.icon))
        .collect();
    pages::sign_in(&list)
}

async fn start(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(provider) = rp.provider(&name).filter(|p| p.active) else {
        return pages::error(
            StatusCode::NOT_FOUND,
            "provider.unavailable",
            &format!("no active provider named \"{name}\""),
        );
    };
    let options = StartOptions {
        login_hint: q.get("login_hint").cloned(),
        prompt: q.get("prompt").cloned(),
        max_age: q.get("max_age").and_then(|m| m.parse().ok()),
    };
    match signin::start(&rp.attempts, &provider, &rp.redirect_uri(), &options) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => pages::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "settings.invalid",
            &e.to_string(),
        ),
    }
}

fn params_of(raw: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// `response_mode=query` answers here with parameters; `fragment` answers here without,
/// since the browser keeps the fragment, so the relay page posts it back.
async fn callback_get(State(rp): State<Arc<Rp>>, RawQuery(q): RawQuery) -> Response {
    match q.filter(|q| !q.is_empty()) {
        None => pages::fragment_relay(),
        Some(q) => complete(&rp, params_of(q.as_bytes())).await,
    }
}

/// `form_post` and the fragment relay.
async fn callback_post(State(rp): State<Arc<Rp>>, body: Bytes) -> Response {
    complete(&rp, params_of(&body)).await
}

/// Verifies the response, applies the user rules and opens a session; or records why not.
async fn complete(rp: &Rp, params: HashMap<String, String>) -> Response {
    let redirect_uri = rp.redirect_uri();
    let env = rp.env(&redirect_uri);
    let identity = match signin::finish(&env, &rp.attempts, &params, |name| rp.provider(name)).await
    {
        Ok(identity) => identity,
        Err(e) => return refused(rp, None, &e),
    };
    let user = match apply_user_rules(rp, &identity).await {
        Ok(user) => user,
        Err(e) => return refused(rp, Some(identity.provider), &e),
    };
    let cookie = rp.sessions.open(Session::opened(&identity, user.user.id));
    rp.record(SignInRecord {
        at: rp.now(),
        provider: Some(identity.provider),
        ok: true,
        code: None,
        message: format!("signed in as {}", user.user.username),
        user: Some(user),
    });
    let mut res = Redirect::to("/me").into_response();
    if let Some(cookie) = cookie {
        res.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    res
}

/// Records a refusal and answers the error page with its stable code.
pub(super) fn refused(rp: &Rp, provider: Option<String>, e: &SignInError) -> Response {
    let code = e.code();
    tracing::info!(code = %code, "sign-in refused");
    rp.record(SignInRecord {
        at: rp.now(),
        provider,
        ok: false,
        code: Some(code.clone()),
        message: e.to_string(),
        user: None,
    });
    let status = match e {
        SignInError::Users(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    pages::error(status, &code, &e.to_string())
}

/// Hands a verified identity to the user rules, in one transaction.
async fn apply_user_rules(
    rp: &Rp,
    identity: &VerifiedIdentity,
) -> Result<SignedInUser, SignInError> {
    let settings = rp
        .provider(&identity.provider)
        .ok_or_else(|| SignInError::ProviderUnavailable(identity.provider.clone()))?;
    let store = rp.store.clone();
    let id = identity.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        store.apply_sign_in(&users::SignInRequest {
            provider: &id.provider,
            external_id: &id.external_id,
            claims: &id.claims,
            scopes: &id.scopes,
            binding: &settings.binding,
            creation: &settings.creation,
            role_mapping: &settings.role_mapping,
        })
    })
    .await
    .map_err(|e| SignInError::Store(e.to_string()))??;
    Ok(SignedInUser {
        user: outcome.user,
        how: outcome.how,
        dropped_roles: outcome.dropped_roles,
    })
}

/// The routes of signing in.
pub(super) fn routes() -> Router<Arc<Rp>> {
    Router::new()
        .route("/", get(home))
        .route("/signin/{name}", get(start))
        .route("/callback", get(callback_get).post(callback_post))
        .route("/callback/fragment", post(callback_post))
}
