//! The records of the users side: legal entities, user types, users and their roles.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// A user's row id.
pub type UserId = i64;

/// Role names per legal entity id. Entities without roles are left out.
pub type RolesByEntity = BTreeMap<String, BTreeSet<String>>;

/// A field of a user's profile that binding and creation rules compare or fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserField {
    /// The unique sign-in name.
    Username,
    /// The email address (compared case-insensitively).
    Email,
    /// The phone number (compared on its digits and a leading `+`).
    Phone,
    /// The given name.
    FirstName,
    /// The family name.
    LastName,
    /// The name shown in the application.
    DisplayName,
}

impl UserField {
    /// Every field, in profile order.
    pub const ALL: [UserField; 6] = [
        Self::Username,
        Self::Email,
        Self::Phone,
        Self::FirstName,
        Self::LastName,
        Self::DisplayName,
    ];

    /// The snake_case name, also the column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::DisplayName => "display_name",
        }
    }
}

impl fmt::Display for UserField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who manages a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// Created and managed in the application; has no identity at a provider.
    Internal,
    /// Has an identity at exactly one provider, which manages it.
    External,
}

impl UserKind {
    /// The snake_case name, also the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::External => "external",
        }
    }

    pub(crate) fn from_stored(value: &str) -> Option<Self> {
        match value {
            "internal" => Some(Self::Internal),
            "external" => Some(Self::External),
            _ => None,
        }
    }
}

impl fmt::Display for UserKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A legal entity (company) in which roles are assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalEntity {
    /// Its id, used in role assignments and role mapping rows.
    pub id: String,
    /// Its display name.
    pub name: String,
}

/// A user type: the template a user is created from, and the limit on its roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserType {
    /// Its unique name.
    pub name: String,
    /// Roles a new user of this type gets in every legal entity when roles are managed in the
    /// application. Must be among `allowed_roles`.
    #[serde(default)]
    pub default_roles: BTreeSet<String>,
    /// The only roles a user of this type may hold.
    #[serde(default)]
    pub allowed_roles: BTreeSet<String>,
}

/// A user's identity at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// The provider's name.
    pub provider: String,
    /// The user's id at the provider (its `sub` or `oid` claim).
    pub external_id: String,
}

/// A user with its roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The row id.
    pub id: UserId,
    /// The unique sign-in name (unique ignoring ASCII case).
    pub username: String,
    /// Internal or external.
    pub kind: UserKind,
    /// The name of its user type.
    pub user_type: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// The identity at a provider: present exactly for external users.
    pub identity: Option<Identity>,
    /// Invited and not yet signed in.
    pub invited: bool,
    /// Roles per legal entity.
    pub roles: RolesByEntity,
}

impl User {
    /// The value of `field`, if set.
    pub fn field(&self, field: UserField) -> Option<&str> {
        match field {
            UserField::Username => Some(&self.username),
            UserField::Email => self.email.as_deref(),
            UserField::Phone => self.phone.as_deref(),
            UserField::FirstName => self.first_name.as_deref(),
            UserField::LastName => self.last_name.as_deref(),
            UserField::DisplayName => self.display_name.as_deref(),
        }
    }
}

/// An internal user to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInternalUser {
    /// The unique sign-in name.
    pub username: String,
    /// The user type's name.
    pub user_type: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Roles per legal entity; `None` gives the user type's default roles in every legal
    /// entity.
    #[serde(default)]
    pub roles: Option<RolesByEntity>,
}

/// The same roles in every one of `entities`.
pub(crate) fn everywhere(roles: &BTreeSet<String>, entities: &BTreeSet<String>) -> RolesByEntity {
    if roles.is_empty() {
        return RolesByEntity::new();
    }
    entities
        .iter()
        .map(|entity| (entity.clone(), roles.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_fields_serialize_snake_case() {
        let names: Vec<String> = UserField::ALL
            .iter()
            .map(|field| {
                serde_json::to_value(field)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "username",
                "email",
                "phone",
                "first_name",
                "last_name",
                "display_name"
            ]
        );
        for field in UserField::ALL {
            assert_eq!(serde_json::to_value(field).unwrap(), field.as_str());
        }
    }

    #[test]
    fn roles_everywhere_skips_empty_sets() {
        let entities: BTreeSet<String> = ["a".into(), "b".into()].into();
        assert!(everywhere(&BTreeSet::new(), &entities).is_empty());
        let roles: BTreeSet<String> = ["r".into()].into();
        assert_eq!(everywhere(&roles, &entities).len(), 2);
    }
}
