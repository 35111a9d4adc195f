//! Applying a validated ID token to the users: find, bind or create the user, refresh its
//! fields and roles — all in one transaction.

use serde::{Deserialize, Serialize};

use super::binding::{BindingExpr, BindingRuleError, BindingRules};
use super::claims::Claims;
use super::creation::{self, CreationRuleError, CreationRules};
use super::db;
use super::model::{User, UserField, UserKind, UserType, everywhere};
use super::role_mapping::{DroppedRole, MappedRoles, RoleMapping, RoleMappingError, RoleTargets};
use crate::store::{Store, StoreError, store_error_conversions};

/// A sign-in whose ID token the caller has validated.
#[derive(Debug, Clone, Copy)]
pub struct SignInRequest<'a> {
    /// The provider's name.
    pub provider: &'a str,
    /// The user's id at the provider, from the claim the provider is configured to use
    /// (`sub` or `oid`).
    pub external_id: &'a str,
    /// The ID token's claims.
    pub claims: &'a Claims,
    /// The scopes granted (as requested when the provider does not say).
    pub scopes: &'a [String],
    /// The provider's binding rules.
    pub binding: &'a BindingRules,
    /// The provider's creation rules.
    pub creation: &'a CreationRules,
    /// The provider's role mapping.
    pub role_mapping: &'a RoleMapping,
}

/// How the signing-in user was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInHow {
    /// Already bound to this identity.
    Existing,
    /// Invited with this identity; this first sign-in accepted the invitation.
    Invited,
    /// Found by the binding rules and bound to this identity now.
    Bound,
    /// Created by the creation rules.
    Created,
}

impl std::fmt::Display for SignInHow {
    /// The word the admin API and scenarios use.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Existing => "existing",
            Self::Invited => "invited",
            Self::Bound => "bound",
            Self::Created => "created",
        })
    }
}

/// What a sign-in did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOutcome {
    /// How the user was found.
    pub how: SignInHow,
    /// The user as stored now, with its roles per legal entity.
    pub user: User,
    /// The fields the claims set or changed, in [`UserField`] order.
    pub updated_fields: Vec<UserField>,
    /// Mapped roles that were not assigned.
    pub dropped_roles: Vec<DroppedRole>,
}

/// Why the user rules (binding, creation, role mapping) refused a verified identity.
/// Nothing is written when they do.
#[derive(Debug, thiserror::Error)]
pub enum UserRulesError {
    /// The provider name or external id is empty.
    #[error("{field}: expected a non-empty value, found an empty string")]
    EmptyIdentity {
        /// `provider` or `external_id`.
        field: &'static str,
    },
    /// The provider's binding rules are invalid (they should have been refused when saved).
    #[error(transparent)]
    InvalidBindingRules(BindingRuleError),
    /// The provider's creation rules are invalid (they should have been refused when saved).
    #[error(transparent)]
    InvalidCreationRules(CreationRuleError),
    /// The provider's role mapping is invalid (it should have been refused when saved).
    #[error(transparent)]
    InvalidRoleMapping(RoleMappingError),
    /// The binding rules match several users.
    #[error("binding rules: expected exactly one matching user, found {}: {}", candidates.len(), candidates.join(", "))]
    AmbiguousBinding {
        /// The usernames of the matching users.
        candidates: Vec<String>,
    },
    /// No user is bound, none matches the binding rules, and creation is disabled.
    #[error(
        "no user for {external_id:?} at provider {provider:?}: none is bound, none matches the binding rules, and automatic creation is disabled"
    )]
    NoUser {
        /// The provider.
        provider: String,
        /// The external id.
        external_id: String,
    },
    /// The creation rules' (or a bound user's) user type does not exist.
    #[error("user_type: expected an existing user type, found {name:?}")]
    UnknownUserType {
        /// The name.
        name: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error_conversions!(UserRulesError);

impl UserRulesError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyIdentity { .. } => "sign_in.empty_identity",
            Self::InvalidBindingRules(_) => "binding.invalid_rules",
            Self::InvalidCreationRules(_) => "creation.invalid_rules",
            Self::InvalidRoleMapping(_) => "role_mapping.invalid_rules",
            Self::AmbiguousBinding { .. } => "binding.ambiguous",
            Self::NoUser { .. } => "binding.no_user",
            Self::UnknownUserType { .. } => "creation.unknown_user_type",
            Self::Store(error) => error.code(),
        }
    }
}

impl Store {
    /// Applies a validated sign-in, in one write transaction (nothing is written on error):
    ///
    /// 1. a user bound to this identity signs in (an invited one accepts its invitation);
    /// 2. else, with binding enabled, the binding rules are tested against every user without
    ///    an identity: exactly one match is bound (and becomes external), several are
    ///    [`UserRulesError::AmbiguousBinding`], none falls through;
    /// 3. else, with creation enabled, an external user is created from the creation rules'
    ///    user type; else [`UserRulesError::NoUser`].
    ///
    /// Found and bound users get their fields refreshed by the creation rows; when roles come
    /// from the provider, every sign-in replaces the user's roles by the mapped ones.
    /// Concurrent first sign-ins of one identity create one user: the UNIQUE identity
    /// constraint turns the loser's insert into a retry that finds the winner's user.
    pub fn apply_sign_in(
        &self,
        request: &SignInRequest<'_>,
    ) -> Result<SignInOutcome, UserRulesError> {
        for (field, value) in [
            ("provider", request.provider),
            ("external_id", request.external_id),
        ] {
            if value.is_empty() {
                return Err(UserRulesError::EmptyIdentity { field });
            }
        }
        let binding = request
            .binding
            .parse()
            .map_err(UserRulesError::InvalidBindingRules)?;
        request
            .creation
            .validate()
            .map_err(UserRulesError::InvalidCreationRules)?;
        request
            .role_mapping
            .validate()
            .map_err(UserRulesError::InvalidRoleMapping)?;
        let result = self.write(|tx| sign_in(tx, request, &binding));
        match &result {
            Ok(outcome) => tracing::info!(
                provider = request.provider,
                how = ?outcome.how,
                user = %outcome.user.username,
                updated = ?outcome.updated_fields,
                dropped_roles = outcome.dropped_roles.len(),
                "sign-in applied"
            ),
            Err(error) => tracing::warn!(
                provider = request.provider,
                code = error.code(),
                %error,
                "sign-in refused"
            ),
        }
        result
    }
}

fn sign_in(
    tx: &rusqlite::Connection,
    request: &SignInRequest<'_>,
    binding: &BindingExpr<'_>,
) -> Result<SignInOutcome, UserRulesError> {
    if let Some(user) = db::user_by_identity(tx, request.provider, request.external_id)? {
        let how = if user.invited {
            tx.execute("UPDATE users SET invited = 0 WHERE id = ?1", [user.id])?;
            SignInHow::Invited
        } else {
            SignInHow::Existing
        };
        return refresh(tx, request, &user, how);
    }
    if request.binding.enabled {
        let mut matched: Vec<User> = db::users_where(tx, "provider IS NULL", &[])?
            .into_iter()
            .filter(|user| binding.matches(user, request.claims, request.scopes))
            .collect();
        tracing::debug!(rules = %binding, matched = matched.len(), "binding rules evaluated");
        if matched.len() > 1 {
            return Err(UserRulesError::AmbiguousBinding {
                candidates: matched.into_iter().map(|user| user.username).collect(),
            });
        }
        if let Some(user) = matched.pop() {
            tx.execute(
                "UPDATE users SET kind = ?1, provider = ?2, external_id = ?3 WHERE id = ?4",
                rusqlite::params![
                    UserKind::External.as_str(),
                    request.provider,
                    request.external_id,
                    user.id
                ],
            )?;
            return refresh(tx, request, &user, SignInHow::Bound);
        }
    }
    if !request.creation.enabled {
        return Err(UserRulesError::NoUser {
            provider: request.provider.to_owned(),
            external_id: request.external_id.to_owned(),
        });
    }
    create(tx, request)
}

/// Refreshes a found or bound user's fields (all but its username) and, when the provider
/// assigns them, its roles.
fn refresh(
    tx: &rusqlite::Connection,
    request: &SignInRequest<'_>,
    user: &User,
    how: SignInHow,
) -> Result<SignInOutcome, UserRulesError> {
    let mut updated_fields = Vec::new();
    let fields = request.creation.map_claims(request.claims, request.scopes);
    for (field, value) in fields
        .iter()
        .filter(|(field, _)| **field != UserField::Username)
    {
        if user.field(*field) != Some(value.as_str()) {
            db::set_field(tx, user.id, *field, value)?;
            updated_fields.push(*field);
        }
    }
    let user_type = existing_user_type(tx, &user.user_type)?;
    let mut dropped_roles = Vec::new();
    if let Some(mapped) = provider_roles(tx, request, &user_type)? {
        db::replace_roles(tx, user.id, &mapped.roles)?;
        dropped_roles = mapped.dropped;
    }
    Ok(SignInOutcome {
        how,
        user: reload(tx, user.id)?,
        updated_fields,
        dropped_roles,
    })
}

/// Creates an external user from the creation rules.
fn create(
    tx: &rusqlite::Connection,
    request: &SignInRequest<'_>,
) -> Result<SignInOutcome, UserRulesError> {
    let user_type = existing_user_type(tx, &request.creation.user_type)?;
    let fields = request.creation.map_claims(request.claims, request.scopes);
    let wanted = creation::preferred_username(
        &fields,
        request.creation.email_is_verified(request.claims),
        request.provider,
        request.external_id,
    );
    let username = db::free_username(tx, &wanted)?;
    let id = db::insert_user(
        tx,
        &db::NewUser {
            username: &username,
            kind: UserKind::External,
            user_type: &user_type.name,
            fields: &fields,
            identity: Some((request.provider, request.external_id)),
            invited: false,
        },
    )?;
    let MappedRoles { roles, dropped } = match provider_roles(tx, request, &user_type)? {
        Some(mapped) => mapped,
        None => MappedRoles {
            roles: everywhere(&user_type.default_roles, &db::legal_entity_ids(tx)?),
            dropped: Vec::new(),
        },
    };
    db::replace_roles(tx, id, &roles)?;
    Ok(SignInOutcome {
        how: SignInHow::Created,
        user: reload(tx, id)?,
        updated_fields: fields.into_keys().collect(),
        dropped_roles: dropped,
    })
}

fn existing_user_type(tx: &rusqlite::Connection, name: &str) -> Result<UserType, UserRulesError> {
    db::user_type(tx, name)?.ok_or_else(|| UserRulesError::UnknownUserType {
        name: name.to_owned(),
    })
}

/// The roles the provider assigns to a user of `user_type`, or `None` when roles are managed
/// in the application.
fn provider_roles(
    tx: &rusqlite::Connection,
    request: &SignInRequest<'_>,
    user_type: &UserType,
) -> Result<Option<MappedRoles>, UserRulesError> {
    let known_roles = db::role_names(tx)?;
    let legal_entities = db::legal_entity_ids(tx)?;
    Ok(request.role_mapping.map_roles(
        request.claims,
        request.scopes,
        RoleTargets {
            allowed_roles: &user_type.allowed_roles,
            known_roles: &known_roles,
            legal_entities: &legal_entities,
        },
    ))
}

fn reload(tx: &rusqlite::Connection, id: i64) -> Result<User, UserRulesError> {
    db::user(tx, id)?.ok_or(UserRulesError::Store(StoreError::Sqlite(
        rusqlite::Error::QueryReturnedNoRows,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::role_mapping::RoleStrategy;

    fn request<'a>(
        external_id: &'a str,
        claims: &'a Claims,
        creation: &'a CreationRules,
        role_mapping: &'a RoleMapping,
        binding: &'a BindingRules,
    ) -> SignInRequest<'a> {
        SignInRequest {
            provider: "corp",
            external_id,
            claims,
            scopes: &[],
            binding,
            creation,
            role_mapping,
        }
    }

    #[test]
    fn refusals_before_the_transaction_have_codes() {
        let store = Store::open_in_memory().unwrap();
        let claims = Claims::new();
        let binding = BindingRules::default();
        let creation = CreationRules::default();
        let roles = RoleMapping::default();

        let error = store
            .apply_sign_in(&request("", &claims, &creation, &roles, &binding))
            .unwrap_err();
        assert_eq!(error.code(), "sign_in.empty_identity");
        assert_eq!(
            error.to_string(),
            "external_id: expected a non-empty value, found an empty string"
        );

        let enabled = CreationRules {
            enabled: true,
            ..CreationRules::default()
        };
        let error = store
            .apply_sign_in(&request("x", &claims, &enabled, &roles, &binding))
            .unwrap_err();
        assert_eq!(error.code(), "creation.invalid_rules");

        let contradictory = RoleMapping {
            roles_from_provider: true,
            strategy: RoleStrategy::ManagedInApplication,
            rows: vec![],
        };
        let error = store
            .apply_sign_in(&request("x", &claims, &creation, &contradictory, &binding))
            .unwrap_err();
        assert_eq!(error.code(), "role_mapping.invalid_rules");

        let error = store
            .apply_sign_in(&request("x", &claims, &creation, &roles, &binding))
            .unwrap_err();
        assert_eq!(error.code(), "binding.no_user");
        assert!(store.users().unwrap().is_empty());
    }

    #[test]
    fn ambiguity_names_the_candidates() {
        let error = UserRulesError::AmbiguousBinding {
            candidates: vec!["ann".into(), "bob".into()],
        };
        assert_eq!(
            error.to_string(),
            "binding rules: expected exactly one matching user, found 2: ann, bob"
        );
        assert_eq!(error.code(), "binding.ambiguous");
    }
}
