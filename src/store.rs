//! The relying party's embedded SQLite database.
//!
//! [`Store`] wraps one connection behind a mutex: it is `Clone + Send + Sync`, every call is
//! synchronous and short. Writes run in `BEGIN IMMEDIATE` transactions, so concurrent writers
//! — other clones, other `Store`s on the same file, other processes — queue on SQLite's write
//! lock (waiting up to [`BUSY_TIMEOUT`]) instead of failing halfway; a write that still meets
//! a busy database or a UNIQUE conflict is rolled back and run again, up to
//! [`WRITE_ATTEMPTS`] times, and then sees the other writer's rows.
//!
//! The schema lives in `migrations/NNNN_*.sql`, embedded in the binary and applied in order
//! when a store is opened; `schema_version` records each applied version. A database written
//! by a newer build (a version this build does not know) is refused.
//!
//! Besides the users side (see [`crate::users`]), the store keeps the providers' settings as
//! opaque JSON for the OpenID Connect side: [`Store::put_provider`], [`Store::provider`],
//! [`Store::providers`], [`Store::rename_provider`], [`Store::delete_provider`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

/// How long a connection waits for another writer before reporting the database busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a write transaction is tried when it meets a busy database or a UNIQUE
/// conflict with a concurrent writer.
pub const WRITE_ATTEMPTS: usize = 5;

struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_users.sql",
        sql: include_str!("../migrations/0001_users.sql"),
    },
    Migration {
        version: 2,
        name: "0002_providers.sql",
        sql: include_str!("../migrations/0002_providers.sql"),
    },
];

/// The relying party's database: a file ([`Store::open`]) or memory ([`Store::open_in_memory`]).
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

/// What can go wrong in the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file's directory could not be created.
    #[error("database directory {path}: cannot create it: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database was written by a newer build.
    #[error(
        "schema_version: expected at most {expected}, found {found} (a newer build wrote this database)"
    )]
    SchemaTooNew {
        /// The newest version this build knows.
        expected: u32,
        /// The version in the database.
        found: u32,
    },
    /// A migration failed to apply.
    #[error("migration {name}: {source}")]
    Migration {
        /// The migration file.
        name: &'static str,
        /// Why.
        source: rusqlite::Error,
    },
    /// No provider has that name.
    #[error("provider: expected an existing provider, found {name:?}")]
    UnknownProvider {
        /// The name asked for.
        name: String,
    },
    /// Another provider already has that name.
    #[error("provider name: expected a name not in use, found {name:?} (already taken)")]
    ProviderExists {
        /// The name.
        name: String,
    },
    /// A provider name was empty.
    #[error("provider name: expected a non-empty name, found an empty string")]
    EmptyProviderName,
    /// Provider settings were not JSON.
    #[error("settings of provider {name:?}: expected JSON, found invalid text: {source}")]
    ProviderSettingsNotJson {
        /// The provider.
        name: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A provider still has users bound to it.
    #[error("provider {name:?}: expected no bound users before deleting it, found {users}")]
    ProviderInUse {
        /// The provider.
        name: String,
        /// How many users have an identity at it.
        users: u64,
    },
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CreateDir { .. } => "store.create_dir",
            Self::SchemaTooNew { .. } => "store.schema_too_new",
            Self::Migration { .. } => "store.migration",
            Self::UnknownProvider { .. } => "provider.unknown",
            Self::ProviderExists { .. } => "provider.exists",
            Self::EmptyProviderName => "provider.empty_name",
            Self::ProviderSettingsNotJson { .. } => "provider.settings_not_json",
            Self::ProviderInUse { .. } => "provider.in_use",
            Self::Sqlite(_) => "store.sqlite",
        }
    }

    /// Whether running the transaction again may succeed: the database was busy or locked,
    /// or a UNIQUE constraint met a row a concurrent writer had just committed.
    pub(crate) fn is_transient(&self) -> bool {
        let Self::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) = self else {
            return false;
        };
        matches!(
            failure.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ) || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    }
}

/// Errors of write transactions: those wrapping a [`StoreError`] say whether a retry may help.
pub(crate) trait TransientError {
    fn is_transient(&self) -> bool;
}

impl TransientError for StoreError {
    fn is_transient(&self) -> bool {
        StoreError::is_transient(self)
    }
}

/// Implements `From<rusqlite::Error>` and [`TransientError`] for an error enum with a
/// `Store(StoreError)` variant.
macro_rules! store_error_conversions {
    ($($error:ty),+ $(,)?) => {$(
        impl From<rusqlite::Error> for $error {
            fn from(error: rusqlite::Error) -> Self {
                Self::Store(error.into())
            }
        }

        impl $crate::store::TransientError for $error {
            fn is_transient(&self) -> bool {
                matches!(self, Self::Store(error) if error.is_transient())
            }
        }
    )+};
}
pub(crate) use store_error_conversions;

impl Store {
    /// Opens (creating it and its parent directories if needed) the database file at `path`,
    /// in WAL mode with a busy timeout, and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let store = Self::from_connection(conn)?;
        tracing::debug!(path = %path.display(), "store opened");
        Ok(store)
    }

    /// Opens a private in-memory database with the full schema (for tests and demos).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The schema version of the database (the newest applied migration).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(current_version(&self.lock())?)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held dropped (so rolled back) its transaction: the
        // connection is still consistent.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `op` in a write (`BEGIN IMMEDIATE`) transaction and commits; on an error nothing
    /// is written. Transient failures are retried (see [`WRITE_ATTEMPTS`]), so `op` may run
    /// more than once.
    pub(crate) fn write<T, E>(
        &self,
        mut op: impl FnMut(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error> + TransientError,
    {
        let mut conn = self.lock();
        let mut attempt = 1;
        loop {
            let result = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(E::from)
                .and_then(|tx| {
                    let value = op(&tx)?;
                    tx.commit()?;
                    Ok(value)
                });
            match result {
                Err(error) if attempt < WRITE_ATTEMPTS && error.is_transient() => {
                    tracing::debug!(
                        attempt,
                        "write transaction met a concurrent writer; retrying"
                    );
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// Runs `op` in a read transaction, so it sees one consistent snapshot.
    pub(crate) fn read<T, E>(
        &self,
        op: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        op(&tx)
    }

    /// Stores `settings` (JSON) under `name`, replacing what was there.
    pub fn put_provider(&self, name: &str, settings: &str) -> Result<(), StoreError> {
        if name.is_empty() {
            return Err(StoreError::EmptyProviderName);
        }
        serde_json::from_str::<serde_json::Value>(settings).map_err(|source| {
            StoreError::ProviderSettingsNotJson {
                name: name.to_owned(),
                source,
            }
        })?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO providers (name, settings) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET settings = excluded.settings",
                params![name, settings],
            )?;
            Ok(())
        })
    }

    /// The settings (JSON) stored under `name`.
    pub fn provider(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT settings FROM providers WHERE name = ?1",
                    [name],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    /// Every provider's `(name, settings)`, by name.
    pub fn providers(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT name, settings FROM providers ORDER BY name")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Renames a provider; the identities bound at it move along with it.
    pub fn rename_provider(&self, old: &str, new: &str) -> Result<(), StoreError> {
        if new.is_empty() {
            return Err(StoreError::EmptyProviderName);
        }
        self.write(|tx| {
            if !provider_exists(tx, old)? {
                return Err(StoreError::UnknownProvider {
                    name: old.to_owned(),
                });
            }
            if old == new {
                return Ok(());
            }
            if provider_exists(tx, new)? {
                return Err(StoreError::ProviderExists {
                    name: new.to_owned(),
                });
            }
            tx.execute(
                "UPDATE providers SET name = ?2 WHERE name = ?1",
                params![old, new],
            )?;
            let moved = tx.execute(
                "UPDATE users SET provider = ?2 WHERE provider = ?1",
                params![old, new],
            )?;
            tracing::info!(old, new, moved, "provider renamed");
            Ok(())
        })
    }

    /// Deletes a provider. Refused while users are bound to it: a later provider of the same
    /// name (maybe another issuer) must not inherit their identities; delete or re-home those
    /// users first.
    pub fn delete_provider(&self, name: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            let users: u64 = tx.query_row(
                "SELECT count(*) FROM users WHERE provider = ?1",
                [name],
                |row| row.get(0),
            )?;
            if users > 0 {
                return Err(StoreError::ProviderInUse {
                    name: name.to_owned(),
                    users,
                });
            }
            if tx.execute("DELETE FROM providers WHERE name = ?1", [name])? == 0 {
                return Err(StoreError::UnknownProvider {
                    name: name.to_owned(),
                });
            }
            Ok(())
        })
    }
}

/// Whether a provider named `name` exists.
pub(crate) fn provider_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM providers WHERE name = ?1)",
        [name],
        |row| row.get(0),
    )
}

fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |row| row.get(0),
    )
}

/// Applies the pending migrations, each in its own write transaction that first re-reads the
/// version, so two processes opening a new file at once apply each migration once.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER NOT NULL PRIMARY KEY,
             applied_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
         ) STRICT;",
    )?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.version);
    for migration in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = current_version(&tx)?;
        if found > newest {
            return Err(StoreError::SchemaTooNew {
                expected: newest,
                found,
            });
        }
        if found >= migration.version {
            continue;
        }
        tx.execute_batch(migration.sql)
            .and_then(|()| {
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [migration.version],
                )
                .map(drop)
            })
            .map_err(|source| StoreError::Migration {
                name: migration.name,
                source,
            })?;
        tx.commit()?;
        tracing::info!(migration = migration.name, "migration applied");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            let expected = u32::try_from(index + 1).unwrap();
            assert_eq!(migration.version, expected, "{}", migration.name);
            assert!(
                migration.name.starts_with(&format!("{expected:04}_")),
                "{}",
                migration.name
            );
        }
    }

    #[test]
    fn in_memory_store_has_the_newest_schema() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            MIGRATIONS.last().unwrap().version
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (99)", [])
            .unwrap();
        let error = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
        assert_eq!(error.code(), "store.schema_too_new");
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let applied: u32 = conn
            .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(applied as usize, MIGRATIONS.len());
    }

    #[test]
    fn provider_settings_round_trip() {
        let store = Store::open_in_memory().unwrap();
        store.put_provider("b", r#"{"x":1}"#).unwrap();
        store.put_provider("a", r#"{"y":2}"#).unwrap();
        store.put_provider("a", r#"{"y":3}"#).unwrap();
        assert_eq!(store.provider("a").unwrap().as_deref(), Some(r#"{"y":3}"#));
        assert_eq!(store.provider("zz").unwrap(), None);
        let names: Vec<_> = store
            .providers()
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn provider_settings_must_be_json() {
        let store = Store::open_in_memory().unwrap();
        let error = store.put_provider("a", "{nope").unwrap_err();
        assert_eq!(error.code(), "provider.settings_not_json");
        assert_eq!(
            store.put_provider("", "{}").unwrap_err().code(),
            "provider.empty_name"
        );
    }

    #[test]
    fn rename_and_delete_providers() {
        let store = Store::open_in_memory().unwrap();
        store.put_provider("a", "{}").unwrap();
        store.put_provider("b", "{}").unwrap();
        assert_eq!(
            store.rename_provider("a", "b").unwrap_err().code(),
            "provider.exists"
        );
        assert_eq!(
            store.rename_provider("x", "y").unwrap_err().code(),
            "provider.unknown"
        );
        store.rename_provider("a", "a").unwrap();
        store.rename_provider("a", "c").unwrap();
        assert_eq!(store.provider("a").unwrap(), None);
        assert_eq!(store.provider("c").unwrap().as_deref(), Some("{}"));
        store.delete_provider("c").unwrap();
        assert_eq!(
            store.delete_provider("c").unwrap_err().code(),
            "provider.unknown"
        );
    }

    #[test]
    fn a_unique_conflict_is_rolled_back_and_retried() {
        let store = Store::open_in_memory().unwrap();
        store
            .lock()
            .execute_batch("CREATE TABLE t (k TEXT UNIQUE); INSERT INTO t VALUES ('taken');")
            .unwrap();
        let mut calls = 0;
        let result = store.write(|tx| {
            calls += 1;
            tx.execute("INSERT INTO t VALUES ('written')", [])?;
            if calls == 1 {
                // Like losing a race: the row another writer committed is in the way.
                tx.execute("INSERT INTO t VALUES ('taken')", [])?;
            }
            Ok::<_, StoreError>(calls)
        });
        assert_eq!(result.unwrap(), 2);
        let written: u32 = store
            .lock()
            .query_row("SELECT count(*) FROM t WHERE k = 'written'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(written, 1, "the first attempt was rolled back");
    }

    #[test]
    fn retries_are_bounded_and_only_for_transient_errors() {
        let store = Store::open_in_memory().unwrap();
        store
            .lock()
            .execute_batch("CREATE TABLE t (k TEXT UNIQUE CHECK (k <> 'bad')); INSERT INTO t VALUES ('taken');")
            .unwrap();
        let mut calls = 0;
        let error = store
            .write(|tx| {
                calls += 1;
                tx.execute("INSERT INTO t VALUES ('taken')", [])?;
                Ok::<_, StoreError>(())
            })
            .unwrap_err();
        assert!(error.is_transient());
        assert_eq!(calls, WRITE_ATTEMPTS);
        let mut calls = 0;
        let error = store
            .write(|tx| {
                calls += 1;
                tx.execute("INSERT INTO t VALUES ('bad')", [])?;
                Ok::<_, StoreError>(())
            })
            .unwrap_err();
        assert!(!error.is_transient());
        assert_eq!(calls, 1);
    }

    #[test]
    fn busy_and_unique_failures_are_transient() {
        let busy = StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        ));
        let unique = StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
            None,
        ));
        let check = StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_CHECK),
            None,
        ));
        assert!(busy.is_transient());
        assert!(unique.is_transient());
        assert!(!check.is_transient());
        assert!(!StoreError::EmptyProviderName.is_transient());
    }
}
