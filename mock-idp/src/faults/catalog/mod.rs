//! The fault catalog: for every named fault, what it breaks, the flows where it applies,
//! what a correct relying party does about it and the certification test it mirrors.
//!
//! One table feeds the conformance run (`harness check`), the reference relying party's
//! fault × flow test matrix and `docs/faults.md`, so the three cannot disagree.

mod entries;
mod entry;
mod markdown;

pub use entries::catalog;
pub use entry::{CatalogEntry, Expect, FlowKind, Group, Setup};
pub use markdown::markdown;

use crate::faults::Fault;

/// The entry named `name` (as `mock_fault=` and the docs spell it).
pub fn find(name: &str) -> Option<CatalogEntry> {
    catalog().into_iter().find(|e| e.name == name)
}

/// Why a `mock_fault=` list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// A name that is not in the catalog.
    #[error(
        "expected fault names from the fault catalog (docs/faults.md) in mock_fault, found unknown fault \"{name}\"; known: {known}"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The catalog's names, comma-separated.
        known: String,
    },
    /// A fault that acts outside any one sign-in.
    #[error(
        "expected a fault acting on this sign-in in mock_fault, found \"{0}\", which acts on discovery or JWK Set requests; inject it with the admin API or TenantHandle::inject instead"
    )]
    NotPerRequest(String),
}

/// The faults named in a `mock_fault=NAME[,NAME...]` parameter.
///
/// ```
/// use mock_idp::catalog::select;
/// assert_eq!(select("aud_changed, state_missing").unwrap().len(), 2);
/// assert!(select("no_such_fault").unwrap_err().to_string().contains("no_such_fault"));
/// ```
pub fn select(names: &str) -> Result<Vec<Fault>, SelectError> {
    let all = catalog();
    names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            let entry =
                all.iter()
                    .find(|e| e.name == name)
                    .ok_or_else(|| SelectError::Unknown {
                        name: name.to_owned(),
                        known: all
                            .iter()
                            .map(|e| e.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
            if entry.fault.per_request() {
                Ok(entry.fault.clone())
            } else {
                Err(SelectError::NotPerRequest(name.to_owned()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
