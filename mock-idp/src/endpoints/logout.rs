//! The end-session endpoint (RP-Initiated Logout 1.0): ends the provider session and
//! redirects only to a `post_logout_redirect_uri` registered for the client.

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::endpoints::authorize::deliver;
use crate::endpoints::form::{Params, cookie};
use crate::endpoints::login::COOKIE;
use crate::endpoints::pages;
use crate::model::types::{ClientId, ResponseMode};
use crate::server::state::Ctx;
use crate::tokens::jwt;

/// `GET|POST {issuer}/logout`.
pub(crate) async fn logout(
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
    let hinted_client = p
        .get("id_token_hint")
        .and_then(jwt::decode_unverified)
        .filter(|(_, c)| c["iss"] == Value::String(ctx.issuer.clone()))
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
                    ctx.tenant
                        .data()
                        .clients
                        .get(&ClientId::new(c.clone()))
                        .cloned()
                })
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri));
            if !registered {
                return pages::error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!(
                        "post_logout_redirect_uri \"{uri}\" is not registered for client {}",
                        client_id
                            .as_deref()
                            .unwrap_or("(none named: send client_id or id_token_hint)")
                    ),
                );
            }
            Some(uri.to_owned())
        }
    };
    if let Some(sid) = cookie(&headers, COOKIE) {
        ctx.tenant.data().sessions.remove(&sid);
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
        ctx.prefix
    );
    if let Ok(v) = HeaderValue::from_str(&expire) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
