//! The HTTP server: `/healthz`, the admin API, and every tenant's endpoints behind one
//! tenant layer, which finds the tenant by path prefix, parses the parameters once, applies
//! transport faults and records the request in the request log; served over plain HTTP or
//! TLS.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

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

/// The endpoints every tenant serves, relative to its issuer.
fn tenant_endpoints() -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .route("/jwks", get(discovery::jwks))
        .route("/jwks/{suffix}", get(discovery::jwks_random))
        .route(
            "/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route("/login", post(login::submit))
        .route("/token", post(token::token))
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/logout", get(logout::logout).post(logout::logout))
}

fn endpoint_of(rest: &str) -> Option<Endpoint> {
    if rest.starts_with("/jwks/") {
        return Some(Endpoint::Jwks);
    }
    Some(match rest {
        "/.well-known/openid-configuration" => Endpoint::Discovery,
        "/jwks" => Endpoint::Jwks,
        "/authorize" => Endpoint::Authorize,
        "/login" => Endpoint::Login,
        "/token" => Endpoint::Token,
        "/userinfo" => Endpoint::Userinfo,
        "/logout" => Endpoint::Logout,
        _ => return None,
    })
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
async fn tenant_layer(State(server): State<Arc<Server>>, req: Request, next: Next) -> Response {
    let Some((tenant, prefix, rest)) = server.route(req.uri().path()) else {
        return no_tenant(&server, req.uri().path()).into_response();
    };
    let endpoint = endpoint_of(rest);
    // The tenant's endpoints are routed relative to its issuer.
    let inner_uri = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let (mut parts, body) = req.into_parts();
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
    let method = parts.method.as_str().to_owned();
    let (res, hung_up) = match interception {
        Interception::Answer(res) => (res, false),
        Interception::HangUp(res) => (res, true),
        Interception::PassOn => {
            let base = server.base_url(&parts.headers);
            let tenant_request = TenantRequest {
                issuer: tenant.flavour.issuer(&base, &tenant.path),
                tenant: tenant.clone(),
                server: server.clone(),
                base,
                prefix,
            };
            parts.uri = inner_uri.parse::<Uri>().unwrap_or_default();
            parts.extensions.insert(tenant_request);
            parts.extensions.insert(params);
            let res = next
                .run(Request::from_parts(parts, axum::body::Body::empty()))
                .await;
            (res, false)
        }
    };
    tracing::debug!(tenant = %tenant.name, path = %path, status = res.status().as_u16(), "request");
    server.log.record(LoggedRequest {
        id: 0,
        at: server.clock.now(),
        method,
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

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// The whole application for `server`; `lib.rs` serves it through `server_guard`, within
/// the server's connection limits.
pub(crate) fn app(server: Arc<Server>) -> Router {
    let tenants = tower::Layer::layer(
        &middleware::from_fn_with_state(server.clone(), tenant_layer),
        tenant_endpoints(),
    );
    Router::new()
        .route("/healthz", get(healthz))
        .merge(admin::router(server))
        .fallback_service(tenants)
}
