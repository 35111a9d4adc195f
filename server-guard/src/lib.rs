//! # server-guard: what every HTTP server of the workspace needs to survive its clients
//!
//! The mock IdP and the reference relying party run for hours next to browsers and CI jobs,
//! so both serve through [`serve`] (plain) or [`serve_tls`], which bound what an idle or slow
//! client can hold: a connection limit, a deadline for the request head, and an idle timeout.
//! Their admin surfaces sit behind [`AdminGuard`], which answers loopback peers only, refuses
//! a foreign `Host` (DNS rebinding) and refuses state-changing requests from another site.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use server_guard::{AdminGuard, ServerLimits};
//!
//! # async fn run() -> std::io::Result<()> {
//! let admin = AdminGuard::loopback_only().protect(Router::new().route("/admin", get(|| async { "ok" })));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! server_guard::serve(listener, admin, ServerLimits::default()).await;
//! # Ok(())
//! # }
//! ```

mod admin;
mod limits;
mod serve;
mod utc;

pub use admin::{AdminGuard, Refusal};
pub use limits::{LimitError, ServerLimits};
pub use serve::{App, TlsError, serve, serve_tls, tls_config_from_pem};
pub use utc::Utc;
