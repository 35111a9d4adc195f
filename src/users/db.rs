//! SQL of the users side, run inside the store's transactions.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::Type;
use rusqlite::{Connection, Row, ToSql, params};

use super::model::{Identity, RolesByEntity, User, UserField, UserId, UserKind, UserType};

const USER_COLUMNS: &str = "id, username, kind, user_type, email, phone, first_name, last_name, \
                            display_name, provider, external_id, invited";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let kind: String = row.get(2)?;
    let kind = UserKind::from_stored(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            Type::Text,
            format!("user kind {kind:?}").into(),
        )
    })?;
    let provider: Option<String> = row.get(9)?;
    let external_id: Option<String> = row.get(10)?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        kind,
        user_type: row.get(3)?,
        email: row.get(4)?,
        phone: row.get(5)?,
        first_name: row.get(6)?,
        last_name: row.get(7)?,
        display_name: row.get(8)?,
        identity: provider
            .zip(external_id)
            .map(|(provider, external_id)| Identity {
                provider,
                external_id,
            }),
        invited: row.get(11)?,
        roles: RolesByEntity::new(),
    })
}

/// Users matching `filter` (an SQL condition on `users`), by id, with their roles.
pub(crate) fn users_where(
    conn: &Connection,
    filter: &str,
    params: &[&dyn ToSql],
) -> rusqlite::Result<Vec<User>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY id"
    ))?;
    let mut users = stmt
        .query_map(params, user_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut by_id: BTreeMap<UserId, &mut User> =
        users.iter_mut().map(|user| (user.id, user)).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT user_id, legal_entity, role FROM user_roles
         WHERE user_id IN (SELECT id FROM users WHERE {filter})"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        if let Some(user) = by_id.get_mut(&row.get(0)?) {
            user.roles
                .entry(row.get(1)?)
                .or_default()
                .insert(row.get(2)?);
        }
    }
    Ok(users)
}

/// The user with row id `id`.
pub(crate) fn user(conn: &Connection, id: UserId) -> rusqlite::Result<Option<User>> {
    Ok(users_where(conn, "id = ?1", &[&id])?.pop())
}

/// The user bound to `external_id` at `provider`.
pub(crate) fn user_by_identity(
    conn: &Connection,
    provider: &str,
    external_id: &str,
) -> rusqlite::Result<Option<User>> {
    Ok(users_where(
        conn,
        "provider = ?1 AND external_id = ?2",
        &[&provider, &external_id],
    )?
    .pop())
}

/// The user type named `name`.
pub(crate) fn user_type(conn: &Connection, name: &str) -> rusqlite::Result<Option<UserType>> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM user_types WHERE name = ?1)",
        [name],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let mut user_type = UserType {
        name: name.to_owned(),
        ..UserType::default()
    };
    let mut stmt =
        conn.prepare("SELECT role, is_default FROM user_type_roles WHERE user_type = ?1")?;
    let mut rows = stmt.query([name])?;
    while let Some(row) = rows.next()? {
        let role: String = row.get(0)?;
        if row.get(1)? {
            user_type.default_roles.insert(role.clone());
        }
        user_type.allowed_roles.insert(role);
    }
    Ok(Some(user_type))
}

/// The names in the first column of `sql`.
pub(crate) fn names(conn: &Connection, sql: &str) -> rusqlite::Result<BTreeSet<String>> {
    let mut stmt = conn.prepare(sql)?;
    let names = stmt.query_map([], |row| row.get(0))?;
    names.collect()
}

/// Every legal entity id.
pub(crate) fn legal_entity_ids(conn: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    names(conn, "SELECT id FROM legal_entities")
}

/// Every role name.
pub(crate) fn role_names(conn: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    names(conn, "SELECT name FROM roles")
}

/// `wanted` if no user has it (ignoring ASCII case), else the first free `wanted-2`,
/// `wanted-3`, …
pub(crate) fn free_username(conn: &Connection, wanted: &str) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)")?;
    let mut candidate = wanted.to_owned();
    let mut suffix = 1;
    while stmt.query_row([&candidate], |row| row.get::<_, bool>(0))? {
        suffix += 1;
        candidate = format!("{wanted}-{suffix}");
    }
    Ok(candidate)
}

/// Whether a user other than `except` has `username` (ignoring ASCII case).
pub(crate) fn username_taken(
    conn: &Connection,
    username: &str,
    except: Option<UserId>,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1 AND id IS NOT ?2)",
        params![username, except],
        |row| row.get(0),
    )
}

/// A user row to insert.
#[derive(Debug)]
pub(crate) struct NewUser<'a> {
    pub username: &'a str,
    pub kind: UserKind,
    pub user_type: &'a str,
    pub fields: &'a BTreeMap<UserField, String>,
    pub identity: Option<(&'a str, &'a str)>,
    pub invited: bool,
}

/// Inserts a user (without roles); fields other than username come from `fields`.
pub(crate) fn insert_user(conn: &Connection, user: &NewUser<'_>) -> rusqlite::Result<UserId> {
    let field = |f: UserField| user.fields.get(&f).filter(|v| !v.is_empty());
    conn.execute(
        "INSERT INTO users (username, kind, user_type, email, phone, first_name, last_name,
                            display_name, provider, external_id, invited)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            user.username,
            user.kind.as_str(),
            user.user_type,
            field(UserField::Email),
            field(UserField::Phone),
            field(UserField::FirstName),
            field(UserField::LastName),
            field(UserField::DisplayName),
            user.identity.map(|(provider, _)| provider),
            user.identity.map(|(_, external_id)| external_id),
            user.invited,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Sets one field; an empty value clears it.
pub(crate) fn set_field(
    conn: &Connection,
    id: UserId,
    field: UserField,
    value: &str,
) -> rusqlite::Result<()> {
    let value = Some(value).filter(|v| !v.is_empty());
    conn.execute(
        &format!("UPDATE users SET {} = ?1 WHERE id = ?2", field.as_str()),
        params![value, id],
    )?;
    Ok(())
}

/// Replaces all of a user's roles.
pub(crate) fn replace_roles(
    conn: &Connection,
    id: UserId,
    roles: &RolesByEntity,
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM user_roles WHERE user_id = ?1", [id])?;
    let mut insert =
        conn.prepare("INSERT INTO user_roles (user_id, legal_entity, role) VALUES (?1, ?2, ?3)")?;
    for (entity, names) in roles {
        for role in names {
            insert.execute(params![id, entity, role])?;
        }
    }
    Ok(())
}
