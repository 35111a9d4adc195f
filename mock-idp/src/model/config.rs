//! The server's TOML configuration (`fixtures/idp.toml`): typed, validated once at load,
//! with errors that name the file, the field and the fix.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::limits::Limits;
use crate::model::tenant::{Flavour, Tenant};
use crate::tokens::jwks::SigningKey;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpConfig {
    /// Server settings; command-line flags override them.
    #[serde(default)]
    pub server: ServerSection,
    /// The tenants, one issuer each.
    #[serde(default)]
    pub tenants: Vec<Tenant>,
}

/// `[server]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on, e.g. `127.0.0.1:9090`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// Public base URL the issuers hang off (behind a proxy or in a container network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_base_url: Option<String>,
    /// A folder the admin API may read tenant key files from, besides the configuration
    /// file's own (relative to that file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_dir: Option<PathBuf>,
    /// How much clients can make the server hold.
    #[serde(default)]
    pub limits: Limits,
}

/// A configuration problem: which file, which field, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {problem}; fix: {fix}")]
pub struct ConfigError {
    /// The file (or `builder` / `admin API` for configuration made in code or over HTTP).
    pub file: String,
    /// The field path, e.g. `tenants[0].clients[1].redirect_uris[0]`.
    pub field: String,
    /// What is wrong, as "expected X, found Y" where that fits.
    pub problem: String,
    /// What to change.
    pub fix: String,
}

impl ConfigError {
    pub(crate) fn new(
        file: &str,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl IdpConfig {
    /// Reads, parses and validates a config file; key files are resolved relative to it.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(
                &file,
                "(file)",
                format!("cannot be read: {e}"),
                "pass an existing file with --config",
            )
        })?;
        let mut config: IdpConfig = toml::from_str(&text).map_err(|e| {
            let field = e
                .span()
                .map(|s| {
                    let line = text[..s.start].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "(document)".into());
            ConfigError::new(
                &file,
                field,
                e.message().to_owned(),
                "correct the TOML; the fields are documented in fixtures/idp.toml",
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(dir) = config.server.key_dir.as_mut()
            && dir.is_relative()
        {
            *dir = base.join(&*dir);
        }
        for tenant in &mut config.tenants {
            for key in &mut tenant.keys {
                if key.file.is_relative() {
                    key.file = base.join(&key.file);
                }
            }
        }
        config.validate(&file)?;
        Ok(config)
    }

    /// Checks every rule that does not need a running server.
    pub fn validate(&self, file: &str) -> Result<(), ConfigError> {
        self.server.limits.validate().map_err(|e| {
            ConfigError::new(file, format!("server.limits.{}", e.field), e.problem, e.fix)
        })?;
        let mut paths = HashSet::new();
        let mut names = HashSet::new();
        for (i, tenant) in self.tenants.iter().enumerate() {
            validate_tenant(tenant, file, &format!("tenants[{i}]"))?;
            if !names.insert(tenant.name.clone()) {
                return Err(ConfigError::new(
                    file,
                    format!("tenants[{i}].name"),
                    format!(
                        "expected a unique tenant name, found \"{}\" twice",
                        tenant.name
                    ),
                    "rename one of the tenants",
                ));
            }
            if !paths.insert(tenant.path()) {
                return Err(ConfigError::new(
                    file,
                    format!("tenants[{i}]"),
                    format!(
                        "expected a unique issuer path, found \"{}\" twice",
                        tenant.path()
                    ),
                    "give each tenant its own issuer path (Entra tenant_id, Okta org and authorization_server, Keycloak realm)",
                ));
            }
        }
        Ok(())
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check_uri(file: &str, field: &str, uri: &str) -> Result<(), ConfigError> {
    match url::Url::parse(uri) {
        Ok(u) if u.fragment().is_some() => Err(ConfigError::new(
            file,
            field,
            format!("expected a URI without a fragment, found \"{uri}\""),
            "remove the #fragment (OAuth 2.0 §3.1.2)",
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(ConfigError::new(
            file,
            field,
            format!("expected an absolute URI, found \"{uri}\" ({e})"),
            "write the full URI, e.g. http://127.0.0.1:3000/callback",
        )),
    }
}

fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// The flavour's fields that become segments of the issuer path.
fn flavour_segments(flavour: &Flavour) -> Vec<(&'static str, &str)> {
    match flavour {
        Flavour::Okta {
            org,
            authorization_server,
        } => {
            let mut out = vec![("org", org.as_str())];
            if let Some(s) = authorization_server {
                out.push(("authorization_server", s.as_str()));
            }
            out
        }
        Flavour::Keycloak { realm } => vec![("realm", realm.as_str())],
        Flavour::Standard | Flavour::Entra { .. } | Flavour::Google | Flavour::Auth0 => Vec::new(),
    }
}

/// Checks one tenant; `at` is the field path of the tenant.
pub(crate) fn validate_tenant(tenant: &Tenant, file: &str, at: &str) -> Result<(), ConfigError> {
    let reserved = ["_admin", "healthz", ""];
    if reserved.contains(&tenant.name.as_str())
        || !tenant
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(ConfigError::new(
            file,
            format!("{at}.name"),
            format!(
                "expected a path segment of letters, digits, '-', '_' or '.', not _admin or healthz, found \"{}\"",
                tenant.name
            ),
            "choose a name like \"acme\"",
        ));
    }
    if let Flavour::Entra { tenant_id } = &tenant.flavour
        && !is_guid(tenant_id)
    {
        return Err(ConfigError::new(
            file,
            format!("{at}.flavour.tenant_id"),
            format!("expected a GUID, found \"{tenant_id}\""),
            "use a GUID such as 9122040d-6c67-4c5b-b112-36a304b66dad",
        ));
    }
    for (field, segment) in flavour_segments(&tenant.flavour) {
        if !is_segment(segment) {
            return Err(ConfigError::new(
                file,
                format!("{at}.flavour.{field}"),
                format!(
                    "expected a path segment of letters, digits, '-', '_' or '.', found \"{segment}\""
                ),
                "choose a name like \"acme\"",
            ));
        }
    }
    let mut usernames = HashSet::new();
    for (j, user) in tenant.users.iter().enumerate() {
        if user.username.is_empty() || !usernames.insert(user.username.as_str()) {
            return Err(ConfigError::new(
                file,
                format!("{at}.users[{j}].username"),
                format!(
                    "expected a unique, non-empty username, found \"{}\"",
                    user.username
                ),
                "give every user its own username",
            ));
        }
    }
    let user_exists = |name: &str| usernames.contains(name);
    if let Some(name) = &tenant.auto_login
        && !user_exists(name)
    {
        return Err(ConfigError::new(
            file,
            format!("{at}.auto_login"),
            format!("expected the username of a user of this tenant, found \"{name}\""),
            "add the user or correct the name",
        ));
    }
    let mut ids = HashSet::new();
    for (j, client) in tenant.clients.iter().enumerate() {
        let cat = format!("{at}.clients[{j}]");
        if client.client_id.as_str().is_empty() || !ids.insert(client.client_id.as_str()) {
            return Err(ConfigError::new(
                file,
                format!("{cat}.client_id"),
                format!(
                    "expected a unique, non-empty client_id, found \"{}\"",
                    client.client_id
                ),
                "give every client its own client_id",
            ));
        }
        for (k, uri) in client.redirect_uris.iter().enumerate() {
            check_uri(file, &format!("{cat}.redirect_uris[{k}]"), uri)?;
        }
        for (k, uri) in client.post_logout_redirect_uris.iter().enumerate() {
            check_uri(file, &format!("{cat}.post_logout_redirect_uris[{k}]"), uri)?;
        }
        if let Some(name) = &client.auto_login
            && !user_exists(name)
        {
            return Err(ConfigError::new(
                file,
                format!("{cat}.auto_login"),
                format!("expected the username of a user of this tenant, found \"{name}\""),
                "add the user or correct the name",
            ));
        }
        if client.is_public()
            && client
                .token_endpoint_auth_method
                .is_some_and(|m| m != crate::model::types::AuthMethod::None)
        {
            return Err(ConfigError::new(
                file,
                format!("{cat}.token_endpoint_auth_method"),
                "expected \"none\" for a client without client_secret",
                "add a client_secret or set token_endpoint_auth_method = \"none\"",
            ));
        }
    }
    for (k, rule) in tenant.faults.iter().enumerate() {
        let at = format!("{at}.faults[{k}]");
        if let Some(name) = &rule.user
            && !user_exists(name)
        {
            return Err(ConfigError::new(
                file,
                format!("{at}.user"),
                format!("expected the username of a user of this tenant, found \"{name}\""),
                "add the user or correct the name",
            ));
        }
        if let Some(id) = &rule.client_id
            && !ids.contains(id.as_str())
        {
            return Err(ConfigError::new(
                file,
                format!("{at}.client_id"),
                format!("expected the client_id of a client of this tenant, found \"{id}\""),
                "add the client or correct the id",
            ));
        }
    }
    for (k, key) in tenant.keys.iter().enumerate() {
        SigningKey::from_pem_file(key.alg, &key.file).map_err(|e| {
            ConfigError::new(
                file,
                format!("{at}.keys[{k}].file"),
                e.to_string(),
                format!(
                    "point it at a PKCS#8 PEM {} key (openssl genpkey …)",
                    key.alg.as_str()
                ),
            )
        })?;
    }
    Ok(())
}

/// The file the server loads when `--config` is not given, if it exists.
pub fn default_config_path() -> Option<PathBuf> {
    let p = PathBuf::from("fixtures/idp.toml");
    p.exists().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_that_cannot_work_is_named_under_server_limits() {
        let config: IdpConfig = toml::from_str("[server.limits]\nmax_sessions = 0\n").unwrap();
        let e = config.validate("idp.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "idp.toml: server.limits.max_sessions: expected a positive number, found 0; fix: give a positive number (or leave the field out for its default)"
        );
    }

    fn parse(text: &str) -> Result<IdpConfig, ConfigError> {
        let dir = std::env::temp_dir().join(format!(
            "mock-idp-cfg-{}",
            crate::tokens::b64::random_token(6)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("idp.toml");
        std::fs::write(&path, text).unwrap();
        let loaded = IdpConfig::load(&path);
        let _ = std::fs::remove_dir_all(&dir);
        loaded
    }

    #[test]
    fn unknown_fields_are_rejected_with_the_file_named() {
        let err = parse("[[tenants]]\nname = \"a\"\ncolour = \"red\"\n").unwrap_err();
        assert!(err.file.ends_with("idp.toml"), "{err}");
        assert!(err.problem.contains("unknown field `colour`"), "{err}");
    }

    #[test]
    fn fault_rules_load_and_must_name_known_clients() {
        let text = "[[tenants]]\nname = \"a\"\n[[tenants.clients]]\nclient_id = \"web\"\n\
                    [[tenants.faults]]\nfault = \"aud_changed\"\nclient_id = \"web\"\ntimes = 1\n\
                    [[tenants.faults]]\nfault = { server_error = { endpoint = \"token\", status = 503 } }\n";
        let cfg = parse(text).unwrap();
        let faults = &cfg.tenants[0].faults;
        assert_eq!(faults[0].fault, crate::faults::Fault::AudChanged);
        assert_eq!(
            faults[1].fault,
            crate::faults::Fault::ServerError {
                endpoint: crate::faults::Endpoint::Token,
                status: 503
            }
        );
        let err = parse(&text.replace("client_id = \"web\"\ntimes", "client_id = \"app\"\ntimes"))
            .unwrap_err();
        assert_eq!(err.field, "tenants[0].faults[0].client_id");
        assert!(err.problem.contains("found \"app\""), "{err}");
    }

    #[test]
    fn auto_login_must_name_a_user() {
        let err = parse("[[tenants]]\nname = \"a\"\nauto_login = \"bob\"\n").unwrap_err();
        assert_eq!(err.field, "tenants[0].auto_login");
        assert!(err.problem.contains("found \"bob\""));
    }

    #[test]
    fn redirect_uri_with_fragment_is_refused() {
        let err = parse(
            "[[tenants]]\nname = \"a\"\n[[tenants.clients]]\nclient_id = \"c\"\nredirect_uris = [\"http://x/cb#frag\"]\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "tenants[0].clients[0].redirect_uris[0]");
    }

    #[test]
    fn entra_tenant_id_must_be_a_guid() {
        let err = parse(
            "[[tenants]]\nname = \"c\"\nflavour = { kind = \"entra\", tenant_id = \"nope\" }\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "tenants[0].flavour.tenant_id");
    }

    #[test]
    fn a_flavour_path_segment_is_checked() {
        let err = parse(
            "[[tenants]]\nname = \"k\"\nflavour = { kind = \"keycloak\", realm = \"a/b\" }\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "tenants[0].flavour.realm");
        let err = parse(
            "[[tenants]]\nname = \"o\"\nflavour = { kind = \"okta\", org = \"o\", authorization_server = \"..\" }\n",
        )
        .unwrap_err();
        assert_eq!(err.field, "tenants[0].flavour.authorization_server");
    }

    #[test]
    fn the_shipped_fixture_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/idp.toml");
        let config = IdpConfig::load(&path).unwrap();
        assert!(config.tenants.len() >= 2);
    }
}
