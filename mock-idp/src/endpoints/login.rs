//! Login: non-interactive for tests (`login_hint` naming a fixture user, or an `auto_login`
//! user), otherwise a page where a person picks a user and may edit the claims. A session
//! cookie gives single sign-on and honest `prompt=none` answers.

use axum::body::Bytes;
use axum::extract::Extension;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::endpoints::authorize::complete;
use crate::endpoints::form::Params;
use crate::endpoints::pages;
use crate::server::state::{AuthzRequest, Ctx, PendingLogin, Session};
use crate::tokens::b64;

/// The provider's session cookie.
pub(crate) const COOKIE: &str = "mock_idp_session";

fn cookie_for(ctx: &Ctx, sid: &str) -> String {
    format!(
        "{COOKIE}={sid}; Path=/{}; HttpOnly; SameSite=Lax",
        ctx.prefix
    )
}

/// Starts a new session for `username` and completes the authorization.
pub(crate) fn sign_in(
    ctx: &Ctx,
    request: &AuthzRequest,
    username: &str,
    claims_edit: Option<Map<String, Value>>,
) -> Response {
    let sid = b64::random_token(24);
    let session = Session {
        username: username.to_owned(),
        auth_time: ctx.now(),
        claims_edit,
    };
    ctx.tenant
        .data()
        .sessions
        .insert(sid.clone(), session.clone());
    tracing::debug!(tenant = %ctx.tenant.name, user = username, "signed in");
    complete(ctx, request, &sid, &session, Some(cookie_for(ctx, &sid)))
}

/// Shows the login page for a pending authorization.
pub(crate) fn show(ctx: &Ctx, request: AuthzRequest, problem: Option<&str>) -> Response {
    let txn = b64::random_token(18);
    let client = request.client_id.to_string();
    let users: Vec<_> = {
        let mut d = ctx.tenant.data();
        d.pending.insert(
            txn.clone(),
            PendingLogin {
                request,
                created: ctx.now(),
            },
        );
        d.users.values().cloned().collect()
    };
    pages::login(&ctx.endpoint("/login"), &txn, &client, &users, problem)
}

/// `POST {issuer}/login`: the login page's form.
pub(crate) async fn submit(Extension(ctx): Extension<Ctx>, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let pending = p
        .get("txn")
        .and_then(|t| ctx.tenant.data().pending.remove(t));
    let Some(pending) = pending else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "this sign-in has expired or was already completed; start again from the application",
        );
    };
    let username = p.get("username").unwrap_or_default().to_owned();
    if !ctx.tenant.data().users.contains_key(&username) {
        let msg = format!("expected one of the listed users, found \"{username}\"");
        return show(&ctx, pending.request, Some(&msg));
    }
    let edit = match p.get("claims").map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Some(m),
            Ok(other) => {
                let msg = format!("claims: expected a JSON object, found {other}");
                return show(&ctx, pending.request, Some(&msg));
            }
            Err(e) => {
                let msg = format!("claims: not valid JSON ({e})");
                return show(&ctx, pending.request, Some(&msg));
            }
        },
    };
    sign_in(&ctx, &pending.request, &username, edit)
}
