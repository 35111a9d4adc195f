//! The mock IdP a conformance run drives: one started in-process, or one already running
//! and reached over its admin API. Both answer the same four needs: register the client,
//! reset and inject faults, and read the request log.

use anyhow::{Context, bail};
use mock_idp::{Alg, Client, FaultRule, Flavour, LoggedRequest, MockIdp, TenantHandle};
use url::Url;

use super::config::{ClientSection, IdpChoice};

/// A connected mock IdP, scoped to the tenant of the run.
#[derive(Debug)]
pub enum Idp {
    /// Started by the harness; stops when dropped.
    Embedded {
        /// The server.
        idp: MockIdp,
        /// The tenant.
        tenant: TenantHandle,
    },
    /// Reached over HTTP.
    External {
        /// Base URL.
        url: Url,
        /// Admin API base, without a trailing slash.
        admin: String,
        /// The tenant.
        tenant: String,
        /// Whether the run may create and replace the client.
        may_register: bool,
        /// HTTP client.
        http: reqwest::Client,
        /// The certificate trusted for its https, PEM.
        trusted_pem: Option<Vec<u8>>,
        /// Whether the tenant's issuer ends with a slash (an Auth0-flavoured tenant).
        slashed_issuer: bool,
    },
}

fn client_of(c: &ClientSection, alg: Option<Alg>) -> Client {
    let base = match &c.client_secret {
        Some(s) => Client::confidential(c.client_id.clone(), s.clone()),
        None => Client::public(c.client_id.clone()),
    };
    let client = c
        .redirect_uris
        .iter()
        .fold(base, |client, uri| client.redirect_uri(uri))
        .response_types(c.response_types.iter().copied());
    match alg {
        Some(alg) => client.signing_alg(alg),
        None => client,
    }
}

impl Idp {
    /// Starts or connects to the IdP and registers the client.
    pub async fn connect(choice: &IdpChoice, client: &ClientSection) -> anyhow::Result<Self> {
        match choice {
            IdpChoice::Embedded {
                bind,
                config,
                tenant,
            } => {
                let builder = config
                    .tenants
                    .iter()
                    .cloned()
                    .fold(MockIdp::builder().bind(*bind), |b, t| b.tenant(t));
                let idp = builder
                    .try_start()
                    .await
                    .context("starting the embedded mock IdP")?;
                let handle = idp
                    .tenant(tenant)
                    .with_context(|| format!("expected tenant {tenant}, found none"))?;
                let this = Self::Embedded {
                    idp,
                    tenant: handle,
                };
                this.register(client, None).await?;
                Ok(this)
            }
            IdpChoice::External {
                url,
                admin,
                tenant,
                register_client,
                trusted_pem,
            } => {
                let mut http = reqwest::Client::builder();
                for cert in trusted_pem
                    .as_deref()
                    .map(reqwest::Certificate::from_pem_bundle)
                    .transpose()?
                    .unwrap_or_default()
                {
                    http = http.add_root_certificate(cert);
                }
                let mut this = Self::External {
                    url: url.clone(),
                    admin: admin.as_str().trim_end_matches('/').to_owned(),
                    tenant: tenant.clone(),
                    may_register: *register_client,
                    http: http.build()?,
                    trusted_pem: trusted_pem.clone(),
                    slashed_issuer: false,
                };
                let flavour = this.check_tenant().await?;
                if let Self::External { slashed_issuer, .. } = &mut this {
                    *slashed_issuer = flavour.issuer_ends_with_slash();
                }
                this.register(client, None).await?;
                Ok(this)
            }
        }
    }

    /// Checks that the tenant exists; returns its flavour.
    async fn check_tenant(&self) -> anyhow::Result<Flavour> {
        let Self::External {
            admin,
            tenant,
            http,
            ..
        } = self
        else {
            return Ok(Flavour::Standard);
        };
        let res = http
            .get(format!("{admin}/tenants/{tenant}"))
            .send()
            .await
            .with_context(|| format!("reaching the mock IdP's admin API at {admin}"))?;
        if !res.status().is_success() {
            bail!(
                "idp.external.tenant: expected a tenant of the running mock IdP, found status {} for \"{tenant}\"",
                res.status()
            );
        }
        let snapshot: serde_json::Value = res
            .json()
            .await
            .context("reading the tenant from the mock IdP's admin API")?;
        Ok(serde_json::from_value(snapshot["flavour"].clone()).unwrap_or(Flavour::Standard))
    }

    /// Whether the tenant's issuer ends with a slash, as an Auth0 tenant's does.
    pub fn issuer_ends_with_slash(&self) -> bool {
        match self {
            Self::Embedded { tenant, .. } => tenant.issuer().ends_with('/'),
            Self::External { slashed_issuer, .. } => *slashed_issuer,
        }
    }

    /// The certificate the browser must trust for the IdP's https, when one was given.
    pub fn trusted_pem(&self) -> Option<&[u8]> {
        match self {
            Self::Embedded { .. } => None,
            Self::External { trusted_pem, .. } => trusted_pem.as_deref(),
        }
    }

    /// Whether the IdP serves https (what the `discovery_tls` entries need).
    pub fn serves_https(&self) -> bool {
        self.url().starts_with("https://")
    }

    /// Whether the run may create and replace the application's client.
    pub fn may_register(&self) -> bool {
        match self {
            Self::Embedded { .. } => true,
            Self::External { may_register, .. } => *may_register,
        }
    }

    /// Creates or replaces the client, signing its ID tokens with `alg` (the tenant's
    /// default when `None`); does nothing when the configuration forbids registering.
    pub async fn register(&self, c: &ClientSection, alg: Option<Alg>) -> anyhow::Result<()> {
        match self {
            Self::Embedded { tenant, .. } => tenant
                .put_client(client_of(c, alg))
                .context("registering the client at the embedded mock IdP"),
            Self::External {
                admin,
                tenant,
                may_register,
                http,
                ..
            } => {
                if !*may_register {
                    return Ok(());
                }
                // `Client` never serialises its secret, so the admin API body is written here.
                let mut body = serde_json::json!({
                    "client_id": c.client_id,
                    "redirect_uris": c.redirect_uris,
                    "response_types": c.response_types,
                });
                match &c.client_secret {
                    Some(s) => body["client_secret"] = s.clone().into(),
                    None => body["token_endpoint_auth_method"] = "none".into(),
                }
                if let Some(alg) = alg {
                    body["id_token_signed_response_alg"] = serde_json::to_value(alg)?;
                }
                let url = format!("{admin}/tenants/{tenant}/clients/{}", c.client_id);
                admin_call(http.put(url).json(&body), "registering the client").await?;
                Ok(())
            }
        }
    }

    /// The base URL of the server.
    pub fn url(&self) -> String {
        match self {
            Self::Embedded { idp, .. } => idp.url(),
            Self::External { url, .. } => url.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// The tenant's name.
    pub fn tenant_name(&self) -> &str {
        match self {
            Self::Embedded { tenant, .. } => tenant.name(),
            Self::External { tenant, .. } => tenant,
        }
    }

    /// Removes every fault rule of the tenant.
    pub async fn reset_faults(&self) -> anyhow::Result<()> {
        match self {
            Self::Embedded { tenant, .. } => {
                tenant.clear_faults();
                Ok(())
            }
            Self::External {
                admin,
                tenant,
                http,
                ..
            } => {
                let url = format!("{admin}/tenants/{tenant}/faults");
                admin_call(http.delete(url), "clearing faults").await?;
                Ok(())
            }
        }
    }

    /// Adds a fault rule.
    pub async fn inject(&self, rule: FaultRule) -> anyhow::Result<()> {
        match self {
            Self::Embedded { tenant, .. } => {
                tenant.inject(rule);
                Ok(())
            }
            Self::External {
                admin,
                tenant,
                http,
                ..
            } => {
                let url = format!("{admin}/tenants/{tenant}/faults");
                let what = format!("injecting {}", rule.fault);
                admin_call(http.post(url).json(&rule), &what).await?;
                Ok(())
            }
        }
    }

    /// The tenant's logged requests, oldest first.
    pub async fn requests(&self) -> anyhow::Result<Vec<LoggedRequest>> {
        let all = match self {
            Self::Embedded { idp, .. } => idp.requests(),
            Self::External { admin, http, .. } => {
                let what = "reading the request log";
                admin_call(http.get(format!("{admin}/requests")), what)
                    .await?
                    .json()
                    .await
                    .with_context(|| format!("{what} over the admin API"))?
            }
        };
        let tenant = self.tenant_name();
        Ok(all
            .into_iter()
            .filter(|r| r.tenant.as_deref() == Some(tenant))
            .collect())
    }
}

/// Sends `req` to a running mock IdP's admin API; a failure or non-2xx answer says `what`
/// was being done and what the server answered.
async fn admin_call(req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<reqwest::Response> {
    let res = req
        .send()
        .await
        .with_context(|| format!("{what} over the admin API"))?;
    let status = res.status();
    if status.is_success() {
        return Ok(res);
    }
    let text = res.text().await.unwrap_or_default();
    bail!("{what}: expected 2xx from the admin API, found {status}: {text}")
}
