//! Fault injection: named misbehaviours, each changing exactly one thing in an otherwise
//! valid response, selected per tenant, per client, per user and for the next N uses.
//!
//! The faults themselves — what each breaks, the flows where it shows, what a correct relying
//! party does and the certification test it mirrors — are listed once, in the `catalog`
//! module beside this one; `docs/faults.md` is generated from that table (a test fails when
//! the page drifts).
//!
//! Faults reach a response in two ways: rules ([`FaultRule`], admin API and Rust handle) that
//! match a client, a user and a count, and per-request selection (`mock_fault=NAME,...` on
//! the authorization request), carried with the sign-in to the token endpoint, to refreshes
//! and to userinfo calls made with the access token issued.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::types::ClientId;

/// An endpoint of a tenant: where transport faults act, and what the request log records.
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
    /// The login page's form (no transport fault reaches it: it serves the person at the
    /// browser, not a relying party).
    Login,
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
            Self::Login => "login",
        }
    }
}

/// A name that is not an endpoint's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected an endpoint (discovery, jwks, authorize, login, token, userinfo, logout), found \"{0}\""
)]
pub struct UnknownEndpoint(pub String);

impl std::str::FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Discovery,
            Self::Jwks,
            Self::Authorize,
            Self::Token,
            Self::Userinfo,
            Self::Logout,
            Self::Login,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
        .ok_or_else(|| UnknownEndpoint(s.to_owned()))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One named misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// ID token `iss` with `"1"` appended.
    IssChanged,
    /// ID token `iss` without its scheme, as Google sends it (`docs/flavours.md`).
    IssWithoutScheme,
    /// ID token `azp` naming another client while `aud` is the client, as a Keycloak token
    /// requested by another client of the realm is.
    AzpOtherClient,
    /// ID token `iss` without the trailing slash an Auth0 issuer (`https://tenant.example/`)
    /// has; nothing changes for an issuer without one.
    IssWithoutTrailingSlash,
    /// Not a fault but Google's documented behaviour, toggled per sign-in like one: the ID
    /// token's `azp` names another client of the same `project` (the first by client id)
    /// while `aud` stays the client, as when an Android app of a project signs in for its web
    /// backend. Without a sibling client in the project nothing changes. Kept out of the
    /// catalog: whether a relying party accepts it depends on its settings
    /// (`docs/flavours.md`).
    AzpSameProject,
    /// ID token `aud` with `"1"` appended.
    AudChanged,
    /// ID token without `aud`.
    AudMissing,
    /// ID token `aud` with an extra untrusted audience and no `azp`.
    ExtraAud,
    /// ID token with an extra untrusted audience and an `azp` naming it.
    ExtraAudWrongAzp,
    /// ID token `aud` with an extra untrusted audience while `azp` names the client.
    ExtraAudWithAzp,
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
    /// The endpoint closes the connection without sending a response.
    ConnectionClosed {
        /// Which endpoint.
        endpoint: Endpoint,
    },
    /// ID token signed with HS256 keyed by the client secret; valid (Core §10.1).
    Hs256,
    /// ID token signed with HS256 keyed by the client secret, every signature byte XOR 0x5A.
    Hs256SignatureCorrupted,
    /// ID token with `alg: HS256` whose MAC key is the tenant's RS256 public key (its PEM
    /// text), as an attacker holding only the JWK Set would make it (RFC 8725 §2.1).
    Hs256KeyConfusion,
    /// No `kid` in the header while the JWK Set holds two keys for the token's algorithm:
    /// a second key is published and signs the token.
    KidAbsentMultipleKeys,
    /// The signing key is rotated just before signing: the token names a `kid` the relying
    /// party has not seen until it fetches the JWK Set again. Once per sign-in (both ID tokens
    /// of a hybrid flow name the same new key); the old key stays published for
    /// [`KEY_ROTATION_GRACE_SECS`].
    KeyRotated,
    /// The ID token's claims segment is not a JSON object (its closing brace is cut off);
    /// the signature over it is valid.
    MalformedJwt,
    /// The JOSE header's `jku` names another JWK Set the mock IdP serves
    /// (`{issuer}/jwks/foreign`), and the token is signed by a key only that set holds.
    JkuForeignKeys,
    /// The JOSE header's `x5u` names a certificate the mock IdP serves
    /// (`{issuer}/jwks/foreign.pem`), and the token is signed by that certificate's key,
    /// which the tenant's JWK Set does not hold.
    X5uForeignKeys,
    /// Signed by a published key whose JWK says `"use": "enc"`.
    KeyUseEnc,
    /// Signed RS256 by a published key whose JWK says `"alg": "PS256"`.
    KeyAlgMismatch,
    /// Signed RS256 by a published 1024-bit RSA key.
    WeakRsaKey,
    /// Changes nothing at the provider: the runner delivers the authorization response of
    /// a successful sign-in to the relying party a second time.
    ResponseReplayed,
    /// The token-endpoint ID token of a hybrid flow has a `sub` with `"1"` appended, unlike
    /// the authorization-endpoint one.
    HybridSubDiffers,
    /// The token-endpoint ID token of a hybrid flow has an `iss` with `"1"` appended, unlike
    /// the authorization-endpoint one.
    HybridIssDiffers,
    /// The discovery document's `issuer` has `"1"` appended: it is not the URL the document
    /// was fetched from.
    DiscoveryIssuerMismatch,
    /// The discovery document's `issuer` has a trailing `/`.
    DiscoveryIssuerTrailingSlash,
    /// The discovery document names a `jwks_uri` at a path random per tenant and run; the
    /// usual `/jwks` answers 404 while the fault is active.
    JwksUriRandom,
    /// A refreshed ID token has an `iss` with `"1"` appended.
    RefreshIssChanged,
    /// A refreshed ID token has a `sub` with `"1"` appended.
    RefreshSubChanged,
    /// An Entra tenant's own discovery document advertises the multi-tenant issuer, the
    /// literal template `{base}/{tenantid}/v2.0`, as Entra's `common` document does (the mock
    /// serves that one at `{base}/common/v2.0` for its first Entra tenant, always templated);
    /// tokens keep the tenant's real `iss` and `tid`.
    EntraCommonIssuer,
    /// The ID token comes from another Entra tenant: `tid` is a different GUID and `iss`
    /// names it (`{base}/{tid}/v2.0`), signed with the same keys as Entra's common keys are.
    EntraForeignTenant,
    /// Groups overage: `groups` is replaced by `_claim_names: {"groups": "src1"}` and a
    /// `_claim_sources.src1.endpoint` pointing at Microsoft Graph (no access token).
    GroupsOverage,
    /// Groups overage in the implicit shape: `groups` is replaced by `hasgroups: true`.
    HasGroups,
    /// The `email` is not verified: at an Entra tenant `xms_edov` becomes `false` (Entra
    /// never sends `email_verified`), elsewhere `email_verified` becomes `false`. ID tokens
    /// and userinfo responses carrying an `email` change; the address itself does not.
    EntraEmailUnverified,
    /// The discovery document, served over https, points its endpoints (authorization,
    /// token, userinfo, JWK Set, end session) at plain `http://` URLs on the same host and
    /// port. Changes nothing while the mock IdP serves plain http.
    DiscoveryPlainHttp,
}

/// How long the key a `key_rotated` fault replaces stays published, in seconds: long enough
/// for a JWT access token signed just before the rotation (in the same response) to verify.
pub const KEY_ROTATION_GRACE_SECS: i64 = 120;

/// Where an ID token is being minted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MintAt {
    /// Returned by the authorization endpoint (implicit and hybrid flows).
    Authorize,
    /// Returned by the token endpoint for an authorization code.
    Token,
    /// Returned by the token endpoint for a refresh token.
    Refresh,
}

fn default_status() -> u16 {
    500
}

impl Fault {
    /// Whether this fault changes ID tokens minted `at`.
    pub(crate) fn touches_id_token(&self, at: MintAt) -> bool {
        match self {
            Self::HybridSubDiffers | Self::HybridIssDiffers => at == MintAt::Token,
            Self::RefreshIssChanged | Self::RefreshSubChanged => at == MintAt::Refresh,
            _ => matches!(
                self,
                Self::IssChanged
                    | Self::IssWithoutScheme
                    | Self::AzpOtherClient
                    | Self::IssWithoutTrailingSlash
                    | Self::AzpSameProject
                    | Self::AudChanged
                    | Self::AudMissing
                    | Self::ExtraAud
                    | Self::ExtraAudWrongAzp
                    | Self::ExtraAudWithAzp
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
                    | Self::Hs256
                    | Self::Hs256SignatureCorrupted
                    | Self::Hs256KeyConfusion
                    | Self::KidAbsentMultipleKeys
                    | Self::KeyRotated
                    | Self::MalformedJwt
                    | Self::JkuForeignKeys
                    | Self::X5uForeignKeys
                    | Self::KeyUseEnc
                    | Self::KeyAlgMismatch
                    | Self::WeakRsaKey
                    | Self::EntraForeignTenant
                    | Self::GroupsOverage
                    | Self::HasGroups
                    | Self::EntraEmailUnverified
            ),
        }
    }

    /// Whether this fault changes userinfo responses.
    pub(crate) fn touches_userinfo(&self) -> bool {
        matches!(
            self,
            Self::UserinfoSubChanged | Self::UserinfoWrongContentType | Self::EntraEmailUnverified
        )
    }

    /// Whether this fault changes the discovery document.
    pub(crate) fn touches_discovery(&self) -> bool {
        matches!(
            self,
            Self::DiscoveryIssuerMismatch
                | Self::DiscoveryIssuerTrailingSlash
                | Self::JwksUriRandom
                | Self::EntraCommonIssuer
                | Self::DiscoveryPlainHttp
        )
    }

    /// Whether this fault acts on `endpoint` before it runs.
    pub(crate) fn touches_transport(&self, at: Endpoint) -> bool {
        match self {
            Self::Delay { endpoint, .. } => endpoint.is_none_or(|e| e == at),
            Self::ServerError { endpoint, .. } | Self::ConnectionClosed { endpoint } => {
                *endpoint == at
            }
            _ => false,
        }
    }

    /// Whether this fault signs with the client's secret (HS256, OpenID Connect Core
    /// §10.1), so it cannot apply to a public client.
    pub fn needs_client_secret(&self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs256SignatureCorrupted)
    }

    /// Whether an authorization request can select this fault with `mock_fault=`: faults
    /// on the discovery document and the JWK Set act before and outside any one sign-in.
    /// (A per-request delay slows that sign-in's own requests.)
    pub fn per_request(&self) -> bool {
        match self {
            Self::ServerError { endpoint, .. } | Self::ConnectionClosed { endpoint } => {
                !matches!(endpoint, Endpoint::Discovery | Endpoint::Jwks)
            }
            other => !other.touches_discovery(),
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

    /// The faults of this kind that apply here and now — the rules matching the client and
    /// user, each spending one use, then the faults the request selected itself
    /// (`mock_fault=`).
    pub(crate) fn spend_for(
        &mut self,
        client: Option<&ClientId>,
        user: Option<&str>,
        selected: &[Fault],
        kind: impl Fn(&Fault) -> bool,
    ) -> Vec<Fault> {
        let mut out = self.spend_where(|r| kind(&r.fault) && r.applies(client, user));
        out.extend(selected.iter().filter(|f| kind(f)).cloned());
        out
    }

    /// The faults of this kind whatever client or user their rules name: discovery and JWK
    /// Set requests carry neither, so a rule's scope cannot narrow them.
    pub(crate) fn spend_unscoped(&mut self, kind: impl Fn(&Fault) -> bool) -> Vec<Fault> {
        self.spend_where(|r| kind(&r.fault))
    }

    /// Whether a rule with a fault of this kind is active, without counting a use.
    pub(crate) fn any(&self, kind: impl Fn(&Fault) -> bool) -> bool {
        self.rules.iter().any(|r| kind(&r.fault))
    }

    fn spend_where(&mut self, pick: impl Fn(&FaultRule) -> bool) -> Vec<Fault> {
        let mut out = Vec::new();
        for rule in &mut self.rules {
            if pick(rule) {
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
            set.spend_for(None, alice, &[], |f| f.touches_id_token(MintAt::Token)),
            vec![Fault::AudChanged]
        );
        assert!(
            set.spend_for(None, alice, &[], |f| f.touches_id_token(MintAt::Token))
                .is_empty()
        );
    }

    #[test]
    fn client_scoped_rules_skip_other_clients() {
        let mut set = FaultSet::default();
        set.add(FaultRule::new(Fault::SubMissing).for_client("a"));
        let b = ClientId::new("b");
        assert!(
            set.spend_for(Some(&b), None, &[], |f| f.touches_id_token(MintAt::Token))
                .is_empty()
        );
        let a = ClientId::new("a");
        assert_eq!(
            set.spend_for(Some(&a), None, &[], |f| f.touches_id_token(MintAt::Token))
                .len(),
            1
        );
    }

    #[test]
    fn hybrid_and_refresh_faults_act_only_where_they_are_minted() {
        let at = |f: Fault| {
            [MintAt::Authorize, MintAt::Token, MintAt::Refresh].map(|m| f.touches_id_token(m))
        };
        assert_eq!(at(Fault::HybridSubDiffers), [false, true, false]);
        assert_eq!(at(Fault::RefreshIssChanged), [false, false, true]);
        assert_eq!(at(Fault::KeyRotated), [true, true, true]);
        assert_eq!(at(Fault::UserinfoSubChanged), [false, false, false]);
    }

    #[test]
    fn discovery_rules_ignore_scope_and_selected_faults_join_rules() {
        let mut set = FaultSet::default();
        set.add(
            FaultRule::new(Fault::JwksUriRandom)
                .for_client("a")
                .for_user("u"),
        );
        assert!(set.any(|f| *f == Fault::JwksUriRandom));
        assert_eq!(
            set.spend_unscoped(Fault::touches_discovery),
            vec![Fault::JwksUriRandom]
        );
        set.add(FaultRule::new(Fault::StateMissing).times(1));
        let selected = [Fault::AudChanged, Fault::StateChanged];
        let state = |f: &Fault| matches!(f, Fault::StateMissing | Fault::StateChanged);
        assert_eq!(
            set.spend_for(None, None, &selected, state),
            vec![Fault::StateMissing, Fault::StateChanged]
        );
        assert_eq!(
            set.spend_for(None, None, &selected, state),
            vec![Fault::StateChanged],
            "the rule is spent; the request's own selection stays"
        );
    }

    #[test]
    fn faults_outside_a_sign_in_are_not_per_request() {
        assert!(Fault::AudChanged.per_request());
        assert!(
            Fault::ConnectionClosed {
                endpoint: Endpoint::Token
            }
            .per_request()
        );
        assert!(
            !Fault::ConnectionClosed {
                endpoint: Endpoint::Jwks
            }
            .per_request()
        );
        assert!(!Fault::DiscoveryIssuerMismatch.per_request());
        assert!(
            Fault::Delay {
                millis: 1,
                endpoint: None
            }
            .per_request()
        );
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
