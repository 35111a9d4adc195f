//! # The relying party as an HTTP application
//!
//! `state` holds what every request shares ([`Rp`]: stored providers, sign-ins in
//! progress, sessions, recent outcomes). The routes live beside their handlers:
//!
//! - `signin_routes`: the provider list, `/signin/{name}` and `/callback` in all three
//!   response modes; verification itself is [`crate::signin`]'s;
//! - `session_routes`: the signed-in page and JSON, session refresh, local sign-out, over
//!   the sessions of `session_store`;
//! - `admin_providers` and `admin_directory`: the admin API (loopback peers only), whose
//!   handlers return `Result<_, ApiError>` (`api_error`);
//! - `admin_pages`: the same administration as HTML forms, behind the same guard;
//! - `admin_actions`: the changes and checks both admin surfaces make, written once;
//! - `pages`: the sign-in HTML.
//!
//! `router` puts them together and serves them; `running` runs one on an ephemeral port
//! for tests.

mod admin_actions;
mod admin_directory;
mod admin_pages;
mod admin_providers;
mod api_error;
mod pages;
mod router;
mod running;
mod session_routes;
mod session_store;
mod signin_routes;
mod state;

pub use admin_actions::{RenameError, RuleSet, SettingsField, SettingsProblem, StoreProviderError};
pub use admin_pages::{FORM_LIMIT, FORM_TOKEN_FIELD, MAX_ROWS};
pub use router::{router, serve};
pub use running::RunningRp;
pub use state::{Rp, SignInRecord, SignedInUser};
