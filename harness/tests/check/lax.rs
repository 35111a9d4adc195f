//! A relying party that validates nothing: it takes whatever the provider sends as a
//! successful sign-in, redeems codes and calls userinfo without looking at any ID token.
//! Every fault must show on it.
//!
//! Its sign-in URL takes two options a test may add: `response_type=…` asks for another
//! response type than the flow's usual one, and `on_replay=keep` sends the response to
//! `/cb/keep`, where a response already taken, arriving with a session, keeps that session
//! (as mod_auth_openidc does) instead of signing in anew.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

#[derive(Clone)]
struct Lax {
    issuer: String,
    me: String,
    http: reqwest::Client,
    /// Reconfiguration requests received (it takes any metadata, and reads none).
    reconfigured: Arc<AtomicUsize>,
    signins: Arc<AtomicUsize>,
    /// Sessions it gave out: each sign-in gets a cookie value of its own.
    sessions: Arc<AtomicUsize>,
    /// The last responses `/cb/keep` took, to recognise one delivered again.
    taken: Arc<Mutex<VecDeque<ResponseParams>>>,
    log: Option<std::path::PathBuf>,
}

/// An authorization response's parameters, as delivered.
type ResponseParams = Vec<(String, String)>;

/// How many taken responses `/cb/keep` remembers.
const TAKEN_LIMIT: usize = 64;

/// A running lax application and what it counted.
pub struct LaxApp {
    /// Its base URL.
    pub url: String,
    /// Calls of its `/reconfigure` hook.
    pub reconfigured: Arc<AtomicUsize>,
    /// Sign-ins it started (`/signin/{flow}`).
    pub signins: Arc<AtomicUsize>,
}

fn response_of(flow: &str) -> (&'static str, &'static str) {
    match flow {
        "implicit_form_post" => ("id_token token", "form_post"),
        "implicit_fragment" => ("id_token token", "fragment"),
        "hybrid_form_post" => ("code id_token", "form_post"),
        "hybrid_fragment" => ("code id_token", "fragment"),
        _ => ("code", "query"),
    }
}

async fn lax_signin(
    State(app): State<Lax>,
    axum::extract::Path(flow): axum::extract::Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Redirect {
    app.signins.fetch_add(1, Ordering::Relaxed);
    let (usual, mode) = response_of(&flow);
    let option = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let hint = option("login_hint").unwrap_or("alice");
    let response_type = option("response_type").unwrap_or(usual);
    let callback = match option("on_replay") {
        Some("keep") => "cb/keep",
        _ => "cb",
    };
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer)).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", response_type)
        .append_pair("response_mode", mode)
        .append_pair("client_id", "lax")
        .append_pair("redirect_uri", &format!("{}/{callback}", app.me))
        .append_pair("scope", "openid email")
        .append_pair("state", "s")
        .append_pair("nonce", "n")
        .append_pair("login_hint", hint);
    Redirect::to(url.as_str())
}

/// Takes whatever arrives as a successful sign-in; redeems a code and calls userinfo
/// without looking at any ID token.
async fn lax_finish(app: &Lax, params: &[(String, String)], callback: &str) -> Response {
    if params.is_empty() {
        // A fragment response: the page's script posts the fragment back.
        return Html(format!(
            r#"<form id="fragment-relay" method="post" action="/{callback}"></form>"#
        ))
        .into_response();
    }
    if let Some(path) = &app.log {
        use std::io::Write;
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("log");
        writeln!(log, "lax callback with {} parameters", params.len()).expect("log line");
    }
    let code = params.iter().find(|(k, _)| k == "code").map(|(_, v)| v);
    if let Some(code) = code {
        let token: serde_json::Value = app
            .http
            .post(format!("{}/token", app.issuer))
            .basic_auth("lax", Some("lax-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", &format!("{}/{callback}", app.me)),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .unwrap_or_default();
        if let Some(at) = token["access_token"].as_str() {
            app.http
                .get(format!("{}/userinfo", app.issuer))
                .bearer_auth(at)
                .send()
                .await
                .expect("userinfo");
        }
    }
    let session = app.sessions.fetch_add(1, Ordering::Relaxed) + 1;
    let cookie = format!("lax_session={session}; Path=/");
    (
        [(axum::http::header::SET_COOKIE, cookie)],
        Redirect::to("/me"),
    )
        .into_response()
}

async fn lax_get(State(app): State<Lax>, Query(q): Query<Vec<(String, String)>>) -> Response {
    lax_finish(&app, &q, "cb").await
}

async fn lax_post(State(app): State<Lax>, Form(f): Form<Vec<(String, String)>>) -> Response {
    lax_finish(&app, &f, "cb").await
}

/// A response it already took, arriving with a session, goes back to the page with that
/// session, redeeming nothing; anything else is taken as `/cb` takes it.
async fn keeping_finish(
    app: &Lax,
    headers: &axum::http::HeaderMap,
    params: Vec<(String, String)>,
) -> Response {
    let has_session = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("lax_session="));
    {
        let mut taken = app.taken.lock().expect("taken");
        if has_session && !params.is_empty() && taken.contains(&params) {
            return Redirect::to("/me").into_response();
        }
        if !params.is_empty() {
            if taken.len() == TAKEN_LIMIT {
                taken.pop_front();
            }
            taken.push_back(params.clone());
        }
    }
    lax_finish(app, &params, "cb/keep").await
}

async fn keeping_get(
    State(app): State<Lax>,
    headers: axum::http::HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    keeping_finish(&app, &headers, q).await
}

async fn keeping_post(
    State(app): State<Lax>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    keeping_finish(&app, &headers, f).await
}

pub async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    l.local_addr().expect("addr").port()
}

/// The lax application, writing a line per callback to `log` when given.
pub async fn start_lax_app(idp_port: u16, log: Option<std::path::PathBuf>) -> LaxApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let me = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Lax {
        issuer: format!("http://127.0.0.1:{idp_port}/acme"),
        me: me.clone(),
        http: reqwest::Client::new(),
        reconfigured: Arc::default(),
        signins: Arc::default(),
        sessions: Arc::default(),
        taken: Arc::default(),
        log,
    };
    let (reconfigured, signins) = (app.reconfigured.clone(), app.signins.clone());
    let router = axum::Router::new()
        .route("/signin/{flow}", get(lax_signin))
        .route("/cb", get(lax_get).post(lax_post))
        .route("/cb/keep", get(keeping_get).post(keeping_post))
        .route("/me", get(|| async { "signed in" }))
        // Takes any metadata without reading it, and "refreshes" without asking anyone.
        .route(
            "/reconfigure",
            axum::routing::post(|State(app): State<Lax>| async move {
                app.reconfigured.fetch_add(1, Ordering::Relaxed);
                "reconfigured"
            }),
        )
        .route(
            "/refresh",
            axum::routing::post(|| async { Redirect::to("/me") }),
        )
        // A refresh that lands elsewhere than the sign-in did.
        .route(
            "/refresh-elsewhere",
            axum::routing::post(|| async { Redirect::to("/account") }),
        )
        .route("/account", get(|| async { "account" }))
        // A protected page that sends every visitor to sign in.
        .route(
            "/protected",
            get(|| async { Redirect::to("/signin/authorization_code?login_hint=alice") }),
        )
        .with_state(app);
    tokio::spawn(async move { axum::serve(listener, router).await });
    LaxApp {
        url: me,
        reconfigured,
        signins,
    }
}

pub fn lax_config(idp_port: u16, app: &str) -> String {
    let mut text = format!(
        r#"[idp.embedded]
bind = "127.0.0.1:{idp_port}"
tenant = "acme"

[[idp.embedded.users]]
username = "alice"
sub = "alice-sub"
claims = {{ email = "alice@acme.test", email_verified = true }}

[client]
client_id = "lax"
client_secret = "lax-secret"
redirect_uris = ["{app}/cb", "{app}/cb/keep"]
"#
    );
    for flow in [
        "authorization_code",
        "hybrid_fragment",
        "implicit_form_post",
    ] {
        text.push_str(&format!(
            r#"
[[flows]]
flow = "{flow}"
signin_url = "{app}/signin/{flow}?login_hint={{login_hint}}"
reconfigure = {{ url = "{app}/reconfigure" }}
refresh_url = "{app}/refresh"
success = {{ url = "/me", cookie = "lax_session" }}
"#
        ));
    }
    text
}
