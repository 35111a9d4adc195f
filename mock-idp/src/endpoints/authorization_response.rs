//! The authorization response for a signed-in session: the code, ID token and access token
//! the response type asks for, recorded as grants and sent to the redirect URI by the
//! response mode. Reached from the authorization endpoint (an existing session) and from a
//! login (a new one).

use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::endpoints::delivery::RedirectTarget;
use crate::endpoints::error::EndpointError;
use crate::endpoints::request::TenantRequest;
use crate::faults::{Fault, MintAt};
use crate::server::state::{AccessGrant, AuthContext, AuthzRequest, CodeGrant, Session};
use crate::tokens::b64;
use crate::tokens::mint::{self, Bindings};

/// Issues the authorization response for a signed-in session: mints what the response type
/// asks for, records the grants, and sends them to the redirect URI.
pub(crate) fn issue(
    req: &TenantRequest,
    request: &AuthzRequest,
    session_id: &str,
    session: &Session,
    set_cookie: Option<String>,
) -> Result<Response, EndpointError> {
    let now = req.now();
    let auth = AuthContext {
        client_id: request.client_id.clone(),
        username: session.username.clone(),
        scope: request.scope.clone(),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        claims_request: request.claims.clone(),
        claims_edit: session.claims_edit.clone(),
        sid: session_id.to_owned(),
        faults: request.faults.clone(),
    };
    let rt = request.response_type;
    let target = RedirectTarget::of(request, &req.issuer);
    let (faults, lifetimes) = {
        let mut d = req.tenant.data();
        d.prune(now);
        let faults = d.faults.spend_for(
            Some(&request.client_id),
            Some(&session.username),
            &request.faults,
            |f| matches!(f, Fault::StateChanged | Fault::StateMissing),
        );
        (faults, d.lifetimes)
    };
    let code = rt.has_code().then(|| b64::random_token(32));
    let access_token = if rt.has_token() {
        let minted = mint::access_token(
            req,
            &request.client_id,
            Some(&auth),
            &request.scope,
            MintAt::Authorize,
        );
        Some(minted.map_err(|e| EndpointError::Redirect(e, target.clone()))?)
    } else {
        None
    };
    let id_token = if rt.has_id_token() {
        let bind = Bindings {
            code: code.as_deref(),
            access_token: access_token.as_deref(),
            state: request.state.as_deref(),
            at: MintAt::Authorize,
        };
        let minted = mint::id_token(req, &auth, bind);
        Some(minted.map_err(|e| EndpointError::Redirect(e, target.clone()))?)
    } else {
        None
    };
    {
        let mut d = req.tenant.data();
        if let Some(at) = &access_token {
            d.access.insert(
                at.clone(),
                AccessGrant {
                    client_id: request.client_id.clone(),
                    auth: Some(auth.clone()),
                    scope: request.scope.clone(),
                    expires_at: now + lifetimes.access_token,
                },
            );
        }
        if let Some(c) = &code {
            d.codes.insert(
                c.clone(),
                CodeGrant {
                    auth: auth.clone(),
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
    let mut target = target;
    for f in &faults {
        match f {
            Fault::StateChanged => {
                target.state = Some(format!("{}1", target.state.unwrap_or_default()))
            }
            Fault::StateMissing => target.state = None,
            _ => {}
        }
    }
    let mut res = target.send(params);
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}
