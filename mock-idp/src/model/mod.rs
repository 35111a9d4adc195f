//! What a provider is configured with: tenants, clients, users, the protocol's small value
//! types, the configuration file and the demo data.

pub(crate) mod client;
pub mod config;
pub(crate) mod demo;
pub(crate) mod tenant;
pub(crate) mod types;
pub(crate) mod user;
