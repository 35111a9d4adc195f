//! Application sessions: who is signed in in which browser, found by the session cookie.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::{Map, Value};

use crate::signin::VerifiedIdentity;
use crate::users::UserId;

/// The session cookie's name.
const SESSION_COOKIE: &str = "rp_session";

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The application user.
    pub user_id: UserId,
    /// The provider it signed in through.
    pub provider: String,
    /// Its identity there.
    pub external_id: String,
    /// `iss`, `sub` and `auth_time` of the sign-in's ID token, which a refreshed one must
    /// repeat.
    pub id_claims: Map<String, Value>,
    /// The refresh token, when the provider granted one.
    pub refresh_token: Option<String>,
}

impl Session {
    /// The session a verified identity opens for `user_id`.
    pub fn opened(identity: &VerifiedIdentity, user_id: UserId) -> Self {
        Self {
            user_id,
            provider: identity.provider.clone(),
            external_id: identity.external_id.clone(),
            id_claims: ["iss", "sub", "auth_time"]
                .into_iter()
                .filter_map(|k| Some((k.to_owned(), identity.claims.get(k)?.clone())))
                .collect(),
            refresh_token: identity.refresh_token.clone(),
        }
    }
}

/// Every open session, by its random id.
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashMap<String, Session>>);

/// A random value for a cookie, unguessable and URL-safe.
pub(super) fn random_token() -> String {
    let mut buf = [0u8; 24];
    let _ = aws_lc_rs::rand::fill(&mut buf);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, buf)
}

/// The value of cookie `name` in the request, if sent.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Sessions {
    /// Opens `session` and returns the `Set-Cookie` value that carries its id.
    pub fn open(&self, session: Session) -> Option<HeaderValue> {
        let sid = random_token();
        self.lock().insert(sid.clone(), session);
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
        ))
        .ok()
    }

    /// The session the request's cookie names, with its id.
    pub fn of(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let sid = cookie(headers, SESSION_COOKIE)?;
        let session = self.lock().get(sid).cloned()?;
        Some((sid.to_owned(), session))
    }

    /// Keeps the refresh token a refresh returned for the next one.
    pub fn set_refresh_token(&self, sid: &str, token: String) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.refresh_token = Some(token);
        }
    }

    /// Ends session `sid`.
    pub fn close(&self, sid: &str) {
        self.lock().remove(sid);
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn cleared_cookie() -> HeaderValue {
        HeaderValue::from_static("rp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
