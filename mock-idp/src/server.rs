//! The HTTP server: routes each request to its tenant by path prefix, records it in the
//! request log, applies transport faults, and serves over plain HTTP or TLS.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tower::ServiceExt;

use crate::faults::{Endpoint, Fault};
use crate::form::Params;
use crate::request_log::{LoggedRequest, redact};
use crate::state::{Ctx, Server};
use crate::{admin, authorize, discovery, login, logout, token, userinfo};

const BODY_LIMIT: usize = 1 << 20;

/// The endpoints every tenant serves, relative to its issuer.
static TENANT_ROUTES: LazyLock<Router> = LazyLock::new(|| {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .route("/jwks", get(discovery::jwks))
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
});

fn endpoint_of(rest: &str) -> Option<Endpoint> {
    Some(match rest {
        "/.well-known/openid-configuration" => Endpoint::Discovery,
        "/jwks" => Endpoint::Jwks,
        "/authorize" => Endpoint::Authorize,
        "/token" => Endpoint::Token,
        "/userinfo" => Endpoint::Userinfo,
        "/logout" => Endpoint::Logout,
        _ => return None,
    })
}

fn json_error(status: StatusCode, error: &str, description: String) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

async fn dispatch(State(server): State<Arc<Server>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let Some((tenant, rest)) = server.route(&path) else {
        let known: Vec<String> = server
            .tenants()
            .iter()
            .map(|t| format!("/{}", t.path))
            .collect();
        return json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no tenant serves {path}; issuers live under {}",
                known.join(", ")
            ),
        );
    };
    let rest = rest.to_owned();
    let base = server.base_url(req.headers());
    let ctx = Ctx {
        issuer: format!("{base}/{}", tenant.path),
        tenant: tenant.clone(),
        server: server.clone(),
    };
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            format!("request body larger than {BODY_LIMIT} bytes"),
        );
    };
    let mut params = Params::parse(parts.uri.query().unwrap_or_default().as_bytes()).pairs();
    if parts.method == axum::http::Method::POST {
        params.extend(Params::parse(&bytes).pairs());
    }
    let client_id = params
        .iter()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.clone());
    let endpoint = endpoint_of(&rest);
    let mut res = None;
    if let Some(at) = endpoint {
        let cid = client_id.clone().map(crate::ClientId::new);
        let faults = tenant
            .data()
            .faults
            .take(cid.as_ref(), None, |f| f.touches_transport(at));
        for f in faults {
            match f {
                Fault::Delay { millis, .. } => {
                    tokio::time::sleep(Duration::from_millis(millis)).await
                }
                Fault::ServerError { status, .. } => {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    res = Some(json_error(
                        status,
                        "server_error",
                        "injected fault: server_error".into(),
                    ));
                }
                _ => {}
            }
        }
    }
    let res = match res {
        Some(r) => r,
        None => {
            let query = parts
                .uri
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            parts.uri = format!("{rest}{query}").parse::<Uri>().unwrap_or_default();
            parts.extensions.insert(ctx.clone());
            let inner = Request::from_parts(parts.clone(), Body::from(bytes));
            match TENANT_ROUTES.clone().oneshot(inner).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
    };
    let logged_endpoint = endpoint
        .map(|e| e.as_str().to_owned())
        .or_else(|| (rest == "/login").then(|| "login".to_owned()));
    tracing::debug!(tenant = %tenant.name, path = %path, status = res.status().as_u16(), "request");
    server.log.record(LoggedRequest {
        id: 0,
        at: server.clock.now(),
        method: parts.method.to_string(),
        path,
        tenant: Some(tenant.name.clone()),
        endpoint: logged_endpoint,
        client_id,
        params: redact(params),
        status: res.status().as_u16(),
    });
    res
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// The whole application for `server`.
pub(crate) fn app(server: Arc<Server>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(dispatch)
        .with_state(server.clone())
        .merge(admin::router(server))
}

/// Serves `server` on an already bound listener until the task is aborted.
pub(crate) async fn serve_plain(listener: tokio::net::TcpListener, server: Arc<Server>) {
    let app = app(server).into_make_service_with_connect_info::<SocketAddr>();
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "server stopped");
    }
}

/// Serves `server` over TLS with the given PEM certificate chain and key.
pub(crate) async fn serve_tls(
    listener: std::net::TcpListener,
    server: Arc<Server>,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem).await?;
    let app = app(server).into_make_service_with_connect_info::<SocketAddr>();
    axum_server::from_tcp_rustls(listener, config)?
        .serve(app)
        .await
}
