//! # The admin pages
//!
//! Server-rendered HTML over the same domain functions as the JSON admin API
//! ([`super::admin_actions`], the store's directory methods): no front-end framework and no
//! script. Every input has a label, errors from the server are shown beside the input they
//! concern (and listed at the top, each linking to its input), and every change is a form
//! POST answered by a redirect or by the form again with its errors.
//!
//! - `providers`: `/admin/providers`, the list and "add from issuer";
//! - `provider_form` and `rule_grids`: `/admin/providers/{name}`, the "OpenID Providers" form
//!   with its three rule grids, whose rows are added and removed by submitting the form
//!   (nothing is saved until **Save**);
//! - `provider_tools`: the form's dialogs as pages: provider metadata, redirect URI, rename;
//! - `users` and `user_edit`: `/admin/users`, the directory, invitations and edits;
//! - `sign_ins`: `/admin/sign-ins`, recent outcomes.
//!
//! The router puts these routes behind the same admin guard as the API (loopback peers, a
//! known `Host`, no cross-site state change); the body of a form is limited to
//! [`FORM_LIMIT`] bytes and a rule grid to [`MAX_ROWS`] rows. Each form also carries a token
//! (`form_token`) that a page of another site cannot read. The children use each other,
//! never this module: it only puts their routes together.

mod form_token;
mod html;
mod provider_form;
mod provider_tools;
mod providers;
mod rule_grids;
mod sign_ins;
mod user_edit;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;

pub use form_token::FORM_TOKEN_FIELD;
pub use rule_grids::MAX_ROWS;

use super::state::Rp;

/// The largest form body accepted: a provider form with full grids is a few kilobytes.
pub const FORM_LIMIT: usize = 64 * 1024;

/// The routes, under `/admin`, their forms carrying `rp`'s form token.
pub(super) fn routes(rp: Arc<Rp>) -> Router<Arc<Rp>> {
    Router::new()
        .route(
            "/admin/providers",
            get(providers::list).post(providers::add),
        )
        .route(
            "/admin/providers/{name}",
            get(provider_form::show).post(provider_form::submit),
        )
        .route(
            "/admin/providers/{name}/metadata",
            get(provider_tools::metadata),
        )
        .route(
            "/admin/providers/{name}/redirect-uri",
            get(provider_tools::redirect_uri),
        )
        .route(
            "/admin/providers/{name}/rename",
            get(provider_tools::rename_form).post(provider_tools::rename),
        )
        .route(
            "/admin/users",
            get(users::directory).post(users::add_internal),
        )
        .route("/admin/users/new", get(users::new_user))
        .route("/admin/invitations", axum::routing::post(users::invite))
        .route(
            "/admin/users/{id}",
            get(user_edit::show).post(user_edit::submit),
        )
        .route("/admin/sign-ins", get(sign_ins::list))
        .layer(middleware::from_fn_with_state(rp, form_token::guard_forms))
        // Outermost, so the form token's reading of the body is limited too.
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}
