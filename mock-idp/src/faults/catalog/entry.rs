//! One row of the catalog and the small enums it is made of: flows, expectation, group, setup.

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

/// What a correct relying party does when the fault is present: the verdict kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The sign-in is refused and nothing is stored.
    Reject,
    /// The sign-in succeeds: the specifications allow what the fault does.
    Accept,
    /// The specifications let the client decide: refusing and signing in are both
    /// conformant. Runs report what the application did as advisory, never as a failure.
    Either,
}

impl Expect {
    /// `reject`, `accept` or `either`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Accept => "accept",
            Self::Either => "either",
        }
    }
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

impl Group {
    /// Every group, in the order of the docs.
    pub const ALL: [Group; 10] = [
        Self::IdTokenClaims,
        Self::Signature,
        Self::Hashes,
        Self::Hybrid,
        Self::Userinfo,
        Self::Discovery,
        Self::AuthorizationResponse,
        Self::Transport,
        Self::Refresh,
        Self::Entra,
    ];

    /// A heading for reports and docs.
    pub fn title(self) -> &'static str {
        match self {
            Self::IdTokenClaims => "ID token claims",
            Self::Signature => "Signature and keys",
            Self::Hashes => "Hashes",
            Self::Hybrid => "Hybrid flow",
            Self::Userinfo => "Userinfo",
            Self::Discovery => "Discovery",
            Self::AuthorizationResponse => "Authorization response",
            Self::Transport => "Transport",
            Self::Refresh => "Refresh",
            Self::Entra => "Microsoft Entra ID flavour",
        }
    }
}

/// What the runner arranges besides injecting the fault, so that the fault can show and the
/// expectation holds. Each variant says what to do and what is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setup {
    /// Nothing: inject the rule for the relying party's client and sign in once.
    None,
    /// Send `max_age` (any value, e.g. `max_age=300`) with the authorization request, so that
    /// `auth_time` becomes required (Core §3.1.2.1).
    MaxAge,
    /// Sign ES256: register the client with `id_token_signed_response_alg = "ES256"`
    /// (`Client::signing_alg(Alg::ES256)`) and let the relying party accept ES256 (only
    /// ES256, ideally), so that the fault acts on an ES256 token.
    Es256,
    /// Accept HS256: the client is confidential and the relying party accepts HS256 ID
    /// tokens for it, verified with the client secret. The fault itself makes the provider
    /// sign with HS256.
    Hs256,
    /// Sign in twice: once without the fault (so the relying party has fetched and cached the
    /// JWK Set), then inject the fault and sign in again. Only the second sign-in is judged.
    SignInTwice,
    /// Make the relying party fetch the JWK Set during this sign-in: inject `key_rotated`
    /// ([`Fault::KeyRotated`]) for the same client as well, so the ID token names a key the
    /// relying party cannot have cached.
    ForceKeyFetch,
    /// Configure from discovery: inject the fault first, then configure the relying party
    /// from the tenant's discovery document (`{issuer}/.well-known/openid-configuration`).
    /// Reject means the relying party refuses the metadata (autoconfiguration fails, or,
    /// judged black-box, no authorization request follows the discovery fetch); accept means a
    /// sign-in with the discovered settings succeeds.
    Discovery,
    /// Configure from discovery over https: serve the mock IdP over TLS (`mock-idp --tls`,
    /// or [`crate::TlsPem::self_signed`] with [`crate::MockIdpBuilder::tls`]), let the relying
    /// party trust its certificate, then proceed as [`Setup::Discovery`]. A fault that
    /// downgrades endpoints to plain http only shows when the issuer itself is https.
    DiscoveryTls,
    /// Refresh after sign-in: request `offline_access` so the token endpoint issues a refresh
    /// token, sign in (the fault acts on refreshed ID tokens only, so this succeeds), then make
    /// the relying party refresh its tokens. Only the refresh is judged; reject means the
    /// relying party refuses the refreshed ID token and leaves the stored user unchanged.
    Refresh,
    /// Deliver the authorization response twice: sign in (the fault changes nothing at the
    /// provider), then let the same browser deliver the same authorization response to the
    /// relying party again (the same redirect, form post or fragment relay). Only the second
    /// delivery is judged, by what its landing page shows: reject means it signs nobody in
    /// anew and redeems nothing.
    Replay,
    /// Use an Entra-flavoured tenant through Entra's multi-tenant `common` endpoint: configure
    /// the relying party with the issuer `{base}/{tenantid}/v2.0` (the literal template) and
    /// the tenant's id (only) on its allow-list, and take the metadata from
    /// `{base}/common/v2.0/.well-known/openid-configuration` (the mock serves `common` for
    /// its first Entra tenant, always templated). A runner that can only use the tenant's own
    /// discovery URL injects `entra_common_issuer` ([`Fault::EntraCommonIssuer`]) as well, so
    /// that document carries the template too.
    EntraCommon,
    /// Use an Entra-flavoured tenant whose signing-in user has `groups` (as `megan` in
    /// `fixtures/idp.toml`), and configure the relying party's role mapping to read `groups`.
    /// Without the groups a correct relying party cannot map roles, and it has no Graph token
    /// to fetch them, so it refuses the sign-in rather than map no roles silently.
    EntraGroups,
    /// Use an Entra-flavoured tenant whose signing-in user has an `email` with
    /// `xms_edov: true` (as `megan` in `fixtures/idp.toml`); at the relying party, an existing
    /// user with that email address, bound by the verified email only, and no user creation.
    /// Without the fault the user signs in to that account; with an unverified email the
    /// relying party has nothing it may bind by and refuses (the nOAuth takeover otherwise).
    EntraEmailBinding,
    /// Use a tenant whose issuer ends with a slash, as Auth0's do (`https://tenant.example/`;
    /// `Tenant::flavoured(name, Flavour::Auth0)`), with the relying party configured for
    /// that issuer. Against an issuer without the slash the fault changes nothing, so a
    /// runner skips the cell.
    Auth0Issuer,
}

impl Setup {
    /// Every variant, in the order of the docs.
    pub const ALL: [Setup; 14] = [
        Self::None,
        Self::MaxAge,
        Self::Es256,
        Self::Hs256,
        Self::SignInTwice,
        Self::ForceKeyFetch,
        Self::Discovery,
        Self::DiscoveryTls,
        Self::Refresh,
        Self::Replay,
        Self::EntraCommon,
        Self::EntraGroups,
        Self::EntraEmailBinding,
        Self::Auth0Issuer,
    ];

    /// The snake_case name, as the JSON form spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::MaxAge => "max_age",
            Self::Es256 => "es256",
            Self::Hs256 => "hs256",
            Self::SignInTwice => "sign_in_twice",
            Self::ForceKeyFetch => "force_key_fetch",
            Self::Discovery => "discovery",
            Self::DiscoveryTls => "discovery_tls",
            Self::Refresh => "refresh",
            Self::Replay => "replay",
            Self::EntraCommon => "entra_common",
            Self::EntraGroups => "entra_groups",
            Self::EntraEmailBinding => "entra_email_binding",
            Self::Auth0Issuer => "auth0_issuer",
        }
    }

    /// What a runner arranges, in a sentence or two (for reports of skipped cells and docs).
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => {
                "nothing: inject the rule for the relying party's client and sign in once"
            }
            Self::MaxAge => {
                "send `max_age` (e.g. `max_age=300`) with the authorization request, so that `auth_time` becomes required"
            }
            Self::Es256 => {
                "register the client with `id_token_signed_response_alg = \"ES256\"` and let the relying party accept ES256, so the fault acts on an ES256 token"
            }
            Self::Hs256 => {
                "use a confidential client and let the relying party accept HS256 ID tokens, verified with the client secret; the fault makes the provider sign HS256"
            }
            Self::SignInTwice => {
                "sign in once without the fault (the relying party caches the JWK Set), then inject it and sign in again; only the second sign-in is judged"
            }
            Self::ForceKeyFetch => {
                "inject `key_rotated` for the same client as well, so the ID token names a key the relying party has not cached and it must fetch the JWK Set"
            }
            Self::Discovery => {
                "inject the fault, then configure the relying party from the discovery document; reject = it refuses the metadata (no authorization request follows), accept = a sign-in with the discovered settings succeeds"
            }
            Self::DiscoveryTls => {
                "serve the mock IdP over https (`mock-idp --tls`), let the relying party trust its certificate, then as `discovery`: inject the fault and configure the relying party from the discovery document"
            }
            Self::Refresh => {
                "request `offline_access`, sign in (the fault spares it), then make the relying party refresh; only the refresh is judged, and a rejected refresh leaves the stored user unchanged"
            }
            Self::Replay => {
                "sign in (nothing changes at the provider), then let the same browser deliver the same authorization response again; only the second delivery is judged, by its landing page: reject = nobody is signed in anew and nothing is redeemed"
            }
            Self::EntraCommon => {
                "use an Entra-flavoured tenant through Entra's `common` endpoint: issuer `{base}/{tenantid}/v2.0` (the literal template), metadata from `{base}/common/v2.0/.well-known/openid-configuration`, the tenant's id alone on the allow-list; with the tenant's own discovery URL instead, inject `entra_common_issuer` as well"
            }
            Self::EntraGroups => {
                "use an Entra-flavoured tenant whose user has `groups` (e.g. `megan`) and map roles from `groups` at the relying party; without Graph access it must refuse rather than map no roles"
            }
            Self::EntraEmailBinding => {
                "use an Entra-flavoured tenant whose user has an `email` with `xms_edov: true` (e.g. `megan`); at the relying party, an existing user with that address, bound by verified email only, no user creation; reject = that account is not entered"
            }
            Self::Auth0Issuer => {
                "use a tenant whose issuer ends with a slash, as Auth0's do (an Auth0-flavoured tenant), with the relying party configured for that issuer; against an issuer without the slash the fault changes nothing and the cell is skipped"
            }
        }
    }
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
    /// Where our expectation is stricter than the mirrored test's, and why.
    pub stricter: Option<&'static str>,
    /// What else a runner or reader should know (allowed alternatives, caveats).
    pub note: Option<&'static str>,
}

impl CatalogEntry {
    pub(super) fn new(fault: Fault, group: Group, breaks: &'static str) -> Self {
        Self {
            name: fault.to_string(),
            fault,
            group,
            breaks,
            flows: FlowKind::ALL.to_vec(),
            expect: Expect::Reject,
            setup: Setup::None,
            mirrors: None,
            stricter: None,
            note: None,
        }
    }

    pub(super) fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub(super) fn flows(mut self, flows: &[FlowKind]) -> Self {
        self.flows = flows.to_vec();
        self
    }

    pub(super) fn accept(mut self) -> Self {
        self.expect = Expect::Accept;
        self
    }

    /// The specification leaves the outcome to the client (see [`Expect::Either`]).
    pub(super) fn either(mut self) -> Self {
        self.expect = Expect::Either;
        self
    }

    pub(super) fn stricter(mut self, why: &'static str) -> Self {
        self.stricter = Some(why);
        self
    }

    pub(super) fn setup(mut self, setup: Setup) -> Self {
        self.setup = setup;
        self
    }

    pub(super) fn mirrors(mut self, test: &'static str) -> Self {
        self.mirrors = Some(test);
        self
    }

    pub(super) fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    /// Whether a relying party that caches the JWK Set must fetch it again to judge this
    /// cell: the ID token names a key it cannot have cached (a rotated, unknown, extra or
    /// foreign key), names none while the cached set may hold several, or the setup forces a
    /// fetch. Relying parties rate-limit such re-fetches,
    /// so long runs pace these cells.
    pub fn forces_key_fetch(&self) -> bool {
        matches!(self.setup, Setup::ForceKeyFetch)
            || matches!(
                self.fault,
                Fault::KeyRotated
                    | Fault::KidAbsent
                    | Fault::KidAbsentMultipleKeys
                    | Fault::UnknownKey
                    | Fault::JkuForeignKeys
                    | Fault::X5uForeignKeys
                    | Fault::KeyUseEnc
                    | Fault::KeyAlgMismatch
                    | Fault::WeakRsaKey
            )
    }

    /// Whether the fault applies to `flow`.
    pub fn applies_to(&self, flow: FlowKind) -> bool {
        self.flows.contains(&flow)
    }
}
