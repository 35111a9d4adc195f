//! # relying-party: a reference OpenID Connect relying party
//!
//! The application side of OpenID Connect sign-in, written to be read: provider settings
//! with their rules ([`settings`]), autoconfiguration and validation against discovery
//! metadata ([`discovery`]), sign-in through the five flows ([`signin`]), strict ID-token
//! validation citing the specification at each check ([`validator`], [`jwks`]), and the
//! user side — binding, creation, role mapping, invitations, edit rules — over an embedded
//! SQLite database ([`users`], [`store`]). [`app`] serves it over HTTP; [`response_type`]
//! is the typed `response_type` the flows ask for.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use relying_party::{app::RunningRp, store::Store};
//! let rp = RunningRp::start(Store::open_in_memory().expect("store")).await?;
//! println!("sign in at {}/", rp.url);
//! # Ok(()) }
//! ```

pub mod app;
pub mod config;
pub mod discovery;
pub mod error;
pub mod flavour;
pub mod jwks;
pub mod response_type;
pub mod settings;
pub mod signin;
pub mod store;
pub mod users;
pub mod validator;
