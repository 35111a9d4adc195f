//! The userinfo endpoint (OpenID Connect Core §5.3): GET or POST, the bearer token in the
//! `Authorization` header or the form body (never the query), claims by scope.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::endpoints::error::{EndpointError, ErrorCode, OAuthError};
use crate::endpoints::form::bearer_token;
use crate::endpoints::request::RequestParams;
use crate::endpoints::request::{RequestClient, TenantRequest};
use crate::faults::Fault;
use crate::server::state::ClaimTarget;
use crate::tokens::claims;

/// The access token, from the `Authorization` header or a form body but never the query
/// (RFC 6750 §2).
fn bearer(headers: &HeaderMap, params: &RequestParams) -> Result<String, OAuthError> {
    if params.query.get("access_token").is_some() {
        return Err(OAuthError::invalid_request(
            "access_token in the query is not accepted; send it in the Authorization header (RFC 6750 §2.1)",
        ));
    }
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            bearer_token(v).map(str::to_owned).ok_or_else(|| {
                OAuthError::invalid_request("expected an Authorization: Bearer header")
            })
        })
        .transpose()?;
    let from_body = params
        .form
        .as_ref()
        .and_then(|f| f.get("access_token"))
        .map(str::to_owned);
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "access token sent in both the header and the body (RFC 6750 §2)",
        )),
        (Some(t), None) | (None, Some(t)) => Ok(t),
        (None, None) => Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "no access token was sent",
        )),
    }
}

/// `GET|POST {issuer}/userinfo`.
pub(crate) async fn userinfo(
    req: TenantRequest,
    headers: HeaderMap,
    params: RequestParams,
) -> Response {
    let mut res = match released_claims(&req, &headers, &params) {
        Ok((claims, true)) => claims.to_string().into_response(),
        Ok((claims, false)) => axum::Json(claims).into_response(),
        Err(e) => EndpointError::Bearer(e).into_response(),
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The client the access token was issued to, so the log can answer "did this
    // application call userinfo" when several share the IdP.
    let client = bearer(&headers, &params).ok().and_then(|t| {
        req.tenant
            .data()
            .access
            .get(&t)
            .map(|g| g.client_id.clone())
    });
    RequestClient::mark(&mut res, client);
    res
}

/// The claims the access token's sign-in releases, and whether a fault serves them with the
/// wrong content type.
fn released_claims(
    req: &TenantRequest,
    headers: &HeaderMap,
    params: &RequestParams,
) -> Result<(Value, bool), OAuthError> {
    let token = bearer(headers, params)?;
    let now = req.now();
    let mut d = req.tenant.data();
    let grant = d
        .access
        .get(&token)
        .cloned()
        .filter(|g| g.expires_at > now)
        .ok_or_else(|| {
            OAuthError::new(
                ErrorCode::InvalidToken,
                "the access token is unknown, expired or revoked",
            )
        })?;
    let auth = grant
        .auth
        .as_ref()
        .filter(|_| grant.scope.iter().any(|s| s == "openid"))
        .ok_or_else(|| {
            OAuthError::new(
                ErrorCode::InsufficientScope,
                "the access token was not granted the openid scope for a user",
            )
        })?;
    let user = d.users.get(&auth.username).cloned().ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidToken,
            format!("the user \"{}\" no longer exists", auth.username),
        )
    })?;
    let base = claims::effective_claims(&user, auth.claims_edit.as_deref());
    let requested = claims::requested(auth.claims_request.as_ref(), "userinfo");
    let mut out = claims::released(
        &d,
        &req.tenant.flavour,
        &user,
        &base,
        &grant.scope,
        &requested,
    );
    out.insert(
        "sub".into(),
        json!(claims::subject(
            &req.tenant.flavour,
            &user,
            &base,
            &grant.client_id
        )),
    );
    if let Some(client) = d.clients.get(&grant.client_id) {
        for (k, v) in &client.userinfo_claims {
            out.insert(k.clone(), v.clone());
        }
    }
    d.apply_overrides(
        ClaimTarget::Userinfo,
        &grant.client_id,
        Some(&auth.username),
        &mut out,
    );
    let faults = d.faults.spend_for(
        Some(&grant.client_id),
        Some(&auth.username),
        &auth.faults,
        Fault::touches_userinfo,
    );
    if faults.contains(&Fault::EntraEmailUnverified) {
        claims::unverify_email(&mut out, &req.tenant.flavour);
    }
    if faults.contains(&Fault::UserinfoSubChanged) {
        let sub = out.get("sub").and_then(Value::as_str).unwrap_or_default();
        out.insert("sub".into(), json!(format!("{sub}invalid")));
    }
    Ok((
        Value::Object(out),
        faults.contains(&Fault::UserinfoWrongContentType),
    ))
}
