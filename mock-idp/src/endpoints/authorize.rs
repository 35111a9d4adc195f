//! The authorization endpoint: validates the request (client, exact redirect URI, response
//! type and mode, scope, nonce, PKCE, prompt, max_age, claims), decides whether a login is
//! needed, and delivers the response by query, fragment or form_post.

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use crate::endpoints::error::{ErrorCode, OAuthError};
use crate::endpoints::form::{Params, cookie};
use crate::endpoints::login;
use crate::endpoints::pages;
use crate::faults::Fault;
use crate::model::types::{ClientId, ResponseMode, ResponseType};
use crate::server::state::{
    AccessGrant, AuthContext, AuthzRequest, CodeGrant, Ctx, PkceMethod, Session,
};
use crate::tokens::b64;
use crate::tokens::mint::{self, Bindings};

/// Where errors go once the redirect URI is trusted.
struct Reply<'a> {
    redirect_uri: &'a str,
    mode: ResponseMode,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl Reply<'_> {
    fn error(&self, e: &OAuthError) -> Response {
        let mut params = vec![
            ("error".to_owned(), e.code.as_str().to_owned()),
            ("error_description".to_owned(), e.description.clone()),
        ];
        if let Some(s) = self.state {
            params.push(("state".into(), s.into()));
        }
        params.push(("iss".into(), self.issuer.into()));
        deliver(self.redirect_uri, self.mode, &params)
    }
}

/// Sends `params` to `redirect_uri` the way `mode` says.
pub(crate) fn deliver(
    redirect_uri: &str,
    mode: ResponseMode,
    params: &[(String, String)],
) -> Response {
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let location = match mode {
        ResponseMode::FormPost => return pages::form_post(redirect_uri, params),
        ResponseMode::Query => {
            let sep = if redirect_uri.contains('?') { '&' } else { '?' };
            format!("{redirect_uri}{sep}{encoded}")
        }
        ResponseMode::Fragment => format!("{redirect_uri}#{encoded}"),
    };
    let mut res = Redirect::to(&location).into_response();
    *res.status_mut() = StatusCode::FOUND;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn is_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

/// Validates everything after the client and redirect URI are trusted.
fn validate(
    p: &Params,
    client_id: &ClientId,
    redirect_uri: &str,
    public: bool,
    allows: impl Fn(ResponseType) -> bool,
) -> Result<AuthzRequest, (OAuthError, ResponseMode)> {
    let requested_mode = p.get("response_mode").map(ResponseMode::parse);
    let rt = p.get("response_type").map(ResponseType::parse);
    let fallback = match (requested_mode, rt) {
        // Tokens never travel in a query, so neither does the error about asking for that.
        (Some(Some(ResponseMode::Query)), Some(Some(t))) if t != ResponseType::Code => {
            t.default_mode()
        }
        (Some(Some(m)), _) => m,
        (_, Some(Some(t))) => t.default_mode(),
        _ => ResponseMode::Query,
    };
    let fail = |code, msg: String| Err((OAuthError::new(code, msg), fallback));
    if let Some(name) = p.repeated().first() {
        return fail(
            ErrorCode::InvalidRequest,
            format!("parameter {name} appears more than once"),
        );
    }
    let response_type = match rt {
        None => return fail(ErrorCode::InvalidRequest, "response_type is missing".into()),
        Some(None) => {
            return fail(
                ErrorCode::UnsupportedResponseType,
                format!(
                    "expected one of code, id_token, id_token token, code id_token, code token, code id_token token; found \"{}\"",
                    p.get("response_type").unwrap_or_default()
                ),
            );
        }
        Some(Some(t)) => t,
    };
    if !allows(response_type) {
        return fail(
            ErrorCode::UnauthorizedClient,
            format!("client \"{client_id}\" may not use response_type={response_type}"),
        );
    }
    let response_mode = match requested_mode {
        None => response_type.default_mode(),
        Some(None) => {
            return fail(
                ErrorCode::InvalidRequest,
                format!(
                    "expected response_mode query, fragment or form_post; found \"{}\"",
                    p.get("response_mode").unwrap_or_default()
                ),
            );
        }
        Some(Some(ResponseMode::Query)) if response_type != ResponseType::Code => {
            return fail(
                ErrorCode::InvalidRequest,
                format!(
                    "response_mode=query is not allowed for response_type={response_type}: tokens must not travel in a query (Multiple Response Types §5)"
                ),
            );
        }
        Some(Some(m)) => m,
    };
    let fail = |code, msg: String| Err((OAuthError::new(code, msg), response_mode));
    if p.get("request").is_some() {
        return fail(
            ErrorCode::RequestNotSupported,
            "request objects are not supported".into(),
        );
    }
    if p.get("request_uri").is_some() {
        return fail(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported".into(),
        );
    }
    let scope: Vec<String> = p
        .get("scope")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !scope.iter().any(|s| s == "openid") {
        return fail(
            ErrorCode::InvalidScope,
            format!(
                "expected scope to contain openid, found \"{}\"",
                scope.join(" ")
            ),
        );
    }
    let nonce = p.get("nonce").map(str::to_owned);
    if response_type.has_id_token() && nonce.is_none() {
        return fail(
            ErrorCode::InvalidRequest,
            format!(
                "nonce is required for response_type={response_type} (OpenID Connect Core §3.2.2.1, §3.3.2.11)"
            ),
        );
    }
    let pkce = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, Some(_)) => {
            return fail(
                ErrorCode::InvalidRequest,
                "code_challenge_method without code_challenge".into(),
            );
        }
        (None, None) => None,
        (Some(c), m) => {
            let method = match m.unwrap_or("plain") {
                "S256" => PkceMethod::S256,
                "plain" => PkceMethod::Plain,
                other => {
                    return fail(
                        ErrorCode::InvalidRequest,
                        format!("expected code_challenge_method S256 or plain, found \"{other}\""),
                    );
                }
            };
            if !is_pkce_value(c) {
                return fail(
                    ErrorCode::InvalidRequest,
                    "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.2)".into(),
                );
            }
            Some((c.to_owned(), method))
        }
    };
    if public && response_type.has_code() && pkce.is_none() {
        return fail(
            ErrorCode::InvalidRequest,
            format!("client \"{client_id}\" is public and must send a PKCE code_challenge"),
        );
    }
    let prompt: Vec<String> = p
        .get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = prompt
        .iter()
        .find(|v| !["none", "login", "consent", "select_account"].contains(&v.as_str()))
    {
        return fail(
            ErrorCode::InvalidRequest,
            format!("expected prompt none, login, consent or select_account; found \"{bad}\""),
        );
    }
    if prompt.iter().any(|v| v == "none") && prompt.len() > 1 {
        return fail(
            ErrorCode::InvalidRequest,
            "prompt=none cannot be combined with other values (OpenID Connect Core §3.1.2.1)"
                .into(),
        );
    }
    let max_age = match p.get("max_age") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return fail(
                    ErrorCode::InvalidRequest,
                    format!("expected max_age as a non-negative number of seconds, found \"{v}\""),
                );
            }
        },
    };
    let claims = match p.get("claims") {
        None => None,
        Some(v) => match serde_json::from_str::<Value>(v) {
            Ok(c @ Value::Object(_)) => Some(c),
            _ => {
                return fail(
                    ErrorCode::InvalidRequest,
                    "claims must be a JSON object (OpenID Connect Core §5.5)".into(),
                );
            }
        },
    };
    let faults = match p.get("mock_fault").map(crate::faults::catalog::select) {
        None => Vec::new(),
        Some(Ok(f)) => f,
        Some(Err(e)) => return fail(ErrorCode::InvalidRequest, e.to_string()),
    };
    Ok(AuthzRequest {
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        response_type,
        response_mode,
        scope,
        state: p.get("state").map(str::to_owned),
        nonce,
        pkce,
        prompt,
        max_age,
        login_hint: p.get("login_hint").map(str::to_owned),
        claims,
        faults,
    })
}

/// `GET|POST {issuer}/authorize`.
pub(crate) async fn authorize(
    Extension(ctx): Extension<Ctx>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let p = if method == Method::POST {
        Params::parse(&body)
    } else {
        Params::parse(query.unwrap_or_default().as_bytes())
    };
    let Some(client_id) = p.get("client_id").map(ClientId::new) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is missing",
        );
    };
    let client = ctx.tenant.data().clients.get(&client_id).cloned();
    let Some(client) = client else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("unknown client_id \"{client_id}\" at issuer {}", ctx.issuer),
        );
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is missing; send one of the URIs registered for the client",
        );
    };
    if !client.redirect_uris.iter().any(|u| u == redirect_uri)
        || p.repeated()
            .iter()
            .any(|r| r == "redirect_uri" || r == "client_id")
    {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!(
                "redirect_uri \"{redirect_uri}\" is not registered for client \"{client_id}\" (registered: {})",
                client.redirect_uris.join(", ")
            ),
        );
    }
    let request = match validate(&p, &client_id, redirect_uri, client.is_public(), |t| {
        client.allows(t)
    }) {
        Ok(r) => r,
        Err((e, mode)) => {
            let reply = Reply {
                redirect_uri,
                mode,
                state: p.get("state"),
                issuer: &ctx.issuer,
            };
            return reply.error(&e);
        }
    };
    let injected = ctx.tenant.data().faults.take_with(
        Some(&client_id),
        request.login_hint.as_deref(),
        &request.faults,
        |f| matches!(f, Fault::AuthorizeError { .. }),
    );
    if let Some(Fault::AuthorizeError { error }) = injected.first() {
        let reply = Reply {
            redirect_uri,
            mode: request.response_mode,
            state: request.state.as_deref(),
            issuer: &ctx.issuer,
        };
        let code = ErrorCode::parse(error).unwrap_or(ErrorCode::AccessDenied);
        return reply.error(&OAuthError::new(
            code,
            format!("injected fault: authorize_error {error}"),
        ));
    }
    let auto = client
        .auto_login
        .clone()
        .or_else(|| ctx.tenant.data().auto_login.clone());
    proceed(&ctx, &headers, request, auto)
}

/// Decides between silent completion, non-interactive login, the login page and
/// `login_required`.
fn proceed(
    ctx: &Ctx,
    headers: &HeaderMap,
    request: AuthzRequest,
    auto: Option<String>,
) -> Response {
    let now = ctx.now();
    let sid = cookie(headers, login::COOKIE);
    let (session, hinted) = {
        let d = ctx.tenant.data();
        let session = sid
            .as_ref()
            .and_then(|s| d.sessions.get(s).cloned().map(|sess| (s.clone(), sess)))
            .filter(|(_, s)| d.users.contains_key(&s.username));
        let hinted = request
            .login_hint
            .clone()
            .filter(|h| d.users.contains_key(h));
        (session, hinted)
    };
    let too_old = |s: &Session| request.max_age.is_some_and(|m| now - s.auth_time > m);
    let reusable = session.clone().filter(|(_, s)| {
        !request.prompt.iter().any(|p| p == "login")
            && !too_old(s)
            && hinted.as_ref().is_none_or(|h| h == &s.username)
    });
    if let Some((sid, s)) = reusable {
        return complete(ctx, &request, &sid, &s, None);
    }
    if request.prompt.iter().any(|p| p == "none") {
        let reply = Reply {
            redirect_uri: &request.redirect_uri,
            mode: request.response_mode,
            state: request.state.as_deref(),
            issuer: &ctx.issuer,
        };
        let why = if session.is_some() {
            "the session is older than max_age or belongs to another user, and prompt=none forbids a login"
        } else {
            "no one is signed in at the provider and prompt=none forbids a login"
        };
        return reply.error(&OAuthError::new(ErrorCode::LoginRequired, why));
    }
    match hinted.or(auto) {
        Some(username) => login::sign_in(ctx, &request, &username, None),
        None => login::show(ctx, request, None),
    }
}

/// Issues the authorization response for a signed-in session.
pub(crate) fn complete(
    ctx: &Ctx,
    request: &AuthzRequest,
    sid: &str,
    session: &Session,
    set_cookie: Option<String>,
) -> Response {
    let now = ctx.now();
    let auth = AuthContext {
        client_id: request.client_id.clone(),
        username: session.username.clone(),
        scope: request.scope.clone(),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        claims_request: request.claims.clone(),
        claims_edit: session.claims_edit.clone(),
        sid: sid.to_owned(),
        faults: request.faults.clone(),
    };
    let rt = request.response_type;
    let reply = Reply {
        redirect_uri: &request.redirect_uri,
        mode: request.response_mode,
        state: request.state.as_deref(),
        issuer: &ctx.issuer,
    };
    let (faults, lifetimes) = {
        let mut d = ctx.tenant.data();
        d.prune(now);
        let faults = d.faults.take_with(
            Some(&request.client_id),
            Some(&session.username),
            &request.faults,
            |f| matches!(f, Fault::StateChanged | Fault::StateMissing),
        );
        (faults, d.lifetimes)
    };
    let code = rt.has_code().then(|| b64::random_token(32));
    let access_token = if rt.has_token() {
        match mint::access_token(
            ctx,
            &request.client_id,
            Some(&auth),
            &request.scope,
            "authorize",
        ) {
            Ok(t) => Some(t),
            Err(e) => return reply.error(&e),
        }
    } else {
        None
    };
    let id_token = if rt.has_id_token() {
        let bind = Bindings {
            code: code.as_deref(),
            access_token: access_token.as_deref(),
            state: request.state.as_deref(),
            endpoint: "authorize",
            refresh: false,
        };
        match mint::id_token(ctx, &auth, bind) {
            Ok(t) => Some(t),
            Err(e) => return reply.error(&e),
        }
    } else {
        None
    };
    {
        let mut d = ctx.tenant.data();
        if let Some(at) = &access_token {
            d.access.insert(
                at.clone(),
                AccessGrant {
                    client_id: request.client_id.clone(),
                    ctx: Some(auth.clone()),
                    scope: request.scope.clone(),
                    expires_at: now + lifetimes.access_token,
                },
            );
        }
        if let Some(c) = &code {
            d.codes.insert(
                c.clone(),
                CodeGrant {
                    ctx: auth.clone(),
                    redirect_uri: request.redirect_uri.clone(),
                    pkce: request.pkce.clone(),
                    expires_at: now + lifetimes.code,
                    used: false,
                    issued: access_token.iter().cloned().collect(),
                },
            );
        }
    }
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(c) = code {
        params.push(("code".into(), c));
    }
    if let Some(t) = id_token {
        params.push(("id_token".into(), t));
    }
    if let Some(t) = access_token {
        params.push(("access_token".into(), t));
        params.push(("token_type".into(), "Bearer".into()));
        params.push(("expires_in".into(), lifetimes.access_token.to_string()));
    }
    let mut state = request.state.clone();
    for f in &faults {
        match f {
            Fault::StateChanged => state = Some(format!("{}1", state.unwrap_or_default())),
            Fault::StateMissing => state = None,
            _ => {}
        }
    }
    if let Some(s) = state {
        params.push(("state".into(), s));
    }
    params.push(("iss".into(), ctx.issuer.clone()));
    let mut res = deliver(&request.redirect_uri, request.response_mode, &params);
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}
