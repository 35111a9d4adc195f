//! Login: non-interactive for tests (`login_hint` naming a fixture user, or an `auto_login`
//! user), otherwise a page where a person picks a user and may edit the claims. A session
//! cookie gives single sign-on and honest `prompt=none` answers.

use axum::response::Response;
use serde_json::{Map, Value};

use crate::endpoints::authorization_response;
use crate::endpoints::error::EndpointError;
use crate::endpoints::form::Params;
use crate::endpoints::pages;
use crate::endpoints::request::TenantRequest;
use crate::server::state::{AuthzRequest, PendingLogin, Session};
use crate::tokens::b64;

/// The provider's session cookie.
pub(crate) const COOKIE: &str = "mock_idp_session";

fn cookie_for(req: &TenantRequest, session_id: &str) -> String {
    format!(
        "{COOKIE}={session_id}; Path=/{}; HttpOnly; SameSite=Lax",
        req.prefix
    )
}

/// Starts a new session for `username` and completes the authorization.
pub(crate) fn sign_in(
    req: &TenantRequest,
    request: &AuthzRequest,
    username: &str,
    claims_edit: Option<Map<String, Value>>,
) -> Result<Response, EndpointError> {
    let session_id = b64::random_token(24);
    let session = Session {
        username: username.to_owned(),
        auth_time: req.now(),
        claims_edit,
    };
    req.tenant
        .data()
        .sessions
        .insert(session_id.clone(), session.clone());
    tracing::debug!(tenant = %req.tenant.name, user = username, "signed in");
    let cookie = cookie_for(req, &session_id);
    authorization_response::issue(req, request, &session_id, &session, Some(cookie))
}

/// Shows the login page for a pending authorization.
pub(crate) fn show(req: &TenantRequest, request: AuthzRequest, problem: Option<&str>) -> Response {
    let txn = b64::random_token(18);
    let client = request.client_id.to_string();
    let users: Vec<_> = {
        let mut d = req.tenant.data();
        d.pending.insert(
            txn.clone(),
            PendingLogin {
                request,
                created: req.now(),
            },
        );
        d.users.values().cloned().collect()
    };
    pages::login(&req.endpoint("/login"), &txn, &client, &users, problem)
}

/// `POST {issuer}/login`: the login page's form.
pub(crate) async fn submit(req: TenantRequest, p: Params) -> Result<Response, EndpointError> {
    let pending = p
        .get("txn")
        .and_then(|t| req.tenant.data().pending.remove(t))
        .ok_or_else(|| {
            EndpointError::browser(
                "this sign-in has expired or was already completed; start again from the application",
            )
        })?;
    let username = p.get("username").unwrap_or_default().to_owned();
    if !req.tenant.data().users.contains_key(&username) {
        let msg = format!("expected one of the listed users, found \"{username}\"");
        return Ok(show(&req, pending.request, Some(&msg)));
    }
    let edit = match p.get("claims").map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Some(m),
            Ok(other) => {
                let msg = format!("claims: expected a JSON object, found {other}");
                return Ok(show(&req, pending.request, Some(&msg)));
            }
            Err(e) => {
                let msg = format!("claims: not valid JSON ({e})");
                return Ok(show(&req, pending.request, Some(&msg)));
            }
        },
    };
    sign_in(&req, &pending.request, &username, edit)
}
