//! The world of one scenario: its own mock IdP on an ephemeral port, its own relying party
//! over an in-memory database, the provider settings being arranged, the people's browsers
//! and what the last action did. Scenarios share no state (only an HTTP client that keeps
//! no connections), so they run concurrently.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context as _, anyhow, bail};
use mock_idp::agent::{Landing, UserAgent};
use mock_idp::{Client, Flavour, MockIdp, Tenant, TlsPem, User};
use relying_party::app::{RunningRp, SignInRecord};
use relying_party::discovery::{self, Finding};
use relying_party::flavour::ProviderFlavour;
use relying_party::settings::ProviderSettings;
use relying_party::store::Store;
use serde_json::{Value, json};

/// The client the relying party is registered as at every tenant.
pub const CLIENT_ID: &str = "rp";
const CLIENT_SECRET: &str = "rp-secret";
/// The directory id of Entra-flavoured tenants.
pub const ENTRA_TENANT_ID: &str = "9122040d-6c67-4c5b-b112-36a304b66dad";

/// The HTTP client of the harness's own calls (discovery, the admin API), shared by every
/// scenario: building a client parses the system's root certificates, which costs more than
/// a whole sign-in in a debug build. Without idle connections it can serve scenarios on any
/// runtime.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap_or_default()
    });
    &CLIENT
}

/// One provider as the scenario arranges it: settings as JSON (the form's fields), and the
/// mock IdP tenant behind it.
#[derive(Debug, Clone)]
pub struct ProviderDraft {
    /// The tenant at the mock IdP.
    pub tenant: String,
    /// The settings, as the admin API takes them.
    pub settings: Value,
    /// Whether the settings changed since they were last saved.
    pub dirty: bool,
}

/// What the last sign-in did.
#[derive(Debug, Clone)]
pub struct SignInAttempt {
    /// Who signed in.
    pub person: String,
    /// Where the browser stopped.
    pub landing: Landing,
    /// The relying party's record of it, when it made one.
    pub record: Option<SignInRecord>,
}

/// The outcome of an administrator's action (saving settings, an edit, an invitation).
#[derive(Debug, Clone)]
pub enum AdminOutcome {
    /// Accepted.
    Accepted,
    /// Refused with a stable code (or the settings' field) and the messages.
    Refused {
        /// The code: `settings.invalid`, `autoconfiguration.failed`, `edit.not_editable`…
        code: String,
        /// Every problem reported.
        problems: Vec<String>,
    },
}

/// The state of one scenario.
#[derive(Debug)]
pub struct ScenarioWorld {
    /// The mock IdP.
    pub idp: MockIdp,
    /// The relying party.
    pub rp: RunningRp,
    /// Providers by name, in the order they were first named.
    pub providers: BTreeMap<String, ProviderDraft>,
    /// The provider the last step named.
    pub current_provider: Option<String>,
    /// Users the identity provider knows, applied to every tenant.
    pub idp_users: BTreeMap<String, User>,
    /// Each person's browser.
    pub browsers: BTreeMap<String, UserAgent>,
    /// The person the last step named ("she").
    pub current_person: Option<String>,
    /// The last sign-in.
    pub last_attempt: Option<SignInAttempt>,
    /// The last administrator action.
    pub last_admin: Option<AdminOutcome>,
    /// The findings of the last validation.
    pub findings: Option<Vec<Finding>>,
    /// `max_age` to send with the next sign-ins.
    pub max_age: Option<u32>,
    /// Set once the mock IdP serves https: its certificate, and a client trusting it.
    pub tls: Option<Tls>,
}

/// The certificate of a mock IdP serving https, and the harness's client trusting it.
#[derive(Debug, Clone)]
pub struct Tls {
    /// The certificate, PEM.
    pub cert: Vec<u8>,
    /// The harness's own calls go through this client instead of [`http`].
    pub http: reqwest::Client,
}

impl cucumber::World for ScenarioWorld {
    type Error = anyhow::Error;

    async fn new() -> Result<Self, Self::Error> {
        // Cucumber polls every scenario on one thread; starting the servers on the runtime's
        // workers (building their HTTP clients costs milliseconds of CPU) lets scenarios use
        // every core.
        let rp = tokio::spawn(async {
            let store = Store::open_in_memory().map_err(|e| anyhow!("{e}"))?;
            RunningRp::start(store)
                .await
                .context("starting the relying party")
        })
        .await??;
        let callback_base = rp.url.clone();
        let idp = tokio::spawn(async move {
            MockIdp::builder()
                .tenant(tenant(Tenant::new("acme"), &callback_base))
                .try_start()
                .await
                .context("starting the mock IdP")
        })
        .await??;
        Ok(Self {
            idp,
            rp,
            providers: BTreeMap::new(),
            current_provider: None,
            idp_users: BTreeMap::new(),
            browsers: BTreeMap::new(),
            current_person: None,
            last_attempt: None,
            last_admin: None,
            findings: None,
            max_age: None,
            tls: None,
        })
    }
}

/// The relying party's registration at a tenant.
fn client(rp_url: &str) -> Client {
    Client::confidential(CLIENT_ID, CLIENT_SECRET).redirect_uri(format!("{rp_url}/callback"))
}

/// A tenant with the relying party's client and a `roles` scope releasing `roles` and
/// `groups`.
fn tenant(t: Tenant, rp_url: &str) -> Tenant {
    t.scope("roles", ["roles", "groups"]).client(client(rp_url))
}

impl ScenarioWorld {
    /// The client for the harness's own calls: trusting the mock IdP's certificate once it
    /// serves https.
    pub fn http(&self) -> reqwest::Client {
        match &self.tls {
            Some(tls) => tls.http.clone(),
            None => http().clone(),
        }
    }

    /// Starts the mock IdP again over https, with a fresh self-signed certificate, and the
    /// relying party again over the same database, trusting it. Providers named so far keep
    /// their settings with the https issuer. Only the first tenant and the users of the
    /// identity provider carry over, so this comes before other tenants, faults or sign-ins.
    pub async fn serve_https(&mut self) -> anyhow::Result<()> {
        let tenants: Vec<String> = self
            .idp
            .tenants()
            .iter()
            .map(|t| t.name().to_owned())
            .collect();
        if tenants.len() > 1 || !self.browsers.is_empty() {
            bail!(
                "expected the identity provider to switch to https before a second provider, an Entra ID tenant or a sign-in, found the tenants {tenants:?} and {} browsers",
                self.browsers.len()
            );
        }
        let pem = TlsPem::self_signed().map_err(|e| anyhow!("{e}"))?;
        let cert = pem.cert.clone();
        let store = self.rp.rp.store.clone();
        let rp = tokio::spawn(async move { RunningRp::start_trusting(store, &cert).await })
            .await?
            .context("starting the relying party trusting the certificate")?;
        let mut acme = tenant(Tenant::new("acme"), &rp.url);
        for user in self.idp_users.values() {
            acme = acme.user(user.clone());
        }
        let root = reqwest::Certificate::from_pem(&pem.cert)?;
        let cert = pem.cert.clone();
        let idp = MockIdp::builder()
            .tenant(acme)
            .tls(pem)
            .try_start()
            .await
            .context("starting the mock IdP over https")?;
        self.idp = idp;
        self.rp = rp;
        self.tls = Some(Tls {
            cert,
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .add_root_certificate(root)
                .build()?,
        });
        let issuer = self.tenant_issuer("acme")?;
        for draft in self.providers.values_mut() {
            draft.settings["issuer"] = json!(issuer);
            draft.dirty = true;
        }
        Ok(())
    }

    /// The provider named `name`, created with the form's defaults on first mention (the
    /// first provider signs in at the tenant `acme`, later ones at a tenant of their own).
    pub fn provider(&mut self, name: &str) -> anyhow::Result<&mut ProviderDraft> {
        self.current_provider = Some(name.to_owned());
        if !self.providers.contains_key(name) {
            let tenant = if self.providers.is_empty() {
                "acme".to_owned()
            } else {
                let t = name.to_ascii_lowercase().replace(' ', "-");
                self.add_tenant(Tenant::new(&t))?;
                t
            };
            let issuer = self.tenant_issuer(&tenant)?;
            let settings = json!({
                "name": name,
                "issuer": issuer,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            });
            self.providers.insert(
                name.to_owned(),
                ProviderDraft {
                    tenant,
                    settings,
                    dirty: true,
                },
            );
        }
        self.providers
            .get_mut(name)
            .ok_or_else(|| anyhow!("provider {name} vanished"))
    }

    /// The relying party's registration, as every tenant has it.
    pub fn client(&self) -> Client {
        client(&self.rp.url)
    }

    /// The name of the provider the last step named.
    pub fn current_name(&self) -> anyhow::Result<String> {
        self.current_provider.clone().ok_or_else(|| {
            anyhow!(
                "expected a provider named by an earlier step, found none: start with a provider step such as `Given provider \"Acme\" uses the authorization code flow`"
            )
        })
    }

    /// The provider the last step named.
    pub fn current(&mut self) -> anyhow::Result<&mut ProviderDraft> {
        let name = self.current_name()?;
        self.provider(&name)
    }

    /// Sets one settings field of the current provider.
    pub fn set(&mut self, field: &str, value: Value) -> anyhow::Result<()> {
        let draft = self.current()?;
        draft.settings[field] = value;
        draft.dirty = true;
        Ok(())
    }

    /// Makes `name` an Entra ID provider, with a tenant of that flavour.
    pub fn make_entra(&mut self, name: &str) -> anyhow::Result<()> {
        let tenant = format!("{}-entra", name.to_ascii_lowercase().replace(' ', "-"));
        self.add_tenant(Tenant::entra(&tenant, ENTRA_TENANT_ID))?;
        let issuer = self.tenant_issuer(&tenant)?;
        let draft = self.provider(name)?;
        draft.tenant = tenant;
        draft.settings["issuer"] = json!(issuer);
        draft.settings["entra"] = json!({});
        draft.dirty = true;
        Ok(())
    }

    /// Makes `name` a provider of `flavour`, with a tenant of that flavour (an Okta one is a
    /// custom authorization server, `{org}/oauth2/default`); `named` says whether the
    /// settings name the flavour.
    pub fn make_flavoured(
        &mut self,
        name: &str,
        flavour: ProviderFlavour,
        named: bool,
    ) -> anyhow::Result<()> {
        let tenant = format!(
            "{}-{}",
            name.to_ascii_lowercase().replace(' ', "-"),
            flavour.name()
        );
        let shape = match flavour {
            ProviderFlavour::Google => Flavour::Google,
            ProviderFlavour::Auth0 => Flavour::Auth0,
            ProviderFlavour::Okta => Flavour::Okta {
                org: tenant.clone(),
                authorization_server: Some("default".into()),
            },
            ProviderFlavour::Keycloak => Flavour::Keycloak {
                realm: tenant.clone(),
            },
        };
        self.add_tenant(Tenant::flavoured(&tenant, shape))?;
        let issuer = self.tenant_issuer(&tenant)?;
        let draft = self.provider(name)?;
        draft.tenant = tenant;
        draft.settings["issuer"] = json!(issuer);
        if named {
            draft.settings["flavour"] = json!(flavour);
        }
        draft.dirty = true;
        Ok(())
    }

    fn add_tenant(&mut self, t: Tenant) -> anyhow::Result<()> {
        let handle = self
            .idp
            .add_tenant(tenant(t, &self.rp.url))
            .map_err(|e| anyhow!("{e}"))?;
        for user in self.idp_users.values() {
            handle.put_user(user.clone()).map_err(|e| anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// The issuer of a mock IdP tenant.
    pub fn tenant_issuer(&self, tenant: &str) -> anyhow::Result<String> {
        Ok(self
            .idp
            .tenant(tenant)
            .ok_or_else(|| anyhow!("expected a tenant {tenant} at the mock IdP, found none"))?
            .issuer())
    }

    /// Adds or replaces a user at every tenant of the identity provider.
    pub fn put_idp_user(&mut self, user: User) -> anyhow::Result<()> {
        for t in self.idp.tenants() {
            t.put_user(user.clone()).map_err(|e| anyhow!("{e}"))?;
        }
        self.idp_users.insert(user.username.clone(), user);
        Ok(())
    }

    /// A user of the identity provider, by username.
    pub fn idp_user(&self, username: &str) -> anyhow::Result<User> {
        self.idp_users.get(username).cloned().ok_or_else(|| {
            anyhow!(
                "expected the identity provider to have a user \"{username}\", found none: add `Given the identity provider has a user \"{username}\" with verified email \"…\"` (or `… with the claims:`)"
            )
        })
    }

    /// The tenant handle of a provider.
    pub fn tenant_of(&mut self, provider: &str) -> anyhow::Result<mock_idp::TenantHandle> {
        let tenant = self.provider(provider)?.tenant.clone();
        self.idp
            .tenant(&tenant)
            .ok_or_else(|| anyhow!("expected a tenant {tenant} at the mock IdP, found none"))
    }

    /// The settings of a provider as typed settings.
    pub fn settings_of(&mut self, provider: &str) -> anyhow::Result<ProviderSettings> {
        let value = self.provider(provider)?.settings.clone();
        serde_json::from_value(value).map_err(|e| {
            anyhow!("expected provider settings the relying party can read, found an error: {e}")
        })
    }

    /// Autoconfigures a provider from its discovery document and saves it through the
    /// relying party, recording the outcome.
    pub async fn save(&mut self, provider: &str) -> anyhow::Result<AdminOutcome> {
        let mut settings = match self.readable_settings(provider)? {
            Ok(settings) => settings,
            Err(refusal) => return Ok(refusal),
        };
        let outcome =
            match discovery::fetch_document(&self.http(), &settings.metadata_location()).await {
                Err(f) => refused("autoconfiguration.failed", [f]),
                Ok(meta) => match discovery::autoconfigure(&meta, &mut settings) {
                    Err(findings) => refused("autoconfiguration.failed", findings),
                    Ok(()) => self.store(provider, &settings)?,
                },
            };
        self.last_admin = Some(outcome.clone());
        Ok(outcome)
    }

    /// The settings of a provider as the admin API reads them, or — when a table left a
    /// required field empty or a cell holds a value the form does not offer — the refusal
    /// the API answers, recorded as the last administrator action.
    pub fn readable_settings(
        &mut self,
        provider: &str,
    ) -> anyhow::Result<Result<ProviderSettings, AdminOutcome>> {
        let value = self.provider(provider)?.settings.clone();
        Ok(serde_json::from_value(value).map_err(|e| {
            let refusal = AdminOutcome::Refused {
                code: "settings.invalid".into(),
                problems: vec![e.to_string()],
            };
            self.last_admin = Some(refusal.clone());
            refusal
        }))
    }

    /// Saves settings as they are, without autoconfiguration.
    pub fn store(
        &mut self,
        provider: &str,
        settings: &ProviderSettings,
    ) -> anyhow::Result<AdminOutcome> {
        let outcome = match self.rp.rp.save_provider(settings) {
            Ok(()) => {
                let draft = self.provider(provider)?;
                draft.settings = serde_json::to_value(settings)?;
                draft.dirty = false;
                AdminOutcome::Accepted
            }
            Err(problems) => AdminOutcome::Refused {
                code: "settings.invalid".into(),
                problems,
            },
        };
        self.last_admin = Some(outcome.clone());
        Ok(outcome)
    }

    /// Saves every provider whose settings changed; fails when one is refused.
    pub async fn save_changed(&mut self) -> anyhow::Result<()> {
        let changed: Vec<String> = self
            .providers
            .iter()
            .filter(|(_, d)| d.dirty)
            .map(|(n, _)| n.clone())
            .collect();
        for name in changed {
            if let AdminOutcome::Refused { code, problems } = self.save(&name).await? {
                bail!(
                    "expected the settings of \"{name}\" to be saved, found them refused ({code}):\n  {}",
                    problems.join("\n  ")
                );
            }
        }
        Ok(())
    }

    /// A person's browser (one per person, so cookies persist between their sign-ins).
    pub async fn browser(&mut self, person: &str) -> anyhow::Result<UserAgent> {
        self.current_person = Some(person.to_owned());
        if let Some(agent) = self.browsers.get(person) {
            return Ok(agent.clone());
        }
        // A new agent parses the root certificates: off the scenarios' thread (see `new`).
        let cert = self.tls.as_ref().map(|t| t.cert.clone());
        let agent = tokio::task::spawn_blocking(move || match cert {
            None => Ok(UserAgent::new()),
            Some(pem) => UserAgent::trusting(&pem),
        })
        .await??;
        self.browsers.insert(person.to_owned(), agent.clone());
        Ok(agent)
    }

    /// The person the last step named.
    pub fn person(&self) -> anyhow::Result<String> {
        self.current_person.clone().ok_or_else(|| {
            anyhow!(
                "expected a person named by an earlier step, found none: \"she\", \"he\" and \"they\" follow a step such as `When \"alice\" signs in through \"Acme\"`"
            )
        })
    }

    /// Opens a page of the relying party in the person's browser.
    pub async fn open(&mut self, person: &str, path: &str) -> anyhow::Result<Landing> {
        let url = format!("{}{path}", self.rp.url);
        self.browser(person)
            .await?
            .navigate(&url)
            .await
            .with_context(|| format!("opening {path}"))
    }

    /// Signs `person` in through `provider`, naming them to the provider (`login_hint`)
    /// when `hint` is set.
    pub async fn sign_in(
        &mut self,
        person: &str,
        provider: &str,
        hint: bool,
    ) -> anyhow::Result<()> {
        self.provider(provider)?;
        self.save_changed().await?;
        let before = self.rp.rp.sign_ins().len();
        let mut query = Vec::new();
        if hint {
            query.push(format!("login_hint={person}"));
        }
        if let Some(age) = self.max_age {
            query.push(format!("max_age={age}"));
        }
        let path = format!("/signin/{provider}?{}", query.join("&"));
        let landing = self.open(person, &path).await?;
        self.record_attempt(person, landing, before);
        Ok(())
    }

    /// Signs `person` in through `provider` without naming them: the provider shows its login
    /// page and they pick their account on it.
    pub async fn sign_in_on_login_page(
        &mut self,
        person: &str,
        provider: &str,
    ) -> anyhow::Result<()> {
        self.sign_in(person, provider, false).await?;
        let page = self.attempt()?.landing.clone();
        if !page.is_login_page() {
            bail!(
                "expected the provider's login page, found status {} at {}",
                page.status,
                page.url.path()
            );
        }
        let before = self.rp.rp.sign_ins().len();
        let landing = self
            .browser(person)
            .await?
            .log_in(&page, person, None)
            .await?;
        self.record_attempt(person, landing, before);
        Ok(())
    }

    /// Keeps where a sign-in (or a refresh) ended and the relying party's record of it, if
    /// it made one after the first `before` records.
    pub fn record_attempt(&mut self, person: &str, landing: Landing, before: usize) {
        let records = self.rp.rp.sign_ins();
        let record = (records.len() > before)
            .then(|| records.last().cloned())
            .flatten();
        self.last_attempt = Some(SignInAttempt {
            person: person.to_owned(),
            landing,
            record,
        });
    }

    /// The last sign-in.
    pub fn attempt(&self) -> anyhow::Result<&SignInAttempt> {
        self.last_attempt.as_ref().ok_or_else(|| {
            anyhow!(
                "expected a sign-in by an earlier step, found none: add `When \"alice\" signs in through \"Acme\"` first"
            )
        })
    }

    /// The application user with `username`.
    pub fn app_user(&self, username: &str) -> anyhow::Result<relying_party::users::User> {
        let users = self.rp.rp.store.users().map_err(|e| anyhow!("{e}"))?;
        let names: Vec<String> = users.iter().map(|u| u.username.clone()).collect();
        users
            .into_iter()
            .find(|u| u.username == username)
            .ok_or_else(|| {
                anyhow!(
                    "expected an application user \"{username}\", found only {names:?}: users come from `Given the application has the internal users:`, an invitation or a sign-in"
                )
            })
    }

    /// The last administrator action's outcome.
    pub fn admin_outcome(&self) -> anyhow::Result<&AdminOutcome> {
        self.last_admin.as_ref().ok_or_else(|| {
            anyhow!(
                "expected an administrator action by an earlier step, found none: add one such as `When the administrator saves provider \"Acme\"`, `… invites …`, `… changes the … of …` or `… gives … the roles …`"
            )
        })
    }

    /// Checks that the application has the legal entity `id`.
    pub fn legal_entity(&self, id: &str) -> anyhow::Result<()> {
        let known: Vec<String> = self
            .rp
            .rp
            .store
            .legal_entities()
            .map_err(|e| anyhow!("{e}"))?
            .into_iter()
            .map(|e| e.id)
            .collect();
        if known.iter().any(|k| k == id) {
            return Ok(());
        }
        bail!(
            "expected a legal entity of the application, found \"{id}\" (known: {known:?}): add it with `Given the application has the legal entities \"{id}\"`"
        )
    }

    /// What led to a failure: the mock IdP's requests and the relying party's sign-in
    /// records, for the failure message.
    pub fn evidence(&self) -> String {
        let mut out = String::from("\nMock IdP requests (oldest first):");
        let requests = self.idp.requests();
        if requests.is_empty() {
            out.push_str("\n  (none)");
        }
        for r in requests {
            let _ = write!(
                out,
                "\n  {} {} -> {}{}",
                r.method,
                r.path,
                r.status,
                r.endpoint.map(|e| format!(" [{e}]")).unwrap_or_default()
            );
            let interesting: Vec<String> = r
                .params
                .iter()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "response_type"
                            | "response_mode"
                            | "scope"
                            | "login_hint"
                            | "max_age"
                            | "grant_type"
                    )
                })
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !interesting.is_empty() {
                let _ = write!(out, " {}", interesting.join(" "));
            }
        }
        if let Some(person) = &self.current_person
            && let Some(browser) = self.browsers.get(person)
        {
            let _ = write!(out, "\nThe browser of \"{person}\":");
            for hop in browser.trail() {
                let path = url::Url::parse(&hop.url)
                    .map(|u| u.path().to_owned())
                    .unwrap_or(hop.url);
                let _ = write!(out, "\n  {} {path} -> {}", hop.method, hop.status);
            }
        }
        out.push_str("\nRelying party sign-ins:");
        let records = self.rp.rp.sign_ins();
        if records.is_empty() {
            out.push_str("\n  (none)");
        }
        for r in records {
            let _ = match &r.code {
                Some(code) => write!(out, "\n  refused {code}: {}", r.message),
                None => write!(out, "\n  {}", r.message),
            };
        }
        out
    }
}

fn refused(code: &str, findings: impl IntoIterator<Item = Finding>) -> AdminOutcome {
    AdminOutcome::Refused {
        code: code.into(),
        problems: findings
            .into_iter()
            .map(|f| format!("{}: {}", f.code, f.message))
            .collect(),
    }
}
