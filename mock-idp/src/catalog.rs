//! The fault catalog: for every named fault, what it breaks, the flows where it applies,
//! what a correct relying party does about it and the certification test it mirrors.
//!
//! One table feeds the conformance run (`harness check`), the reference relying party's
//! fault × flow test matrix and `docs/faults.md`, so the three cannot disagree.

use std::fmt;

use serde::Serialize;

use crate::faults::{Endpoint, Fault};

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

impl Expect {
    /// `reject` or `accept`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Accept => "accept",
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
}

impl Setup {
    /// Every variant, in the order of the docs.
    pub const ALL: [Setup; 12] = [
        Self::None,
        Self::MaxAge,
        Self::Es256,
        Self::Hs256,
        Self::SignInTwice,
        Self::ForceKeyFetch,
        Self::Discovery,
        Self::DiscoveryTls,
        Self::Refresh,
        Self::EntraCommon,
        Self::EntraGroups,
        Self::EntraEmailBinding,
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
            Self::EntraCommon => "entra_common",
            Self::EntraGroups => "entra_groups",
            Self::EntraEmailBinding => "entra_email_binding",
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
            Self::EntraCommon => {
                "use an Entra-flavoured tenant through Entra's `common` endpoint: issuer `{base}/{tenantid}/v2.0` (the literal template), metadata from `{base}/common/v2.0/.well-known/openid-configuration`, the tenant's id alone on the allow-list; with the tenant's own discovery URL instead, inject `entra_common_issuer` as well"
            }
            Self::EntraGroups => {
                "use an Entra-flavoured tenant whose user has `groups` (e.g. `megan`) and map roles from `groups` at the relying party; without Graph access it must refuse rather than map no roles"
            }
            Self::EntraEmailBinding => {
                "use an Entra-flavoured tenant whose user has an `email` with `xms_edov: true` (e.g. `megan`); at the relying party, an existing user with that address, bound by verified email only, no user creation; reject = that account is not entered"
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
    /// What else a runner or reader should know (allowed alternatives, caveats).
    pub note: Option<&'static str>,
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
            note: None,
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

    fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
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
    let mut all = id_token_entries();
    all.extend(signature_entries());
    all.extend(protocol_entries());
    all.extend(transport_entries());
    all.extend(entra_entries());
    all
}

/// The catalog as the Markdown of `docs/faults.md`'s generated part: a table per group,
/// then the setups. A test keeps the committed page equal to it.
pub fn markdown() -> String {
    let all = catalog();
    let mut out = String::new();
    for group in Group::ALL {
        let rows: Vec<&CatalogEntry> = all.iter().filter(|e| e.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("### {}\n\n", group.title()));
        out.push_str("| fault | what it breaks | flows | a correct relying party | setup | mirrors | admin API `fault` | per request |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for e in rows {
            let flows = if e.flows == FlowKind::ALL {
                "all".to_owned()
            } else {
                e.flows
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let verdict = match (e.expect, e.note) {
                (x, Some(n)) => format!("{}s; {n}", x.as_str()),
                (x, None) => format!("{}s", x.as_str()),
            };
            let json = serde_json::to_string(&e.fault).unwrap_or_default();
            let per_request = if e.fault.per_request() {
                format!("`mock_fault={}`", e.name)
            } else {
                "no".to_owned()
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | `{}` | {} | `{}` | {} |\n",
                e.name,
                e.breaks.replace('|', "\\|"),
                flows,
                verdict,
                e.setup.as_str(),
                e.mirrors
                    .map(|m| format!("`{m}`"))
                    .unwrap_or_else(|| "—".into()),
                json,
                per_request,
            ));
        }
        out.push('\n');
    }
    out.push_str("### Setups\n\n| setup | what the runner arranges |\n| --- | --- |\n");
    for s in Setup::ALL {
        out.push_str(&format!("| `{}` | {} |\n", s.as_str(), s.describe()));
    }
    out
}

/// The entry named `name` (as `mock_fault=` and the docs spell it).
pub fn find(name: &str) -> Option<CatalogEntry> {
    catalog().into_iter().find(|e| e.name == name)
}

/// Why a `mock_fault=` list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// A name that is not in the catalog.
    #[error(
        "expected fault names from the fault catalog (docs/faults.md) in mock_fault, found unknown fault \"{name}\"; known: {known}"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The catalog's names, comma-separated.
        known: String,
    },
    /// A fault that acts outside any one sign-in.
    #[error(
        "expected a fault acting on this sign-in in mock_fault, found \"{0}\", which acts on discovery or JWK Set requests; inject it with the admin API or TenantHandle::inject instead"
    )]
    NotPerRequest(String),
}

/// The faults named in a `mock_fault=NAME[,NAME...]` parameter.
///
/// ```
/// use mock_idp::catalog::select;
/// assert_eq!(select("aud_changed, state_missing").unwrap().len(), 2);
/// assert!(select("no_such_fault").unwrap_err().to_string().contains("no_such_fault"));
/// ```
pub fn select(names: &str) -> Result<Vec<Fault>, SelectError> {
    let all = catalog();
    names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            let entry =
                all.iter()
                    .find(|e| e.name == name)
                    .ok_or_else(|| SelectError::Unknown {
                        name: name.to_owned(),
                        known: all
                            .iter()
                            .map(|e| e.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
            if entry.fault.per_request() {
                Ok(entry.fault.clone())
            } else {
                Err(SelectError::NotPerRequest(name.to_owned()))
            }
        })
        .collect()
}

const IMPLICIT: [FlowKind; 2] = [FlowKind::ImplicitFormPost, FlowKind::ImplicitFragment];
const HYBRID: [FlowKind; 2] = [FlowKind::HybridFormPost, FlowKind::HybridFragment];
/// The flows that redeem a code at the token endpoint.
const TOKEN_ENDPOINT: [FlowKind; 3] = [
    FlowKind::AuthorizationCode,
    FlowKind::HybridFormPost,
    FlowKind::HybridFragment,
];

fn id_token_entries() -> Vec<CatalogEntry> {
    use Group::IdTokenClaims;
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
    ]
}

fn signature_entries() -> Vec<CatalogEntry> {
    use Group::Signature;
    vec![
        CatalogEntry::new(
            Fault::SignatureCorrupted,
            Signature,
            "the signature does not verify",
        )
        .mirrors("oidcc-client-test-invalid-sig-rs256"),
        CatalogEntry::new(
            Fault::SignatureCorrupted,
            Signature,
            "the ES256 signature does not verify",
        )
        .named("signature_corrupted_es256")
        .setup(Setup::Es256)
        .mirrors("oidcc-client-test-invalid-sig-es256"),
        CatalogEntry::new(
            Fault::Hs256,
            Signature,
            "nothing: a valid HS256 token keyed with the client secret",
        )
        .accept()
        .setup(Setup::Hs256)
        .note("the baseline for the other HS256 entries: it proves the relying party verifies HS256 at all"),
        CatalogEntry::new(
            Fault::Hs256SignatureCorrupted,
            Signature,
            "the HS256 signature (keyed with the client secret) does not verify",
        )
        .setup(Setup::Hs256)
        .mirrors("oidcc-client-test-invalid-sig-hs256"),
        CatalogEntry::new(
            Fault::Hs256KeyConfusion,
            Signature,
            "HS256 keyed with the provider's RSA public key (key confusion)",
        )
        .note("rejected whether or not the relying party accepts HS256: the MAC key must be the client secret, never a key from the JWK Set"),
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
            Fault::KidAbsentMultipleKeys,
            Signature,
            "no `kid` in the header while the JWK Set has two keys for the algorithm",
        )
        .mirrors("oidcc-client-test-kid-absent-multiple-jwks")
        .note("Core §10.1 requires a kid when there are several keys; the OpenID Foundation suite also passes a relying party that tries every key"),
        CatalogEntry::new(
            Fault::KeyRotated,
            Signature,
            "nothing: the key rotated just before signing, so the `kid` is new",
        )
        .accept()
        .mirrors("oidcc-client-test-signing-key-rotation-just-before-signing")
        .note("a correct relying party fetches the JWK Set again on an unknown kid (Core §10.1.1)"),
        CatalogEntry::new(
            Fault::KeyRotated,
            Signature,
            "nothing: the key rotated after a first sign-in, so the cached JWK Set lacks the `kid`",
        )
        .named("key_rotated_after_sign_in")
        .accept()
        .setup(Setup::SignInTwice)
        .mirrors("oidcc-client-test-signing-key-rotation"),
        CatalogEntry::new(
            Fault::MalformedJwt,
            Signature,
            "the ID token's claims segment is not a JSON object",
        ),
    ]
}

fn protocol_entries() -> Vec<CatalogEntry> {
    use Group::*;
    vec![
        CatalogEntry::new(
            Fault::AtHashWrong,
            Hashes,
            "`at_hash` does not match the access token",
        )
        .flows(&IMPLICIT)
        .mirrors("oidcc-client-test-invalid-athash"),
        CatalogEntry::new(
            Fault::AtHashMissing,
            Hashes,
            "no `at_hash` beside an access token",
        )
        .flows(&IMPLICIT)
        .mirrors("oidcc-client-test-missing-athash"),
        CatalogEntry::new(
            Fault::CHashWrong,
            Hashes,
            "`c_hash` does not match the code",
        )
        .flows(&HYBRID)
        .mirrors("oidcc-client-test-invalid-chash"),
        CatalogEntry::new(Fault::CHashMissing, Hashes, "no `c_hash` beside a code")
            .flows(&HYBRID)
            .mirrors("oidcc-client-test-missing-chash"),
        CatalogEntry::new(
            Fault::HybridSubDiffers,
            Hybrid,
            "the token-endpoint ID token's `sub` differs from the authorization-endpoint one's",
        )
        .flows(&HYBRID),
        CatalogEntry::new(
            Fault::HybridIssDiffers,
            Hybrid,
            "the token-endpoint ID token's `iss` differs from the authorization-endpoint one's",
        )
        .flows(&HYBRID),
        CatalogEntry::new(
            Fault::UserinfoSubChanged,
            Userinfo,
            "userinfo `sub` differs from the ID token's",
        )
        .mirrors("oidcc-client-test-userinfo-invalid-sub"),
        CatalogEntry::new(
            Fault::UserinfoWrongContentType,
            Userinfo,
            "userinfo answers `text/plain` instead of `application/json`",
        ),
        CatalogEntry::new(
            Fault::DiscoveryIssuerMismatch,
            Discovery,
            "the metadata `issuer` is not the URL the document was fetched from",
        )
        .setup(Setup::Discovery)
        .mirrors("oidcc-client-test-discovery-issuer-mismatch"),
        CatalogEntry::new(
            Fault::DiscoveryIssuerTrailingSlash,
            Discovery,
            "the metadata `issuer` differs from the discovery URL by a trailing slash",
        )
        .setup(Setup::Discovery),
        CatalogEntry::new(
            Fault::JwksUriRandom,
            Discovery,
            "nothing: `jwks_uri` is at a random path (and `/jwks` answers 404)",
        )
        .accept()
        .setup(Setup::Discovery)
        .mirrors("oidcc-client-test-discovery-jwks-uri-keys"),
        CatalogEntry::new(
            Fault::DiscoveryPlainHttp,
            Discovery,
            "the metadata, fetched over https, sends every endpoint to plain `http://`",
        )
        .setup(Setup::DiscoveryTls)
        .note("no certification test: the OP-side discovery checks require https endpoints; a relying party that followed these would send codes, tokens and client secrets in clear text"),
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
        .named("authorize_error_access_denied"),
        CatalogEntry::new(
            Fault::AuthorizeError {
                error: "login_required".into(),
            },
            AuthorizationResponse,
            "the authorization endpoint answers `login_required`",
        )
        .named("authorize_error_login_required")
        .mirrors("oidcc-client-test-form-post-error"),
        CatalogEntry::new(
            Fault::RefreshIssChanged,
            Refresh,
            "the refreshed ID token's `iss` differs from the original's",
        )
        .flows(&TOKEN_ENDPOINT)
        .setup(Setup::Refresh)
        .mirrors("oidcc-client-test-refresh-token-invalid-issuer"),
        CatalogEntry::new(
            Fault::RefreshSubChanged,
            Refresh,
            "the refreshed ID token's `sub` differs from the original's",
        )
        .flows(&TOKEN_ENDPOINT)
        .setup(Setup::Refresh)
        .mirrors("oidcc-client-test-refresh-token-invalid-sub"),
    ]
}

fn transport_entries() -> Vec<CatalogEntry> {
    use Group::Transport;
    let server_error = |endpoint| Fault::ServerError {
        endpoint,
        status: 500,
    };
    let closed = |endpoint| Fault::ConnectionClosed { endpoint };
    vec![
        CatalogEntry::new(
            Fault::Delay {
                millis: 200,
                endpoint: None,
            },
            Transport,
            "nothing: every endpoint answers after 200 ms",
        )
        .named("delay")
        .accept(),
        CatalogEntry::new(
            server_error(Endpoint::Token),
            Transport,
            "the token endpoint answers 500",
        )
        .named("token_server_error")
        .flows(&TOKEN_ENDPOINT),
        CatalogEntry::new(
            server_error(Endpoint::Jwks),
            Transport,
            "the JWK Set answers 500",
        )
        .named("jwks_server_error")
        .setup(Setup::ForceKeyFetch),
        CatalogEntry::new(
            server_error(Endpoint::Userinfo),
            Transport,
            "userinfo answers 500",
        )
        .named("userinfo_server_error"),
        CatalogEntry::new(
            closed(Endpoint::Token),
            Transport,
            "the token endpoint closes the connection without answering",
        )
        .named("token_connection_closed")
        .flows(&TOKEN_ENDPOINT),
        CatalogEntry::new(
            closed(Endpoint::Jwks),
            Transport,
            "the JWK Set closes the connection without answering",
        )
        .named("jwks_connection_closed")
        .setup(Setup::ForceKeyFetch),
        CatalogEntry::new(
            closed(Endpoint::Userinfo),
            Transport,
            "userinfo closes the connection without answering",
        )
        .named("userinfo_connection_closed"),
    ]
}

fn entra_entries() -> Vec<CatalogEntry> {
    use Group::Entra;
    vec![
        CatalogEntry::new(
            Fault::EntraCommonIssuer,
            Entra,
            "nothing: the tenant's metadata `issuer` is Entra's `{tenantid}` template (as at `common`), tokens carry the real `iss`",
        )
        .accept()
        .setup(Setup::EntraCommon)
        .note("breaks Discovery §4.3 as Entra's common endpoint does; a relying party resolves the template from `tid` and checks the tenant against its allow-list"),
        CatalogEntry::new(
            Fault::EntraForeignTenant,
            Entra,
            "the token comes from a tenant not on the allow-list (`tid` and `iss` name another tenant)",
        )
        .setup(Setup::EntraCommon),
        CatalogEntry::new(
            Fault::GroupsOverage,
            Entra,
            "groups overage: `groups` replaced by `_claim_names`/`_claim_sources` (a Graph endpoint, no token)",
        )
        .setup(Setup::EntraGroups),
        CatalogEntry::new(
            Fault::HasGroups,
            Entra,
            "groups overage, implicit shape: `groups` replaced by `hasgroups: true`",
        )
        .setup(Setup::EntraGroups),
        CatalogEntry::new(
            Fault::EntraEmailUnverified,
            Entra,
            "`email` unverified: `xms_edov: false` (Entra never sends `email_verified`)",
        )
        .setup(Setup::EntraEmailBinding)
        .note("the nOAuth account takeover: whoever controls a tenant can put any address in `email`; binding an existing account by it hands that account over"),
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
    fn the_all_lists_hold_every_variant_once() {
        // Exhaustive matches: a new variant fails to compile here until it is placed.
        let setup = |s: Setup| match s {
            Setup::None => 0,
            Setup::MaxAge => 1,
            Setup::Es256 => 2,
            Setup::Hs256 => 3,
            Setup::SignInTwice => 4,
            Setup::ForceKeyFetch => 5,
            Setup::Discovery => 6,
            Setup::DiscoveryTls => 7,
            Setup::Refresh => 8,
            Setup::EntraCommon => 9,
            Setup::EntraGroups => 10,
            Setup::EntraEmailBinding => 11,
        };
        let positions: Vec<usize> = Setup::ALL.iter().map(|s| setup(*s)).collect();
        assert_eq!(positions, (0..Setup::ALL.len()).collect::<Vec<_>>());
        let group = |g: Group| match g {
            Group::IdTokenClaims => 0,
            Group::Signature => 1,
            Group::Hashes => 2,
            Group::Hybrid => 3,
            Group::Userinfo => 4,
            Group::Discovery => 5,
            Group::AuthorizationResponse => 6,
            Group::Transport => 7,
            Group::Refresh => 8,
            Group::Entra => 9,
        };
        let positions: Vec<usize> = Group::ALL.iter().map(|g| group(*g)).collect();
        assert_eq!(positions, (0..Group::ALL.len()).collect::<Vec<_>>());
    }

    #[test]
    fn setup_and_group_lists_are_complete() {
        for e in catalog() {
            assert!(Setup::ALL.contains(&e.setup), "{}", e.name);
            assert!(Group::ALL.contains(&e.group), "{}", e.name);
            let json = serde_json::to_value(e.setup).unwrap();
            assert_eq!(json, e.setup.as_str());
        }
    }

    #[test]
    fn flow_names_round_trip() {
        for f in FlowKind::ALL {
            assert_eq!(FlowKind::parse(f.as_str()), Some(f));
        }
    }
}
