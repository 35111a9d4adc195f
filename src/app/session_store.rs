//! Application sessions: who is signed in in which browser, found by the session cookie.
//!
//! A session ends after [`IDLE_LIFETIME`] without a request and after [`ABSOLUTE_LIFETIME`]
//! in any case, on the relying party's clock (which the admin API can move for tests); at
//! most [`MAX_SESSIONS`] are kept, the least recently used going first.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::{Map, Value};

use crate::signin::VerifiedIdentity;
use crate::users::UserId;

/// The session cookie's name.
const SESSION_COOKIE: &str = "rp_session";
/// Seconds a session lasts without a request.
pub const IDLE_LIFETIME: i64 = 2 * 3600;
/// Seconds a session lasts at most, however busy.
pub const ABSOLUTE_LIFETIME: i64 = 12 * 3600;
/// Sessions kept at once.
pub const MAX_SESSIONS: usize = 10_000;

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
    /// When it was opened, unix seconds.
    pub opened_at: i64,
    /// When it was last used, unix seconds.
    pub last_seen: i64,
}

impl Session {
    /// The session a verified identity opens for `user_id` at `now`.
    pub fn opened(identity: &VerifiedIdentity, user_id: UserId, now: i64) -> Self {
        Self {
            user_id,
            provider: identity.provider.clone(),
            external_id: identity.external_id.clone(),
            id_claims: ["iss", "sub", "auth_time"]
                .into_iter()
                .filter_map(|k| Some((k.to_owned(), identity.claims.get(k)?.clone())))
                .collect(),
            refresh_token: identity.refresh_token.clone(),
            opened_at: now,
            last_seen: now,
        }
    }

    fn expired(&self, now: i64) -> bool {
        now.saturating_sub(self.opened_at) >= ABSOLUTE_LIFETIME
            || now.saturating_sub(self.last_seen) >= IDLE_LIFETIME
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
    /// Opens `session` and returns the `Set-Cookie` value that carries its id (`Secure`
    /// when the relying party is served over https).
    pub fn open(&self, session: Session, secure: bool) -> Option<HeaderValue> {
        let sid = random_token();
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            let now = session.opened_at;
            sessions.retain(|_, s| !s.expired(now));
        }
        if sessions.len() >= MAX_SESSIONS
            && let Some(stalest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&stalest);
        }
        sessions.insert(sid.clone(), session);
        let secure = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax{secure}"
        ))
        .ok()
    }

    /// The live session the request's cookie names, with its id; using it at `now` keeps it
    /// alive, and an expired one is ended.
    pub fn of(&self, headers: &HeaderMap, now: i64) -> Option<(String, Session)> {
        let sid = cookie(headers, SESSION_COOKIE)?;
        let mut sessions = self.lock();
        let session = sessions.get_mut(sid)?;
        if session.expired(now) {
            sessions.remove(sid);
            return None;
        }
        session.last_seen = now;
        Some((sid.to_owned(), session.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: i64) -> Session {
        Session {
            user_id: 1,
            provider: "Acme".into(),
            external_id: "alice".into(),
            id_claims: Map::new(),
            refresh_token: None,
            opened_at: now,
            last_seen: now,
        }
    }

    fn request_with(cookie: &HeaderValue) -> HeaderMap {
        let pair = cookie
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(pair).expect("value"));
        headers
    }

    #[test]
    fn a_session_ends_when_idle_and_when_old_even_if_busy() {
        let sessions = Sessions::default();
        let idle = request_with(&sessions.open(session(0), false).expect("cookie"));
        assert!(sessions.of(&idle, IDLE_LIFETIME - 1).is_some());
        assert!(
            sessions.of(&idle, 2 * IDLE_LIFETIME - 2).is_some(),
            "use keeps it alive"
        );
        assert!(
            sessions.of(&idle, 3 * IDLE_LIFETIME).is_none(),
            "idle too long"
        );
        assert!(sessions.of(&idle, 0).is_none(), "and it stays ended");
        let busy = request_with(&sessions.open(session(0), false).expect("cookie"));
        let mut now = 0;
        while now < ABSOLUTE_LIFETIME - 60 {
            now += 3600;
            assert!(sessions.of(&busy, now.min(ABSOLUTE_LIFETIME - 1)).is_some());
        }
        assert!(sessions.of(&busy, ABSOLUTE_LIFETIME).is_none(), "too old");
    }

    #[test]
    fn extreme_clocks_end_sessions_without_overflow() {
        let sessions = Sessions::default();
        let cookie = request_with(&sessions.open(session(i64::MIN), true).expect("cookie"));
        assert!(sessions.of(&cookie, i64::MAX).is_none());
        let secure = sessions.open(session(0), true).expect("cookie");
        assert!(secure.to_str().expect("ascii").ends_with("; Secure"));
    }

    #[test]
    fn past_the_cap_the_least_recently_used_session_goes() {
        let sessions = Sessions::default();
        let first = request_with(&sessions.open(session(0), false).expect("cookie"));
        for _ in 1..MAX_SESSIONS {
            sessions.open(session(10), false);
        }
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
        sessions.open(session(20), false);
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
        assert!(sessions.of(&first, 20).is_none(), "the stalest one went");
    }
}
