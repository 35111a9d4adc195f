//! Role mapping rules: which roles, in which legal entities, a user gets from the provider's
//! claims on every sign-in — or whether roles are managed in the application instead.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::binding::active_by_default;
use super::claim_path::{ClaimPath, ClaimPathError};
use super::claims::{self, Claims};
use super::model::{RolesByEntity, everywhere};

/// A provider's role mapping rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    /// Whether every sign-in replaces the user's roles by the mapped ones.
    #[serde(default)]
    pub roles_from_provider: bool,
    /// How mapped roles are spread over legal entities.
    #[serde(default)]
    pub strategy: RoleStrategy,
    /// Claim-value-to-role mappings.
    #[serde(default)]
    pub rows: Vec<RoleRow>,
}

/// How roles are assigned to external users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleStrategy {
    /// Roles are assigned in the application; sign-in never touches them.
    #[default]
    ManagedInApplication,
    /// Every mapped role is assigned in every legal entity.
    OneRoleForAllLegalEntities,
    /// Each row's role is assigned in that row's legal entity only.
    RolePerLegalEntity,
}

impl RoleStrategy {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManagedInApplication => "managed_in_application",
            Self::OneRoleForAllLegalEntities => "one_role_for_all_legal_entities",
            Self::RolePerLegalEntity => "role_per_legal_entity",
        }
    }
}

impl fmt::Display for RoleStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One claim-value-to-role mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRow {
    /// Inactive rows are ignored. Defaults to `true`.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The claim holding the user's roles at the provider (a string or an array of strings).
    pub claim_type: String,
    /// The scope the claim comes with; it must have been granted.
    pub scope: String,
    /// The provider's role value that grants the role.
    pub claim_value: String,
    /// The application role granted.
    pub role_name: String,
    /// The legal entity (id) to grant it in: required by `role_per_legal_entity`, refused by
    /// `one_role_for_all_legal_entities`.
    #[serde(default)]
    pub legal_entity: Option<String>,
}

/// Who manages the roles of a provider's users; decides what admins may edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolePolicy {
    /// Admins assign roles; sign-in leaves them alone.
    ManagedInApplication,
    /// Every sign-in replaces roles by the mapped ones; admins cannot assign them.
    FromProvider,
}

/// Why a mapped role was not assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The role does not exist in the application.
    UnknownRole,
    /// The legal entity does not exist in the application.
    UnknownLegalEntity,
    /// The user's type does not allow the role.
    NotAllowedForUserType,
}

/// A mapped role that was not assigned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DroppedRole {
    /// The role.
    pub role: String,
    /// The legal entity it was mapped into; `None` for every legal entity.
    pub legal_entity: Option<String>,
    /// Why it was dropped.
    pub reason: DropReason,
}

/// The roles a sign-in assigns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedRoles {
    /// The roles to hold from now on, per legal entity.
    pub roles: RolesByEntity,
    /// Mapped roles that were not assigned, sorted.
    pub dropped: Vec<DroppedRole>,
}

/// What mapped roles are checked against.
#[derive(Debug, Clone, Copy)]
pub struct RoleTargets<'a> {
    /// The roles the user's type allows.
    pub allowed_roles: &'a BTreeSet<String>,
    /// Every role of the application.
    pub known_roles: &'a BTreeSet<String>,
    /// Every legal entity id of the application.
    pub legal_entities: &'a BTreeSet<String>,
}

/// Why role mapping rules cannot be saved. Rows are numbered from 1 among all rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleMappingError {
    /// Roles from the provider with a strategy that manages them in the application.
    #[error(
        "strategy: expected one_role_for_all_legal_entities or role_per_legal_entity when roles_from_provider is on, found managed_in_application"
    )]
    ManagedStrategyWithProviderRoles,
    /// Roles from the provider without any active row: every sign-in would strip all roles.
    #[error(
        "role mapping: expected at least one active row when roles_from_provider is on, found none"
    )]
    NoActiveRows,
    /// A row has an empty column.
    #[error("role mapping row {row}: {field}: expected a value, found an empty string")]
    EmptyField {
        /// The row.
        row: usize,
        /// The column: `claim_type`, `scope`, `claim_value` or `role_name`.
        field: &'static str,
    },
    /// A row's `claim_type` is not a claim path (see [`super::claim_path`]).
    #[error("role mapping row {row}: claim_type: {source}")]
    BadClaimPath {
        /// The row.
        row: usize,
        /// What is wrong with the path.
        #[source]
        source: ClaimPathError,
    },
    /// A `role_per_legal_entity` row without a legal entity.
    #[error(
        "role mapping row {row}: legal_entity: expected a legal entity for strategy role_per_legal_entity, found none"
    )]
    MissingLegalEntity {
        /// The row.
        row: usize,
    },
    /// A `one_role_for_all_legal_entities` row naming a legal entity.
    #[error(
        "role mapping row {row}: legal_entity: expected none for strategy one_role_for_all_legal_entities (roles go to every legal entity), found {found:?}"
    )]
    UnexpectedLegalEntity {
        /// The row.
        row: usize,
        /// The legal entity named.
        found: String,
    },
}

impl RoleMappingError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ManagedStrategyWithProviderRoles => "role_mapping.managed_strategy",
            Self::NoActiveRows => "role_mapping.no_active_rows",
            Self::EmptyField { .. } => "role_mapping.empty_field",
            Self::BadClaimPath { .. } => "role_mapping.bad_claim_path",
            Self::MissingLegalEntity { .. } => "role_mapping.missing_legal_entity",
            Self::UnexpectedLegalEntity { .. } => "role_mapping.unexpected_legal_entity",
        }
    }
}

impl RoleMapping {
    /// Who manages roles: the provider exactly when `roles_from_provider` is on and the
    /// strategy is not `managed_in_application`.
    pub fn policy(&self) -> RolePolicy {
        if self.roles_from_provider && self.strategy != RoleStrategy::ManagedInApplication {
            RolePolicy::FromProvider
        } else {
            RolePolicy::ManagedInApplication
        }
    }

    /// Checks the rules as they are saved: a strategy that fits `roles_from_provider`, some
    /// active row when roles come from the provider, and every active row's columns — the
    /// legal entity as the strategy demands.
    pub fn validate(&self) -> Result<(), RoleMappingError> {
        if self.roles_from_provider {
            if self.strategy == RoleStrategy::ManagedInApplication {
                return Err(RoleMappingError::ManagedStrategyWithProviderRoles);
            }
            if !self.rows.iter().any(|row| row.active) {
                return Err(RoleMappingError::NoActiveRows);
            }
        }
        for (index, row) in self.rows.iter().enumerate().filter(|(_, row)| row.active) {
            let number = index + 1;
            for (field, value) in [
                ("claim_type", &row.claim_type),
                ("scope", &row.scope),
                ("claim_value", &row.claim_value),
                ("role_name", &row.role_name),
            ] {
                if value.trim().is_empty() {
                    return Err(RoleMappingError::EmptyField { row: number, field });
                }
            }
            ClaimPath::parse(&row.claim_type).map_err(|source| RoleMappingError::BadClaimPath {
                row: number,
                source,
            })?;
            match (self.strategy, &row.legal_entity) {
                (RoleStrategy::RolePerLegalEntity, None) => {
                    return Err(RoleMappingError::MissingLegalEntity { row: number });
                }
                (RoleStrategy::OneRoleForAllLegalEntities, Some(found)) => {
                    return Err(RoleMappingError::UnexpectedLegalEntity {
                        row: number,
                        found: found.clone(),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The roles a sign-in assigns, or `None` when roles are managed in the application
    /// (see [`RoleMapping::policy`]). A row applies when its claim (a string equal to
    /// `claim_value`, or an array with an element equal to it) comes with a granted scope.
    /// Roles that do not exist, in legal entities that do not exist, or that the user's type
    /// does not allow are dropped and reported.
    pub fn map_roles(
        &self,
        claims: &Claims,
        scopes: &[String],
        targets: RoleTargets<'_>,
    ) -> Option<MappedRoles> {
        if self.policy() != RolePolicy::FromProvider {
            return None;
        }
        let mut roles = RolesByEntity::new();
        let mut dropped = BTreeSet::new();
        let mut everywhere_roles = BTreeSet::new();
        for row in self.rows.iter().filter(|row| row.active) {
            let granted = claims::usable_claim(claims, scopes, &row.claim_type, &row.scope, false)
                .is_some_and(|claim| claim_has_value(claim, &row.claim_value));
            if !granted {
                continue;
            }
            let entity = match self.strategy {
                RoleStrategy::RolePerLegalEntity => row.legal_entity.clone(),
                _ => None,
            };
            let reason = if !targets.known_roles.contains(&row.role_name) {
                Some(DropReason::UnknownRole)
            } else if self.strategy == RoleStrategy::RolePerLegalEntity
                && !entity
                    .as_ref()
                    .is_some_and(|entity| targets.legal_entities.contains(entity))
            {
                Some(DropReason::UnknownLegalEntity)
            } else if !targets.allowed_roles.contains(&row.role_name) {
                Some(DropReason::NotAllowedForUserType)
            } else {
                None
            };
            match (reason, entity) {
                (Some(reason), legal_entity) => {
                    dropped.insert(DroppedRole {
                        role: row.role_name.clone(),
                        legal_entity,
                        reason,
                    });
                }
                (None, Some(entity)) => {
                    roles
                        .entry(entity)
                        .or_default()
                        .insert(row.role_name.clone());
                }
                (None, None) => {
                    everywhere_roles.insert(row.role_name.clone());
                }
            }
        }
        for (entity, names) in everywhere(&everywhere_roles, targets.legal_entities) {
            roles.entry(entity).or_default().extend(names);
        }
        Some(MappedRoles {
            roles,
            dropped: dropped.into_iter().collect(),
        })
    }
}

/// Whether a roles claim holds `wanted`: a scalar equal to it, or an array with an element
/// equal to it. A string is never split (a claim `"sales admin"` does not hold `"sales"`).
fn claim_has_value(claim: &Value, wanted: &str) -> bool {
    match claim {
        Value::Array(items) => items
            .iter()
            .any(|item| claims::scalar_text(item).as_deref() == Some(wanted)),
        scalar => claims::scalar_text(scalar).as_deref() == Some(wanted),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(value: &str, role: &str, entity: Option<&str>) -> RoleRow {
        RoleRow {
            active: true,
            claim_type: "groups".into(),
            scope: "roles".into(),
            claim_value: value.into(),
            role_name: role.into(),
            legal_entity: entity.map(Into::into),
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn claims(value: serde_json::Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    fn scopes() -> Vec<String> {
        vec!["openid".into(), "roles".into()]
    }

    struct World {
        allowed: BTreeSet<String>,
        known: BTreeSet<String>,
        entities: BTreeSet<String>,
    }

    impl World {
        fn new() -> Self {
            Self {
                allowed: set(&["viewer", "editor"]),
                known: set(&["viewer", "editor", "admin"]),
                entities: set(&["le1", "le2"]),
            }
        }

        fn targets(&self) -> RoleTargets<'_> {
            RoleTargets {
                allowed_roles: &self.allowed,
                known_roles: &self.known,
                legal_entities: &self.entities,
            }
        }
    }

    fn all_entities() -> RoleMapping {
        RoleMapping {
            roles_from_provider: true,
            strategy: RoleStrategy::OneRoleForAllLegalEntities,
            rows: vec![
                row("app-viewers", "viewer", None),
                row("app-editors", "editor", None),
                row("app-admins", "admin", None),
                row("app-ghosts", "ghost", None),
            ],
        }
    }

    fn roles(pairs: &[(&str, &[&str])]) -> RolesByEntity {
        pairs
            .iter()
            .map(|(entity, names)| ((*entity).to_owned(), set(names)))
            .collect()
    }

    #[test]
    fn policy_needs_the_flag_and_a_provider_strategy() {
        let mut mapping = all_entities();
        assert_eq!(mapping.policy(), RolePolicy::FromProvider);
        mapping.roles_from_provider = false;
        assert_eq!(mapping.policy(), RolePolicy::ManagedInApplication);
        mapping.roles_from_provider = true;
        mapping.strategy = RoleStrategy::ManagedInApplication;
        assert_eq!(mapping.policy(), RolePolicy::ManagedInApplication);
        assert_eq!(
            RoleMapping::default().policy(),
            RolePolicy::ManagedInApplication
        );
    }

    #[test]
    fn managed_in_application_maps_nothing() {
        let world = World::new();
        let mut mapping = all_entities();
        mapping.strategy = RoleStrategy::ManagedInApplication;
        let c = claims(json!({"groups": ["app-viewers"]}));
        assert_eq!(mapping.map_roles(&c, &scopes(), world.targets()), None);
        mapping.strategy = RoleStrategy::OneRoleForAllLegalEntities;
        mapping.roles_from_provider = false;
        assert_eq!(mapping.map_roles(&c, &scopes(), world.targets()), None);
    }

    #[test]
    fn array_claims_map_into_every_legal_entity() {
        let world = World::new();
        let c = claims(json!({"groups": ["app-viewers", "app-editors", "other"]}));
        let mapped = all_entities()
            .map_roles(&c, &scopes(), world.targets())
            .unwrap();
        assert_eq!(
            mapped.roles,
            roles(&[
                ("le1", &["editor", "viewer"]),
                ("le2", &["editor", "viewer"])
            ])
        );
        assert!(mapped.dropped.is_empty());
    }

    #[test]
    fn string_claims_match_whole() {
        let world = World::new();
        let mapping = all_entities();
        let mapped = mapping
            .map_roles(
                &claims(json!({"groups": "app-viewers"})),
                &scopes(),
                world.targets(),
            )
            .unwrap();
        assert_eq!(
            mapped.roles,
            roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
        );
        // A space-separated string is one value, not a list.
        let mapped = mapping
            .map_roles(
                &claims(json!({"groups": "app-viewers app-editors"})),
                &scopes(),
                world.targets(),
            )
            .unwrap();
        assert!(mapped.roles.is_empty());
    }

    #[test]
    fn roles_are_limited_to_allowed_and_known_ones() {
        let world = World::new();
        let c = claims(json!({"groups": ["app-viewers", "app-admins", "app-ghosts"]}));
        let mapped = all_entities()
            .map_roles(&c, &scopes(), world.targets())
            .unwrap();
        assert_eq!(
            mapped.roles,
            roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
        );
        assert_eq!(
            mapped.dropped,
            [
                DroppedRole {
                    role: "admin".into(),
                    legal_entity: None,
                    reason: DropReason::NotAllowedForUserType
                },
                DroppedRole {
                    role: "ghost".into(),
                    legal_entity: None,
                    reason: DropReason::UnknownRole
                },
            ]
        );
    }

    #[test]
    fn no_matching_claim_means_no_roles() {
        let world = World::new();
        let mapping = all_entities();
        for c in [
            json!({}),
            json!({"groups": []}),
            json!({"groups": null}),
            json!({"groups": {"app-viewers": true}}),
        ] {
            let mapped = mapping
                .map_roles(&claims(c), &scopes(), world.targets())
                .unwrap();
            assert_eq!(mapped, MappedRoles::default());
        }
        // The claim's scope was not granted.
        let mapped = mapping
            .map_roles(
                &claims(json!({"groups": ["app-viewers"]})),
                &["openid".to_owned()],
                world.targets(),
            )
            .unwrap();
        assert!(mapped.roles.is_empty());
    }

    #[test]
    fn inactive_rows_map_nothing() {
        let world = World::new();
        let mut mapping = all_entities();
        mapping.rows[0].active = false;
        let c = claims(json!({"groups": ["app-viewers"]}));
        assert!(
            mapping
                .map_roles(&c, &scopes(), world.targets())
                .unwrap()
                .roles
                .is_empty()
        );
    }

    #[test]
    fn role_per_legal_entity_assigns_in_the_rows_entity() {
        let world = World::new();
        let mapping = RoleMapping {
            roles_from_provider: true,
            strategy: RoleStrategy::RolePerLegalEntity,
            rows: vec![
                row("le1-edit", "editor", Some("le1")),
                row("le2-view", "viewer", Some("le2")),
                row("le2-edit", "editor", Some("le2")),
                row("le9-view", "viewer", Some("le9")),
                row("le1-admin", "admin", Some("le1")),
            ],
        };
        assert_eq!(mapping.validate(), Ok(()));
        let c = claims(json!({"groups": ["le1-edit", "le2-view", "le9-view", "le1-admin"]}));
        let mapped = mapping.map_roles(&c, &scopes(), world.targets()).unwrap();
        assert_eq!(
            mapped.roles,
            roles(&[("le1", &["editor"]), ("le2", &["viewer"])])
        );
        assert_eq!(
            mapped.dropped,
            [
                DroppedRole {
                    role: "admin".into(),
                    legal_entity: Some("le1".into()),
                    reason: DropReason::NotAllowedForUserType
                },
                DroppedRole {
                    role: "viewer".into(),
                    legal_entity: Some("le9".into()),
                    reason: DropReason::UnknownLegalEntity
                },
            ]
        );
    }

    #[test]
    fn validation() {
        assert_eq!(all_entities().validate(), Ok(()));
        assert_eq!(RoleMapping::default().validate(), Ok(()));

        let mut mapping = all_entities();
        mapping.strategy = RoleStrategy::ManagedInApplication;
        assert_eq!(
            mapping.validate(),
            Err(RoleMappingError::ManagedStrategyWithProviderRoles)
        );
        mapping.roles_from_provider = false;
        assert_eq!(mapping.validate(), Ok(()));

        let mut mapping = all_entities();
        for r in &mut mapping.rows {
            r.active = false;
        }
        assert_eq!(mapping.validate(), Err(RoleMappingError::NoActiveRows));
        assert_eq!(
            mapping.validate().unwrap_err().code(),
            "role_mapping.no_active_rows"
        );

        let mut mapping = all_entities();
        mapping.rows[2].claim_value.clear();
        assert_eq!(
            mapping.validate(),
            Err(RoleMappingError::EmptyField {
                row: 3,
                field: "claim_value"
            })
        );
        mapping.rows[2].active = false;
        assert_eq!(mapping.validate(), Ok(()));
        mapping.rows[1].role_name = " ".into();
        assert_eq!(
            mapping.validate().unwrap_err().to_string(),
            "role mapping row 2: role_name: expected a value, found an empty string"
        );

        let mut mapping = all_entities();
        mapping.rows[0].legal_entity = Some("le1".into());
        assert_eq!(
            mapping.validate(),
            Err(RoleMappingError::UnexpectedLegalEntity {
                row: 1,
                found: "le1".into()
            })
        );

        let mut mapping = all_entities();
        mapping.strategy = RoleStrategy::RolePerLegalEntity;
        let error = mapping.validate().unwrap_err();
        assert_eq!(error, RoleMappingError::MissingLegalEntity { row: 1 });
        assert_eq!(error.code(), "role_mapping.missing_legal_entity");
    }

    #[test]
    fn deserializes_snake_case() {
        let mapping: RoleMapping = serde_json::from_value(json!({
            "roles_from_provider": true,
            "strategy": "role_per_legal_entity",
            "rows": [{"claim_type": "groups", "scope": "roles", "claim_value": "x",
                      "role_name": "viewer", "legal_entity": "le1"}]
        }))
        .unwrap();
        assert_eq!(mapping.strategy, RoleStrategy::RolePerLegalEntity);
        assert!(mapping.rows[0].active);
        assert_eq!(mapping.strategy.to_string(), "role_per_legal_entity");
    }
}
