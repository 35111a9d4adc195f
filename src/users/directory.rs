//! What the admin API manages: legal entities, roles, user types and users.

use rusqlite::{Connection, params};

use super::db;
use super::model::{
    LegalEntity, NewInternalUser, RolesByEntity, User, UserField, UserId, UserKind, UserType,
    everywhere,
};
use crate::store::{Store, StoreError, store_error_conversions};

/// Why an admin operation (including invitations) was refused.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A required value is empty.
    #[error("{field}: expected a non-empty value, found an empty string")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// The legal entity id is taken.
    #[error("id: expected a new legal entity id, found {id:?} (already exists)")]
    LegalEntityExists {
        /// The id.
        id: String,
    },
    /// The role name is taken.
    #[error("name: expected a new role name, found {name:?} (already exists)")]
    RoleExists {
        /// The name.
        name: String,
    },
    /// The user type name is taken.
    #[error("name: expected a new user type name, found {name:?} (already exists)")]
    UserTypeExists {
        /// The name.
        name: String,
    },
    /// No legal entity has that id.
    #[error("legal_entity: expected an existing legal entity, found {id:?}")]
    UnknownLegalEntity {
        /// The id.
        id: String,
    },
    /// No role has that name.
    #[error("role: expected an existing role, found {name:?}")]
    UnknownRole {
        /// The name.
        name: String,
    },
    /// No user type has that name.
    #[error("user_type: expected an existing user type, found {name:?}")]
    UnknownUserType {
        /// The name.
        name: String,
    },
    /// No user has that id.
    #[error("id: expected an existing user, found {id}")]
    UnknownUser {
        /// The id.
        id: UserId,
    },
    /// No provider has that name.
    #[error("provider: expected an existing provider, found {name:?}")]
    UnknownProvider {
        /// The name.
        name: String,
    },
    /// A default role of a user type is not among its allowed roles.
    #[error("default_roles: expected roles among allowed_roles, found {role:?}")]
    DefaultRoleNotAllowed {
        /// The role.
        role: String,
    },
    /// A role is not allowed for the user's type.
    #[error("roles: expected roles allowed for user type {user_type:?}, found {role:?}")]
    RoleNotAllowed {
        /// The role.
        role: String,
        /// The user type.
        user_type: String,
    },
    /// Another user has that username.
    #[error("username: expected a username not in use, found {username:?} (already taken)")]
    UsernameTaken {
        /// The username.
        username: String,
    },
    /// The identity is already bound to a user.
    #[error(
        "external_id: expected an identity not bound at provider {provider:?}, found {external_id:?} (already bound)"
    )]
    IdentityTaken {
        /// The provider.
        provider: String,
        /// The external id.
        external_id: String,
    },
    /// Roles were given for an invitation while the provider assigns them.
    #[error(
        "roles: expected none, since provider {provider:?} assigns roles on sign-in, found some"
    )]
    RolesFromProvider {
        /// The provider.
        provider: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error_conversions!(DirectoryError);

impl DirectoryError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "directory.empty_value",
            Self::LegalEntityExists { .. } => "directory.legal_entity_exists",
            Self::RoleExists { .. } => "directory.role_exists",
            Self::UserTypeExists { .. } => "directory.user_type_exists",
            Self::UnknownLegalEntity { .. } => "directory.unknown_legal_entity",
            Self::UnknownRole { .. } => "directory.unknown_role",
            Self::UnknownUserType { .. } => "directory.unknown_user_type",
            Self::UnknownUser { .. } => "directory.unknown_user",
            Self::UnknownProvider { .. } => "directory.unknown_provider",
            Self::DefaultRoleNotAllowed { .. } => "directory.default_role_not_allowed",
            Self::RoleNotAllowed { .. } => "directory.role_not_allowed",
            Self::UsernameTaken { .. } => "directory.username_taken",
            Self::IdentityTaken { .. } => "invitation.identity_taken",
            Self::RolesFromProvider { .. } => "invitation.roles_from_provider",
            Self::Store(error) => error.code(),
        }
    }
}

pub(crate) fn require(field: &'static str, value: &str) -> Result<(), DirectoryError> {
    if value.trim().is_empty() {
        Err(DirectoryError::Empty { field })
    } else {
        Ok(())
    }
}

/// The user type named `name`, or [`DirectoryError::UnknownUserType`].
pub(crate) fn existing_user_type(
    conn: &Connection,
    name: &str,
) -> Result<UserType, DirectoryError> {
    db::user_type(conn, name)?.ok_or_else(|| DirectoryError::UnknownUserType {
        name: name.to_owned(),
    })
}

/// Checks that every legal entity and role exists and that `user_type` allows every role;
/// returns the assignment without empty entities.
pub(crate) fn checked_roles(
    conn: &Connection,
    roles: &RolesByEntity,
    user_type: &UserType,
) -> Result<RolesByEntity, DirectoryError> {
    let entities = db::legal_entity_ids(conn)?;
    let known = db::role_names(conn)?;
    let mut checked = RolesByEntity::new();
    for (entity, names) in roles.iter().filter(|(_, names)| !names.is_empty()) {
        if !entities.contains(entity) {
            return Err(DirectoryError::UnknownLegalEntity { id: entity.clone() });
        }
        for role in names {
            if !known.contains(role) {
                return Err(DirectoryError::UnknownRole { name: role.clone() });
            }
            if !user_type.allowed_roles.contains(role) {
                return Err(DirectoryError::RoleNotAllowed {
                    role: role.clone(),
                    user_type: user_type.name.clone(),
                });
            }
        }
        checked.insert(entity.clone(), names.clone());
    }
    Ok(checked)
}

/// `roles` checked against `user_type`, or its default roles in every legal entity.
pub(crate) fn initial_roles(
    conn: &Connection,
    roles: Option<&RolesByEntity>,
    user_type: &UserType,
) -> Result<RolesByEntity, DirectoryError> {
    match roles {
        Some(roles) => checked_roles(conn, roles, user_type),
        None => Ok(everywhere(
            &user_type.default_roles,
            &db::legal_entity_ids(conn)?,
        )),
    }
}

/// The loaded user `id`, or [`DirectoryError::UnknownUser`].
pub(crate) fn existing_user(conn: &Connection, id: UserId) -> Result<User, DirectoryError> {
    db::user(conn, id)?.ok_or(DirectoryError::UnknownUser { id })
}

impl Store {
    /// Creates a legal entity.
    pub fn create_legal_entity(&self, entity: &LegalEntity) -> Result<(), DirectoryError> {
        require("id", &entity.id)?;
        self.write(|tx| {
            if db::legal_entity_ids(tx)?.contains(&entity.id) {
                return Err(DirectoryError::LegalEntityExists {
                    id: entity.id.clone(),
                });
            }
            tx.execute(
                "INSERT INTO legal_entities (id, name) VALUES (?1, ?2)",
                params![entity.id, entity.name],
            )?;
            Ok(())
        })
    }

    /// Every legal entity, by id.
    pub fn legal_entities(&self) -> Result<Vec<LegalEntity>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT id, name FROM legal_entities ORDER BY id")?;
            let rows = stmt.query_map([], |row| {
                Ok(LegalEntity {
                    id: row.get(0)?,
                    name: row.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Creates a role.
    pub fn create_role(&self, name: &str) -> Result<(), DirectoryError> {
        require("name", name)?;
        self.write(|tx| {
            if db::role_names(tx)?.contains(name) {
                return Err(DirectoryError::RoleExists {
                    name: name.to_owned(),
                });
            }
            tx.execute("INSERT INTO roles (name) VALUES (?1)", [name])?;
            Ok(())
        })
    }

    /// Every role name, sorted.
    pub fn roles(&self) -> Result<Vec<String>, StoreError> {
        self.read(|tx| Ok(db::role_names(tx)?.into_iter().collect()))
    }

    /// Creates a user type; its roles must exist and its default roles be allowed.
    pub fn create_user_type(&self, user_type: &UserType) -> Result<(), DirectoryError> {
        require("name", &user_type.name)?;
        if let Some(role) = user_type
            .default_roles
            .difference(&user_type.allowed_roles)
            .next()
        {
            return Err(DirectoryError::DefaultRoleNotAllowed { role: role.clone() });
        }
        self.write(|tx| {
            if db::user_type(tx, &user_type.name)?.is_some() {
                return Err(DirectoryError::UserTypeExists {
                    name: user_type.name.clone(),
                });
            }
            let known = db::role_names(tx)?;
            if let Some(role) = user_type.allowed_roles.difference(&known).next() {
                return Err(DirectoryError::UnknownRole { name: role.clone() });
            }
            tx.execute(
                "INSERT INTO user_types (name) VALUES (?1)",
                [&user_type.name],
            )?;
            let mut insert = tx.prepare(
                "INSERT INTO user_type_roles (user_type, role, is_default) VALUES (?1, ?2, ?3)",
            )?;
            for role in &user_type.allowed_roles {
                insert.execute(params![
                    user_type.name,
                    role,
                    user_type.default_roles.contains(role)
                ])?;
            }
            Ok(())
        })
    }

    /// The user type named `name`.
    pub fn user_type(&self, name: &str) -> Result<Option<UserType>, StoreError> {
        self.read(|tx| Ok(db::user_type(tx, name)?))
    }

    /// Every user type, by name.
    pub fn user_types(&self) -> Result<Vec<UserType>, StoreError> {
        self.read(|tx| {
            let mut types = Vec::new();
            for name in db::names(tx, "SELECT name FROM user_types")? {
                types.extend(db::user_type(tx, &name)?);
            }
            Ok(types)
        })
    }

    /// Creates an internal user. Without `roles` it gets its type's default roles in every
    /// legal entity.
    pub fn create_internal_user(&self, user: &NewInternalUser) -> Result<User, DirectoryError> {
        require("username", &user.username)?;
        let fields = [
            (UserField::Email, &user.email),
            (UserField::Phone, &user.phone),
            (UserField::FirstName, &user.first_name),
            (UserField::LastName, &user.last_name),
            (UserField::DisplayName, &user.display_name),
        ]
        .into_iter()
        .filter_map(|(field, value)| value.clone().map(|value| (field, value)))
        .collect();
        self.write(|tx| {
            let user_type = existing_user_type(tx, &user.user_type)?;
            if db::username_taken(tx, &user.username, None)? {
                return Err(DirectoryError::UsernameTaken {
                    username: user.username.clone(),
                });
            }
            let roles = initial_roles(tx, user.roles.as_ref(), &user_type)?;
            let id = db::insert_user(
                tx,
                &db::NewUser {
                    username: &user.username,
                    kind: UserKind::Internal,
                    user_type: &user_type.name,
                    fields: &fields,
                    identity: None,
                    invited: false,
                },
            )?;
            db::replace_roles(tx, id, &roles)?;
            existing_user(tx, id)
        })
    }

    /// Every user, by id, with roles.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|tx| Ok(db::users_where(tx, "1", &[])?))
    }

    /// The user with row id `id`, with roles.
    pub fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(|tx| Ok(db::user(tx, id)?))
    }

    /// The user bound to `external_id` at `provider`, with roles.
    pub fn user_by_identity(
        &self,
        provider: &str,
        external_id: &str,
    ) -> Result<Option<User>, StoreError> {
        self.read(|tx| Ok(db::user_by_identity(tx, provider, external_id)?))
    }

    /// Deletes a user and its roles.
    pub fn delete_user(&self, id: UserId) -> Result<(), DirectoryError> {
        self.write(|tx| {
            if tx.execute("DELETE FROM users WHERE id = ?1", [id])? == 0 {
                return Err(DirectoryError::UnknownUser { id });
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        for role in ["viewer", "editor", "admin"] {
            store.create_role(role).unwrap();
        }
        for id in ["le1", "le2"] {
            store
                .create_legal_entity(&LegalEntity {
                    id: id.into(),
                    name: id.to_uppercase(),
                })
                .unwrap();
        }
        store
            .create_user_type(&UserType {
                name: "staff".into(),
                default_roles: set(&["viewer"]),
                allowed_roles: set(&["viewer", "editor"]),
            })
            .unwrap();
        store
    }

    #[test]
    fn catalogue_round_trips() {
        let store = store();
        assert_eq!(store.roles().unwrap(), ["admin", "editor", "viewer"]);
        assert_eq!(store.legal_entities().unwrap().len(), 2);
        let staff = store.user_type("staff").unwrap().unwrap();
        assert_eq!(staff.default_roles, set(&["viewer"]));
        assert_eq!(staff.allowed_roles, set(&["viewer", "editor"]));
        assert_eq!(store.user_types().unwrap(), [staff]);
        assert_eq!(store.user_type("nope").unwrap(), None);
    }

    #[test]
    fn catalogue_refusals() {
        let store = store();
        assert_eq!(
            store.create_role("viewer").unwrap_err().code(),
            "directory.role_exists"
        );
        assert_eq!(
            store.create_role(" ").unwrap_err().code(),
            "directory.empty_value"
        );
        let entity = LegalEntity {
            id: "le1".into(),
            name: "again".into(),
        };
        assert_eq!(
            store.create_legal_entity(&entity).unwrap_err().code(),
            "directory.legal_entity_exists"
        );
        let mut user_type = UserType {
            name: "staff".into(),
            ..UserType::default()
        };
        assert_eq!(
            store.create_user_type(&user_type).unwrap_err().code(),
            "directory.user_type_exists"
        );
        user_type.name = "other".into();
        user_type.default_roles = set(&["admin"]);
        let error = store.create_user_type(&user_type).unwrap_err();
        assert_eq!(
            error.to_string(),
            "default_roles: expected roles among allowed_roles, found \"admin\""
        );
        user_type.default_roles.clear();
        user_type.allowed_roles = set(&["ghost"]);
        assert_eq!(
            store.create_user_type(&user_type).unwrap_err().code(),
            "directory.unknown_role"
        );
    }

    #[test]
    fn internal_users_get_default_roles_everywhere() {
        let store = store();
        let user = store
            .create_internal_user(&NewInternalUser {
                username: "ann".into(),
                user_type: "staff".into(),
                email: Some("ann@example.com".into()),
                ..NewInternalUser::default()
            })
            .unwrap();
        assert_eq!(user.kind, UserKind::Internal);
        assert_eq!(user.identity, None);
        assert_eq!(user.email.as_deref(), Some("ann@example.com"));
        assert_eq!(
            user.roles,
            [
                ("le1".into(), set(&["viewer"])),
                ("le2".into(), set(&["viewer"]))
            ]
            .into()
        );
        assert_eq!(store.user(user.id).unwrap(), Some(user.clone()));
        assert_eq!(store.users().unwrap(), [user]);
    }

    #[test]
    fn internal_user_refusals() {
        let store = store();
        let new = |username: &str, roles: Option<RolesByEntity>| NewInternalUser {
            username: username.into(),
            user_type: "staff".into(),
            roles,
            ..NewInternalUser::default()
        };
        store.create_internal_user(&new("ann", None)).unwrap();
        let error = store.create_internal_user(&new("ANN", None)).unwrap_err();
        assert_eq!(error.code(), "directory.username_taken");
        let admin = Some([("le1".to_owned(), set(&["admin"]))].into());
        let error = store.create_internal_user(&new("bob", admin)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "roles: expected roles allowed for user type \"staff\", found \"admin\""
        );
        let nowhere = Some([("le9".to_owned(), set(&["viewer"]))].into());
        let error = store
            .create_internal_user(&new("bob", nowhere))
            .unwrap_err();
        assert_eq!(error.code(), "directory.unknown_legal_entity");
        let mut typo = new("bob", None);
        typo.user_type = "stuff".into();
        assert_eq!(
            store.create_internal_user(&typo).unwrap_err().code(),
            "directory.unknown_user_type"
        );
        // Explicit roles, and empty entities are left out.
        let roles = Some(
            [
                ("le1".to_owned(), set(&["editor"])),
                ("le2".to_owned(), set(&[])),
            ]
            .into(),
        );
        let bob = store.create_internal_user(&new("bob", roles)).unwrap();
        assert_eq!(bob.roles, [("le1".into(), set(&["editor"]))].into());
    }

    #[test]
    fn delete_user() {
        let store = store();
        let ann = store
            .create_internal_user(&NewInternalUser {
                username: "ann".into(),
                user_type: "staff".into(),
                ..NewInternalUser::default()
            })
            .unwrap();
        store.delete_user(ann.id).unwrap();
        assert_eq!(store.user(ann.id).unwrap(), None);
        assert_eq!(
            store.delete_user(ann.id).unwrap_err().code(),
            "directory.unknown_user"
        );
    }
}
