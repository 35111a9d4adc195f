//! The relying party as an HTTP application: the sign-in page, the callbacks of the five
//! flows, the signed-in user page and JSON, local sign-out, and the admin API.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::discovery;
use crate::error::SignInError;
use crate::jwks::JwksCache;
use crate::pages;
use crate::settings::ProviderSettings;
use crate::signin::{self, Attempts, Env, Refreshed, StartOptions, VerifiedIdentity};
use crate::store::Store;
use crate::users;

/// The outcome of one sign-in, kept for the admin API so tests can read why it failed.
#[derive(Debug, Clone, Serialize)]
pub struct SignInRecord {
    /// Unix seconds.
    pub at: i64,
    /// The provider, when known.
    pub provider: Option<String>,
    /// Whether the user got in.
    pub ok: bool,
    /// The stable error code on failure.
    pub code: Option<String>,
    /// A readable message.
    pub message: String,
    /// The user on success.
    pub user: Option<Value>,
}

#[derive(Debug, Clone)]
struct AppSession {
    user_id: i64,
    provider: String,
    external_id: String,
    /// `iss`, `sub` and `auth_time` of the sign-in's ID token, which a refreshed one must
    /// repeat.
    id_claims: serde_json::Map<String, Value>,
    refresh_token: Option<String>,
}

/// Shared state of the application.
#[derive(Debug)]
pub struct Rp {
    /// The database.
    pub store: Store,
    http: reqwest::Client,
    jwks: JwksCache,
    attempts: Attempts,
    sessions: Mutex<HashMap<String, AppSession>>,
    records: Mutex<VecDeque<SignInRecord>>,
    public_url: String,
    dev_mode: bool,
    clock_offset: AtomicI64,
}

const SESSION_COOKIE: &str = "rp_session";

/// The client for every call to a provider: redirects are not followed (a provider that
/// redirects a back-channel call is misbehaving), and a hung provider fails the call.
fn http_client(extra_roots: Option<&[u8]>) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15));
    if let Some(pem) = extra_roots {
        for cert in reqwest::Certificate::from_pem_bundle(pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build()
}

impl Rp {
    /// A relying party at `public_url` over `store`.
    pub fn new(store: Store, public_url: &str, dev_mode: bool) -> Self {
        let http = http_client(None).unwrap_or_default();
        Self {
            store,
            jwks: JwksCache::new(http.clone()),
            http,
            attempts: Attempts::default(),
            sessions: Mutex::new(HashMap::new()),
            records: Mutex::new(VecDeque::new()),
            public_url: public_url.trim_end_matches('/').to_owned(),
            dev_mode,
            clock_offset: AtomicI64::new(0),
        }
    }

    /// Also trusts the certificates in `pem` (one or more, PEM) for calls to providers, e.g.
    /// the one `mock-idp --tls` writes; the system's roots stay trusted.
    ///
    /// ```
    /// use relying_party::{app::Rp, store::Store};
    /// let pem = mock_idp::TlsPem::self_signed().expect("certificate").cert;
    /// let rp = Rp::new(Store::open_in_memory().expect("store"), "http://127.0.0.1:8080", true)
    ///     .trusting(&pem)
    ///     .expect("a PEM certificate");
    /// # drop(rp);
    /// ```
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, reqwest::Error> {
        self.http = http_client(Some(pem))?;
        self.jwks = JwksCache::new(self.http.clone());
        Ok(self)
    }

    /// The redirect URI to register at every provider ("View Redirect URI").
    pub fn redirect_uri(&self) -> String {
        format!("{}/callback", self.public_url)
    }

    /// Now, unix seconds, with the test offset.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        system + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Stored provider settings by name.
    pub fn provider(&self, name: &str) -> Option<ProviderSettings> {
        let json = self.store.provider(name).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    /// Every stored provider.
    pub fn providers(&self) -> Vec<ProviderSettings> {
        self.store
            .providers()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect()
    }

    /// Checks and stores provider settings; returns every problem when they break a rule.
    pub fn save_provider(&self, settings: &ProviderSettings) -> Result<(), Vec<String>> {
        let mut problems: Vec<String> = settings
            .check(self.dev_mode)
            .iter()
            .map(ToString::to_string)
            .collect();
        if let Err(e) = self.store.validate_user_rules(
            &settings.binding,
            &settings.creation,
            &settings.role_mapping,
        ) {
            let line = e.to_string();
            if !problems.iter().any(|p| p.contains(&line)) {
                problems.push(line);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let json = serde_json::to_string(settings).map_err(|e| vec![e.to_string()])?;
        self.store
            .put_provider(&settings.name, &json)
            .map_err(|e| vec![e.to_string()])
    }

    fn record(&self, r: SignInRecord) {
        let mut q = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() == 200 {
            q.pop_front();
        }
        q.push_back(r);
    }

    /// Recent sign-in outcomes, oldest first.
    pub fn sign_ins(&self) -> Vec<SignInRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

type Shared = State<Arc<Rp>>;

fn session_of(rp: &Rp, headers: &HeaderMap) -> Option<(String, AppSession)> {
    let sid = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())?;
    let s = rp
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&sid)
        .cloned()?;
    Some((sid, s))
}

async fn home(State(rp): Shared) -> Response {
    let list: Vec<(String, Option<String>)> = rp
        .providers()
        .into_iter()
        .filter(|p| p.active)
        .map(|p| (p.name, p.icon))
        .collect();
    pages::sign_in(&list)
}

async fn start(
    State(rp): Shared,
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

async fn callback_get(State(rp): Shared, RawQuery(q): RawQuery) -> Response {
    match q.filter(|q| !q.is_empty()) {
        None => pages::fragment_relay(),
        Some(q) => complete(&rp, params_of(q.as_bytes())).await,
    }
}

async fn callback_post(State(rp): Shared, body: Bytes) -> Response {
    complete(&rp, params_of(&body)).await
}

async fn complete(rp: &Arc<Rp>, params: HashMap<String, String>) -> Response {
    let env = Env {
        http: &rp.http,
        jwks: &rp.jwks,
        redirect_uri: &rp.redirect_uri(),
        now: rp.now(),
    };
    let provider_hint = None::<String>;
    let verified = signin::finish(&env, &rp.attempts, &params, |name| rp.provider(name)).await;
    let result = match verified {
        Ok(identity) => bind_user(rp, identity).await,
        Err(e) => Err((provider_hint, e)),
    };
    match result {
        Ok((identity, user)) => {
            let sid = {
                let mut buf = [0u8; 24];
                let _ = aws_lc_rs::rand::fill(&mut buf);
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, buf)
            };
            let user_id = user.get("id").and_then(Value::as_i64).unwrap_or_default();
            rp.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(
                    sid.clone(),
                    AppSession {
                        user_id,
                        provider: identity.provider.clone(),
                        external_id: identity.external_id.clone(),
                        id_claims: ["iss", "sub", "auth_time"]
                            .into_iter()
                            .filter_map(|k| Some((k.to_owned(), identity.claims.get(k)?.clone())))
                            .collect(),
                        refresh_token: identity.refresh_token.clone(),
                    },
                );
            rp.record(SignInRecord {
                at: rp.now(),
                provider: Some(identity.provider.clone()),
                ok: true,
                code: None,
                message: format!(
                    "signed in as {}",
                    user.get("username").and_then(Value::as_str).unwrap_or("?")
                ),
                user: Some(user),
            });
            let mut res = Redirect::to("/me").into_response();
            let cookie = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err((provider, e)) => refused(rp, provider, &e),
    }
}

/// Records a refusal and answers the error page with its stable code.
fn refused(rp: &Rp, provider: Option<String>, e: &SignInError) -> Response {
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

/// Refreshes the session's tokens (RFC 6749 §6) and checks that the new ID token continues
/// the sign-in's (Core §12.2). The stored user is never touched: user rules run at sign-in.
/// A refused refresh ends the application session, since the provider no longer vouches
/// for it.
async fn refresh_session(State(rp): Shared, headers: HeaderMap) -> Response {
    let Some((sid, session)) = session_of(&rp, &headers) else {
        return refused(&rp, None, &SignInError::NoRefreshableSession);
    };
    match refresh_tokens(&rp, &session).await {
        Ok(refreshed) => {
            if let Some(s) = rp
                .sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(&sid)
            {
                s.refresh_token = Some(refreshed.refresh_token);
            }
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
            rp.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&sid);
            refused(&rp, Some(session.provider), &e)
        }
    }
}

async fn refresh_tokens(rp: &Rp, session: &AppSession) -> Result<Refreshed, SignInError> {
    let token = session
        .refresh_token
        .as_deref()
        .ok_or(SignInError::NoRefreshableSession)?;
    let provider = rp
        .provider(&session.provider)
        .filter(|p| p.active)
        .ok_or_else(|| SignInError::ProviderUnavailable(session.provider.clone()))?;
    let redirect_uri = rp.redirect_uri();
    let env = Env {
        http: &rp.http,
        jwks: &rp.jwks,
        redirect_uri: &redirect_uri,
        now: rp.now(),
    };
    signin::refresh(&env, &provider, token, &session.id_claims).await
}

type Bound = Result<(VerifiedIdentity, Value), (Option<String>, SignInError)>;

/// Hands a verified identity to the user rules, in one transaction.
async fn bind_user(rp: &Arc<Rp>, identity: VerifiedIdentity) -> Bound {
    let provider = identity.provider.clone();
    let Some(settings) = rp.provider(&provider) else {
        return Err((
            Some(provider.clone()),
            SignInError::ProviderUnavailable(provider),
        ));
    };
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
    .await;
    match outcome {
        Ok(Ok(outcome)) => {
            let mut user = serde_json::to_value(&outcome.user).unwrap_or(Value::Null);
            user["how"] = json!(outcome.how);
            user["dropped_roles"] = json!(outcome.dropped_roles);
            Ok((identity, user))
        }
        Ok(Err(e)) => Err((Some(provider), e.into())),
        Err(e) => Err((Some(provider), SignInError::Store(e.to_string()))),
    }
}

async fn me_json(State(rp): Shared, headers: HeaderMap) -> Response {
    match session_of(&rp, &headers) {
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

async fn me_page(State(rp): Shared, headers: HeaderMap) -> Response {
    let Some((_, s)) = session_of(&rp, &headers) else {
        return Redirect::to("/").into_response();
    };
    let user = rp
        .store
        .user(s.user_id)
        .ok()
        .flatten()
        .and_then(|u| serde_json::to_value(u).ok())
        .unwrap_or(Value::Null);
    let pretty = serde_json::to_string_pretty(&user).unwrap_or_default();
    let refresh = if s.refresh_token.is_some() {
        "\n<form method=\"post\" action=\"/session/refresh\" id=\"refresh\"><button>Refresh session</button></form>"
    } else {
        ""
    };
    let body = format!(
        "<p>Signed in through <strong id=\"provider\">{}</strong> as <strong id=\"username\">{}</strong> (external id <code id=\"external-id\">{}</code>).</p>\n<pre id=\"user\">{}</pre>\n<form method=\"post\" action=\"/logout\"><button id=\"sign-out\">Sign out</button></form>{refresh}",
        pages::escape(&s.provider),
        pages::escape(user.get("username").and_then(Value::as_str).unwrap_or("?")),
        pages::escape(&s.external_id),
        pages::escape(&pretty)
    );
    Html(pages::page("Signed in", &body)).into_response()
}

/// Local sign-out only: the provider session stays (single sign-off is not offered).
async fn logout(State(rp): Shared, headers: HeaderMap) -> Response {
    if let Some((sid, _)) = session_of(&rp, &headers) {
        rp.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sid);
    }
    let mut res = pages::message(
        "Signed out",
        "You are signed out of this application. You are still signed in at your identity provider: single sign-off is not offered.",
    );
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

pub(crate) fn bad(status: StatusCode, code: &str, detail: impl Serialize) -> Response {
    (
        status,
        axum::Json(json!({ "error": code, "details": detail })),
    )
        .into_response()
}

/// An error with a stable code, answered with the status its code implies.
pub(crate) fn coded(code: &str, detail: String) -> Response {
    let status = if code.contains("unknown") {
        StatusCode::NOT_FOUND
    } else if code.ends_with("exists") || code.ends_with("taken") || code.ends_with("in_use") {
        StatusCode::CONFLICT
    } else if code.starts_with("store.") {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    bad(status, code, detail)
}

fn store_error(e: crate::store::StoreError) -> Response {
    coded(e.code(), e.to_string())
}

/// Settings as the admin API shows them: the client secret is never sent back.
fn shown(mut p: ProviderSettings) -> ProviderSettings {
    p.client_secret = None;
    p
}

async fn list_providers(State(rp): Shared) -> Response {
    axum::Json(rp.providers().into_iter().map(shown).collect::<Vec<_>>()).into_response()
}

/// Stores settings; a request without `client_secret` keeps the stored one, so settings
/// read from this API (which never shows the secret) can be sent back changed.
async fn put_provider(
    State(rp): Shared,
    axum::Json(mut p): axum::Json<ProviderSettings>,
) -> Response {
    if p.client_secret.is_none() {
        p.client_secret = rp.provider(&p.name).and_then(|old| old.client_secret);
    }
    match rp.save_provider(&p) {
        Ok(()) => (StatusCode::CREATED, axum::Json(shown(p))).into_response(),
        Err(problems) => bad(StatusCode::BAD_REQUEST, "settings.invalid", problems),
    }
}

async fn get_provider(State(rp): Shared, Path(name): Path<String>) -> Response {
    match rp.provider(&name) {
        Some(p) => axum::Json(shown(p)).into_response(),
        None => bad(
            StatusCode::NOT_FOUND,
            "provider.unknown",
            format!("no provider named \"{name}\""),
        ),
    }
}

async fn delete_provider(State(rp): Shared, Path(name): Path<String>) -> Response {
    match rp.store.delete_provider(&name) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    name: String,
}

async fn rename_provider(
    State(rp): Shared,
    Path(name): Path<String>,
    axum::Json(r): axum::Json<Rename>,
) -> Response {
    let Some(mut p) = rp.provider(&name) else {
        return bad(
            StatusCode::NOT_FOUND,
            "provider.unknown",
            format!("no provider named \"{name}\""),
        );
    };
    if r.name.trim().is_empty() {
        return bad(
            StatusCode::BAD_REQUEST,
            "settings.invalid",
            "name: expected a display name, found an empty one",
        );
    }
    if rp.provider(&r.name).is_some() {
        return bad(
            StatusCode::CONFLICT,
            "provider.exists",
            format!("a provider named \"{}\" exists", r.name),
        );
    }
    p.name = r.name.clone();
    let json = match serde_json::to_string(&p) {
        Ok(j) => j,
        Err(e) => {
            return bad(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store.failed",
                e.to_string(),
            );
        }
    };
    match rp
        .store
        .rename_provider(&name, &r.name)
        .and_then(|()| rp.store.put_provider(&r.name, &json))
    {
        Ok(()) => axum::Json(shown(p)).into_response(),
        Err(e) => store_error(e),
    }
}

async fn metadata(State(rp): Shared, Path(name): Path<String>) -> Response {
    let Some(p) = rp.provider(&name) else {
        return bad(
            StatusCode::NOT_FOUND,
            "provider.unknown",
            format!("no provider named \"{name}\""),
        );
    };
    match discovery::fetch_document(&rp.http, &p.metadata_location()).await {
        Ok(m) => axum::Json(m).into_response(),
        Err(f) => bad(StatusCode::BAD_GATEWAY, f.code, f.message),
    }
}

async fn validate(State(rp): Shared, Path(name): Path<String>) -> Response {
    let Some(p) = rp.provider(&name) else {
        return bad(
            StatusCode::NOT_FOUND,
            "provider.unknown",
            format!("no provider named \"{name}\""),
        );
    };
    match discovery::fetch_document(&rp.http, &p.metadata_location()).await {
        Ok(m) => {
            let findings = discovery::validate(&m, &p);
            axum::Json(json!({ "valid": findings.is_empty(), "findings": findings }))
                .into_response()
        }
        Err(f) => axum::Json(json!({ "valid": false, "findings": [f] })).into_response(),
    }
}

async fn autoconfigure(State(rp): Shared, Path(name): Path<String>) -> Response {
    let Some(mut p) = rp.provider(&name) else {
        return bad(
            StatusCode::NOT_FOUND,
            "provider.unknown",
            format!("no provider named \"{name}\""),
        );
    };
    let meta = match discovery::fetch_document(&rp.http, &p.metadata_location()).await {
        Ok(m) => m,
        Err(f) => {
            return bad(
                StatusCode::UNPROCESSABLE_ENTITY,
                "autoconfiguration.failed",
                vec![f],
            );
        }
    };
    if let Err(findings) = discovery::autoconfigure(&meta, &mut p) {
        return bad(
            StatusCode::UNPROCESSABLE_ENTITY,
            "autoconfiguration.failed",
            findings,
        );
    }
    match rp.save_provider(&p) {
        Ok(()) => axum::Json(shown(p)).into_response(),
        Err(problems) => bad(
            StatusCode::UNPROCESSABLE_ENTITY,
            "settings.invalid",
            problems,
        ),
    }
}

async fn redirect_uri(State(rp): Shared) -> Response {
    axum::Json(json!({ "redirect_uri": rp.redirect_uri() })).into_response()
}

async fn sign_ins(State(rp): Shared) -> Response {
    axum::Json(rp.sign_ins()).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOffset {
    offset: i64,
}

async fn set_clock(State(rp): Shared, axum::Json(c): axum::Json<ClockOffset>) -> Response {
    rp.clock_offset.store(c.offset, Ordering::Relaxed);
    axum::Json(json!({ "now": rp.now(), "offset": c.offset })).into_response()
}

async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(req).await
    } else {
        bad(
            StatusCode::FORBIDDEN,
            "access_denied",
            "the admin API answers loopback peers only",
        )
    }
}

/// The whole application.
pub fn router(rp: Arc<Rp>) -> Router {
    let admin = Router::new()
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
        .merge(crate::directory_api::routes())
        .route_layer(middleware::from_fn(loopback_only));
    Router::new()
        .route("/", get(home))
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/signin/{name}", get(start))
        .route("/callback", get(callback_get).post(callback_post))
        .route("/callback/fragment", post(callback_post))
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
        .merge(admin)
        .with_state(rp)
}

/// Serves the application on `listener` until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, rp: Arc<Rp>) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(rp).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// A relying party serving on an ephemeral loopback port; stops when dropped. For tests and
/// the harness.
#[derive(Debug)]
pub struct RunningRp {
    /// The application state.
    pub rp: Arc<Rp>,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunningRp {
    /// Starts on `127.0.0.1:0` over `store`, in development mode (loopback http issuers).
    pub async fn start(store: Store) -> std::io::Result<Self> {
        Self::start_with(store, None).await
    }

    /// As [`RunningRp::start`], also trusting the certificates in `pem` (see
    /// [`Rp::trusting`]), e.g. a mock IdP's serving https.
    pub async fn start_trusting(store: Store, pem: &[u8]) -> std::io::Result<Self> {
        Self::start_with(store, Some(pem)).await
    }

    async fn start_with(store: Store, pem: Option<&[u8]>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut rp = Rp::new(store, &url, true);
        if let Some(pem) = pem {
            rp = rp
                .trusting(pem)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        }
        let rp = Arc::new(rp);
        let served = rp.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = serve(listener, served).await {
                tracing::error!(error = %e, "relying party stopped");
            }
        });
        Ok(Self { rp, url, task })
    }
}

impl Drop for RunningRp {
    fn drop(&mut self) {
        self.task.abort();
    }
}
