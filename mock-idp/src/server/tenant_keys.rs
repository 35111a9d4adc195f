//! A tenant's signing keys, loaded off the path to the first answer: discovery needs no key,
//! and parsing them (AWS-LC checks every RSA key's consistency) costs about a millisecond a
//! tenant. The start-up path loads them on a blocking thread once the server listens and
//! still fails on a bad key file; a request that needs a key before then waits for it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;

use crate::model::tenant::Tenant;
use crate::server::prepared::PreparedJwks;
use crate::tokens::jwks::{Alg, KeyError, KeySet, SigningKey, fresh_key};

/// The key files a tenant names.
type KeyFiles = Vec<(Alg, PathBuf)>;

#[derive(Debug)]
pub(crate) struct TenantKeys {
    /// Taken by the first load.
    files: Mutex<Option<KeyFiles>>,
    set: OnceLock<RwLock<KeySet>>,
    /// Why the load failed, kept for [`TenantKeys::load`] whoever loaded first.
    error: Mutex<Option<KeyError>>,
    /// The JWK Set as served, cleared by every change of the set.
    jwks: PreparedJwks,
}

impl TenantKeys {
    /// The keys of `tenant`, not loaded yet.
    pub(crate) fn of(tenant: &Tenant) -> Self {
        let files = tenant
            .keys
            .iter()
            .map(|k| (k.alg, k.file.clone()))
            .collect();
        Self {
            files: Mutex::new(Some(files)),
            set: OnceLock::new(),
            error: Mutex::new(None),
            jwks: PreparedJwks::default(),
        }
    }

    /// Loads the keys now if no one has: the files, then fresh keys for the other
    /// algorithms. Says why a load failed (each failure is told once).
    pub(crate) fn load(&self) -> Result<(), KeyError> {
        self.set();
        match self.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The key set, loaded on first use; empty when the load failed (the start-up path has
    /// then already refused to start).
    fn set(&self) -> &RwLock<KeySet> {
        self.set.get_or_init(|| {
            let files = self
                .files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            let keys = match parse(files) {
                Ok(keys) => keys,
                Err(e) => {
                    *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                    Vec::new()
                }
            };
            RwLock::new(KeySet::new(keys))
        })
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, KeySet> {
        self.set().read().unwrap_or_else(|e| e.into_inner())
    }

    /// The only way to change the keys, so the prepared JWK Set never outlives them.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, KeySet> {
        let keys = self.set().write().unwrap_or_else(|e| e.into_inner());
        self.jwks.clear();
        keys
    }

    /// The JWK Set document at `now` as served: built once, then again only when the keys
    /// change or a retired key's grace period ends.
    pub(crate) fn jwks_bytes(&self, now: i64) -> Bytes {
        // Held while the prepared bytes are read and stored: `write` clears them under the
        // write lock, so bytes built from an older key set are never kept.
        let keys = self.read();
        if let Some(bytes) = self.jwks.get(now) {
            return bytes;
        }
        let bytes = Bytes::from(keys.jwks(now).to_string());
        self.jwks.set(now, keys.next_expiry(now), bytes.clone());
        bytes
    }
}

fn parse(files: KeyFiles) -> Result<Vec<Arc<SigningKey>>, KeyError> {
    let mut keys = Vec::new();
    for (alg, file) in files {
        keys.push(Arc::new(SigningKey::from_pem_file(alg, &file)?));
    }
    for alg in Alg::ALL {
        if !keys.iter().any(|k| k.alg() == alg) {
            keys.push(fresh_key(alg, &[])?);
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tenant::KeyFile;

    #[test]
    fn a_bad_key_file_is_told_by_load_even_after_a_request_loaded_first() {
        let mut tenant = Tenant::new("t");
        tenant.keys.push(KeyFile {
            alg: Alg::RS256,
            file: PathBuf::from("/nonexistent/key.pem"),
        });
        let keys = TenantKeys::of(&tenant);
        assert!(
            keys.read().active(Alg::RS256).is_none(),
            "nothing to sign with"
        );
        let e = keys.load().unwrap_err();
        assert!(e.to_string().contains("/nonexistent/key.pem"), "{e}");
    }

    #[test]
    fn every_algorithm_has_a_key_once_loaded() {
        let keys = TenantKeys::of(&Tenant::new("t"));
        keys.load().unwrap();
        for alg in Alg::ALL {
            assert!(keys.read().active(alg).is_some(), "{alg:?}");
        }
    }
}
