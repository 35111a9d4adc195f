//! Fault injection: the rules that decide which misbehaviour a response gets ([`rules`]) and
//! the catalog that documents each fault once ([`catalog`]), from which `docs/faults.md` is
//! rendered.

pub mod catalog;
mod rules;

pub use rules::{Endpoint, Fault, FaultRule, KEY_ROTATION_GRACE_SECS, UnknownEndpoint};
pub(crate) use rules::{FaultSet, MintAt};
