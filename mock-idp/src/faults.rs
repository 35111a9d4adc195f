//! Fault injection: named misbehaviours, each changing exactly one thing in an otherwise
//! valid response, selected per tenant, per client, per user and for the next N uses.
//!
//! | fault | what it breaks | mirrors |
//! | --- | --- | --- |
//! | `iss_changed` | ID token `iss` + `"1"` | oidcc-client-test-invalid-iss |
//! | `aud_changed` | ID token `aud` + `"1"` | oidcc-client-test-invalid-aud |
//! | `aud_missing` | removes `aud` | oidcc-client-test-missing-aud |
//! | `extra_aud` | `aud` gains an untrusted audience, no `azp` | (harness) multiple aud |
//! | `extra_aud_wrong_azp` | untrusted extra `aud` and `azp` naming it | (harness) wrong azp |
//! | `sub_missing` | removes `sub` | oidcc-client-test-missing-sub |
//! | `iat_missing` | removes `iat` | oidcc-client-test-missing-iat |
//! | `iat_future` | `iat` one hour ahead | (harness) iat in the future |
//! | `exp_past` | `exp` one hour ago | (harness) expired |
//! | `nbf_future` | `nbf` one hour ahead | (harness) not yet valid |
//! | `nonce_changed` | `nonce` + `"1"` | oidcc-client-test-nonce-invalid |
//! | `nonce_missing` | removes `nonce` | (harness) nonce missing |
//! | `auth_time_missing` | removes `auth_time` | (harness) max_age without auth_time |
//! | `signature_corrupted` | every signature byte XOR 0x5A | oidcc-client-test-invalid-sig-rs256 / -es256 |
//! | `kid_absent` | no `kid` in the header | oidcc-client-test-kid-absent-single-jwks |
//! | `alg_none` | unsigned token, `alg: none` | oidcc-client-test-idtoken-sig-none |
//! | `unknown_key` | signed with a key not in the JWKS | (harness) foreign key |
//! | `at_hash_wrong` / `at_hash_missing` | `at_hash` + `"1"` / removed | oidcc-client-test-invalid-athash / missing-athash |
//! | `c_hash_wrong` / `c_hash_missing` | `c_hash` + `"1"` / removed | oidcc-client-test-invalid-chash / missing-chash |
//! | `state_changed` / `state_missing` | authorization response `state` | (harness) CSRF |
//! | `authorize_error` | the authorization endpoint answers an error | oidcc-client-test-form-post-error |
//! | `userinfo_sub_changed` | userinfo `sub` + `"invalid"` | oidcc-client-test-userinfo-invalid-sub |
//! | `userinfo_wrong_content_type` | userinfo served as `text/plain` | (harness) |
//! | `delay` | answers after a pause | (harness) slow provider |
//! | `server_error` | an endpoint answers 5xx | (harness) provider outage |

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::ClientId;

/// An endpoint of a tenant, for transport faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `/.well-known/openid-configuration`.
    Discovery,
    /// The JWK Set.
    Jwks,
    /// The authorization endpoint.
    Authorize,
    /// The token endpoint.
    Token,
    /// The userinfo endpoint.
    Userinfo,
    /// The end-session endpoint.
    Logout,
}

impl Endpoint {
    /// The name used in the request log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::Authorize => "authorize",
            Self::Token => "token",
            Self::Userinfo => "userinfo",
            Self::Logout => "logout",
        }
    }
}

/// One named misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// ID token `iss` with `"1"` appended.
    IssChanged,
    /// ID token `aud` with `"1"` appended.
    AudChanged,
    /// ID token without `aud`.
    AudMissing,
    /// ID token `aud` with an extra untrusted audience and no `azp`.
    ExtraAud,
    /// ID token with an extra untrusted audience and an `azp` naming it.
    ExtraAudWrongAzp,
    /// ID token without `sub`.
    SubMissing,
    /// ID token without `iat`.
    IatMissing,
    /// ID token `iat` an hour in the future.
    IatFuture,
    /// ID token `exp` an hour in the past.
    ExpPast,
    /// ID token `nbf` an hour in the future.
    NbfFuture,
    /// ID token `nonce` with `"1"` appended.
    NonceChanged,
    /// ID token without `nonce`.
    NonceMissing,
    /// ID token without `auth_time` even when `max_age` was sent.
    AuthTimeMissing,
    /// Every signature byte XOR 0x5A.
    SignatureCorrupted,
    /// No `kid` in the JOSE header.
    KidAbsent,
    /// Unsigned, `alg: none`.
    AlgNone,
    /// Signed with a key that is not in the JWK Set.
    UnknownKey,
    /// `at_hash` with `"1"` appended.
    AtHashWrong,
    /// No `at_hash`.
    AtHashMissing,
    /// `c_hash` with `"1"` appended.
    CHashWrong,
    /// No `c_hash`.
    CHashMissing,
    /// Authorization response `state` with `"1"` appended.
    StateChanged,
    /// Authorization response without `state`.
    StateMissing,
    /// The authorization endpoint answers this OAuth error through the response mode.
    AuthorizeError {
        /// e.g. `access_denied`, `login_required`.
        error: String,
    },
    /// Userinfo `sub` with `"invalid"` appended.
    UserinfoSubChanged,
    /// Userinfo served as `text/plain`.
    UserinfoWrongContentType,
    /// Answers after `millis` milliseconds (every endpoint when none is named).
    Delay {
        /// Pause in milliseconds.
        millis: u64,
        /// Only this endpoint.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<Endpoint>,
    },
    /// The endpoint answers `status` (a 5xx) with a JSON `server_error` body.
    ServerError {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The status, 500 by default.
        #[serde(default = "default_status")]
        status: u16,
    },
}

fn default_status() -> u16 {
    500
}

impl Fault {
    /// Whether this fault changes ID tokens.
    pub(crate) fn touches_id_token(&self) -> bool {
        matches!(
            self,
            Self::IssChanged
                | Self::AudChanged
                | Self::AudMissing
                | Self::ExtraAud
                | Self::ExtraAudWrongAzp
                | Self::SubMissing
                | Self::IatMissing
                | Self::IatFuture
                | Self::ExpPast
                | Self::NbfFuture
                | Self::NonceChanged
                | Self::NonceMissing
                | Self::AuthTimeMissing
                | Self::SignatureCorrupted
                | Self::KidAbsent
                | Self::AlgNone
                | Self::UnknownKey
                | Self::AtHashWrong
                | Self::AtHashMissing
                | Self::CHashWrong
                | Self::CHashMissing
        )
    }

    /// Whether this fault changes userinfo responses.
    pub(crate) fn touches_userinfo(&self) -> bool {
        matches!(
            self,
            Self::UserinfoSubChanged | Self::UserinfoWrongContentType
        )
    }

    /// Whether this fault acts on `endpoint` before it runs.
    pub(crate) fn touches_transport(&self, at: Endpoint) -> bool {
        match self {
            Self::Delay { endpoint, .. } => endpoint.is_none_or(|e| e == at),
            Self::ServerError { endpoint, .. } => *endpoint == at,
            _ => false,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => f.write_str(&s),
            Ok(other) => write!(f, "{other}"),
            Err(_) => write!(f, "{self:?}"),
        }
    }
}

/// A fault and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Set by the server when the rule is added.
    #[serde(default)]
    pub id: u64,
    /// The misbehaviour.
    pub fault: Fault,
    /// Only for this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// Only for this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Only for the next `times` responses it changes; for ever when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule applying `fault` to every response of the tenant.
    ///
    /// ```
    /// use mock_idp::{Fault, FaultRule};
    /// let rule = FaultRule::new(Fault::AudChanged).for_client("web-app").times(1);
    /// assert_eq!(rule.times, Some(1));
    /// ```
    pub fn new(fault: Fault) -> Self {
        Self {
            id: 0,
            fault,
            client_id: None,
            user: None,
            times: None,
        }
    }

    /// Only for `client_id`.
    pub fn for_client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(ClientId::new(client_id));
        self
    }

    /// Only for `username`.
    pub fn for_user(mut self, username: impl Into<String>) -> Self {
        self.user = Some(username.into());
        self
    }

    /// Only for the next `n` responses.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn applies(&self, client: Option<&ClientId>, user: Option<&str>) -> bool {
        self.client_id.as_ref().is_none_or(|c| Some(c) == client)
            && self.user.as_deref().is_none_or(|u| Some(u) == user)
    }
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        Self::new(fault)
    }
}

/// A tenant's active fault rules.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    rules: Vec<FaultRule>,
    next_id: u64,
}

impl FaultSet {
    pub(crate) fn add(&mut self, mut rule: FaultRule) -> u64 {
        self.next_id += 1;
        rule.id = self.next_id;
        self.rules.push(rule);
        self.next_id
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        before != self.rules.len()
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn list(&self) -> Vec<FaultRule> {
        self.rules.clone()
    }

    /// The faults that apply here and now, counting one use of each rule taken.
    pub(crate) fn take(
        &mut self,
        client: Option<&ClientId>,
        user: Option<&str>,
        kind: impl Fn(&Fault) -> bool,
    ) -> Vec<Fault> {
        let mut out = Vec::new();
        for rule in &mut self.rules {
            if kind(&rule.fault) && rule.applies(client, user) {
                out.push(rule.fault.clone());
                if let Some(n) = rule.times.as_mut() {
                    *n = n.saturating_sub(1);
                }
            }
        }
        self.rules.retain(|r| r.times != Some(0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_spent_after_their_count() {
        let mut set = FaultSet::default();
        set.add(FaultRule::new(Fault::AudChanged).times(1));
        let alice = Some("alice");
        assert_eq!(
            set.take(None, alice, Fault::touches_id_token),
            vec![Fault::AudChanged]
        );
        assert!(set.take(None, alice, Fault::touches_id_token).is_empty());
    }

    #[test]
    fn client_scoped_rules_skip_other_clients() {
        let mut set = FaultSet::default();
        set.add(FaultRule::new(Fault::SubMissing).for_client("a"));
        let b = ClientId::new("b");
        assert!(set.take(Some(&b), None, Fault::touches_id_token).is_empty());
        let a = ClientId::new("a");
        assert_eq!(set.take(Some(&a), None, Fault::touches_id_token).len(), 1);
    }

    #[test]
    fn faults_read_as_snake_case_names() {
        let rule: FaultRule = serde_json::from_str(r#"{"fault":"aud_changed","times":2}"#).unwrap();
        assert_eq!(rule.fault, Fault::AudChanged);
        let delay: FaultRule =
            serde_json::from_str(r#"{"fault":{"delay":{"millis":5,"endpoint":"token"}}}"#).unwrap();
        assert!(delay.fault.touches_transport(Endpoint::Token));
        assert_eq!(Fault::ExpPast.to_string(), "exp_past");
    }
}
