//! The harness: Gherkin scenarios against the mock IdP and the reference relying party
//! ([`scenario`]), and conformance runs of the fault catalog against any relying party
//! ([`check`]).

pub mod check;
pub mod chromium;
pub mod scenario;
