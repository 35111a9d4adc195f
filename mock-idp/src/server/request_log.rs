//! The request log: what each endpoint was asked and answered, with secrets redacted, and
//! the tokens issued (decoded) for the debug page and for tests that check what a relying
//! party did next.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::Endpoint;

const CAPACITY: usize = 1000;

/// Parameters whose values never reach the log.
const SECRET_PARAMS: [&str; 8] = [
    "client_secret",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "password",
];

/// One request to the mock IdP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Sequence number, from 1.
    pub id: u64,
    /// Server clock, unix seconds.
    pub at: i64,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The tenant, if the path belongs to one.
    pub tenant: Option<String>,
    /// The tenant endpoint asked, if the path names one.
    pub endpoint: Option<Endpoint>,
    /// The client, when the request names one.
    pub client_id: Option<String>,
    /// Query and form parameters, secrets shown as `***`.
    pub params: BTreeMap<String, String>,
    /// The status answered; 0 when the connection was closed without an answer.
    pub status: u16,
}

/// A token the server issued, decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// Server clock, unix seconds.
    pub at: i64,
    /// The tenant.
    pub tenant: String,
    /// The client.
    pub client_id: String,
    /// `id_token` or `access_token`.
    pub kind: String,
    /// Where it was issued: `authorize` or `token`.
    pub endpoint: String,
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

/// Bounded in-memory logs.
#[derive(Debug, Default)]
pub struct RequestLog {
    requests: Mutex<VecDeque<LoggedRequest>>,
    tokens: Mutex<VecDeque<IssuedToken>>,
    next: Mutex<u64>,
}

fn push<T>(q: &Mutex<VecDeque<T>>, item: T) {
    let mut q = q.lock().unwrap_or_else(|e| e.into_inner());
    if q.len() == CAPACITY {
        q.pop_front();
    }
    q.push_back(item);
}

/// Redacts secret parameters.
pub(crate) fn redact(params: Vec<(String, String)>) -> BTreeMap<String, String> {
    params
        .into_iter()
        .map(|(k, v)| {
            let v = if SECRET_PARAMS.contains(&k.as_str()) {
                "***".to_owned()
            } else {
                v
            };
            (k, v)
        })
        .collect()
}

impl RequestLog {
    pub(crate) fn record(&self, mut entry: LoggedRequest) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        entry.id = *next;
        drop(next);
        push(&self.requests, entry);
    }

    pub(crate) fn record_token(&self, token: IssuedToken) {
        push(&self.tokens, token);
    }

    /// Every logged request, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Every issued token, oldest first.
    pub fn tokens(&self) -> Vec<IssuedToken> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Empties both logs.
    pub fn clear(&self) {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let p = redact(vec![
            ("client_secret".into(), "hunter2".into()),
            ("client_id".into(), "app".into()),
        ]);
        assert_eq!(p["client_secret"], "***");
        assert_eq!(p["client_id"], "app");
    }
}
