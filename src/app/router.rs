//! The whole application as one router, the admin routes behind the loopback check, and the
//! serve loop.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::api_error::ApiError;
use super::state::Rp;
use super::{admin_directory, admin_providers, session_routes, signin_routes};

async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(req).await
    } else {
        ApiError::Forbidden {
            code: "access_denied",
            details: json!("the admin API answers loopback peers only"),
        }
        .into_response()
    }
}

/// The whole application.
pub fn router(rp: Arc<Rp>) -> Router {
    let admin = admin_providers::routes()
        .merge(admin_directory::routes())
        .route_layer(middleware::from_fn(loopback_only));
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .merge(signin_routes::routes())
        .merge(session_routes::routes())
        .merge(admin)
        .with_state(rp)
}

/// Serves the application on `listener` until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, rp: Arc<Rp>) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(rp).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
