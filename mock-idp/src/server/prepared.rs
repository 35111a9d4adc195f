//! Response bodies prepared once and then served as bytes: a tenant's discovery document for
//! each issuer URL it is reached by, and its JWK Set until the keys or the clock change it.
//! Building either is tens of microseconds of JSON, more than the rest of the request;
//! serving prepared bytes costs a reference count.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::body::Bytes;

/// Most discovery documents one tenant keeps: its issuer at the bound or public base URL,
/// Entra's `common` endpoint, and a few hosts a proxy forwarded. A client sending ever new
/// `X-Forwarded-Host` values only evicts the oldest, so it cannot grow the store.
const MAX_DOCUMENTS: usize = 4;

/// Discovery documents by the issuer URL the request came in by.
#[derive(Debug, Default)]
pub(crate) struct PreparedDiscovery {
    documents: Mutex<VecDeque<(String, Bytes)>>,
}

impl PreparedDiscovery {
    /// The document for the issuer URL `{base}/{prefix}`, made by `build` the first time it
    /// is asked for. The URL is compared in its parts, so a request that finds its document
    /// formats no string.
    pub(crate) fn get_or_build(
        &self,
        base: &str,
        prefix: &str,
        build: impl FnOnce() -> Bytes,
    ) -> Bytes {
        let is_wanted = |url: &str| {
            url.strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| rest == prefix)
        };
        let found = self
            .lock()
            .iter()
            .find(|(url, _)| is_wanted(url))
            .map(|(_, bytes)| bytes.clone());
        if let Some(bytes) = found {
            return bytes;
        }
        // Built outside the lock: two first requests may both build, and both are right.
        let bytes = build();
        let mut documents = self.lock();
        if documents.len() >= MAX_DOCUMENTS {
            documents.pop_front();
        }
        documents.push_back((format!("{base}/{prefix}"), bytes.clone()));
        bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(String, Bytes)>> {
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The JWK Set as last served, and the span of server time it stays right for.
#[derive(Debug)]
struct JwksBytes {
    /// The clock reading it was built at: a clock set back may bring a retired key back.
    from: i64,
    /// When the next retired key's grace period ends.
    until: i64,
    bytes: Bytes,
}

/// The JWK Set, rebuilt when the key set changes ([`PreparedJwks::clear`]) or a grace period
/// ends.
#[derive(Debug, Default)]
pub(crate) struct PreparedJwks {
    current: Mutex<Option<JwksBytes>>,
}

impl PreparedJwks {
    /// The JWK Set at `now`, if prepared.
    pub(crate) fn get(&self, now: i64) -> Option<Bytes> {
        self.lock()
            .as_ref()
            .filter(|j| (j.from..j.until).contains(&now))
            .map(|j| j.bytes.clone())
    }

    /// Keeps `bytes` as the JWK Set from `now` until `until`.
    pub(crate) fn set(&self, now: i64, until: i64, bytes: Bytes) {
        *self.lock() = Some(JwksBytes {
            from: now,
            until,
            bytes,
        });
    }

    /// Forgets the prepared JWK Set: the keys changed.
    pub(crate) fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<JwksBytes>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_built_once_per_issuer_url_and_the_store_stays_bounded() {
        let prepared = PreparedDiscovery::default();
        let mut builds = 0;
        for _ in 0..3 {
            let bytes = prepared.get_or_build("http://a", "t", || {
                builds += 1;
                Bytes::from_static(b"a")
            });
            assert_eq!(bytes, "a");
        }
        assert_eq!(builds, 1);
        // Another URL with the same characters split elsewhere is another issuer.
        let other = prepared.get_or_build("http://a/t", "", || Bytes::from_static(b"b"));
        assert_eq!(other, "b");
        for i in 0..100 {
            prepared.get_or_build(&format!("http://host{i}"), "t", || Bytes::from_static(b"h"));
        }
        assert_eq!(prepared.lock().len(), MAX_DOCUMENTS);
    }

    #[test]
    fn the_jwk_set_is_served_until_a_grace_period_ends_or_the_keys_change() {
        let prepared = PreparedJwks::default();
        prepared.set(100, 200, Bytes::from_static(b"k"));
        assert_eq!(prepared.get(150).as_deref(), Some(&b"k"[..]));
        assert_eq!(prepared.get(200), None, "a retired key left the set at 200");
        assert_eq!(prepared.get(99), None, "the clock was set back");
        prepared.clear();
        assert_eq!(prepared.get(150), None);
    }
}
