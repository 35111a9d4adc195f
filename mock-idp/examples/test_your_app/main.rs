//! # Test your own application against the mock IdP
//!
//! A complete recipe: a small axum application with an OpenID Connect login built on the
//! `openidconnect` crate, and the tests a developer writes for it with `mock_idp` — sign-in,
//! claims, a fault, expiry through the clock, "no userinfo call after a bad token", and the
//! catalog sweep that checks every fault at once.
//!
//! `cargo test -p mock-idp --example test_your_app` runs the tests (CI runs them with
//! `cargo test --workspace`); `cargo run -p mock-idp --example test_your_app` starts the IdP
//! and the application and prints where to sign in.
//!
//! The application is started on an ephemeral port first, because its redirect URI holds
//! that port; its client is registered at the IdP after. `openidconnect` is used with
//! `default-features = false` and a small adapter over reqwest 0.13 (its default reqwest
//! pulls a second TLS stack).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{Value, json};

/// The application's client at the IdP.
const CLIENT_ID: &str = "my-app";
const CLIENT_SECRET: &str = "my-app-secret";
/// How far an ID token's `iat` may lie in the future (clock skew between machines).
const SKEW: i64 = 60;

/// `openidconnect`'s async HTTP client, over reqwest 0.13 without following redirects.
async fn send(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    static HTTP: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default()
    });
    let (parts, body) = request.into_parts();
    let mut req = HTTP.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        req = req.header(name, value);
    }
    let res = req.send().await?;
    let mut builder = openidconnect::http::Response::builder().status(res.status());
    for (name, value) in res.headers() {
        builder = builder.header(name, value);
    }
    let bytes = res.bytes().await?;
    Ok(builder.body(bytes.to_vec()).unwrap_or_default())
}

/// The client as built from discovered metadata: which endpoints it has is in its type.
type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in started at `/login` and not yet finished at `/callback`.
struct Pending {
    state: String,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

/// The application: its provider metadata, pending sign-ins and signed-in sessions, each
/// keyed by a cookie.
#[derive(Clone)]
struct App {
    issuer: String,
    metadata: Arc<RwLock<CoreProviderMetadata>>,
    redirect_uri: String,
    pending: Arc<Mutex<HashMap<String, Pending>>>,
    sessions: Arc<Mutex<HashMap<String, Value>>>,
}

/// Why a sign-in failed, shown to the user with a 401.
#[derive(Debug)]
struct SignInError(String);

impl<E: std::fmt::Display> From<E> for SignInError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

impl IntoResponse for SignInError {
    fn into_response(self) -> Response {
        let body = format!("<p id=\"error\">sign-in failed: {}</p>", self.0);
        (StatusCode::UNAUTHORIZED, axum::response::Html(body)).into_response()
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let raw = headers.get(header::COOKIE)?.to_str().ok()?;
    raw.split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn random() -> String {
    CsrfToken::new_random().secret().clone()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl App {
    /// Discovers the provider at `issuer`.
    async fn discover(issuer: &str, redirect_uri: String) -> anyhow::Result<Self> {
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.to_owned())?, &send).await?;
        Ok(Self {
            issuer: issuer.to_owned(),
            metadata: Arc::new(RwLock::new(metadata)),
            redirect_uri,
            pending: Arc::default(),
            sessions: Arc::default(),
        })
    }

    /// Reads the discovery document again (an operator's "reload provider"); a document
    /// the crate refuses leaves the one in use.
    async fn rediscover(&self) -> anyhow::Result<()> {
        let issuer = IssuerUrl::new(self.issuer.clone())?;
        let fresh = CoreProviderMetadata::discover_async(issuer, &send).await?;
        *self
            .metadata
            .write()
            .map_err(|_| anyhow::anyhow!("poisoned"))? = fresh;
        Ok(())
    }

    fn metadata(&self) -> Result<CoreProviderMetadata, SignInError> {
        Ok(self.metadata.read().map_err(|_| "poisoned")?.clone())
    }

    /// The `openidconnect` client for the metadata in use.
    fn oidc_client(&self, metadata: CoreProviderMetadata) -> Result<OidcClient, SignInError> {
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(CLIENT_ID.into()),
            Some(ClientSecret::new(CLIENT_SECRET.into())),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect_uri.clone())?))
    }

    fn router(self) -> Router {
        Router::new()
            .route("/login", get(login))
            .route("/callback", get(callback))
            .route("/me", get(me))
            .route("/reload-provider", post(reload_provider))
            .with_state(self)
    }
}

/// `GET /login[?login_hint=..]`: off to the IdP, with the hint passed through.
async fn login(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, SignInError> {
    let client = app.oidc_client(app.metadata()?)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    for name in ["login_hint", "max_age"] {
        if let Some(v) = q.get(name) {
            request = request.add_extra_param(name, v.clone());
        }
    }
    let (url, state, nonce) = request.url();
    let id = random();
    app.pending.lock().map_err(|_| "poisoned")?.insert(
        id.clone(),
        Pending {
            state: state.secret().clone(),
            nonce,
            verifier,
        },
    );
    let set = format!("pending={id}; HttpOnly; SameSite=Lax; Path=/");
    Ok(([(header::SET_COOKIE, set)], Redirect::to(url.as_str())).into_response())
}

/// `GET /callback`: checks `state`, redeems the code, verifies the ID token, then (only
/// then) asks userinfo.
async fn callback(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, SignInError> {
    let pending = cookie(&headers, "pending")
        .and_then(|id| app.pending.lock().ok()?.remove(&id))
        .ok_or("no sign-in in progress")?;
    if let Some(error) = q.get("error") {
        return Err(SignInError(format!("the IdP answered {error}")));
    }
    // RFC 6749 §10.12: the response must belong to the request this browser started.
    if q.get("state") != Some(&pending.state) {
        return Err(SignInError("state does not match".into()));
    }
    let code = q.get("code").ok_or("no code")?;
    let metadata = app.metadata()?;
    let client = app.oidc_client(metadata.clone())?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))?
        .set_pkce_verifier(pending.verifier)
        .request_async(&send)
        .await?;
    let id_token = tokens.id_token().ok_or("no ID token")?;
    let mut refetched = None;
    let claims: CoreIdTokenClaims =
        match id_token.claims(&client.id_token_verifier(), &pending.nonce) {
            Ok(c) => c.clone(),
            // Core §10.1.1: a key the cached set lacks may be a rotation; fetch the set
            // again, once. (The catalog sweep found this missing: after `key_rotated`
            // every sign-in failed.)
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &send).await?;
                let verifier = CoreIdTokenVerifier::new_confidential_client(
                    ClientId::new(CLIENT_ID.into()),
                    ClientSecret::new(CLIENT_SECRET.into()),
                    metadata.issuer().clone(),
                    jwks.clone(),
                );
                let claims = id_token.claims(&verifier, &pending.nonce)?.clone();
                refetched = Some(jwks);
                claims
            }
            Err(e) => return Err(e.into()),
        };
    // What the crate leaves to the application (see STACK.md): a plausible `iat`, and `nbf`,
    // which it does not read at all. The catalog sweep below found both missing.
    if claims.issue_time().timestamp() > now() + SKEW {
        return Err(SignInError("the ID token was issued in the future".into()));
    }
    let raw = mock_idp::decode_unverified(&id_token.to_string()).ok_or("malformed ID token")?;
    if raw.1["nbf"].as_i64().is_some_and(|nbf| nbf > now() + SKEW) {
        return Err(SignInError("the ID token is not valid yet".into()));
    }
    // Core §3.1.3.7 #5 (errata): an `azp` present must be this client; the crate reads `azp`
    // only beside several audiences (the catalog sweep found it: `azp_other_client` signed in).
    if raw.1["azp"].as_str().is_some_and(|azp| azp != CLIENT_ID) {
        return Err(SignInError(
            "the ID token's azp names another client".into(),
        ));
    }
    // RFC 7518 §3.3: RS256 keys are 2048 bits or larger; the crate verifies with shorter
    // ones too (the catalog sweep found it: `weak_rsa_key` signed in).
    let keys = refetched.as_ref().unwrap_or(metadata.jwks());
    let kid = raw.0["kid"].as_str();
    let short = keys
        .keys()
        .iter()
        .filter_map(|k| serde_json::to_value(k).ok())
        .filter(|k| k["kid"].as_str() == kid)
        .any(|k| k["n"].as_str().is_some_and(|n| n.len() * 3 / 4 * 8 < 2048));
    if short {
        return Err(SignInError(
            "the ID token's RSA key is shorter than 2048 bits".into(),
        ));
    }
    let info: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )?
        .request_async(&send)
        .await?;
    let user = json!({
        "sub": claims.subject().as_str(),
        "email": info.email().map(|e| e.as_str()),
        "claims": raw.1,
    });
    let id = random();
    app.sessions
        .lock()
        .map_err(|_| "poisoned")?
        .insert(id.clone(), user);
    let set = format!("session={id}; HttpOnly; SameSite=Lax; Path=/");
    Ok(([(header::SET_COOKIE, set)], Redirect::to("/me")).into_response())
}

/// `POST /reload-provider`: reads the discovery document again (what an operator does after
/// the provider changed); 502 with the reason when the document is refused.
async fn reload_provider(State(app): State<App>) -> Response {
    match app.rediscover().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// `GET /me`: the signed-in user as JSON, or 401.
async fn me(State(app): State<App>, headers: HeaderMap) -> Response {
    let user =
        cookie(&headers, "session").and_then(|id| app.sessions.lock().ok()?.get(&id).cloned());
    match user {
        Some(u) => axum::Json(u).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The application, serving on an ephemeral loopback port: binds first (the redirect URI
/// needs the port), then discovers the provider.
async fn start_app(issuer: &str) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = App::discover(issuer, format!("http://{addr}/callback")).await?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app.router()).await;
    });
    Ok((addr, task))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let idp = mock_idp::MockIdp::start().await;
    let (addr, task) = start_app(&idp.issuer()).await?;
    idp.add_client(
        mock_idp::Client::confidential(CLIENT_ID, CLIENT_SECRET)
            .redirect_uri(format!("http://{addr}/callback")),
    )?;
    tracing::info!(issuer = %idp.issuer(), "mock IdP up");
    // A runnable example talks to its user on the terminal.
    #[allow(clippy::print_stdout)]
    {
        println!("sign in at http://{addr}/login?login_hint=alice (Ctrl-C to stop)");
    }
    task.await?;
    Ok(())
}

#[cfg(test)]
mod tests;
