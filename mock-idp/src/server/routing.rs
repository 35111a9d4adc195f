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

use crate::endpoints::form::Params;
use crate::endpoints::{authorize, discovery, login, logout, token, userinfo};
use crate::faults::{Endpoint, Fault};
use crate::server::admin;
use crate::server::request_log::{LoggedRequest, redact};
use crate::server::state::{Ctx, Server};

const BODY_LIMIT: usize = 1 << 20;

/// The endpoints every tenant serves, relative to its issuer.
static TENANT_ROUTES: LazyLock<Router> = LazyLock::new(|| {
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
});

fn endpoint_of(rest: &str) -> Option<Endpoint> {
    if rest.starts_with("/jwks/") {
        return Some(Endpoint::Jwks);
    }
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

/// A response body that fails at once: the server then drops the connection before the
/// head it buffered is written, so the client sees the connection closed without an answer.
#[derive(Debug)]
struct Hangup;

impl axum::body::HttpBody for Hangup {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection_closed",
        ))))
    }
}

/// Who a request is for, as far as fault rules care: its client, its user and the faults
/// its sign-in selected with `mock_fault=`.
#[derive(Debug, Default)]
struct Subject {
    client: Option<crate::ClientId>,
    user: Option<String>,
    selected: Vec<Fault>,
}

impl Subject {
    fn of(auth: &crate::server::state::AuthContext) -> Self {
        Self {
            client: Some(auth.client_id.clone()),
            user: Some(auth.username.clone()),
            selected: auth.faults.clone(),
        }
    }
}

/// Finds the sign-in a request belongs to: by its parameters at the authorization endpoint,
/// by its code or refresh token at the token endpoint, by its access token at userinfo.
fn subject(
    tenant: &crate::server::state::TenantState,
    at: Endpoint,
    headers: &axum::http::HeaderMap,
    params: &[(String, String)],
) -> Subject {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let client = param("client_id").map(crate::ClientId::new);
    let d = tenant.data();
    match at {
        Endpoint::Authorize => Subject {
            client,
            user: param("login_hint").map(str::to_owned),
            selected: param("mock_fault")
                .and_then(|n| crate::faults::catalog::select(n).ok())
                .unwrap_or_default(),
        },
        Endpoint::Token => {
            let grant = param("code")
                .and_then(|c| d.codes.get(c).map(|g| &g.ctx))
                .or_else(|| param("refresh_token").and_then(|r| d.refresh.get(r).map(|g| &g.ctx)));
            match grant {
                Some(auth) => Subject::of(auth),
                None => Subject {
                    client: client.or_else(|| {
                        crate::endpoints::token::basic_credentials(headers)
                            .ok()
                            .flatten()
                            .map(|(id, _)| crate::ClientId::new(id))
                    }),
                    ..Subject::default()
                },
            }
        }
        Endpoint::Userinfo => {
            let bearer = headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .or_else(|| param("access_token"));
            match bearer
                .and_then(|t| d.access.get(t))
                .and_then(|g| g.ctx.as_ref())
            {
                Some(auth) => Subject::of(auth),
                None => Subject::default(),
            }
        }
        Endpoint::Discovery | Endpoint::Jwks | Endpoint::Logout => Subject {
            client,
            ..Subject::default()
        },
    }
}

/// The transport faults for a request to `at`. Discovery and JWK Set requests belong to no
/// client or user, so every rule for them applies, whatever client or user it names.
fn transport_faults(
    tenant: &crate::server::state::TenantState,
    at: Endpoint,
    headers: &axum::http::HeaderMap,
    params: &[(String, String)],
) -> Vec<Fault> {
    let kind = |f: &Fault| f.touches_transport(at);
    if matches!(at, Endpoint::Discovery | Endpoint::Jwks) {
        return tenant.data().faults.take_unscoped(kind);
    }
    let who = subject(tenant, at, headers, params);
    tenant.data().faults.take_with(
        who.client.as_ref(),
        who.user.as_deref(),
        &who.selected,
        kind,
    )
}

async fn dispatch(State(server): State<Arc<Server>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let Some((tenant, prefix, rest)) = server.route(&path) else {
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
        base,
        prefix,
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
    let mut hung_up = false;
    if let Some(at) = endpoint {
        for f in transport_faults(&tenant, at, &parts.headers, &params) {
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
                Fault::ConnectionClosed { .. } => {
                    hung_up = true;
                    res = Some(Response::new(Body::new(Hangup)));
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
        // 0: the connection was closed without an answer.
        status: if hung_up { 0 } else { res.status().as_u16() },
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
