//! The fault catalog: for every named fault, what it breaks, the flows where it applies,
//! what a correct relying party does about it and the certification test it mirrors.
//!
//! One table feeds the conformance run (`harness check`), the reference relying party's
//! fault × flow test matrix and `docs/faults.md`, so the three cannot disagree.

use std::fmt;

use serde::Serialize;

use crate::faults::Fault;

/// The five sign-in flows of the relying party's settings form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Authorization code (`code`, query).
    AuthorizationCode,
    /// Implicit, answered by an auto-submitting form (`id_token token`, form_post).
    ImplicitFormPost,
    /// Implicit, answered in the URL fragment (`id_token token`, fragment).
    ImplicitFragment,
    /// Hybrid, answered by an auto-submitting form (`code id_token`, form_post).
    HybridFormPost,
    /// Hybrid, answered in the URL fragment (`code id_token`, fragment).
    HybridFragment,
}

impl FlowKind {
    /// Every flow, in the settings form's order.
    pub const ALL: [FlowKind; 5] = [
        Self::AuthorizationCode,
        Self::ImplicitFormPost,
        Self::ImplicitFragment,
        Self::HybridFormPost,
        Self::HybridFragment,
    ];

    /// The snake_case name, as the relying party's settings spell the flow.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::ImplicitFormPost => "implicit_form_post",
            Self::ImplicitFragment => "implicit_fragment",
            Self::HybridFormPost => "hybrid_form_post",
            Self::HybridFragment => "hybrid_fragment",
        }
    }

    /// Parses [`FlowKind::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether the authorization endpoint returns an ID token (implicit and hybrid).
    pub fn front_channel_id_token(self) -> bool {
        self != Self::AuthorizationCode
    }

    /// Whether the flow redeems a code at the token endpoint (code and hybrid).
    pub fn uses_token_endpoint(self) -> bool {
        !matches!(self, Self::ImplicitFormPost | Self::ImplicitFragment)
    }
}

impl fmt::Display for FlowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a correct relying party does when the fault is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The sign-in is refused and nothing is stored.
    Reject,
    /// The sign-in succeeds: the specifications allow what the fault does.
    Accept,
}

/// The part of the protocol a fault belongs to, for grouping in reports and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// ID token claims.
    IdTokenClaims,
    /// Signatures and keys.
    Signature,
    /// `at_hash`, `c_hash`.
    Hashes,
    /// Differences between the two ID tokens of a hybrid flow.
    Hybrid,
    /// The userinfo response.
    Userinfo,
    /// The discovery document.
    Discovery,
    /// The authorization response.
    AuthorizationResponse,
    /// Delays, 5xx, closed connections.
    Transport,
    /// Refreshed ID tokens.
    Refresh,
    /// Microsoft Entra ID behaviour.
    Entra,
}

/// What the runner does besides injecting the fault so that it can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setup {
    /// Nothing: inject the rule and sign in.
    None,
    /// Send `max_age` with the authorization request.
    MaxAge,
}

/// One row of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
    /// The fault's name, as the admin API and `mock_fault=` spell it.
    pub name: String,
    /// The fault itself, ready to inject.
    pub fault: Fault,
    /// Where it belongs.
    pub group: Group,
    /// What it breaks, in a sentence.
    pub breaks: &'static str,
    /// The flows where it shows and the expectation holds.
    pub flows: Vec<FlowKind>,
    /// What a correct relying party does.
    pub expect: Expect,
    /// Extra arrangement the runner makes.
    pub setup: Setup,
    /// The OpenID Foundation certification test it mirrors, when there is one.
    pub mirrors: Option<&'static str>,
}

impl CatalogEntry {
    fn new(fault: Fault, group: Group, breaks: &'static str) -> Self {
        Self {
            name: fault.to_string(),
            fault,
            group,
            breaks,
            flows: FlowKind::ALL.to_vec(),
            expect: Expect::Reject,
            setup: Setup::None,
            mirrors: None,
        }
    }

    fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    fn flows(mut self, flows: &[FlowKind]) -> Self {
        self.flows = flows.to_vec();
        self
    }

    fn accept(mut self) -> Self {
        self.expect = Expect::Accept;
        self
    }

    fn setup(mut self, setup: Setup) -> Self {
        self.setup = setup;
        self
    }

    fn mirrors(mut self, test: &'static str) -> Self {
        self.mirrors = Some(test);
        self
    }

    /// Whether the fault applies to `flow`.
    pub fn applies_to(&self, flow: FlowKind) -> bool {
        self.flows.contains(&flow)
    }
}

/// The catalog: every fault that a sign-in can show, with its expectation.
///
/// ```
/// use mock_idp::catalog::{catalog, Expect, FlowKind};
/// let aud = catalog().into_iter().find(|e| e.name == "aud_changed").unwrap();
/// assert_eq!(aud.expect, Expect::Reject);
/// assert!(aud.applies_to(FlowKind::HybridFragment));
/// ```
pub fn catalog() -> Vec<CatalogEntry> {
    use FlowKind::{HybridFormPost, HybridFragment, ImplicitFormPost, ImplicitFragment};
    use Group::*;
    let implicit = [ImplicitFormPost, ImplicitFragment];
    let hybrid = [HybridFormPost, HybridFragment];
    vec![
        CatalogEntry::new(
            Fault::IssChanged,
            IdTokenClaims,
            "ID token `iss` differs from the issuer",
        )
        .mirrors("oidcc-client-test-invalid-iss"),
        CatalogEntry::new(
            Fault::AudChanged,
            IdTokenClaims,
            "ID token `aud` is not the client",
        )
        .mirrors("oidcc-client-test-invalid-aud"),
        CatalogEntry::new(Fault::AudMissing, IdTokenClaims, "ID token has no `aud`")
            .mirrors("oidcc-client-test-missing-aud"),
        CatalogEntry::new(
            Fault::ExtraAud,
            IdTokenClaims,
            "`aud` also names an untrusted audience and there is no `azp`",
        ),
        CatalogEntry::new(
            Fault::ExtraAudWrongAzp,
            IdTokenClaims,
            "`aud` names an untrusted audience and `azp` names it too",
        ),
        CatalogEntry::new(Fault::SubMissing, IdTokenClaims, "ID token has no `sub`")
            .mirrors("oidcc-client-test-missing-sub"),
        CatalogEntry::new(Fault::IatMissing, IdTokenClaims, "ID token has no `iat`")
            .mirrors("oidcc-client-test-missing-iat"),
        CatalogEntry::new(
            Fault::IatFuture,
            IdTokenClaims,
            "`iat` is an hour in the future",
        ),
        CatalogEntry::new(
            Fault::ExpPast,
            IdTokenClaims,
            "`exp` is an hour in the past",
        ),
        CatalogEntry::new(
            Fault::NbfFuture,
            IdTokenClaims,
            "`nbf` is an hour in the future",
        ),
        CatalogEntry::new(
            Fault::NonceChanged,
            IdTokenClaims,
            "`nonce` is not the one sent",
        )
        .mirrors("oidcc-client-test-nonce-invalid"),
        CatalogEntry::new(
            Fault::NonceMissing,
            IdTokenClaims,
            "ID token has no `nonce`",
        ),
        CatalogEntry::new(
            Fault::AuthTimeMissing,
            IdTokenClaims,
            "no `auth_time` although `max_age` was sent",
        )
        .setup(Setup::MaxAge),
        CatalogEntry::new(
            Fault::SignatureCorrupted,
            Signature,
            "the signature does not verify",
        )
        .mirrors("oidcc-client-test-invalid-sig-rs256"),
        CatalogEntry::new(Fault::AlgNone, Signature, "unsigned token with `alg: none`")
            .mirrors("oidcc-client-test-idtoken-sig-none"),
        CatalogEntry::new(
            Fault::UnknownKey,
            Signature,
            "signed with a key not in the JWK Set",
        ),
        CatalogEntry::new(
            Fault::KidAbsent,
            Signature,
            "no `kid` in the header while the JWK Set has a single key",
        )
        .accept()
        .mirrors("oidcc-client-test-kid-absent-single-jwks"),
        CatalogEntry::new(
            Fault::AtHashWrong,
            Hashes,
            "`at_hash` does not match the access token",
        )
        .flows(&implicit)
        .mirrors("oidcc-client-test-invalid-athash"),
        CatalogEntry::new(
            Fault::AtHashMissing,
            Hashes,
            "no `at_hash` beside an access token",
        )
        .flows(&implicit)
        .mirrors("oidcc-client-test-missing-athash"),
        CatalogEntry::new(
            Fault::CHashWrong,
            Hashes,
            "`c_hash` does not match the code",
        )
        .flows(&hybrid)
        .mirrors("oidcc-client-test-invalid-chash"),
        CatalogEntry::new(Fault::CHashMissing, Hashes, "no `c_hash` beside a code")
            .flows(&hybrid)
            .mirrors("oidcc-client-test-missing-chash"),
        CatalogEntry::new(
            Fault::StateChanged,
            AuthorizationResponse,
            "`state` is not the one sent",
        ),
        CatalogEntry::new(
            Fault::StateMissing,
            AuthorizationResponse,
            "the authorization response has no `state`",
        ),
        CatalogEntry::new(
            Fault::AuthorizeError {
                error: "access_denied".into(),
            },
            AuthorizationResponse,
            "the authorization endpoint answers `access_denied`",
        )
        .named("authorize_error_access_denied")
        .mirrors("oidcc-client-test-form-post-error"),
        CatalogEntry::new(
            Fault::UserinfoSubChanged,
            Userinfo,
            "userinfo `sub` differs from the ID token's",
        )
        .flows(&[FlowKind::AuthorizationCode, HybridFormPost, HybridFragment])
        .mirrors("oidcc-client-test-userinfo-invalid-sub"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_entry_applies_somewhere() {
        let all = catalog();
        let mut names: Vec<_> = all.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert!(all.iter().all(|e| !e.flows.is_empty()));
    }

    #[test]
    fn flow_names_round_trip() {
        for f in FlowKind::ALL {
            assert_eq!(FlowKind::parse(f.as_str()), Some(f));
        }
    }
}
