//! The authorization endpoint as a pipeline of small checks: a known client, a registered
//! redirect URI (until both hold, errors are shown at the browser, never redirected), then
//! the request itself (response type and mode, scope, nonce, PKCE, prompt, max_age, claims,
//! `mock_fault`), an injected `authorize_error`, and finally the login decision. Errors
//! after the redirect URI is trusted travel back to it by the response mode.

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use crate::endpoints::authorization_response;
use crate::endpoints::delivery::RedirectTarget;
use crate::endpoints::error::{EndpointError, ErrorCode, OAuthError};
use crate::endpoints::form::{Params, cookie};
use crate::endpoints::login;
use crate::endpoints::request::TenantRequest;
use crate::faults::Fault;
use crate::model::client::Client;
use crate::model::types::{ClientId, Prompt, ResponseMode, ResponseType};
use crate::server::state::{AuthzRequest, PkceMethod, Session};

fn is_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

/// Validates everything after the client and redirect URI are trusted; a refusal goes back
/// to `target` by the response mode the request asked for, as far as it could be read.
fn validate(
    p: &Params,
    client: &Client,
    target: RedirectTarget,
    max_param_bytes: usize,
) -> Result<AuthzRequest, EndpointError> {
    let client_id = &client.client_id;
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
    let fail = |code, msg: String| {
        Err(EndpointError::Redirect(
            OAuthError::new(code, msg),
            RedirectTarget {
                mode: fallback,
                ..target.clone()
            },
        ))
    };
    if let Err(e) = p.reject_repeated() {
        return fail(e.code, e.description);
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
    if !client.allows(response_type) {
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
    let fail = |code, msg: String| {
        Err(EndpointError::Redirect(
            OAuthError::new(code, msg),
            RedirectTarget {
                mode: response_mode,
                ..target.clone()
            },
        ))
    };
    let answer_to = RedirectTarget {
        mode: response_mode,
        ..target.clone()
    };
    refuse_oversized(p, &answer_to, max_param_bytes)?;
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
    let scope = p.list("scope");
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
    if client.is_public() && response_type.has_code() && pkce.is_none() {
        return fail(
            ErrorCode::InvalidRequest,
            format!("client \"{client_id}\" is public and must send a PKCE code_challenge"),
        );
    }
    let mut prompt = BTreeSet::new();
    for value in p.get("prompt").unwrap_or_default().split(' ') {
        if value.is_empty() {
            continue;
        }
        match Prompt::parse(value) {
            Some(v) => prompt.insert(v),
            None => {
                return fail(
                    ErrorCode::InvalidRequest,
                    format!(
                        "expected prompt none, login, consent or select_account; found \"{value}\""
                    ),
                );
            }
        };
    }
    if prompt.contains(&Prompt::None) && prompt.len() > 1 {
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
    if let Some(f) = faults.iter().find(|f| f.needs_client_secret())
        && client.is_public()
    {
        return fail(
            ErrorCode::InvalidRequest,
            format!(
                "mock_fault={f} signs the ID token with the client secret, and client \"{client_id}\" is public (it has none); use a confidential client"
            ),
        );
    }
    Ok(AuthzRequest {
        client_id: client_id.clone(),
        redirect_uri: target.redirect_uri.clone(),
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

/// Refuses a parameter longer than `max` bytes: a pending login keeps the request for up to
/// an hour. The refusal does not echo `state` when `state` is the long one.
fn refuse_oversized(p: &Params, target: &RedirectTarget, max: usize) -> Result<(), EndpointError> {
    let Some((name, value)) = p.pairs().into_iter().find(|(_, v)| v.len() > max) else {
        return Ok(());
    };
    let mut target = target.clone();
    if name == "state" {
        target.state = None;
    }
    Err(EndpointError::Redirect(
        OAuthError::invalid_request(format!(
            "parameter {name} is {} bytes; this provider accepts at most {max} bytes per parameter",
            value.len()
        )),
        target,
    ))
}

/// `GET|POST {issuer}/authorize`.
pub(crate) async fn authorize(
    req: TenantRequest,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, EndpointError> {
    let client = known_client(&req, &p)?;
    let target = registered_redirect(&req, &client, &p)?;
    let request = validate(&p, &client, target, req.server.limits.max_param_bytes)?;
    refuse_if_injected(&req, &request)?;
    if !client.login_page_on_unknown_hint {
        refuse_unknown_hint(&req, &request)?;
    }
    let auto_login = client
        .auto_login
        .clone()
        .or_else(|| req.tenant.data().auto_login.clone());
    sign_in_or_ask(&req, &headers, request, auto_login)
}

/// The client the request names, which must be registered here.
fn known_client(req: &TenantRequest, p: &Params) -> Result<Client, EndpointError> {
    let client_id = p
        .get("client_id")
        .map(ClientId::new)
        .ok_or_else(|| EndpointError::browser("client_id is missing"))?;
    let client = req.tenant.data().clients.get(&client_id).cloned();
    client.ok_or_else(|| {
        EndpointError::browser(format!(
            "unknown client_id \"{client_id}\" at issuer {}",
            req.issuer
        ))
    })
}

/// The redirect URI, which must be sent once and registered for the client exactly: only
/// then may errors be redirected (RFC 6749 §3.1.2.4, §4.1.2.1).
fn registered_redirect(
    req: &TenantRequest,
    client: &Client,
    p: &Params,
) -> Result<RedirectTarget, EndpointError> {
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| {
        EndpointError::browser(
            "redirect_uri is missing; send one of the URIs registered for the client",
        )
    })?;
    let repeated = p
        .repeated()
        .iter()
        .any(|r| r == "redirect_uri" || r == "client_id");
    if repeated || !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(EndpointError::browser(format!(
            "redirect_uri \"{redirect_uri}\" is not registered for client \"{}\" (registered: {})",
            client.client_id,
            client.redirect_uris.join(", ")
        )));
    }
    Ok(RedirectTarget {
        redirect_uri: redirect_uri.to_owned(),
        mode: ResponseMode::Query,
        state: p.get("state").map(str::to_owned),
        issuer: req.issuer.clone(),
    })
}

/// A `login_hint` naming no user is refused on a page at the provider that names it and
/// the known users: a test with a typo in a username fails here, not later at the
/// application. Clients where people use the login page opt out
/// (`Client::login_page_on_unknown_hint`).
fn refuse_unknown_hint(req: &TenantRequest, request: &AuthzRequest) -> Result<(), EndpointError> {
    let Some(hint) = request.login_hint.as_deref() else {
        return Ok(());
    };
    let d = req.tenant.data();
    if d.users.contains_key(hint) {
        return Ok(());
    }
    // A page, not a novel: the first few names are enough to spot a typo.
    const SHOWN: usize = 20;
    let mut known: Vec<&str> = d.users.keys().take(SHOWN).map(String::as_str).collect();
    let more = d.users.len().saturating_sub(SHOWN);
    let more = format!("and {more} more");
    if d.users.len() > SHOWN {
        known.push(&more);
    }
    let shown: String = hint.chars().take(100).collect();
    tracing::debug!(tenant = %req.tenant.name, hint = %shown, "unknown login_hint refused");
    Err(EndpointError::browser(format!(
        "login_hint \"{shown}\" names no user of tenant \"{}\"; known users: {}",
        req.tenant.name,
        if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        }
    )))
}

/// The `authorize_error` fault: the request is refused with the error it names.
fn refuse_if_injected(req: &TenantRequest, request: &AuthzRequest) -> Result<(), EndpointError> {
    let injected = req.tenant.data().faults.spend_for(
        Some(&request.client_id),
        request.login_hint.as_deref(),
        &request.faults,
        |f| matches!(f, Fault::AuthorizeError { .. }),
    );
    match injected.first() {
        Some(Fault::AuthorizeError { error }) => {
            let code = ErrorCode::parse(error).unwrap_or(ErrorCode::AccessDenied);
            Err(EndpointError::Redirect(
                OAuthError::new(code, format!("injected fault: authorize_error {error}")),
                RedirectTarget::of(request, &req.issuer),
            ))
        }
        _ => Ok(()),
    }
}

/// Decides between answering from the provider session, a non-interactive login, the login
/// page and `login_required`.
fn sign_in_or_ask(
    req: &TenantRequest,
    headers: &HeaderMap,
    request: AuthzRequest,
    auto_login: Option<String>,
) -> Result<Response, EndpointError> {
    let now = req.now();
    let cookie_value = cookie(headers, login::COOKIE);
    let (session, hinted) = {
        let mut d = req.tenant.data();
        let idle = d.limits.session_idle_secs;
        // A session used within its idle lifetime is kept alive by this use.
        let session = cookie_value
            .as_deref()
            .and_then(|c| d.sessions.get_mut(c))
            .filter(|s| now - s.last_used <= idle)
            .map(|s| {
                s.last_used = now;
                s.clone()
            })
            .filter(|s| d.users.contains_key(&s.username));
        let hinted = request
            .login_hint
            .clone()
            .filter(|h| d.users.contains_key(h));
        (session, hinted)
    };
    let too_old = |s: &Session| request.max_age.is_some_and(|m| now - s.auth_time > m);
    let reusable = session.clone().filter(|s| {
        !request.prompt.contains(&Prompt::Login)
            && !too_old(s)
            && hinted.as_ref().is_none_or(|h| h == &s.username)
    });
    if let Some(s) = reusable {
        return authorization_response::issue(req, &request, &s, None);
    }
    if request.prompt.contains(&Prompt::None) {
        let why = if session.is_some() {
            "the session is older than max_age or belongs to another user, and prompt=none forbids a login"
        } else {
            "no one is signed in at the provider and prompt=none forbids a login"
        };
        return Err(EndpointError::Redirect(
            OAuthError::new(ErrorCode::LoginRequired, why),
            RedirectTarget::of(&request, &req.issuer),
        ));
    }
    match hinted.or(auto_login) {
        Some(username) => login::sign_in(req, &request, &username, None),
        None => Ok(login::show(req, request, None)),
    }
}
