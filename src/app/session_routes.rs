//! The signed-in side: the user page and JSON, refreshing the session's tokens, and local
//! sign-out.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::pages;
use super::session_store::{Session, Sessions};
use super::signin_routes::refused;
use super::state::{Rp, SignInRecord};
use crate::error::SignInError;
use crate::signin::{self, Refreshed};

async fn me_json(State(rp): State<Arc<Rp>>, headers: HeaderMap) -> Response {
    match rp.sessions.of(&headers, rp.now()) {
        None => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "not_signed_in"})),
        )
            .into_response(),
        Some((_, s)) => {
            let user = rp.store.user(s.user_id).ok().flatten();
            axum::Json(json!({
                "provider": s.provider,
                "external_id": s.external_id,
                "user": user,
            }))
            .into_response()
        }
    }
}

async fn me_page(State(rp): State<Arc<Rp>>, headers: HeaderMap) -> Response {
    let Some((_, s)) = rp.sessions.of(&headers, rp.now()) else {
        return Redirect::to("/").into_response();
    };
    let user = rp.store.user(s.user_id).ok().flatten();
    let pretty = user
        .as_ref()
        .and_then(|u| serde_json::to_string_pretty(u).ok())
        .unwrap_or_else(|| "null".into());
    let refresh = if s.refresh_token.is_some() {
        "\n<form method=\"post\" action=\"/session/refresh\" id=\"refresh\"><button>Refresh session</button></form>"
    } else {
        ""
    };
    let body = format!(
        "<p>Signed in through <strong id=\"provider\">{}</strong> as <strong id=\"username\">{}</strong> (external id <code id=\"external-id\">{}</code>).</p>\n<pre id=\"user\">{}</pre>\n<form method=\"post\" action=\"/logout\"><button id=\"sign-out\">Sign out</button></form>{refresh}",
        pages::escape(&s.provider),
        pages::escape(user.as_ref().map_or("?", |u| u.username.as_str())),
        pages::escape(&s.external_id),
        pages::escape(&pretty)
    );
    Html(pages::page("Signed in", &body)).into_response()
}

/// Local sign-out only: the provider session stays (single sign-off is not offered).
async fn logout(State(rp): State<Arc<Rp>>, headers: HeaderMap) -> Response {
    if let Some((sid, _)) = rp.sessions.of(&headers, rp.now()) {
        rp.sessions.close(&sid);
    }
    let mut res = pages::message(
        "Signed out",
        "You are signed out of this application. You are still signed in at your identity provider: single sign-off is not offered.",
    );
    res.headers_mut()
        .insert(header::SET_COOKIE, Sessions::cleared_cookie());
    res
}

/// Refreshes the session's tokens (RFC 6749 §6) and checks that the new ID token continues
/// the sign-in's (Core §12.2). The stored user is never touched: user rules run at sign-in.
/// A refused refresh ends the application session, since the provider no longer vouches
/// for it.
async fn refresh_session(State(rp): State<Arc<Rp>>, headers: HeaderMap) -> Response {
    let Some((sid, session)) = rp.sessions.of(&headers, rp.now()) else {
        return refused(&rp, None, &SignInError::NoRefreshableSession);
    };
    match refresh_tokens(&rp, &session).await {
        Ok(refreshed) => {
            rp.sessions.set_refresh_token(&sid, refreshed.refresh_token);
            rp.record(SignInRecord {
                at: rp.now(),
                provider: Some(session.provider.clone()),
                ok: true,
                code: None,
                message: "session refreshed".into(),
                user: None,
            });
            Redirect::to("/me").into_response()
        }
        Err(e) => {
            rp.sessions.close(&sid);
            refused(&rp, Some(session.provider), &e)
        }
    }
}

async fn refresh_tokens(rp: &Rp, session: &Session) -> Result<Refreshed, SignInError> {
    let token = session
        .refresh_token
        .as_deref()
        .ok_or(SignInError::NoRefreshableSession)?;
    let provider = rp
        .provider(&session.provider)
        .filter(|p| p.active)
        .ok_or_else(|| SignInError::ProviderUnavailable(session.provider.clone()))?;
    let redirect_uri = rp.redirect_uri();
    signin::refresh(&rp.env(&redirect_uri), &provider, token, &session.id_claims).await
}

/// The routes of a signed-in browser.
pub(super) fn routes() -> Router<Arc<Rp>> {
    Router::new()
        .route("/me", get(me_page))
        .route("/api/me", get(me_json))
        .route("/logout", get(logout).post(logout))
        .route("/session/refresh", post(refresh_session))
        .route(
            "/signed-out",
            get(|| async {
                pages::message("Signed out", "You are signed out of this application.")
            }),
        )
}
