//! Invitations: external users pre-created with their identity, bound on first sign-in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::db;
use super::directory::{self, DirectoryError};
use super::model::{RolesByEntity, User, UserField, UserKind};
use super::role_mapping::RolePolicy;
use crate::store::{self, Store};

/// An external user to pre-create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    /// The provider the user will sign in with.
    pub provider: String,
    /// The user's id at that provider.
    pub external_id: String,
    /// The email address; also the username (made unique with a `-2`, `-3`… suffix).
    pub email: String,
    /// The user type's name.
    pub user_type: String,
    /// Roles per legal entity, only when the provider's roles are managed in the application;
    /// `None` gives the type's default roles in every legal entity.
    #[serde(default)]
    pub roles: Option<RolesByEntity>,
}

impl Store {
    /// Pre-creates an invited external user. `policy` is the provider's
    /// ([`crate::users::RoleMapping::policy`]): when roles come from the provider, roles
    /// cannot be given ([`DirectoryError::RolesFromProvider`]) and the user has none until
    /// its first sign-in.
    pub fn invite(
        &self,
        invitation: &Invitation,
        policy: RolePolicy,
    ) -> Result<User, DirectoryError> {
        directory::require("provider", &invitation.provider)?;
        directory::require("external_id", &invitation.external_id)?;
        directory::require("email", &invitation.email)?;
        let gives_roles = invitation
            .roles
            .as_ref()
            .is_some_and(|roles| roles.values().any(|names| !names.is_empty()));
        if policy == RolePolicy::FromProvider && gives_roles {
            return Err(DirectoryError::RolesFromProvider {
                provider: invitation.provider.clone(),
            });
        }
        let fields = BTreeMap::from([(UserField::Email, invitation.email.clone())]);
        let user = self.write(|tx| {
            if !store::provider_exists(tx, &invitation.provider)? {
                return Err(DirectoryError::UnknownProvider {
                    name: invitation.provider.clone(),
                });
            }
            if db::user_by_identity(tx, &invitation.provider, &invitation.external_id)?.is_some() {
                return Err(DirectoryError::IdentityTaken {
                    provider: invitation.provider.clone(),
                    external_id: invitation.external_id.clone(),
                });
            }
            let user_type = directory::existing_user_type(tx, &invitation.user_type)?;
            let roles = match policy {
                RolePolicy::FromProvider => RolesByEntity::new(),
                RolePolicy::ManagedInApplication => {
                    directory::initial_roles(tx, invitation.roles.as_ref(), &user_type)?
                }
            };
            let username = db::free_username(tx, &invitation.email)?;
            let id = db::insert_user(
                tx,
                &db::NewUser {
                    username: &username,
                    kind: UserKind::External,
                    user_type: &user_type.name,
                    fields: &fields,
                    identity: Some((&invitation.provider, &invitation.external_id)),
                    invited: true,
                },
            )?;
            db::replace_roles(tx, id, &roles)?;
            directory::existing_user(tx, id)
        })?;
        tracing::info!(
            provider = %invitation.provider,
            user = %user.username,
            "external user invited"
        );
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::users::model::{Identity, LegalEntity, UserType};

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store.put_provider("corp", "{}").unwrap();
        store.create_role("viewer").unwrap();
        store.create_role("editor").unwrap();
        store
            .create_legal_entity(&LegalEntity {
                id: "le1".into(),
                name: "One".into(),
            })
            .unwrap();
        store
            .create_user_type(&UserType {
                name: "customer".into(),
                default_roles: set(&["viewer"]),
                allowed_roles: set(&["viewer", "editor"]),
            })
            .unwrap();
        store
    }

    fn invitation(roles: Option<RolesByEntity>) -> Invitation {
        Invitation {
            provider: "corp".into(),
            external_id: "sub-1".into(),
            email: "ann@example.com".into(),
            user_type: "customer".into(),
            roles,
        }
    }

    #[test]
    fn invited_users_are_external_and_pending() {
        let store = store();
        let user = store
            .invite(&invitation(None), RolePolicy::ManagedInApplication)
            .unwrap();
        assert!(user.invited);
        assert_eq!(user.kind, UserKind::External);
        assert_eq!(user.username, "ann@example.com");
        assert_eq!(user.email.as_deref(), Some("ann@example.com"));
        assert_eq!(
            user.identity,
            Some(Identity {
                provider: "corp".into(),
                external_id: "sub-1".into()
            })
        );
        assert_eq!(user.roles, [("le1".into(), set(&["viewer"]))].into());
    }

    #[test]
    fn roles_are_refused_when_the_provider_assigns_them() {
        let store = store();
        let roles = Some([("le1".to_owned(), set(&["editor"]))].into());
        let error = store
            .invite(&invitation(roles.clone()), RolePolicy::FromProvider)
            .unwrap_err();
        assert_eq!(error.code(), "invitation.roles_from_provider");
        assert!(error.to_string().starts_with("roles: "), "{error}");
        assert!(store.users().unwrap().is_empty());
        // Without roles the invitation goes through, and the user has none yet.
        let user = store
            .invite(&invitation(None), RolePolicy::FromProvider)
            .unwrap();
        assert!(user.roles.is_empty());
        // Managed in the application, the given roles are assigned.
        let mut other = invitation(roles);
        other.external_id = "sub-2".into();
        let user = store
            .invite(&other, RolePolicy::ManagedInApplication)
            .unwrap();
        assert_eq!(user.roles, [("le1".into(), set(&["editor"]))].into());
        assert_eq!(user.username, "ann@example.com-2");
    }

    #[test]
    fn refusals() {
        let store = store();
        store
            .invite(&invitation(None), RolePolicy::ManagedInApplication)
            .unwrap();
        let error = store
            .invite(&invitation(None), RolePolicy::ManagedInApplication)
            .unwrap_err();
        assert_eq!(error.code(), "invitation.identity_taken");
        let mut unknown = invitation(None);
        unknown.provider = "nope".into();
        assert_eq!(
            store
                .invite(&unknown, RolePolicy::ManagedInApplication)
                .unwrap_err()
                .code(),
            "directory.unknown_provider"
        );
        let mut empty = invitation(None);
        empty.email.clear();
        assert_eq!(
            store
                .invite(&empty, RolePolicy::ManagedInApplication)
                .unwrap_err()
                .to_string(),
            "email: expected a non-empty value, found an empty string"
        );
    }
}
