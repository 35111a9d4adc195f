//! The conformance run's TOML configuration: which mock IdP to use (embedded or already
//! running), the client registered for the application, and per flow the application's
//! sign-in URL and how to recognise a successful sign-in. Typed, checked once at load, with
//! errors that name the file, the field and the fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mock_idp::catalog::FlowKind;
// One shape of configuration error for the mock IdP's file and this one: file, field,
// problem, fix.
pub use mock_idp::ConfigError;
use mock_idp::{IdpConfig, ResponseType, User};
use serde::Deserialize;
use url::Url;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// The mock IdP.
    pub idp: IdpSection,
    /// The client registered for the application.
    pub client: ClientSection,
    /// The user signed in (sent as `{login_hint}`, or chosen on the login page).
    #[serde(default = "default_login_hint")]
    pub login_hint: String,
    /// The `id` of the element holding the application's error text on a refused sign-in.
    #[serde(default = "default_error_element")]
    pub error_element: String,
    /// The value substituted for `{max_age}` in sign-in URLs.
    #[serde(default = "default_max_age")]
    pub max_age: u32,
    /// How long to wait after the browser stops before reading the IdP's request log, for
    /// applications that call the token or userinfo endpoint in the background.
    #[serde(default = "default_settle_millis")]
    pub settle_millis: u64,
    /// How long one sign-in may take before the cell counts as not signed in.
    #[serde(default = "default_cell_timeout_secs")]
    pub cell_timeout_secs: u64,
    /// How many times a minute the application re-fetches the JWK Set on an unknown `kid`
    /// (its rate limit, if it has one): the run paces the cells that make it re-fetch so
    /// that none meets the limit. Absent: no pacing.
    #[serde(default)]
    pub jwks_refetch_per_minute: Option<u32>,
    /// The application's log file (relative to this file): each cell carries the lines the
    /// application wrote while it ran.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    /// The flows the application offers.
    pub flows: Vec<FlowSection>,
}

fn default_login_hint() -> String {
    "alice".into()
}

fn default_error_element() -> String {
    "error-code".into()
}

fn default_max_age() -> u32 {
    300
}

fn default_settle_millis() -> u64 {
    50
}

fn default_cell_timeout_secs() -> u64 {
    30
}

/// `[idp]`: exactly one of `embedded` or `external`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpSection {
    /// Start a mock IdP inside the harness.
    pub embedded: Option<EmbeddedIdp>,
    /// Use a mock IdP that is already running.
    pub external: Option<ExternalIdp>,
}

/// `[idp.embedded]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedIdp {
    /// Listen address; the application must be configured with the issuer on it.
    #[serde(default = "default_bind")]
    pub bind: String,
    /// The tenant the application's issuer names.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// A mock IdP configuration file (as `mock-idp --config` takes) supplying the tenants,
    /// relative to this file.
    pub fixture: Option<PathBuf>,
    /// Users added to the tenant.
    #[serde(default)]
    pub users: Vec<User>,
}

fn default_bind() -> String {
    "127.0.0.1:9090".into()
}

fn default_tenant() -> String {
    "acme".into()
}

/// `[idp.external]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdp {
    /// The server's base URL, e.g. `http://127.0.0.1:9090`.
    pub url: String,
    /// The tenant the application's issuer names.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// The admin API; `{url}/_admin` when absent.
    pub admin_url: Option<String>,
    /// Whether to create or replace the client at start (otherwise it must exist).
    #[serde(default = "yes")]
    pub register_client: bool,
    /// A PEM certificate to trust for the mock IdP's https (the one `mock-idp --tls`
    /// prints), relative to this file; the system's roots stay trusted.
    pub trust_certificate: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

/// `[client]`: the client registered at the mock IdP for the application.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    /// Client id.
    pub client_id: String,
    /// Client secret; a public client when absent.
    pub client_secret: Option<String>,
    /// The application's redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Response types allowed; every one when empty.
    #[serde(default)]
    pub response_types: Vec<ResponseType>,
    /// The ID-token signing algorithms the application accepts from this provider; faults
    /// that need another algorithm are skipped.
    #[serde(default = "default_algs")]
    pub id_token_algs: Vec<String>,
}

fn default_algs() -> Vec<String> {
    vec!["RS256".into()]
}

/// Algorithms the mock IdP can sign ID tokens with (HS256 only through a fault).
const KNOWN_ALGS: [&str; 4] = ["RS256", "ES256", "EdDSA", "HS256"];

impl ClientSection {
    /// Whether the application accepts ID tokens signed with `alg`.
    pub fn accepts(&self, alg: &str) -> bool {
        self.id_token_algs.iter().any(|a| a == alg)
    }
}

/// `[[flows]]`: one flow the application offers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSection {
    /// `authorization_code`, `implicit_form_post`, `implicit_fragment`, `hybrid_form_post`
    /// or `hybrid_fragment`.
    pub flow: String,
    /// Where the browser starts; `{login_hint}` is substituted.
    pub signin_url: String,
    /// The sign-in URL that makes the application send `max_age` (`{max_age}` and
    /// `{login_hint}` substituted); faults that need `max_age` are skipped without it.
    pub signin_url_max_age: Option<String>,
    /// How the harness makes the application configure this flow's provider again from the
    /// discovery document (entries whose setup is `discovery`); they are skipped without it.
    pub reconfigure: Option<Hook>,
    /// A URL the browser POSTs to, signed in, to make the application refresh its tokens
    /// (entries whose setup is `refresh`); they are skipped without it.
    pub refresh_url: Option<String>,
    /// How a successful sign-in shows.
    pub success: SuccessSection,
}

/// How the harness makes the application act outside the browser: a request to the
/// application itself, or, for an application with no endpoint for it, a command (a restart
/// that makes it read the discovery document again).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    /// The URL (exactly one of `url` and `command`).
    pub url: Option<String>,
    /// `POST` (the default), `PUT` or `GET`; with `url` only.
    #[serde(default = "default_hook_method")]
    pub method: String,
    /// A command run with `sh -c` in the harness's working folder; exit status 0 means the
    /// application took the metadata (exactly one of `url` and `command`).
    pub command: Option<String>,
}

impl std::fmt::Display for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.url, &self.command) {
            (Some(url), _) => write!(f, "{} {url}", self.method),
            (None, Some(command)) => write!(f, "command `{command}`"),
            (None, None) => f.write_str("no hook"),
        }
    }
}

fn default_hook_method() -> String {
    "POST".into()
}

/// The methods a [`Hook`] may use.
pub const HOOK_METHODS: [&str; 3] = ["POST", "PUT", "GET"];

/// `[flows.success]`: every signal given must be seen for a sign-in to count as accepted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuccessSection {
    /// The status of the page the browser lands on.
    pub status: Option<u16>,
    /// The landing URL starts with this (a path such as `/me` matches the path).
    pub url: Option<String>,
    /// A cookie of this name is held for the sign-in URL's origin.
    pub cookie: Option<String>,
    /// A JSON endpoint fetched with the browser's cookies holds a value at a JSON pointer.
    pub json: Option<JsonProbe>,
}

impl SuccessSection {
    /// Whether `status` is the only signal: it cannot tell an error page answered with the
    /// same status from the signed-in page.
    pub fn alone_is_status(&self) -> bool {
        self.status.is_some() && self.url.is_none() && self.cookie.is_none() && self.json.is_none()
    }
}

/// A JSON endpoint and the pointer that must be present (and not null) in its answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonProbe {
    /// The endpoint.
    pub url: String,
    /// An RFC 6901 JSON pointer, e.g. `/user/email`.
    pub pointer: String,
}

/// A flow ready to run.
#[derive(Debug, Clone)]
pub struct FlowUnderTest {
    /// Which flow.
    pub kind: FlowKind,
    /// Its section.
    pub section: FlowSection,
}

/// The mock IdP to use, resolved.
#[derive(Debug, Clone)]
pub enum IdpChoice {
    /// Start one: address and the full IdP configuration (tenants).
    Embedded {
        /// Listen address.
        bind: SocketAddr,
        /// The tenants.
        config: Box<IdpConfig>,
        /// The tenant used.
        tenant: String,
    },
    /// Connect to one.
    External {
        /// Base URL.
        url: Url,
        /// Admin API base.
        admin: Url,
        /// The tenant used.
        tenant: String,
        /// Whether to register the client.
        register_client: bool,
        /// The certificate to trust for its https, PEM, read at load.
        trusted_pem: Option<Vec<u8>>,
    },
}

/// A loaded and checked configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file as written.
    pub raw: CheckConfig,
    /// The IdP, resolved.
    pub idp: IdpChoice,
    /// The flows, parsed.
    pub flows: Vec<FlowUnderTest>,
    /// What is allowed but doubtful, for the report.
    pub warnings: Vec<String>,
    /// The application's log file, resolved against the configuration's folder.
    pub log_file: Option<PathBuf>,
}

struct Errors<'a> {
    file: &'a str,
}

impl Errors<'_> {
    fn err(
        &self,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    fn url(&self, field: &str, value: &str) -> Result<Url, ConfigError> {
        match Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
            Ok(u) => Err(self.err(
                field,
                format!(
                    "expected an http or https URL, found scheme \"{}\"",
                    u.scheme()
                ),
                "write the URL the browser opens, e.g. http://127.0.0.1:8080/...",
            )),
            Err(e) => Err(self.err(
                field,
                format!("expected an absolute URL, found \"{value}\" ({e})"),
                "write the full URL, e.g. http://127.0.0.1:8080/signin/acme",
            )),
        }
    }
}

/// The response types of a flow's family, for checking the client allows one.
fn family(flow: FlowKind) -> &'static [ResponseType] {
    match flow {
        FlowKind::AuthorizationCode => &[ResponseType::Code],
        FlowKind::ImplicitFormPost | FlowKind::ImplicitFragment => {
            &[ResponseType::IdToken, ResponseType::IdTokenToken]
        }
        FlowKind::HybridFormPost | FlowKind::HybridFragment => &[
            ResponseType::CodeIdToken,
            ResponseType::CodeToken,
            ResponseType::CodeIdTokenToken,
        ],
    }
}

/// Substitutes `{login_hint}` and `{max_age}` in a sign-in URL template.
pub fn fill(template: &str, login_hint: &str, max_age: u32) -> String {
    let hint: String = url::form_urlencoded::byte_serialize(login_hint.as_bytes()).collect();
    template
        .replace("{login_hint}", &hint)
        .replace("{max_age}", &max_age.to_string())
}

/// Names a position of the file by its table and line, e.g. `[client] (line 8)`: TOML
/// errors carry a span, not a field path.
fn locate(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_owned());
    match table {
        Some(t) => format!("{t} (line {line})"),
        None => format!("top level (line {line})"),
    }
}

impl CheckConfig {
    /// Reads, parses and checks a configuration file.
    pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
        let file = path.display().to_string();
        let e = Errors { file: &file };
        let text = std::fs::read_to_string(path).map_err(|err| {
            e.err(
                "(file)",
                format!("expected a readable file, found an error: {err}"),
                "pass an existing file with --config",
            )
        })?;
        let raw: CheckConfig = toml::from_str(&text).map_err(|err| {
            let field = err
                .span()
                .map(|s| locate(&text, s.start))
                .unwrap_or_else(|| "(document)".into());
            e.err(
                field,
                err.message().trim().to_owned(),
                "correct the TOML; every field is described in docs/conformance-run.md",
            )
        })?;
        raw.check(&e, path)
    }

    fn check(self, e: &Errors<'_>, path: &Path) -> Result<Loaded, ConfigError> {
        let idp = self.check_idp(e, path)?;
        let c = &self.client;
        if c.client_id.trim().is_empty() {
            return Err(e.err(
                "client.client_id",
                "expected the application's client id, found an empty string",
                "copy the client id from the application's settings",
            ));
        }
        if c.redirect_uris.is_empty() {
            return Err(e.err(
                "client.redirect_uris",
                "expected at least one redirect URI, found none",
                "list the callback URL(s) the application sends as redirect_uri",
            ));
        }
        for (i, uri) in c.redirect_uris.iter().enumerate() {
            e.url(&format!("client.redirect_uris[{i}]"), uri)?;
        }
        for (i, alg) in c.id_token_algs.iter().enumerate() {
            if !KNOWN_ALGS.contains(&alg.as_str()) {
                return Err(e.err(
                    format!("client.id_token_algs[{i}]"),
                    format!("expected one of {}, found \"{alg}\"", KNOWN_ALGS.join(", ")),
                    "list the algorithms the application accepts, spelled as in JOSE",
                ));
            }
        }
        if self.login_hint.trim().is_empty() {
            return Err(e.err(
                "login_hint",
                "expected a username, found an empty string",
                "name a user of the tenant, e.g. login_hint = \"alice\"",
            ));
        }
        if let IdpChoice::Embedded { config, tenant, .. } = &idp {
            let known = config
                .tenants
                .iter()
                .find(|t| &t.name == tenant)
                .is_some_and(|t| t.users.iter().any(|u| u.username == self.login_hint));
            if !known {
                return Err(e.err(
                    "login_hint",
                    format!(
                        "expected a user of tenant \"{tenant}\", found \"{}\" which is not one",
                        self.login_hint
                    ),
                    "add the user under [[idp.embedded.users]] or in the fixture",
                ));
            }
        }
        if self.cell_timeout_secs == 0 {
            return Err(e.err(
                "cell_timeout_secs",
                "expected a number of seconds above 0, found 0",
                "leave it out for 30 seconds, or give the longest sign-in you expect",
            ));
        }
        if self.jwks_refetch_per_minute == Some(0) {
            return Err(e.err(
                "jwks_refetch_per_minute",
                "expected a number of re-fetches a minute above 0, found 0",
                "leave it out when the application does not limit JWK Set re-fetches, or give its limit (the reference relying party allows 10)",
            ));
        }
        if self.flows.is_empty() {
            return Err(e.err(
                "flows",
                "expected at least one [[flows]] entry, found none",
                "add one [[flows]] per flow the application offers",
            ));
        }
        let mut flows: Vec<FlowUnderTest> = Vec::new();
        for (i, f) in self.flows.iter().enumerate() {
            let at = format!("flows[{i}]");
            let kind = FlowKind::parse(&f.flow).ok_or_else(|| {
                let names: Vec<_> = FlowKind::ALL.iter().map(|k| k.as_str()).collect();
                e.err(
                    format!("{at}.flow"),
                    format!("expected one of {}, found \"{}\"", names.join(", "), f.flow),
                    "use one of the flow names listed",
                )
            })?;
            if flows.iter().any(|g| g.kind == kind) {
                return Err(e.err(
                    format!("{at}.flow"),
                    format!("expected each flow once, found \"{kind}\" twice"),
                    "remove the duplicate [[flows]] entry",
                ));
            }
            if !c.response_types.is_empty()
                && !family(kind).iter().any(|rt| c.response_types.contains(rt))
            {
                return Err(e.err(
                    "client.response_types",
                    format!("expected a response type of flow {kind}, found none allowed"),
                    "add the application's response type for this flow, or remove the flow",
                ));
            }
            e.url(
                &format!("{at}.signin_url"),
                &fill(&f.signin_url, &self.login_hint, self.max_age),
            )?;
            if let Some(t) = &f.signin_url_max_age {
                if !t.contains("{max_age}") {
                    return Err(e.err(
                        format!("{at}.signin_url_max_age"),
                        format!("expected a URL containing {{max_age}}, found \"{t}\""),
                        "put {max_age} where the application takes the max_age value",
                    ));
                }
                e.url(
                    &format!("{at}.signin_url_max_age"),
                    &fill(t, &self.login_hint, self.max_age),
                )?;
            }
            if let Some(hook) = &f.reconfigure {
                match (&hook.url, &hook.command) {
                    (Some(url), None) => {
                        e.url(&format!("{at}.reconfigure.url"), url)?;
                    }
                    (None, Some(command)) if !command.trim().is_empty() => {}
                    (None, Some(_)) => {
                        return Err(e.err(
                            format!("{at}.reconfigure.command"),
                            "expected a command, found an empty string",
                            "give the command that makes the application read the discovery document again (e.g. its restart script)",
                        ));
                    }
                    (url, _) => {
                        return Err(e.err(
                            format!("{at}.reconfigure"),
                            format!(
                                "expected exactly one of url and command, found {}",
                                if url.is_some() { "both" } else { "neither" }
                            ),
                            "use url for an HTTP endpoint of the application, command for a script (e.g. a restart)",
                        ));
                    }
                }
                if !HOOK_METHODS.contains(&hook.method.as_str()) {
                    return Err(e.err(
                        format!("{at}.reconfigure.method"),
                        format!(
                            "expected one of {}, found \"{}\"",
                            HOOK_METHODS.join(", "),
                            hook.method
                        ),
                        "use the method the application's reconfiguration endpoint takes",
                    ));
                }
            }
            if let Some(url) = &f.refresh_url {
                e.url(&format!("{at}.refresh_url"), url)?;
            }
            let s = &f.success;
            if s.status.is_none() && s.url.is_none() && s.cookie.is_none() && s.json.is_none() {
                return Err(e.err(
                    format!("{at}.success"),
                    "expected at least one of status, url, cookie or json, found none",
                    "say how a signed-in user shows, e.g. success = { url = \"/me\" }",
                ));
            }
            if let Some(j) = &s.json {
                e.url(&format!("{at}.success.json.url"), &j.url)?;
                if !j.pointer.is_empty() && !j.pointer.starts_with('/') {
                    return Err(e.err(
                        format!("{at}.success.json.pointer"),
                        format!(
                            "expected a JSON pointer starting with '/', found \"{}\"",
                            j.pointer
                        ),
                        "write it like /user/email",
                    ));
                }
            }
            flows.push(FlowUnderTest {
                kind,
                section: f.clone(),
            });
        }
        let warnings = flows
            .iter()
            .filter(|f| f.section.success.alone_is_status())
            .map(|f| {
                format!(
                    "flow {}: success has only `status`, and many applications answer their error pages with {} too; add `url`, `cookie` or `json` so that a refused sign-in cannot pass for a successful one",
                    f.kind,
                    f.section.success.status.unwrap_or(200)
                )
            })
            .collect();
        let log_file = self
            .log_file
            .as_ref()
            .map(|f| path.parent().unwrap_or(Path::new(".")).join(f));
        Ok(Loaded {
            raw: self,
            idp,
            flows,
            warnings,
            log_file,
        })
    }

    fn check_idp(&self, e: &Errors<'_>, path: &Path) -> Result<IdpChoice, ConfigError> {
        match (&self.idp.embedded, &self.idp.external) {
            (Some(emb), None) => {
                let bind: SocketAddr = emb.bind.parse().map_err(|_| {
                    e.err(
                        "idp.embedded.bind",
                        format!(
                            "expected an address like 127.0.0.1:9090, found \"{}\"",
                            emb.bind
                        ),
                        "write an IP address and port",
                    )
                })?;
                let mut config = match &emb.fixture {
                    Some(fixture) => {
                        let at = path.parent().unwrap_or(Path::new(".")).join(fixture);
                        IdpConfig::load(&at).map_err(|err| {
                            e.err(
                                "idp.embedded.fixture",
                                format!("expected a valid mock IdP configuration, found: {err}"),
                                "fix the fixture file, or list users under [[idp.embedded.users]]",
                            )
                        })?
                    }
                    None => IdpConfig::default(),
                };
                let idx = match config.tenants.iter().position(|t| t.name == emb.tenant) {
                    Some(i) => i,
                    None if emb.fixture.is_some() => {
                        return Err(e.err(
                            "idp.embedded.tenant",
                            format!(
                                "expected a tenant of the fixture, found \"{}\" which it lacks",
                                emb.tenant
                            ),
                            "name one of the fixture's tenants",
                        ));
                    }
                    None => {
                        config
                            .tenants
                            .push(mock_idp::Tenant::new(emb.tenant.clone()));
                        config.tenants.len() - 1
                    }
                };
                let tenant = &mut config.tenants[idx];
                for u in &emb.users {
                    tenant.users.retain(|x| x.username != u.username);
                    tenant.users.push(u.clone());
                }
                config.validate(e.file).map_err(|err| {
                    e.err(
                        format!("idp.embedded ({})", err.field),
                        err.problem,
                        err.fix,
                    )
                })?;
                Ok(IdpChoice::Embedded {
                    bind,
                    config: Box::new(config),
                    tenant: emb.tenant.clone(),
                })
            }
            (None, Some(ext)) => {
                let url = e.url("idp.external.url", &ext.url)?;
                let admin = match &ext.admin_url {
                    Some(a) => e.url("idp.external.admin_url", a)?,
                    None => e.url(
                        "idp.external.url",
                        &format!("{}/_admin", ext.url.trim_end_matches('/')),
                    )?,
                };
                let trusted_pem = match &ext.trust_certificate {
                    None => None,
                    Some(file) => {
                        let at = path.parent().unwrap_or(Path::new(".")).join(file);
                        let fix = "point it at the certificate `mock-idp --tls` prints (relative to this file), or remove it";
                        let pem = std::fs::read(&at).map_err(|err| {
                            e.err(
                                "idp.external.trust_certificate",
                                format!("{} cannot be read: {err}", at.display()),
                                fix,
                            )
                        })?;
                        match reqwest::Certificate::from_pem_bundle(&pem) {
                            Ok(certs) if !certs.is_empty() => Some(pem),
                            _ => {
                                return Err(e.err(
                                    "idp.external.trust_certificate",
                                    format!(
                                        "expected PEM certificates in {}, found none",
                                        at.display()
                                    ),
                                    fix,
                                ));
                            }
                        }
                    }
                };
                Ok(IdpChoice::External {
                    url,
                    admin,
                    tenant: ext.tenant.clone(),
                    register_client: ext.register_client,
                    trusted_pem,
                })
            }
            (Some(_), Some(_)) => Err(e.err(
                "idp",
                "expected one of [idp.embedded] or [idp.external], found both",
                "keep the one you use",
            )),
            (None, None) => Err(e.err(
                "idp",
                "expected [idp.embedded] or [idp.external], found neither",
                "add [idp.embedded] to start a mock IdP, or [idp.external] with its url",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_the_hint_is_encoded() {
        assert_eq!(
            fill("http://a/s?h={login_hint}&m={max_age}", "a b&c", 5),
            "http://a/s?h=a+b%26c&m=5"
        );
    }

    #[test]
    fn positions_are_named_by_their_table() {
        let text = "x = 1\n[client]\n# note\nclient_scret = 2\n";
        assert_eq!(locate(text, 0), "top level (line 1)");
        assert_eq!(
            locate(text, text.find("client_scret").unwrap()),
            "[client] (line 4)"
        );
    }
}
