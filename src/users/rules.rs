//! Checking a provider's user rules when its settings are saved: each rule set on its own,
//! then the names they use against the database.

use super::binding::{BindingRuleError, BindingRules};
use super::creation::{CreationRuleError, CreationRules};
use super::db;
use super::role_mapping::{RoleMapping, RoleMappingError};
use crate::store::{Store, StoreError, store_error_conversions};

/// Why a provider's user rules cannot be saved.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The binding rules are invalid.
    #[error(transparent)]
    Binding(#[from] BindingRuleError),
    /// The creation rules are invalid.
    #[error(transparent)]
    Creation(#[from] CreationRuleError),
    /// The role mapping is invalid.
    #[error(transparent)]
    RoleMapping(#[from] RoleMappingError),
    /// The creation rules name a user type that does not exist.
    #[error("user_type: expected an existing user type, found {name:?}")]
    UnknownUserType {
        /// The name.
        name: String,
    },
    /// A role mapping row names a role that does not exist.
    #[error("role mapping row {row}: role_name: expected an existing role, found {name:?}")]
    UnknownRole {
        /// The row (1-based).
        row: usize,
        /// The role.
        name: String,
    },
    /// A role mapping row names a legal entity that does not exist.
    #[error(
        "role mapping row {row}: legal_entity: expected an existing legal entity, found {id:?}"
    )]
    UnknownLegalEntity {
        /// The row (1-based).
        row: usize,
        /// The legal entity id.
        id: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error_conversions!(RulesError);

impl RulesError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Binding(error) => error.code(),
            Self::Creation(error) => error.code(),
            Self::RoleMapping(error) => error.code(),
            Self::UnknownUserType { .. } => "creation.unknown_user_type",
            Self::UnknownRole { .. } => "role_mapping.unknown_role",
            Self::UnknownLegalEntity { .. } => "role_mapping.unknown_legal_entity",
            Self::Store(error) => error.code(),
        }
    }
}

impl Store {
    /// Checks a provider's user rules before its settings are saved: the checks of
    /// [`BindingRules::validate`], [`CreationRules::validate`] and [`RoleMapping::validate`],
    /// then that the creation user type (when given), and the roles and legal entities of
    /// active role mapping rows, exist.
    pub fn validate_user_rules(
        &self,
        binding: &BindingRules,
        creation: &CreationRules,
        role_mapping: &RoleMapping,
    ) -> Result<(), RulesError> {
        binding.validate()?;
        creation.validate()?;
        role_mapping.validate()?;
        self.read(|tx| {
            if !creation.user_type.is_empty() && db::user_type(tx, &creation.user_type)?.is_none() {
                return Err(RulesError::UnknownUserType {
                    name: creation.user_type.clone(),
                });
            }
            let roles = db::role_names(tx)?;
            let entities = db::legal_entity_ids(tx)?;
            for (index, row) in role_mapping
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.active)
            {
                if !roles.contains(&row.role_name) {
                    return Err(RulesError::UnknownRole {
                        row: index + 1,
                        name: row.role_name.clone(),
                    });
                }
                if let Some(id) = row
                    .legal_entity
                    .as_ref()
                    .filter(|id| !entities.contains(*id))
                {
                    return Err(RulesError::UnknownLegalEntity {
                        row: index + 1,
                        id: id.clone(),
                    });
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::model::{LegalEntity, UserType};
    use crate::users::role_mapping::{RoleRow, RoleStrategy};

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store.create_role("viewer").unwrap();
        store
            .create_legal_entity(&LegalEntity {
                id: "le1".into(),
                name: "One".into(),
            })
            .unwrap();
        store
            .create_user_type(&UserType {
                name: "customer".into(),
                ..UserType::default()
            })
            .unwrap();
        store
    }

    fn mapping(role: &str, entity: &str) -> RoleMapping {
        RoleMapping {
            roles_from_provider: true,
            strategy: RoleStrategy::RolePerLegalEntity,
            rows: vec![RoleRow {
                active: true,
                claim_type: "groups".into(),
                scope: "roles".into(),
                claim_value: "g".into(),
                role_name: role.into(),
                legal_entity: Some(entity.into()),
            }],
        }
    }

    #[test]
    fn names_must_exist() {
        let store = store();
        let binding = BindingRules::default();
        let creation = CreationRules {
            enabled: true,
            user_type: "customer".into(),
            rows: vec![],
        };
        store
            .validate_user_rules(&binding, &creation, &mapping("viewer", "le1"))
            .unwrap();
        let error = store
            .validate_user_rules(&binding, &creation, &mapping("ghost", "le1"))
            .unwrap_err();
        assert_eq!(error.code(), "role_mapping.unknown_role");
        let error = store
            .validate_user_rules(&binding, &creation, &mapping("viewer", "le9"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "role mapping row 1: legal_entity: expected an existing legal entity, found \"le9\""
        );
        let other = CreationRules {
            user_type: "nobody".into(),
            ..creation.clone()
        };
        let error = store
            .validate_user_rules(&binding, &other, &RoleMapping::default())
            .unwrap_err();
        assert_eq!(error.code(), "creation.unknown_user_type");
    }

    #[test]
    fn rule_set_errors_come_first() {
        let store = store();
        let binding = BindingRules {
            enabled: true,
            rows: vec![],
        };
        let error = store
            .validate_user_rules(&binding, &CreationRules::default(), &RoleMapping::default())
            .unwrap_err();
        assert!(matches!(
            error,
            RulesError::Binding(BindingRuleError::NoActiveRows)
        ));
        assert_eq!(error.code(), "binding.no_active_rows");
    }
}
