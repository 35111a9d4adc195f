//! Admin edits of users, and which fields of which users may be edited.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::db;
use super::directory::{self, DirectoryError};
use super::model::{RolesByEntity, User, UserField, UserId, UserKind};
use super::role_mapping::RolePolicy;
use crate::store::{Store, StoreError, TransientError};

/// Changes to a user: absent fields stay as they are, an empty string clears a field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New username.
    #[serde(default)]
    pub username: Option<String>,
    /// New email address.
    #[serde(default)]
    pub email: Option<String>,
    /// New phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// New given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// New family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// New external id: never editable.
    #[serde(default)]
    pub external_id: Option<String>,
    /// New user type.
    #[serde(default)]
    pub user_type: Option<String>,
    /// New roles per legal entity, replacing all of them.
    #[serde(default)]
    pub roles: Option<RolesByEntity>,
}

/// A field of a [`UserPatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditField {
    /// `username`.
    Username,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `first_name`.
    FirstName,
    /// `last_name`.
    LastName,
    /// `display_name`.
    DisplayName,
    /// `external_id`.
    ExternalId,
    /// `user_type`.
    UserType,
    /// `roles`.
    Roles,
}

impl EditField {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::DisplayName => "display_name",
            Self::ExternalId => "external_id",
            Self::UserType => "user_type",
            Self::Roles => "roles",
        }
    }
}

impl fmt::Display for EditField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a field may not be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// `external_id` and `email` of an external user belong to its provider.
    ProviderIdentity,
    /// The provider assigns this external user's roles: the user is read-only.
    ReadOnlyExternalUser,
    /// This external user's roles are managed in the application: only roles are editable.
    OnlyRolesEditable,
    /// Internal users have no external id.
    InternalUserHasNoIdentity,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProviderIdentity => "the identity provider owns it for external users",
            Self::ReadOnlyExternalUser => {
                "the user is read-only (its provider assigns roles on sign-in)"
            }
            Self::OnlyRolesEditable => {
                "only roles are editable for external users whose roles are managed in the application"
            }
            Self::InternalUserHasNoIdentity => "internal users have no identity at a provider",
        })
    }
}

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The field may not be edited for this user.
    #[error("{field}: expected an editable field, found a change to it: {reason}")]
    NotEditable {
        /// The field.
        field: EditField,
        /// Why.
        reason: Refusal,
    },
    /// The new values are not acceptable.
    #[error(transparent)]
    Invalid(#[from] DirectoryError),
}

impl EditError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotEditable { .. } => "edit.not_editable",
            Self::Invalid(error) => error.code(),
        }
    }
}

impl From<rusqlite::Error> for EditError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Invalid(DirectoryError::Store(StoreError::from(error)))
    }
}

impl TransientError for EditError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Invalid(error) if error.is_transient())
    }
}

impl UserPatch {
    /// The fields this patch changes, in [`EditField`] order.
    pub fn fields(&self) -> Vec<EditField> {
        [
            (EditField::Username, self.username.is_some()),
            (EditField::Email, self.email.is_some()),
            (EditField::Phone, self.phone.is_some()),
            (EditField::FirstName, self.first_name.is_some()),
            (EditField::LastName, self.last_name.is_some()),
            (EditField::DisplayName, self.display_name.is_some()),
            (EditField::ExternalId, self.external_id.is_some()),
            (EditField::UserType, self.user_type.is_some()),
            (EditField::Roles, self.roles.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, present)| present.then_some(field))
        .collect()
    }
}

/// Whether `patch` may be applied to a user of `kind` whose provider has `policy` (ignored
/// for internal users); refuses the first field (in [`EditField`] order) that may not
/// change. Internal users: everything but `external_id`. External users: never
/// `external_id` or `email`; nothing when the provider assigns roles; only `roles` when
/// roles are managed in the application.
pub fn check_editable(
    kind: UserKind,
    policy: RolePolicy,
    patch: &UserPatch,
) -> Result<(), EditError> {
    for field in patch.fields() {
        let refusal = match (kind, field) {
            (UserKind::Internal, EditField::ExternalId) => Some(Refusal::InternalUserHasNoIdentity),
            (UserKind::Internal, _) => None,
            (UserKind::External, EditField::ExternalId | EditField::Email) => {
                Some(Refusal::ProviderIdentity)
            }
            (UserKind::External, _) if policy == RolePolicy::FromProvider => {
                Some(Refusal::ReadOnlyExternalUser)
            }
            (UserKind::External, EditField::Roles) => None,
            (UserKind::External, _) => Some(Refusal::OnlyRolesEditable),
        };
        if let Some(reason) = refusal {
            return Err(EditError::NotEditable { field, reason });
        }
    }
    Ok(())
}

impl Store {
    /// Edits a user, by the rules of [`check_editable`]. `policy_of` gives the role policy of
    /// an external user's provider by name (e.g. from its stored [`crate::users::RoleMapping`]);
    /// it is not called for internal users. New values are checked like at creation: a free
    /// username, an existing user type, roles that exist and that the (new) user type allows —
    /// a new user type must also allow the roles the user keeps.
    pub fn edit_user(
        &self,
        id: UserId,
        patch: &UserPatch,
        policy_of: impl Fn(&str) -> RolePolicy,
    ) -> Result<User, EditError> {
        let user = self.write(|tx| {
            let user = directory::existing_user(tx, id)?;
            let policy = user
                .identity
                .as_ref()
                .map_or(RolePolicy::ManagedInApplication, |identity| {
                    policy_of(&identity.provider)
                });
            check_editable(user.kind, policy, patch)?;
            apply(tx, &user, patch)?;
            Ok::<_, EditError>(directory::existing_user(tx, id)?)
        })?;
        tracing::info!(user = %user.username, fields = ?patch.fields(), "user edited");
        Ok(user)
    }
}

fn apply(tx: &rusqlite::Connection, user: &User, patch: &UserPatch) -> Result<(), DirectoryError> {
    if let Some(username) = &patch.username {
        directory::require("username", username)?;
        if db::username_taken(tx, username, Some(user.id))? {
            return Err(DirectoryError::UsernameTaken {
                username: username.clone(),
            });
        }
        tx.execute(
            "UPDATE users SET username = ?1 WHERE id = ?2",
            rusqlite::params![username, user.id],
        )?;
    }
    for (field, value) in [
        (UserField::Email, &patch.email),
        (UserField::Phone, &patch.phone),
        (UserField::FirstName, &patch.first_name),
        (UserField::LastName, &patch.last_name),
        (UserField::DisplayName, &patch.display_name),
    ] {
        if let Some(value) = value {
            db::set_field(tx, user.id, field, value)?;
        }
    }
    let type_name = patch.user_type.as_ref().unwrap_or(&user.user_type);
    let user_type = directory::existing_user_type(tx, type_name)?;
    let roles =
        directory::checked_roles(tx, patch.roles.as_ref().unwrap_or(&user.roles), &user_type)?;
    if patch.user_type.is_some() {
        tx.execute(
            "UPDATE users SET user_type = ?1 WHERE id = ?2",
            rusqlite::params![user_type.name, user.id],
        )?;
    }
    if patch.roles.is_some() {
        db::replace_roles(tx, user.id, &roles)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::users::invitation::Invitation;
    use crate::users::model::{LegalEntity, NewInternalUser, UserType};

    use EditField as F;
    use RolePolicy::{FromProvider, ManagedInApplication};
    use UserKind::{External, Internal};

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn patch_of(field: EditField) -> UserPatch {
        let text = Some("x".to_owned());
        let mut patch = UserPatch::default();
        match field {
            F::Username => patch.username = text,
            F::Email => patch.email = text,
            F::Phone => patch.phone = text,
            F::FirstName => patch.first_name = text,
            F::LastName => patch.last_name = text,
            F::DisplayName => patch.display_name = text,
            F::ExternalId => patch.external_id = text,
            F::UserType => patch.user_type = text,
            F::Roles => patch.roles = Some(RolesByEntity::new()),
        }
        patch
    }

    const ALL: [EditField; 9] = [
        F::Username,
        F::Email,
        F::Phone,
        F::FirstName,
        F::LastName,
        F::DisplayName,
        F::ExternalId,
        F::UserType,
        F::Roles,
    ];

    fn refusal(kind: UserKind, policy: RolePolicy, field: EditField) -> Option<Refusal> {
        match check_editable(kind, policy, &patch_of(field)) {
            Ok(()) => None,
            Err(EditError::NotEditable {
                field: named,
                reason,
            }) => {
                assert_eq!(named, field);
                Some(reason)
            }
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn internal_users_are_editable_but_for_external_id() {
        for policy in [ManagedInApplication, FromProvider] {
            for field in ALL {
                let expected =
                    (field == F::ExternalId).then_some(Refusal::InternalUserHasNoIdentity);
                assert_eq!(refusal(Internal, policy, field), expected, "{field}");
            }
        }
    }

    #[test]
    fn external_users_with_provider_roles_are_read_only() {
        for field in ALL {
            let expected = if matches!(field, F::ExternalId | F::Email) {
                Refusal::ProviderIdentity
            } else {
                Refusal::ReadOnlyExternalUser
            };
            assert_eq!(
                refusal(External, FromProvider, field),
                Some(expected),
                "{field}"
            );
        }
    }

    #[test]
    fn external_users_with_managed_roles_edit_only_roles() {
        for field in ALL {
            let expected = match field {
                F::Roles => None,
                F::ExternalId | F::Email => Some(Refusal::ProviderIdentity),
                _ => Some(Refusal::OnlyRolesEditable),
            };
            assert_eq!(
                refusal(External, ManagedInApplication, field),
                expected,
                "{field}"
            );
        }
    }

    #[test]
    fn the_first_refused_field_is_named() {
        let patch = UserPatch {
            roles: Some(RolesByEntity::new()),
            first_name: Some("x".into()),
            external_id: Some("x".into()),
            ..UserPatch::default()
        };
        let error = check_editable(External, ManagedInApplication, &patch).unwrap_err();
        assert!(matches!(
            error,
            EditError::NotEditable {
                field: F::FirstName,
                reason: Refusal::OnlyRolesEditable
            }
        ));
        assert_eq!(error.code(), "edit.not_editable");
        assert!(error.to_string().starts_with("first_name: "), "{error}");
        assert!(check_editable(External, FromProvider, &UserPatch::default()).is_ok());
    }

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store.put_provider("corp", "{}").unwrap();
        for role in ["viewer", "editor", "admin"] {
            store.create_role(role).unwrap();
        }
        store
            .create_legal_entity(&LegalEntity {
                id: "le1".into(),
                name: "One".into(),
            })
            .unwrap();
        store
            .create_user_type(&UserType {
                name: "staff".into(),
                default_roles: set(&["viewer"]),
                allowed_roles: set(&["viewer", "editor", "admin"]),
            })
            .unwrap();
        store
            .create_user_type(&UserType {
                name: "guest".into(),
                default_roles: set(&["viewer"]),
                allowed_roles: set(&["viewer"]),
            })
            .unwrap();
        store
    }

    #[test]
    fn editing_an_internal_user() {
        let store = store();
        let ann = store
            .create_internal_user(&NewInternalUser {
                username: "ann".into(),
                user_type: "staff".into(),
                email: Some("ann@example.com".into()),
                phone: Some("1".into()),
                ..NewInternalUser::default()
            })
            .unwrap();
        store
            .create_internal_user(&NewInternalUser {
                username: "bob".into(),
                user_type: "staff".into(),
                ..NewInternalUser::default()
            })
            .unwrap();
        let no_policy = |_: &str| -> RolePolicy { panic!("internal users need no policy") };
        let edited = store
            .edit_user(
                ann.id,
                &UserPatch {
                    username: Some("anne".into()),
                    email: Some("anne@example.com".into()),
                    phone: Some(String::new()),
                    roles: Some([("le1".to_owned(), set(&["admin"]))].into()),
                    ..UserPatch::default()
                },
                no_policy,
            )
            .unwrap();
        assert_eq!(edited.username, "anne");
        assert_eq!(edited.email.as_deref(), Some("anne@example.com"));
        assert_eq!(edited.phone, None);
        assert_eq!(edited.roles, [("le1".into(), set(&["admin"]))].into());

        let taken = UserPatch {
            username: Some("BOB".into()),
            ..UserPatch::default()
        };
        let error = store.edit_user(ann.id, &taken, no_policy).unwrap_err();
        assert_eq!(error.code(), "directory.username_taken");

        // The new type must allow the roles the user keeps.
        let to_guest = UserPatch {
            user_type: Some("guest".into()),
            ..UserPatch::default()
        };
        let error = store.edit_user(ann.id, &to_guest, no_policy).unwrap_err();
        assert_eq!(error.code(), "directory.role_not_allowed");
        let to_guest = UserPatch {
            user_type: Some("guest".into()),
            roles: Some([("le1".to_owned(), set(&["viewer"]))].into()),
            ..UserPatch::default()
        };
        let edited = store.edit_user(ann.id, &to_guest, no_policy).unwrap();
        assert_eq!(edited.user_type, "guest");
        // A refused edit changes nothing.
        assert_eq!(store.user(ann.id).unwrap(), Some(edited));
        assert_eq!(
            store
                .edit_user(999, &UserPatch::default(), no_policy)
                .unwrap_err()
                .code(),
            "directory.unknown_user"
        );
    }

    #[test]
    fn editing_an_external_user_asks_its_providers_policy() {
        let store = store();
        let invited = store
            .invite(
                &Invitation {
                    provider: "corp".into(),
                    external_id: "sub-1".into(),
                    email: "ann@example.com".into(),
                    user_type: "staff".into(),
                    roles: None,
                },
                ManagedInApplication,
            )
            .unwrap();
        let roles = UserPatch {
            roles: Some([("le1".to_owned(), set(&["editor"]))].into()),
            ..UserPatch::default()
        };
        let managed = |provider: &str| {
            assert_eq!(provider, "corp");
            ManagedInApplication
        };
        let edited = store.edit_user(invited.id, &roles, managed).unwrap();
        assert_eq!(edited.roles, [("le1".into(), set(&["editor"]))].into());
        let error = store
            .edit_user(invited.id, &roles, |_| FromProvider)
            .unwrap_err();
        assert!(matches!(
            error,
            EditError::NotEditable {
                field: F::Roles,
                reason: Refusal::ReadOnlyExternalUser
            }
        ));
        let email = UserPatch {
            email: Some("x@example.com".into()),
            ..UserPatch::default()
        };
        assert!(store.edit_user(invited.id, &email, managed).is_err());
        assert_eq!(store.user(invited.id).unwrap(), Some(edited));
    }
}
