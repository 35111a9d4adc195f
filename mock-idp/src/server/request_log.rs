//! The request log: what each endpoint was asked and answered, with secrets redacted, and
//! the tokens issued (decoded) for the debug page and for tests that check what a relying
//! party did next.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::Endpoint;
use crate::model::limits::Limits;
use crate::tokens::jwt;

/// Parameters whose values never reach the log, compared without regard to case.
const SECRET_PARAMS: [&str; 10] = [
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "password",
    "assertion",
];

/// Most parameters one log entry keeps.
const MAX_LOGGED_PARAMS: usize = 64;

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

/// A token as the minting code hands it to the log: the compact JWS as sent, decoded only
/// when the log is read (decoding on every issue cost more than the rest of the logging).
#[derive(Debug)]
pub(crate) struct RawToken {
    pub at: i64,
    pub tenant: String,
    pub client_id: String,
    /// `id_token` or `access_token`.
    pub kind: &'static str,
    /// `authorize` or `token`.
    pub endpoint: &'static str,
    pub compact: String,
}

impl RawToken {
    /// The token decoded; `None` when a fault made it unreadable as a JWS.
    fn decode(&self) -> Option<IssuedToken> {
        let (header, claims) = jwt::decode_unverified(&self.compact)?;
        Some(IssuedToken {
            at: self.at,
            tenant: self.tenant.clone(),
            client_id: self.client_id.clone(),
            kind: self.kind.to_owned(),
            endpoint: self.endpoint.to_owned(),
            header,
            claims,
        })
    }
}

/// A token in the log: as sent, or decoded already because its claims were too large to
/// keep and were replaced by a note of their size.
#[derive(Debug)]
enum KeptToken {
    Compact(RawToken),
    Decoded(IssuedToken),
}

/// The logged requests and the number the next one gets, under one lock: recording takes
/// it once.
#[derive(Debug, Default)]
struct Requests {
    entries: VecDeque<LoggedRequest>,
    next: u64,
}

/// Bounded in-memory logs: a count of entries each, and a size per entry.
#[derive(Debug)]
pub struct RequestLog {
    requests: Mutex<Requests>,
    tokens: Mutex<VecDeque<KeptToken>>,
    request_entries: usize,
    token_entries: usize,
    value_bytes: usize,
    claims_bytes: usize,
}

/// Appends `item`, and hands back the oldest entry when the queue was full, for the caller
/// to drop after releasing its lock.
#[must_use]
fn push<T>(q: &mut VecDeque<T>, item: T, capacity: usize) -> Option<T> {
    let evicted = if q.len() >= capacity.max(1) {
        q.pop_front()
    } else {
        None
    };
    q.push_back(item);
    evicted
}

/// Whether `name` is a secret parameter, however it is cased.
fn is_secret(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how long it was.
fn cut(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

impl RequestLog {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            requests: Mutex::default(),
            tokens: Mutex::default(),
            request_entries: limits.request_log_entries,
            token_entries: limits.token_log_entries,
            value_bytes: limits.log_value_bytes,
            claims_bytes: limits.log_claims_bytes,
        }
    }

    /// Secret parameters as `***`, long values and names cut, at most
    /// [`MAX_LOGGED_PARAMS`] of them.
    pub(crate) fn redact(&self, params: Vec<(String, String)>) -> BTreeMap<String, String> {
        params
            .into_iter()
            .take(MAX_LOGGED_PARAMS)
            .map(|(k, v)| {
                let v = if is_secret(&k) {
                    "***".to_owned()
                } else {
                    cut(v, self.value_bytes)
                };
                (cut(k, self.value_bytes), v)
            })
            .collect()
    }

    /// A path as the log keeps it.
    pub(crate) fn path(&self, path: String) -> String {
        cut(path, self.value_bytes)
    }

    pub(crate) fn record(&self, mut entry: LoggedRequest) {
        let evicted = {
            let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            requests.next += 1;
            entry.id = requests.next;
            push(&mut requests.entries, entry, self.request_entries)
        };
        // Freeing the oldest entry's strings is done outside the lock other requests wait on.
        drop(evicted);
    }

    /// Records a token; claims larger than the entry size are replaced by a note of their
    /// size, so an entry never holds more than that.
    pub(crate) fn record_token(&self, token: RawToken) {
        // base64url carries 3 bytes in 4 characters: never less than the claims' length.
        let at_most = token
            .compact
            .split('.')
            .nth(1)
            .map_or(0, |claims| claims.len().div_ceil(4) * 3);
        let kept = if at_most <= self.claims_bytes {
            KeptToken::Compact(token)
        } else {
            let Some(mut decoded) = token.decode() else {
                return;
            };
            let size = decoded.claims.to_string().len();
            if size > self.claims_bytes {
                decoded.claims =
                    serde_json::json!({ "_omitted": format!("{size} bytes of claims") });
            }
            KeptToken::Decoded(decoded)
        };
        let evicted = push(
            &mut self.tokens.lock().unwrap_or_else(|e| e.into_inner()),
            kept,
            self.token_entries,
        );
        drop(evicted);
    }

    /// Every logged request, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .iter()
            .cloned()
            .collect()
    }

    /// Every issued token, oldest first (a token a fault made unreadable as a JWS is left
    /// out).
    pub fn tokens(&self) -> Vec<IssuedToken> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|kept| match kept {
                KeptToken::Compact(raw) => raw.decode(),
                KeptToken::Decoded(token) => Some(token.clone()),
            })
            .collect()
    }

    /// Empties both logs.
    pub fn clear(&self) {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
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
    fn secrets_are_redacted_whatever_their_case_and_long_values_are_cut() {
        let log = RequestLog::new(&Limits {
            log_value_bytes: 16,
            ..Limits::default()
        });
        let p = log.redact(vec![
            ("client_secret".into(), "hunter2".into()),
            ("Client_Secret".into(), "hunter2".into()),
            ("CLIENT_ASSERTION".into(), "eyJ.x.y".into()),
            ("client_id".into(), "app".into()),
            ("state".into(), "é".repeat(10)),
        ]);
        assert_eq!(p["client_secret"], "***");
        assert_eq!(p["Client_Secret"], "***");
        assert_eq!(p["CLIENT_ASSERTION"], "***");
        assert_eq!(p["client_id"], "app");
        assert_eq!(p["state"], "éééééééé… (20 bytes)");
        let many: Vec<(String, String)> = (0..500).map(|i| (format!("p{i}"), "v".into())).collect();
        assert_eq!(log.redact(many).len(), MAX_LOGGED_PARAMS);
    }

    #[test]
    fn both_logs_keep_their_last_entries_and_large_claims_are_omitted() {
        let log = RequestLog::new(&Limits {
            token_log_entries: 2,
            log_claims_bytes: 40,
            ..Limits::default()
        });
        let b64 = crate::tokens::b64::url;
        for i in 0..3 {
            let claims = serde_json::json!({ "sub": "x".repeat(i as usize * 20) });
            log.record_token(RawToken {
                at: i,
                tenant: "t".into(),
                client_id: "c".into(),
                kind: "id_token",
                endpoint: "token",
                compact: format!(
                    "{}.{}.c2ln",
                    b64(br#"{"alg":"RS256"}"#),
                    b64(claims.to_string().as_bytes())
                ),
            });
        }
        let tokens = log.tokens();
        assert_eq!(tokens.iter().map(|t| t.at).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            tokens[0].claims["sub"],
            "x".repeat(20),
            "30 bytes of claims are kept"
        );
        assert_eq!(tokens[0].header["alg"], "RS256");
        assert_eq!(tokens[1].claims["_omitted"], "50 bytes of claims");
        assert!(
            matches!(log.tokens.lock().unwrap()[1], KeptToken::Decoded(_)),
            "an entry never holds more claims than log_claims_bytes"
        );
    }
}
