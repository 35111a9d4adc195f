//! Everything that turns a sign-in into signed tokens: claims released by scope, the minting
//! of ID, access and refresh tokens with faults applied, JWT encoding, and the signing keys
//! with the JWK Set that publishes them.

pub(crate) mod b64;
pub(crate) mod claims;
pub(crate) mod fault_keys;
pub(crate) mod jwks;
pub(crate) mod jwt;
pub(crate) mod mint;
