//! The sign-in routes: the provider list, `/signin/{name}` which sends the browser to the
//! provider, and `/callback`, which takes the authorization response in any response mode,
//! has [`crate::signin`] verify it, hands the identity to the user rules and opens a session.
//!
//! Every attempt is bound to the browser that started it by the `rp_signin` cookie
//! (`SameSite=Lax`, HttpOnly, `Path=/callback`, `Secure` when the relying party's URL is
//! https). A `form_post` response from a provider on another site is a cross-site POST, which
//! carries no Lax cookie; rather than weaken the cookie to `SameSite=None`, such a POST is
//! answered with a page of this site that posts the same fields to `/callback/resume`, a
//! same-site request that carries the cookie. Query responses are top-level GET navigations
//! and the fragment relay posts from this site, so both carry it as they are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::pages;
use super::session_store::{Session, cookie, random_token};
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

/// The cookie that binds a sign-in to its browser; sent to the callbacks only.
const BINDING_COOKIE: &str = "rp_signin";

/// The browser's binding value: the one it already holds (so sign-ins started in two tabs
/// both complete), else a new one.
fn browser_binding(headers: &HeaderMap) -> String {
    cookie(headers, BINDING_COOKIE)
        .filter(|v| {
            v.len() == 32
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(random_token, str::to_owned)
}

fn binding_cookie(rp: &Rp, value: &str) -> Option<HeaderValue> {
    let secure = if rp.secure_cookies() { "; Secure" } else { "" };
    let max_age = signin::ATTEMPT_TTL.as_secs();
    HeaderValue::from_str(&format!(
        "{BINDING_COOKIE}={value}; Path=/callback; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

async fn start(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = rp.provider(&name).filter(|p| p.active) else {
        return pages::error(
            StatusCode::NOT_FOUND,
            "provider.unavailable",
            &format!("no active provider named \"{name}\""),
            Some(&name),
        );
    };
    let options = StartOptions {
        login_hint: q.get("login_hint").cloned(),
        prompt: q.get("prompt").cloned(),
        max_age: q.get("max_age").and_then(|m| m.parse().ok()),
    };
    let binding = browser_binding(&headers);
    match signin::start(
        &rp.attempts,
        &provider,
        &rp.redirect_uri(),
        &options,
        &binding,
    ) {
        Ok(url) => {
            let mut res = Redirect::to(&url).into_response();
            if let Some(cookie) = binding_cookie(&rp, &binding) {
                res.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            res
        }
        Err(e) => pages::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "settings.invalid",
            &e.to_string(),
            Some(&name),
        ),
    }
}

fn params_of(raw: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// `response_mode=query` answers here with parameters; `fragment` answers here without,
/// since the browser keeps the fragment, so the relay page posts it back.
async fn callback_get(
    State(rp): State<Arc<Rp>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    match q.filter(|q| !q.is_empty()) {
        None => pages::fragment_relay(),
        Some(q) => complete(&rp, params_of(q.as_bytes()), &headers).await,
    }
}

/// `form_post`: without the binding cookie (a cross-site POST does not carry it), the
/// fields go round through this site's own page to `/callback/resume`.
async fn callback_post(State(rp): State<Arc<Rp>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = params_of(&body);
    if cookie(&headers, BINDING_COOKIE).is_none() {
        return pages::repost("/callback/resume", &params);
    }
    complete(&rp, params, &headers).await
}

/// The fragment relay and the `form_post` re-post: same-site POSTs, which carry the cookie
/// when the browser has it.
async fn callback_same_site(
    State(rp): State<Arc<Rp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    complete(&rp, params_of(&body), &headers).await
}

/// Verifies the response, applies the user rules and opens a session; or records why not.
async fn complete(rp: &Rp, params: HashMap<String, String>, headers: &HeaderMap) -> Response {
    let attempt = match signin::claim(&rp.attempts, &params, cookie(headers, BINDING_COOKIE)) {
        Ok(attempt) => attempt,
        Err(e) => {
            let provider = match &e {
                SignInError::BrowserMismatch { provider } => Some(provider.clone()),
                _ => None,
            };
            return refused(rp, provider, &e);
        }
    };
    let Some(provider) = rp.provider(&attempt.provider).filter(|p| p.active) else {
        let e = SignInError::ProviderUnavailable(attempt.provider.clone());
        return refused(rp, Some(attempt.provider), &e);
    };
    let redirect_uri = rp.redirect_uri();
    let env = rp.env(&redirect_uri);
    let identity = match signin::finish(&env, &attempt, &provider, &params).await {
        Ok(identity) => identity,
        Err(e) => return refused(rp, Some(provider.name), &e),
    };
    let user = match apply_user_rules(rp, &identity).await {
        Ok(user) => user,
        Err(e) => return refused(rp, Some(identity.provider), &e),
    };
    let cookie = rp.sessions.open(
        Session::opened(&identity, user.user.id, rp.now()),
        rp.secure_cookies(),
    );
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
    tracing::info!(code = %code, provider = ?provider, "sign-in refused");
    rp.record(SignInRecord {
        at: rp.now(),
        provider: provider.clone(),
        ok: false,
        code: Some(code.clone()),
        message: e.to_string(),
        user: None,
    });
    let status = match e {
        SignInError::Users(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    pages::error(status, &code, &e.to_string(), provider.as_deref())
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
        .route("/callback/fragment", post(callback_same_site))
        .route("/callback/resume", post(callback_same_site))
}
