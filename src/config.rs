//! The relying party's configuration file (`fixtures/rp.toml`): typed, checked once at load,
//! errors naming the file, the field and the fix.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::settings::ProviderSettings;

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpConfig {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerSection,
    /// Legal entities created at start when missing.
    #[serde(default)]
    pub legal_entities: Vec<crate::users::LegalEntity>,
    /// Roles created at start when missing.
    #[serde(default)]
    pub roles: Vec<String>,
    /// User types created at start when missing.
    #[serde(default)]
    pub user_types: Vec<crate::users::UserType>,
    /// Providers stored at first start (later edits live in the database).
    #[serde(default)]
    pub providers: Vec<ProviderSettings>,
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Listen address.
    #[serde(default = "default_bind")]
    pub bind: String,
    /// The public URL (redirect URIs hang off it); `http://{bind}` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Development mode: plain-http issuers on loopback hosts are accepted.
    #[serde(default)]
    pub dev_mode: bool,
    /// SQLite file; `:memory:` keeps everything in memory.
    #[serde(default = "default_database")]
    pub database: String,
    /// A PEM file of certificates to trust for calls to providers besides the system's roots,
    /// e.g. `target/mock-idp-tls/mock-idp-cert.pem` written by `mock-idp --tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_certificate: Option<PathBuf>,
    /// The contents of `trust_certificate`, read and checked at load.
    #[serde(skip)]
    pub trusted_pem: Option<Vec<u8>>,
}

fn default_bind() -> String {
    "127.0.0.1:8080".into()
}

fn default_database() -> String {
    "target/relying-party.sqlite".into()
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            bind: default_bind(),
            public_url: None,
            dev_mode: false,
            database: default_database(),
            trust_certificate: None,
            trusted_pem: None,
        }
    }
}

/// A configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {problem}; fix: {fix}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// The field path.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl RpConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_in_mode(path, false)
    }

    /// As [`RpConfig::load`], in development mode when `dev` is set (the `--dev` flag) even
    /// if the file does not say so.
    pub fn load_in_mode(path: &Path, dev: bool) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let fail = |field: String, problem: String, fix: &str| ConfigError {
            file: file.clone(),
            field,
            problem,
            fix: fix.to_owned(),
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            fail(
                "(file)".into(),
                format!("cannot be read: {e}"),
                "pass an existing file with --config",
            )
        })?;
        let mut config: RpConfig = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].lines().count().max(1))
                .unwrap_or(0);
            fail(
                format!("line {line}"),
                e.message().to_owned(),
                "correct the TOML (see fixtures/rp.toml)",
            )
        })?;
        if config.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(fail(
                "server.bind".into(),
                format!(
                    "expected an address like 127.0.0.1:8080, found \"{}\"",
                    config.server.bind
                ),
                "write host:port",
            ));
        }
        if let Some(cert) = &config.server.trust_certificate {
            let fix = "point it at a PEM certificate file, e.g. the one `mock-idp --tls` prints, or remove it";
            let pem = std::fs::read(cert).map_err(|e| {
                fail(
                    "server.trust_certificate".into(),
                    format!("{} cannot be read: {e}", cert.display()),
                    fix,
                )
            })?;
            match reqwest::Certificate::from_pem_bundle(&pem) {
                Ok(certs) if !certs.is_empty() => config.server.trusted_pem = Some(pem),
                Ok(_) => {
                    return Err(fail(
                        "server.trust_certificate".into(),
                        format!(
                            "expected PEM certificates in {}, found none",
                            cert.display()
                        ),
                        fix,
                    ));
                }
                Err(e) => {
                    return Err(fail(
                        "server.trust_certificate".into(),
                        format!(
                            "expected PEM certificates in {}, found: {e}",
                            cert.display()
                        ),
                        fix,
                    ));
                }
            }
        }
        config.server.dev_mode |= dev;
        for (i, p) in config.providers.iter().enumerate() {
            // A provider given without endpoints is autoconfigured at start.
            let discovered = p.authorization_endpoint.is_empty() && p.jwks_uri.is_empty();
            let endpoint = |field: &str| {
                matches!(
                    field,
                    "authorization_endpoint" | "token_endpoint" | "jwks_uri"
                )
            };
            if let Some(problem) = p
                .check(config.server.dev_mode)
                .into_iter()
                .find(|problem| !(discovered && endpoint(problem.field)))
            {
                return Err(fail(
                    format!("providers[{i}].{}", problem.field),
                    problem.problem.clone(),
                    "correct the provider settings (or run autoconfiguration through the admin API)",
                ));
            }
        }
        Ok(config)
    }

    /// Creates the configured legal entities, roles and user types that the store lacks.
    pub fn seed(&self, store: &crate::store::Store) -> Result<(), String> {
        let known = store.legal_entities().map_err(|e| e.to_string())?;
        for e in &self.legal_entities {
            if !known.iter().any(|k| k.id == e.id) {
                store
                    .create_legal_entity(e)
                    .map_err(|e| format!("legal_entities: {e}"))?;
            }
        }
        let roles = store.roles().map_err(|e| e.to_string())?;
        for r in &self.roles {
            if !roles.contains(r) {
                store.create_role(r).map_err(|e| format!("roles: {e}"))?;
            }
        }
        for t in &self.user_types {
            if store
                .user_type(&t.name)
                .map_err(|e| e.to_string())?
                .is_none()
            {
                store
                    .create_user_type(t)
                    .map_err(|e| format!("user_types: {e}"))?;
            }
        }
        Ok(())
    }

    /// The public base URL.
    pub fn public_url(&self) -> String {
        self.server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.server.bind))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The default configuration file, when present.
    pub fn default_path() -> Option<PathBuf> {
        let p = PathBuf::from("fixtures/rp.toml");
        p.exists().then_some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files by name and contents.
    type Files<'a> = &'a [(&'a str, &'a [u8])];

    /// Writes `files` into a fresh directory and loads `rp.toml` from it.
    fn load(files: Files<'_>) -> Result<RpConfig, ConfigError> {
        load_in_mode(files, false)
    }

    fn load_in_mode(files: Files<'_>, dev: bool) -> Result<RpConfig, ConfigError> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rp-config-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, body) in files {
            let body = String::from_utf8_lossy(body).replace("{dir}", &dir.display().to_string());
            std::fs::write(dir.join(name), body).expect("write");
        }
        let out = RpConfig::load_in_mode(&dir.join("rp.toml"), dev);
        std::fs::remove_dir_all(&dir).ok();
        out
    }

    #[test]
    fn a_trusted_certificate_is_read_at_load() {
        let pem = mock_idp::TlsPem::self_signed().expect("certificate").cert;
        let config = load(&[
            ("ca.pem", &pem),
            (
                "rp.toml",
                b"[server]\ntrust_certificate = \"{dir}/ca.pem\"\n",
            ),
        ])
        .expect("loads");
        assert_eq!(config.server.trusted_pem, Some(pem));
    }

    #[test]
    fn a_trusted_certificate_that_is_missing_or_not_pem_names_the_field() {
        let toml: &[u8] = b"[server]\ntrust_certificate = \"{dir}/ca.pem\"\n";
        let cases: [(Files<'_>, &str); 2] = [
            (&[("rp.toml", toml)], "ca.pem cannot be read"),
            (
                &[("ca.pem", b"not a certificate"), ("rp.toml", toml)],
                "expected PEM certificates",
            ),
        ];
        for (files, problem) in cases {
            let err = load(files).expect_err(problem);
            assert_eq!(err.field, "server.trust_certificate");
            assert!(err.problem.contains(problem), "{err}");
        }
    }

    /// Issuer, client credentials and flow are enough: the endpoints are autoconfigured at
    /// start. Other problems still name their field, and `--dev` counts like the file's
    /// `dev_mode`.
    #[test]
    fn providers_may_omit_their_endpoints_and_dev_mode_may_come_from_the_flag() {
        let file: &[u8] = b"[[providers]]\nname = \"P\"\nissuer = \"http://127.0.0.1:9/p\"\nclient_id = \"c\"\nclient_secret = \"s\"\n";
        let refused = load(&[("rp.toml", file)]).expect_err("http issuer outside dev mode");
        assert_eq!(refused.field, "providers[0].issuer");
        assert!(refused.problem.contains("--dev"), "{refused}");
        let config = load_in_mode(&[("rp.toml", file)], true).expect("endpoints omitted");
        assert!(config.server.dev_mode);
        assert!(config.providers[0].authorization_endpoint.is_empty());
        let half: &[u8] = b"[[providers]]\nname = \"P\"\nissuer = \"https://idp.test/p\"\nclient_id = \"c\"\nclient_secret = \"s\"\njwks_uri = \"https://idp.test/p/jwks\"\n";
        let refused = load(&[("rp.toml", half)]).expect_err("some endpoints given");
        assert_eq!(refused.field, "providers[0].authorization_endpoint");
    }
}
