//! The end-session endpoint (RP-Initiated Logout 1.0): ends the provider session and
//! redirects only to a `post_logout_redirect_uri` registered for the client.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde_json::Value;

use crate::endpoints::delivery::deliver;
use crate::endpoints::error::EndpointError;
use crate::endpoints::form::{Params, cookie};
use crate::endpoints::login::COOKIE;
use crate::endpoints::pages;
use crate::endpoints::request::TenantRequest;
use crate::model::types::{ClientId, ResponseMode};
use crate::tokens::jwt;

/// `GET|POST {issuer}/logout`.
pub(crate) async fn logout(
    req: TenantRequest,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, EndpointError> {
    let hinted_client = p
        .get("id_token_hint")
        .and_then(jwt::decode_unverified)
        .filter(|(_, c)| c["iss"] == Value::String(req.issuer.clone()))
        .and_then(|(_, c)| match &c["aud"] {
            Value::String(a) => Some(a.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        });
    let client_id = p.get("client_id").map(str::to_owned).or(hinted_client);
    let target = match p.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let registered = client_id
                .as_ref()
                .and_then(|c| {
                    req.tenant
                        .data()
                        .clients
                        .get(&ClientId::new(c.clone()))
                        .cloned()
                })
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri));
            if !registered {
                return Err(EndpointError::browser(format!(
                    "post_logout_redirect_uri \"{uri}\" is not registered for client {}",
                    client_id
                        .as_deref()
                        .unwrap_or("(none named: send client_id or id_token_hint)")
                )));
            }
            Some(uri.to_owned())
        }
    };
    if let Some(sid) = cookie(&headers, COOKIE) {
        req.tenant.data().sessions.remove(&sid);
    }
    let mut res = match target {
        Some(uri) => {
            let params: Vec<(String, String)> = p
                .get("state")
                .map(|s| vec![("state".to_owned(), s.to_owned())])
                .unwrap_or_default();
            deliver(&uri, ResponseMode::Query, &params)
        }
        None => pages::message(
            "Signed out",
            "You are signed out of the mock identity provider.",
        ),
    };
    let expire = format!(
        "{COOKIE}=; Path=/{}; HttpOnly; SameSite=Lax; Max-Age=0",
        req.prefix
    );
    if let Ok(v) = HeaderValue::from_str(&expire) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
