//! The whole application as one router, the admin routes behind `server_guard`'s admin
//! guard, and the serve loop with its timeouts and connection limit.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde_json::json;
use server_guard::{AdminGuard, ServerLimits};

use super::state::Rp;
use super::{admin_directory, admin_pages, admin_providers, session_routes, signin_routes};

/// The whole application.
pub fn router(rp: Arc<Rp>) -> Router {
    // Loopback peers only (`::ffff:127.0.0.1` too), a loopback `Host` or the public URL's
    // (DNS rebinding), and no state change a browser marks as cross-site: the admin pages'
    // forms included.
    let admin = AdminGuard::loopback_only()
        .allow_host(rp.public_host())
        .protect(
            admin_providers::routes()
                .merge(admin_directory::routes())
                .merge(admin_pages::routes(rp.clone())),
        );
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

/// Serves the application on `listener` within `limits` (header-read and idle timeouts, a
/// connection limit) until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, rp: Arc<Rp>, limits: ServerLimits) {
    server_guard::serve(listener, router(rp), limits).await;
}
