//! The application's state: stored providers, the client for calls to them, sign-ins in
//! progress, sessions, recent sign-in outcomes and the test clock.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::session_store::Sessions;
use crate::discovery::{self, Finding};
use crate::jwks::JwksCache;
use crate::settings::ProviderSettings;
use crate::signin::{Attempts, Env};
use crate::store::Store;
use crate::users::{DroppedRole, SignInHow, User};

/// How many sign-in outcomes the admin API keeps.
pub(super) const RECORDS_KEPT: usize = 200;

/// The user a sign-in opened a session for, as the user rules left it.
#[derive(Debug, Clone, Serialize)]
pub struct SignedInUser {
    /// The user as stored after the sign-in.
    #[serde(flatten)]
    pub user: User,
    /// How the user was found.
    pub how: SignInHow,
    /// Mapped roles that were not assigned.
    pub dropped_roles: Vec<DroppedRole>,
}

/// The outcome of one sign-in, kept for the admin API so tests can read why it failed.
#[derive(Debug, Clone, Serialize)]
pub struct SignInRecord {
    /// Unix seconds.
    pub at: i64,
    /// The provider, when known.
    pub provider: Option<String>,
    /// Whether the user got in.
    pub ok: bool,
    /// The stable error code on failure.
    pub code: Option<String>,
    /// A readable message.
    pub message: String,
    /// The user on success.
    pub user: Option<SignedInUser>,
}

/// Shared state of the application.
#[derive(Debug)]
pub struct Rp {
    /// The database.
    pub store: Store,
    pub(super) http: reqwest::Client,
    pub(super) jwks: JwksCache,
    pub(super) attempts: Attempts,
    pub(super) sessions: Sessions,
    records: Mutex<VecDeque<SignInRecord>>,
    public_url: String,
    dev_mode: bool,
    clock_offset: AtomicI64,
    form_token: String,
}

/// The client for every call to a provider: redirects are not followed (a provider that
/// redirects a back-channel call is misbehaving), and a hung provider fails the call.
fn http_client(extra_roots: Option<&[u8]>) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15));
    if let Some(pem) = extra_roots {
        for cert in reqwest::Certificate::from_pem_bundle(pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build()
}

impl Rp {
    /// A relying party at `public_url` over `store`.
    pub fn new(store: Store, public_url: &str, dev_mode: bool) -> Self {
        let http = http_client(None).unwrap_or_default();
        Self {
            store,
            jwks: JwksCache::new(http.clone()),
            http,
            attempts: Attempts::default(),
            sessions: Sessions::default(),
            records: Mutex::new(VecDeque::new()),
            public_url: public_url.trim_end_matches('/').to_owned(),
            dev_mode,
            clock_offset: AtomicI64::new(0),
            form_token: super::session_store::random_token(),
        }
    }

    /// Also trusts the certificates in `pem` (one or more, PEM) for calls to providers, e.g.
    /// the one `mock-idp --tls` writes; the system's roots stay trusted.
    ///
    /// ```
    /// use relying_party::{app::Rp, store::Store};
    /// let pem = mock_idp::TlsPem::self_signed().expect("certificate").cert;
    /// let rp = Rp::new(Store::open_in_memory().expect("store"), "http://127.0.0.1:8080", true)
    ///     .trusting(&pem)
    ///     .expect("a PEM certificate");
    /// # drop(rp);
    /// ```
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, reqwest::Error> {
        self.http = http_client(Some(pem))?;
        self.jwks = JwksCache::new(self.http.clone());
        Ok(self)
    }

    /// The cache of the providers' JWK Sets (e.g. to change its re-fetch limit).
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Whether cookies must be `Secure`: the relying party is reached over https.
    pub(super) fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The host (and port) of the public URL, which the admin API answers to besides
    /// loopback names.
    pub(super) fn public_host(&self) -> &str {
        let authority = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, rest)| rest);
        authority.split('/').next().unwrap_or(authority)
    }

    /// The redirect URI to register at every provider ("View Redirect URI").
    pub fn redirect_uri(&self) -> String {
        format!("{}/callback", self.public_url)
    }

    /// Now, unix seconds, with the test offset.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        // The offset is any i64 the admin API was sent: saturate rather than wrap.
        system.saturating_add(self.clock_offset.load(Ordering::Relaxed))
    }

    /// Moves the clock by `offset` seconds, for tests of expiry.
    pub(super) fn set_clock_offset(&self, offset: i64) {
        self.clock_offset.store(offset, Ordering::Relaxed);
    }

    /// What the sign-in steps need from the application, at this moment.
    pub(super) fn env<'a>(&'a self, redirect_uri: &'a str) -> Env<'a> {
        Env {
            http: &self.http,
            jwks: &self.jwks,
            redirect_uri,
            now: self.now(),
        }
    }

    /// Stored provider settings by name.
    pub fn provider(&self, name: &str) -> Option<ProviderSettings> {
        let json = self.store.provider(name).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    /// Every stored provider.
    pub fn providers(&self) -> Vec<ProviderSettings> {
        self.store
            .providers()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect()
    }

    /// Fills the endpoints of `settings` from the provider's discovery document, when the
    /// document passes every check of [`discovery::autoconfigure`].
    pub async fn autoconfigure(
        &self,
        mut settings: ProviderSettings,
    ) -> Result<ProviderSettings, Vec<Finding>> {
        let document = discovery::fetch_document(&self.http, &settings.metadata_location())
            .await
            .map_err(|f| vec![f])?;
        discovery::autoconfigure(&document, &mut settings)?;
        Ok(settings)
    }

    /// Settings given without endpoints (issuer, client credentials and flow are enough)
    /// completed by [`Rp::autoconfigure`]; settings with endpoints as they are.
    pub async fn with_discovered_endpoints(
        &self,
        settings: ProviderSettings,
    ) -> Result<ProviderSettings, Vec<Finding>> {
        if settings.authorization_endpoint.is_empty() && settings.jwks_uri.is_empty() {
            self.autoconfigure(settings).await
        } else {
            Ok(settings)
        }
    }

    /// Checks and stores provider settings; returns every problem when they break a rule
    /// (with where each lies: [`Rp::provider_problems`]).
    pub fn save_provider(&self, settings: &ProviderSettings) -> Result<(), Vec<String>> {
        let problems = self.provider_problems(settings);
        if !problems.is_empty() {
            return Err(problems.into_iter().map(|p| p.message).collect());
        }
        let json = serde_json::to_string(settings).map_err(|e| vec![e.to_string()])?;
        self.store
            .put_provider(&settings.name, &json)
            .map_err(|e| vec![e.to_string()])
    }

    /// The token every admin page form carries (one random value per process), which a page
    /// of another site cannot read; for clients that post the admin forms themselves.
    pub fn form_token(&self) -> &str {
        &self.form_token
    }

    /// Whether plain-http loopback providers are accepted.
    pub(super) fn dev_mode(&self) -> bool {
        self.dev_mode
    }

    pub(super) fn record(&self, r: SignInRecord) {
        let mut q = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() == RECORDS_KEPT {
            q.pop_front();
        }
        q.push_back(r);
    }

    /// Recent sign-in outcomes, oldest first.
    pub fn sign_ins(&self) -> Vec<SignInRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}
