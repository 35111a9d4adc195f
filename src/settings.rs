//! Provider settings: the "OpenID Providers" form — display name, issuer identifier (with its
//! rules), active flag, client credentials, identity claim and scopes, icon, flow and
//! endpoints — and their checks, run once when settings are saved.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// A client secret: `Debug` never shows it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    ///
    /// ```
    /// let s = relying_party::settings::Secret::new("hunter2");
    /// assert_eq!(format!("{s:?}"), "Secret(***)");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the token request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The claim that identifies the user at the provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityClaim {
    /// `sub`: unique per issuer (pairwise per client at Entra ID).
    #[default]
    Sub,
    /// `oid`: Entra ID's object id, the same across applications of a tenant.
    Oid,
}

impl IdentityClaim {
    /// The claim name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sub => "sub",
            Self::Oid => "oid",
        }
    }
}

/// The scopes the form's "Scope for User Identity" offers.
const IDENTITY_SCOPES: [&str; 2] = ["email", "profile"];

/// The five flows of the settings form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Authorization code flow (the default), with PKCE and the client secret.
    #[default]
    AuthorizationCode,
    /// Implicit flow, response POSTed by the browser (`form_post`).
    ImplicitFormPost,
    /// Implicit flow, response in the URL fragment.
    ImplicitFragment,
    /// Hybrid flow, response POSTed by the browser (`form_post`).
    HybridFormPost,
    /// Hybrid flow, response in the URL fragment.
    HybridFragment,
}

impl Flow {
    /// Every flow, in the form's order.
    pub const ALL: [Flow; 5] = [
        Self::AuthorizationCode,
        Self::ImplicitFormPost,
        Self::ImplicitFragment,
        Self::HybridFormPost,
        Self::HybridFragment,
    ];

    /// Whether the token endpoint is needed (code and hybrid flows).
    pub fn needs_token_endpoint(self) -> bool {
        !matches!(self, Self::ImplicitFormPost | Self::ImplicitFragment)
    }

    /// The response mode the flow requests.
    pub fn response_mode(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "query",
            Self::ImplicitFormPost | Self::HybridFormPost => "form_post",
            Self::ImplicitFragment | Self::HybridFragment => "fragment",
        }
    }

    /// The response types this flow may use, the default first.
    pub fn response_types(self) -> &'static [&'static str] {
        match self {
            Self::AuthorizationCode => &["code"],
            Self::ImplicitFormPost | Self::ImplicitFragment => &["id_token token", "id_token"],
            Self::HybridFormPost | Self::HybridFragment => {
                &["code id_token", "code token", "code id_token token"]
            }
        }
    }

    /// A readable name.
    pub fn label(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "Authorization Code Flow",
            Self::ImplicitFormPost => "Implicit Flow (Form Post)",
            Self::ImplicitFragment => "Implicit Flow (Fragment)",
            Self::HybridFormPost => "Hybrid Flow (Form Post)",
            Self::HybridFragment => "Hybrid Flow (Fragment)",
        }
    }
}

/// Microsoft Entra ID specifics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntraSettings {
    /// Tenant ids (`tid`) allowed to sign in; empty means only the issuer's own tenant.
    #[serde(default)]
    pub allowed_tenants: Vec<String>,
    /// Treat `email` as verified only when `xms_edov` is true (Entra never sends
    /// `email_verified`).
    #[serde(default = "yes")]
    pub trust_xms_edov: bool,
}

fn yes() -> bool {
    true
}

/// One provider's settings, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// The name on the sign-in page; also the provider's key.
    pub name: String,
    /// The issuer identifier, compared byte for byte. For multi-tenant Entra ID it may hold
    /// the `{tenantid}` template.
    pub issuer: String,
    /// Inactive providers are hidden from the sign-in page and their callbacks refused.
    #[serde(default = "yes")]
    pub active: bool,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// `sub` or `oid`.
    #[serde(default)]
    pub identity_claim: IdentityClaim,
    /// `email`, `profile`, or both; `openid` is always requested.
    #[serde(default = "default_scopes")]
    pub identity_scopes: Vec<String>,
    /// An icon URL shown beside the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The flow.
    #[serde(default)]
    pub flow: Flow,
    /// The response type within the flow's family; the flow's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// Where the metadata document is, when not at `{issuer}/.well-known/openid-configuration`:
    /// Entra ID's multi-tenant document (`.../common/v2.0/.well-known/openid-configuration`),
    /// whose `issuer` is the `{tenantid}` template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// Ask for `offline_access` (a refresh token) so the session can be refreshed; code and
    /// hybrid flows only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline_access: bool,
    /// Authorization endpoint.
    #[serde(default)]
    pub authorization_endpoint: String,
    /// Token endpoint (required by code and hybrid flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// How the client authenticates at the token endpoint; autoconfiguration picks
    /// `client_secret_post` when the provider offers only that.
    #[serde(default, skip_serializing_if = "TokenAuthMethod::is_basic")]
    pub token_endpoint_auth_method: TokenAuthMethod,
    /// Userinfo endpoint; called after a valid ID token when an access token is at hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// JWK Set location.
    #[serde(default)]
    pub jwks_uri: String,
    /// Signing algorithms accepted for ID tokens. `none` is never accepted.
    #[serde(default = "default_algs")]
    pub allowed_algs: Vec<String>,
    /// The provider's flavour, where one of its documented quirks needs accepting (Google's
    /// scheme-less `iss`); autoconfiguration proposes it from the discovery document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavour: Option<crate::flavour::ProviderFlavour>,
    /// Google specifics (other clients of the project allowed in `azp`); only with the
    /// flavour google.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google: Option<crate::flavour::GoogleSettings>,
    /// Entra ID specifics, when the provider is Entra ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entra: Option<EntraSettings>,
    /// User binding rules.
    #[serde(default)]
    pub binding: crate::users::BindingRules,
    /// User creation rules.
    #[serde(default)]
    pub creation: crate::users::CreationRules,
    /// Role mapping rules.
    #[serde(default)]
    pub role_mapping: crate::users::RoleMapping,
}

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1, Core §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuthMethod {
    /// The id and secret in an HTTP Basic `Authorization` header (the default).
    #[default]
    ClientSecretBasic,
    /// The id and secret as `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

impl TokenAuthMethod {
    /// The name discovery documents use.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }

    fn is_basic(&self) -> bool {
        *self == Self::ClientSecretBasic
    }
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

fn default_algs() -> Vec<String> {
    vec![
        "RS256".into(),
        "PS256".into(),
        "ES256".into(),
        "EdDSA".into(),
    ]
}

/// Algorithms the validator can verify.
pub const SUPPORTED_ALGS: [&str; 5] = ["RS256", "PS256", "ES256", "EdDSA", "HS256"];

/// A settings field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SettingsError {
    /// The field, as named on the form.
    pub field: &'static str,
    /// The rule broken, as "expected X, found Y".
    pub problem: String,
}

fn err(field: &'static str, problem: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        problem: problem.into(),
    }
}

fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => *d == "localhost",
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Checks an issuer identifier: a case-sensitive URL with the `https` scheme, a host, an
/// optional port and path, and no query or fragment (OpenID Connect Discovery §2, Core §1.2).
/// Plain `http` passes only for a loopback host in development mode. The `{tenantid}`
/// template of multi-tenant Entra ID is checked with a tenant id in its place.
pub fn check_issuer(issuer: &str, dev_mode: bool) -> Result<(), SettingsError> {
    let field = "issuer";
    let probe = issuer.replace("{tenantid}", "00000000-0000-0000-0000-000000000000");
    if issuer.trim() != issuer || issuer.is_empty() {
        return Err(err(
            field,
            format!("expected a URL without surrounding spaces, found \"{issuer}\""),
        ));
    }
    let url = url::Url::parse(&probe).map_err(|e| {
        err(
            field,
            format!("expected an absolute URL, found \"{issuer}\" ({e})"),
        )
    })?;
    let host = url.host().ok_or_else(|| {
        err(
            field,
            format!("expected a host, found none in \"{issuer}\""),
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if dev_mode && is_loopback_host(&host) => {}
        "http" if !dev_mode => {
            return Err(err(
                field,
                format!(
                    "expected the https scheme, found http in \"{issuer}\" (plain http is accepted only for loopback hosts in development mode: start the relying party with --dev, or set dev_mode = true under [server] in its configuration)"
                ),
            ));
        }
        "http" => {
            return Err(err(
                field,
                format!(
                    "expected https, or http with a loopback host in development mode; found host \"{host}\""
                ),
            ));
        }
        other => {
            return Err(err(
                field,
                format!("expected the https scheme, found \"{other}\""),
            ));
        }
    }
    if probe.contains('?') {
        return Err(err(
            field,
            format!("expected no query component, found one in \"{issuer}\""),
        ));
    }
    if probe.contains('#') {
        return Err(err(
            field,
            format!("expected no fragment component, found one in \"{issuer}\""),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err(field, "expected no user name or password in the URL"));
    }
    Ok(())
}

fn check_endpoint(field: &'static str, value: &str, dev_mode: bool) -> Result<(), SettingsError> {
    let url = url::Url::parse(value).map_err(|e| {
        err(
            field,
            format!("expected an absolute URL, found \"{value}\" ({e})"),
        )
    })?;
    let loopback = url.host().is_some_and(|h| is_loopback_host(&h));
    match url.scheme() {
        "https" => Ok(()),
        "http" if dev_mode && loopback => Ok(()),
        s => Err(err(
            field,
            format!(
                "expected an https URL (http only for loopback in development mode), found scheme \"{s}\" in \"{value}\""
            ),
        )),
    }
}

impl ProviderSettings {
    /// The response type sent: the configured one, else the flow's default.
    pub fn response_type(&self) -> &str {
        self.response_type
            .as_deref()
            .unwrap_or(self.flow.response_types()[0])
    }

    /// Where autoconfiguration and validation read the provider's metadata.
    pub fn metadata_location(&self) -> String {
        self.discovery_url
            .clone()
            .unwrap_or_else(|| metadata_url(&self.issuer))
    }

    /// The scopes requested: `openid`, the identity scopes, the scopes beyond `email` and
    /// `profile` that active binding and creation rows name (when those rules are on), and the
    /// scopes the active role mapping rows name (a role claim lives in a scope configured at
    /// the provider).
    pub fn scopes(&self) -> Vec<String> {
        let mut out = vec!["openid".to_owned()];
        // The identity-scope choice governs `email` and `profile` only (it offers nothing
        // else), so a binding or creation row on another scope (`phone`, `address`, a custom
        // one) would otherwise never see its claim.
        let rule_rows = self
            .binding
            .rows
            .iter()
            .filter(|_| self.binding.enabled)
            .map(|r| (r.active, &r.scope))
            .chain(
                self.creation
                    .rows
                    .iter()
                    .filter(|_| self.creation.enabled)
                    .map(|r| (r.active, &r.scope)),
            )
            .filter(|(active, scope)| *active && !IDENTITY_SCOPES.contains(&scope.as_str()))
            .map(|(_, scope)| scope);
        let roles = self
            .role_mapping
            .rows
            .iter()
            .filter(|r| self.role_mapping.roles_from_provider && r.active)
            .map(|r| &r.scope);
        for s in self
            .identity_scopes
            .iter()
            .chain(rule_rows)
            .chain(roles)
            .cloned()
        {
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
        if self.offline_access {
            out.push("offline_access".to_owned());
        }
        out
    }

    /// Every rule of the form, checked when settings are saved. All problems are reported.
    pub fn check(&self, dev_mode: bool) -> Vec<SettingsError> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(err("name", "expected a display name, found an empty one"));
        }
        if let Err(e) = check_issuer(&self.issuer, dev_mode) {
            problems.push(e);
        }
        if self.client_id.is_empty() {
            problems.push(err(
                "client_id",
                "expected the client id registered at the provider, found an empty one",
            ));
        }
        for s in &self.identity_scopes {
            if !IDENTITY_SCOPES.contains(&s.as_str()) {
                problems.push(err(
                    "identity_scopes",
                    format!("expected email and/or profile, found \"{s}\""),
                ));
            }
        }
        if !self.flow.response_types().contains(&self.response_type()) {
            problems.push(err(
                "response_type",
                format!(
                    "expected one of {} for {}, found \"{}\"",
                    self.flow.response_types().join(", "),
                    self.flow.label(),
                    self.response_type()
                ),
            ));
        }
        if self.authorization_endpoint.is_empty() {
            problems.push(err(
                "authorization_endpoint",
                "expected a URL, found none (run autoconfiguration or fill it in)",
            ));
        } else if let Err(e) = check_endpoint(
            "authorization_endpoint",
            &self.authorization_endpoint,
            dev_mode,
        ) {
            problems.push(e);
        }
        match (&self.token_endpoint, self.flow.needs_token_endpoint()) {
            (None, true) => problems.push(err(
                "token_endpoint",
                format!("expected a token endpoint: {} needs one", self.flow.label()),
            )),
            (Some(t), _) => {
                if let Err(e) = check_endpoint("token_endpoint", t, dev_mode) {
                    problems.push(e);
                }
            }
            (None, false) => {}
        }
        if self.offline_access && !self.flow.needs_token_endpoint() {
            problems.push(err(
                "offline_access",
                format!(
                    "expected a flow with a token endpoint to redeem a refresh token, found {}",
                    self.flow.label()
                ),
            ));
        }
        if self.flow.needs_token_endpoint() && self.client_secret.is_none() {
            problems.push(err(
                "client_secret",
                format!(
                    "expected a client secret: {} authenticates at the token endpoint",
                    self.flow.label()
                ),
            ));
        }
        if self.jwks_uri.is_empty() {
            problems.push(err("jwks_uri", "expected the JWK Set location, found none"));
        } else if let Err(e) = check_endpoint("jwks_uri", &self.jwks_uri, dev_mode) {
            problems.push(e);
        }
        if let Some(u) = &self.userinfo_endpoint
            && let Err(e) = check_endpoint("userinfo_endpoint", u, dev_mode)
        {
            problems.push(e);
        }
        if let Some(u) = &self.discovery_url
            && let Err(e) = check_endpoint("discovery_url", u, dev_mode)
        {
            problems.push(e);
        }
        if self.allowed_algs.is_empty() {
            problems.push(err(
                "allowed_algs",
                "expected at least one signing algorithm",
            ));
        }
        for a in &self.allowed_algs {
            if !SUPPORTED_ALGS.contains(&a.as_str()) {
                problems.push(err(
                    "allowed_algs",
                    format!(
                        "expected one of {}, found \"{a}\" (none is never accepted)",
                        SUPPORTED_ALGS.join(", ")
                    ),
                ));
            }
        }
        if a_hmac_without_secret(self) {
            problems.push(err(
                "allowed_algs",
                "HS256 needs a client secret to verify with",
            ));
        }
        match &self.entra {
            None if self.issuer.contains("{tenantid}") => problems.push(err(
                "issuer",
                "the {tenantid} template is only meaningful for Entra ID: add [entra] settings",
            )),
            // Microsoft's multi-tenant rule: the template resolves any tenant, so the tenants
            // allowed must be listed; issuer validation is never just switched off.
            Some(e) if self.issuer.contains("{tenantid}") && e.allowed_tenants.is_empty() => {
                problems.push(err(
                    "entra",
                    "expected allowed_tenants with the {tenantid} issuer template, found none (every Entra tenant could sign in)",
                ))
            }
            _ => {}
        }
        // Refused on save rather than ignored at sign-in: a list that could never apply
        // would read as if it did.
        if let Some(problem) = self.google.as_ref().and_then(|g| g.problem(self.flavour)) {
            problems.push(err("google.authorized_parties", problem));
        }
        if self.identity_claim == IdentityClaim::Oid
            && !self.identity_scopes.iter().any(|s| s == "profile")
        {
            problems.push(err(
                "identity_scopes",
                "expected profile among the scopes: Entra ID sends oid only with the profile scope",
            ));
        }
        problems.extend(
            self.binding
                .validate()
                .err()
                .map(|e| err("binding", e.to_string())),
        );
        problems.extend(
            self.creation
                .validate()
                .err()
                .map(|e| err("creation", e.to_string())),
        );
        problems.extend(
            self.role_mapping
                .validate()
                .err()
                .map(|e| err("role_mapping", e.to_string())),
        );
        problems
    }
}

fn a_hmac_without_secret(s: &ProviderSettings) -> bool {
    s.allowed_algs.iter().any(|a| a == "HS256") && s.client_secret.is_none()
}

/// Where the metadata document of `issuer` lives (Discovery §4.1); settings and
/// discovery both need it, so it lives here, below discovery.
pub fn metadata_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_rules() {
        assert!(check_issuer("https://login.example.com/tenant", false).is_ok());
        assert!(check_issuer("https://login.example.com:8443", false).is_ok());
        let e = check_issuer("http://login.example.com", false).unwrap_err();
        assert!(e.problem.contains("expected the https scheme"), "{e}");
        assert!(check_issuer("http://127.0.0.1:9090/acme", true).is_ok());
        assert!(check_issuer("http://localhost:9090/acme", true).is_ok());
        let e = check_issuer("http://idp.example.com/acme", true).unwrap_err();
        assert!(e.problem.contains("loopback"), "{e}");
        let e = check_issuer("https://idp.example.com/?x=1", false).unwrap_err();
        assert!(e.problem.contains("no query"), "{e}");
        let e = check_issuer("https://idp.example.com/?", false).unwrap_err();
        assert!(e.problem.contains("no query"), "{e}");
        let e = check_issuer("https://idp.example.com/#f", false).unwrap_err();
        assert!(e.problem.contains("no fragment"), "{e}");
        let e = check_issuer("ftp://idp.example.com", false).unwrap_err();
        assert!(e.problem.contains("found \"ftp\""), "{e}");
        assert!(check_issuer("idp.example.com", false).is_err());
        assert!(check_issuer("https://login.microsoftonline.com/{tenantid}/v2.0", false).is_ok());
    }

    #[test]
    fn active_rows_beyond_the_identity_scopes_have_their_scopes_requested() {
        let mut settings: ProviderSettings = serde_json::from_value(serde_json::json!({
            "name": "Acme",
            "issuer": "https://idp.example.com",
            "client_id": "rp",
            "identity_scopes": ["email"],
            "binding": {"enabled": true, "rows": [
                {"user_field": "phone", "claim_type": "phone_number", "scope": "phone"},
                {"user_field": "first_name", "claim_type": "given_name", "scope": "profile"},
                {"active": false, "user_field": "email", "claim_type": "email", "scope": "corp"}
            ]},
            "creation": {"enabled": false, "user_type": "employee", "rows": [
                {"user_field": "email", "claim_type": "email", "scope": "address"}
            ]}
        }))
        .expect("settings");
        // profile stays governed by the identity scopes; the inactive row and the rules that
        // are off add nothing.
        assert_eq!(settings.scopes(), ["openid", "email", "phone"]);
        settings.binding.enabled = false;
        assert_eq!(settings.scopes(), ["openid", "email"]);
    }

    #[test]
    fn flows_know_their_response_types_and_modes() {
        assert_eq!(Flow::ImplicitFragment.response_types()[0], "id_token token");
        assert_eq!(Flow::HybridFormPost.response_types()[0], "code id_token");
        assert_eq!(Flow::HybridFragment.response_mode(), "fragment");
        assert!(!Flow::ImplicitFormPost.needs_token_endpoint());
        assert!(Flow::HybridFragment.needs_token_endpoint());
    }
}
