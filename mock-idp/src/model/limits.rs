//! `[server.limits]`: how much a client can make the server hold — connections and their
//! timeouts, every store a client can fill, the size of what it may send to be kept, and
//! how long an injected delay may hold a request. Every default is documented in
//! `docs/limits.md` and `fixtures/idp.toml`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A limit that cannot work: its field under `server.limits`, what is wrong, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadLimit {
    pub field: &'static str,
    pub problem: String,
    pub fix: &'static str,
}

/// Bounds on what clients can make the server keep or wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Seconds a client has to send a request head (and to finish a TLS handshake).
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may stay without moving a byte; longer than
    /// `max_injected_delay_ms`, so an injected delay is not cut short.
    pub idle_timeout_secs: u64,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Longest total delay the `delay` faults may add to one request, milliseconds.
    pub max_injected_delay_ms: u64,
    /// Browser sessions per tenant; the oldest is evicted first.
    pub max_sessions: usize,
    /// Seconds a browser session lives without being used.
    pub session_idle_secs: i64,
    /// Login pages waiting for their form per tenant; the oldest is evicted first.
    pub max_pending_logins: usize,
    /// Authorization codes, access tokens and refresh tokens held per tenant, each; the
    /// oldest is evicted first.
    pub max_grants: usize,
    /// Longest value of one authorization request parameter (`state`, `nonce`, ...), bytes.
    pub max_param_bytes: usize,
    /// Longest claims edit on the login page, bytes of JSON.
    pub max_claims_edit_bytes: usize,
    /// Requests kept in the request log.
    pub request_log_entries: usize,
    /// Tokens kept in the token log.
    pub token_log_entries: usize,
    /// Longest parameter value (or path) a request-log entry keeps, bytes; longer ones are
    /// cut, saying how long they were.
    pub log_value_bytes: usize,
    /// Longest decoded claims a token-log entry keeps, bytes of JSON; larger claims are
    /// replaced by a note of their size.
    pub log_claims_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 512,
            max_injected_delay_ms: 10_000,
            max_sessions: 10_000,
            session_idle_secs: 3600,
            max_pending_logins: 1000,
            max_grants: 10_000,
            max_param_bytes: 4096,
            max_claims_edit_bytes: 8192,
            request_log_entries: 1000,
            token_log_entries: 1000,
            log_value_bytes: 512,
            log_claims_bytes: 8192,
        }
    }
}

impl Limits {
    /// The connection limits for the serve loop.
    pub fn server_limits(&self) -> server_guard::ServerLimits {
        server_guard::ServerLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
        }
    }

    /// The longest total injected delay.
    pub(crate) fn max_injected_delay(&self) -> Duration {
        Duration::from_millis(self.max_injected_delay_ms)
    }

    /// Checks that every limit can work.
    pub(crate) fn validate(&self) -> Result<(), BadLimit> {
        let counts = [
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs as usize,
            ),
            ("idle_timeout_secs", self.idle_timeout_secs as usize),
            ("max_connections", self.max_connections),
            ("max_sessions", self.max_sessions),
            ("session_idle_secs", self.session_idle_secs.max(0) as usize),
            ("max_pending_logins", self.max_pending_logins),
            ("max_grants", self.max_grants),
            ("max_param_bytes", self.max_param_bytes),
            ("max_claims_edit_bytes", self.max_claims_edit_bytes),
            ("request_log_entries", self.request_log_entries),
            ("token_log_entries", self.token_log_entries),
            ("log_value_bytes", self.log_value_bytes),
            ("log_claims_bytes", self.log_claims_bytes),
        ];
        if let Some((field, _)) = counts.iter().find(|(_, v)| *v == 0) {
            return Err(BadLimit {
                field,
                problem: "expected a positive number, found 0".into(),
                fix: "give a positive number (or leave the field out for its default)",
            });
        }
        if self.max_injected_delay_ms >= self.idle_timeout_secs.saturating_mul(1000) {
            return Err(BadLimit {
                field: "max_injected_delay_ms",
                problem: format!(
                    "expected less than idle_timeout_secs ({} s), found {} ms",
                    self.idle_timeout_secs, self.max_injected_delay_ms
                ),
                fix: "lower max_injected_delay_ms or raise idle_timeout_secs, or the idle timeout cuts injected delays short",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_hold_and_bad_limits_name_their_field() {
        assert_eq!(Limits::default().validate(), Ok(()));
        let zero = Limits {
            max_sessions: 0,
            ..Limits::default()
        };
        assert_eq!(zero.validate().unwrap_err().field, "max_sessions");
        let slow = Limits {
            max_injected_delay_ms: 60_000,
            ..Limits::default()
        };
        assert_eq!(slow.validate().unwrap_err().field, "max_injected_delay_ms");
        let parsed: Limits = toml::from_str("max_grants = 7").unwrap();
        assert_eq!(parsed.max_grants, 7);
        assert_eq!(parsed.max_sessions, Limits::default().max_sessions);
        assert!(toml::from_str::<Limits>("max_grant = 7").is_err());
    }
}
