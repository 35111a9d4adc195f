//! The running server: routing a request to its tenant, the shared state every request reads
//! and writes, the admin API, the request and token log, and the clock.

pub(crate) mod admin;
pub(crate) mod clock;
pub(crate) mod prepared;
pub(crate) mod request_log;
pub(crate) mod routing;
pub(crate) mod state;
pub(crate) mod store;
pub(crate) mod tenant_keys;
pub(crate) mod transport;
