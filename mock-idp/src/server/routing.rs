//! The HTTP server: `/healthz`, the admin API, and every tenant's endpoints behind one
//! tenant layer, which finds the tenant by path prefix, parses the parameters once, applies
//! transport faults, calls the endpoint's handler and records the request in the request
//! log; served over plain HTTP or TLS.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower::ServiceExt;

use crate::endpoints::error::{EndpointError, OAuthError};
use crate::endpoints::form::Params;
use crate::endpoints::request::{RequestClient, RequestParams, TenantRequest};
use crate::endpoints::{authorize, discovery, login, logout, token, userinfo};
use crate::faults::Endpoint;
use crate::server::admin;
use crate::server::request_log::LoggedRequest;
use crate::server::state::Server;
use crate::server::transport::{self, Interception};

const BODY_LIMIT: usize = 1 << 20;

/// A tenant endpoint a path below the issuer names; a JWK Set below `/jwks/` carries the
/// rest of its path.
#[derive(Debug)]
struct Target {
    endpoint: Endpoint,
    jwks_suffix: Option<String>,
}

fn target_of(rest: &str) -> Option<Target> {
    if let Some(suffix) = rest.strip_prefix("/jwks/") {
        return Some(Target {
            endpoint: Endpoint::Jwks,
            jwks_suffix: Some(suffix.to_owned()),
        });
    }
    let endpoint = match rest {
        "/.well-known/openid-configuration" => Endpoint::Discovery,
        "/jwks" => Endpoint::Jwks,
        "/authorize" => Endpoint::Authorize,
        "/login" => Endpoint::Login,
        "/token" => Endpoint::Token,
        "/userinfo" => Endpoint::Userinfo,
        "/logout" => Endpoint::Logout,
        _ => return None,
    };
    Some(Target {
        endpoint,
        jwks_suffix: None,
    })
}

/// The methods an endpoint answers, as `Allow` lists them; `GET` answers `HEAD` too.
fn allowed_methods(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Discovery | Endpoint::Jwks => "GET,HEAD",
        Endpoint::Login | Endpoint::Token => "POST",
        Endpoint::Authorize | Endpoint::Userinfo | Endpoint::Logout => "GET,HEAD,POST",
    }
}

fn method_not_allowed(endpoint: Endpoint, method: &Method) -> Response {
    let allow = allowed_methods(endpoint);
    let error = OAuthError::invalid_request(format!(
        "this endpoint answers {}, not {method}",
        allow.replace(',', ", ")
    ));
    let mut res = EndpointError::Status(StatusCode::METHOD_NOT_ALLOWED, error).into_response();
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    res
}

/// Calls the handler of `target` with what the tenant layer resolved. Handlers are called
/// directly, not through a second router: matching the path again, boxing the layer's
/// continuation and cloning the resolved request into extractors cost more than the
/// discovery handler itself.
async fn dispatch(
    target: Target,
    method: &Method,
    headers: HeaderMap,
    params: RequestParams,
    req: TenantRequest,
) -> Response {
    let read = method == Method::GET || method == Method::HEAD;
    let write = method == Method::POST;
    match (target.endpoint, target.jwks_suffix) {
        (Endpoint::Discovery, _) if read => discovery::discovery(req).await,
        (Endpoint::Jwks, None) if read => discovery::jwks(req).await.into_response(),
        (Endpoint::Jwks, Some(suffix)) if read => discovery::jwks_random(req, Path(suffix))
            .await
            .into_response(),
        (Endpoint::Authorize, _) if read || write => {
            authorize::authorize(req, headers, params.into_endpoint())
                .await
                .into_response()
        }
        (Endpoint::Login, _) if write => login::submit(req, params.into_endpoint())
            .await
            .into_response(),
        (Endpoint::Token, _) if write => token::token(req, headers, params.into_endpoint()).await,
        (Endpoint::Userinfo, _) if read || write => userinfo::userinfo(req, headers, params).await,
        (Endpoint::Logout, _) if read || write => {
            logout::logout(req, headers, params.into_endpoint())
                .await
                .into_response()
        }
        (endpoint, _) => method_not_allowed(endpoint, method),
    }
}

/// Reads the query, and the form body of a `POST`, once for every later reader.
async fn read_params(
    method: &Method,
    uri: &Uri,
    body: axum::body::Body,
) -> Result<RequestParams, EndpointError> {
    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        EndpointError::Status(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            OAuthError::invalid_request(format!("request body larger than {BODY_LIMIT} bytes")),
        )
    })?;
    Ok(RequestParams {
        query: Params::parse(uri.query().unwrap_or_default().as_bytes()),
        form: (method == Method::POST).then(|| Params::parse(&bytes)),
    })
}

fn no_tenant(server: &Server, path: &str) -> EndpointError {
    let known: Vec<String> = server
        .tenants()
        .iter()
        .map(|t| format!("/{}", t.path))
        .collect();
    EndpointError::NotFound(format!(
        "no tenant serves {path}; issuers live under {}",
        known.join(", ")
    ))
}

/// The tenant layer: everything between the socket and a tenant endpoint's handler.
async fn tenant_layer(server: Arc<Server>, req: Request) -> Response {
    let Some((tenant, prefix, rest)) = server.route(req.uri().path()) else {
        return no_tenant(&server, req.uri().path()).into_response();
    };
    let target = target_of(rest);
    let endpoint = target.as_ref().map(|t| t.endpoint);
    let (parts, body) = req.into_parts();
    let params = match read_params(&parts.method, &parts.uri, body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    // What the log keeps of the request, taken now so the parameters move to the handler.
    let logged_params = server.log.redact(params.all_pairs());
    let named_client = params.endpoint().get("client_id").map(str::to_owned);
    let interception = match endpoint {
        Some(at) => {
            let max_delay = server.limits.max_injected_delay();
            transport::intercept(&tenant, at, &parts.headers, params.endpoint(), max_delay).await
        }
        None => Interception::PassOn,
    };
    let path = parts.uri.path().to_owned();
    let (res, hung_up) = match (interception, target) {
        (Interception::Answer(res), _) => (res, false),
        (Interception::HangUp(res), _) => (res, true),
        (Interception::PassOn, None) => (unknown_endpoint(&path, &prefix).into_response(), false),
        (Interception::PassOn, Some(target)) => {
            let base = server.base_url(&parts.headers);
            let tenant_request = TenantRequest {
                issuer: tenant.flavour.issuer(&base, &tenant.path),
                tenant: tenant.clone(),
                server: server.clone(),
                base,
                prefix,
            };
            let res = dispatch(target, &parts.method, parts.headers, params, tenant_request).await;
            (res, false)
        }
    };
    tracing::debug!(tenant = %tenant.name, path = %path, status = res.status().as_u16(), "request");
    server.log.record(LoggedRequest {
        id: 0,
        at: server.clock.now(),
        method: parts.method.as_str().to_owned(),
        path: server.log.path(path),
        tenant: Some(tenant.name.clone()),
        endpoint,
        client_id: res
            .extensions()
            .get::<RequestClient>()
            .map(|c| c.0.as_str().to_owned())
            .or(named_client),
        params: logged_params,
        // 0: the connection was closed without an answer.
        status: if hung_up { 0 } else { res.status().as_u16() },
    });
    res
}

fn unknown_endpoint(path: &str, prefix: &str) -> EndpointError {
    EndpointError::NotFound(format!(
        "no endpoint at {path}; the issuer /{prefix} serves /.well-known/openid-configuration, \
         /jwks, /authorize, /login, /token, /userinfo and /logout"
    ))
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// Whether `path` belongs to `/healthz` or the admin API (tenant names exclude both).
fn is_admin_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next();
    matches!(first, Some("_admin" | "healthz"))
}

/// The whole application for `server`; `lib.rs` serves it through `server_guard`, within
/// the server's connection limits. Tenant paths go straight to the tenant layer: through
/// the router they would cost a failed match and a wildcard fallback match first.
pub(crate) fn app(server: Arc<Server>) -> impl server_guard::App {
    let tenants = server.clone();
    let admin = Router::new()
        .route("/healthz", get(healthz))
        .merge(admin::router(server.clone()))
        .fallback(move |req: Request| tenant_layer(tenants.clone(), req));
    tower::service_fn(move |req: Request| {
        let (server, admin) = (server.clone(), admin.clone());
        async move {
            if is_admin_path(req.uri().path()) {
                admin.oneshot(req).await
            } else {
                Ok(tenant_layer(server, req).await)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_healthz_and_the_admin_api_bypass_the_tenant_layer() {
        for admin in [
            "/healthz",
            "/_admin",
            "/_admin/tenants/acme",
            "/_admin/nope",
        ] {
            assert!(is_admin_path(admin), "{admin}");
        }
        for tenant in [
            "/",
            "/acme/token",
            "/_administer/token",
            "/healthzz",
            "/common/v2.0/jwks",
        ] {
            assert!(!is_admin_path(tenant), "{tenant}");
        }
    }
}
