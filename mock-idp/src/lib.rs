//! # mock-idp: a mock OpenID Provider for tests
//!
//! A real OpenID Provider on loopback — discovery, JWKS, authorization, token, userinfo and
//! end-session endpoints, all five OpenID Connect flows, real signatures — that a test starts
//! in one line and bends on purpose with faults.
//!
//! ## Start one in a test
//!
//! ```
//! use mock_idp::{Client, MockIdp, User};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // Binds 127.0.0.1:0; the server stops when `idp` is dropped.
//! let idp = MockIdp::builder()
//!     .user(User::new("dana").email("dana@example.com", true))
//!     .client(Client::confidential("my-app", "s3cr3t").redirect_uri("http://127.0.0.1:3000/cb"))
//!     .start()
//!     .await;
//!
//! // Point your relying party at the issuer; discovery lives under it.
//! let issuer = idp.issuer();
//! let meta: serde_json::Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
//!     .await.unwrap().json().await.unwrap();
//! assert_eq!(meta["issuer"], issuer.as_str());
//! # }
//! ```
//!
//! ## Sign in without a browser
//!
//! Send `login_hint=<username>` (or give the client an `auto_login` user) and the
//! authorization endpoint answers at once with a redirect, a fragment or a `form_post` page.
//! Without one, a person gets a login page listing the users, with their claims editable. A
//! `login_hint` that names no user is answered with a 400 page at the IdP naming it and the
//! known users (a typo fails where it is made), unless the client is configured for people
//! at the login page ([`Client::login_page_on_unknown_hint`]), which then shows that page.
//!
//! ## Misbehave on purpose
//!
//! ```
//! use mock_idp::{Fault, FaultRule, MockIdp};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let idp = MockIdp::start().await;
//! // The next ID token for any client carries a wrong audience.
//! idp.inject(FaultRule::new(Fault::AudChanged).times(1));
//! # }
//! ```
//!
//! Every fault is listed, with the flows where it shows, what a correct relying party does
//! and the certification test it mirrors, in [`catalog::catalog`] (and `docs/faults.md`). An
//! authorization request can also pick faults for itself alone: `mock_fault=NAME[,NAME...]`.
//!
//! ## Test your application's token validation: the sweep
//!
//! [`sweep::Sweep`] runs every applicable catalog fault against your application from one
//! async closure that signs in through it, and reports each fault × flow as `harness check`
//! does: expected vs observed, and token or userinfo calls made after a bad ID token.
//! `mock-idp/examples/test_your_app/` is a complete axum + `openidconnect` application
//! with its tests; `docs/testing-your-app.md` walks through it.
//!
//! ## Control time and claims
//!
//! [`MockIdp::clock`] sets, freezes and advances the clock every `iat`, `exp` and expiry
//! reads; [`MockIdp::override_claims`] adds or replaces claims in ID tokens, access tokens or
//! userinfo for a user, a client, or the next token only.
//!
//! ## Tenants
//!
//! One server holds several issuers, one per path prefix, each with its own keys, clients and
//! users; [`Tenant::entra`] makes one shaped like Microsoft Entra ID.
//!
//! ## Reading these docs locally
//!
//! In a project that has `mock-idp` only as a dev-dependency, `cargo doc -p mock-idp`
//! panics inside cargo's feature resolver (a known cargo bug), with or without `--no-deps`.
//! Document the crate from its own manifest instead:
//! `cargo doc --no-deps --open --manifest-path <checkout>/mock-idp/Cargo.toml` (for a git
//! dependency the checkout is under `~/.cargo/git/checkouts/`). In this repository,
//! `cargo doc -p mock-idp --no-deps --open` works.

pub mod agent;
mod endpoints;
mod faults;
mod model;
mod server;
pub mod sweep;
mod tokens;

pub use faults::catalog;
pub use model::config;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use endpoints::error::{ErrorCode, OAuthError};
pub use faults::{Endpoint, Fault, FaultRule, KEY_ROTATION_GRACE_SECS, UnknownEndpoint};
pub use model::client::{Client, TokenFormat};
pub use model::config::{ConfigError, IdpConfig};
pub use model::demo::{demo_clients, demo_tenant, demo_users};
pub use model::limits::Limits;
pub use model::tenant::{Flavour, KeyFile, Lifetimes, Tenant};
pub use model::types::{AuthMethod, ClientId, ResponseMode, ResponseType, Secret};
pub use model::user::User;
pub use server::admin::AdminError;
pub use server::clock::{Clock, ClockStatus};
pub use server::request_log::{IssuedToken, LoggedRequest};
pub use server::state::{ClaimOverride, ClaimTarget};
pub use tokens::jwks::{Alg, KeyError, SigningKey, warm_random_generator};
pub use tokens::jwt::{decode_unverified, half_hash};

use server::routing;
use server::state::{Server, ServerSettings, TenantState};

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// TLS could not be set up.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// TLS material for [`MockIdpBuilder::tls`]: a PEM certificate chain and its PKCS#8 key.
#[derive(Clone)]
pub struct TlsPem {
    /// Certificate chain, PEM.
    pub cert: Vec<u8>,
    /// Private key, PEM.
    pub key: Vec<u8>,
}

impl TlsPem {
    /// A fresh self-signed certificate (ECDSA P-256) for `localhost`, `127.0.0.1` and `::1`,
    /// for tests and `mock-idp --tls`. Trust [`TlsPem::cert`] at the relying party.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let pem = mock_idp::TlsPem::self_signed().expect("certificate");
    /// let idp = mock_idp::MockIdp::builder().tls(pem.clone()).start().await;
    /// assert!(idp.issuer().starts_with("https://127.0.0.1:"));
    /// # }
    /// ```
    pub fn self_signed() -> Result<Self, StartError> {
        let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
        let cert = rcgen::generate_simple_self_signed(names)
            .map_err(|e| StartError::Tls(format!("cannot make a self-signed certificate: {e}")))?;
        Ok(Self {
            cert: cert.cert.pem().into_bytes(),
            key: cert.signing_key.serialize_pem().into_bytes(),
        })
    }
}

impl std::fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsPem(***)")
    }
}

/// Configures a [`MockIdp`] before it starts.
///
/// The order of calls does not matter. [`MockIdpBuilder::user`] and
/// [`MockIdpBuilder::client`] go to the default tenant: the first one given to
/// [`MockIdpBuilder::tenant`], or a tenant named `default` when none is. The demo users
/// ([`demo_users`]: `alice`, `bob`, `carol`) are added only to a builder given no users at
/// all, so a `User::new("alice")` of yours is the only `alice` there is.
///
/// ```
/// use mock_idp::{MockIdp, Tenant, User};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let idp = MockIdp::builder()
///     .user(User::new("dana"))
///     .tenant(Tenant::new("acme"))
///     .start()
///     .await;
/// let acme = idp.default_tenant();
/// assert_eq!(acme.name(), "acme");
/// assert!(acme.user("dana").is_ok());
/// assert!(acme.user("alice").is_err(), "no demo users beside yours");
/// # }
/// ```
#[derive(Debug)]
pub struct MockIdpBuilder {
    tenants: Vec<Tenant>,
    /// Users and clients for the default tenant, placed when the server starts, because the
    /// default tenant is only known then.
    users: Vec<User>,
    clients: Vec<Client>,
    bind: SocketAddr,
    issuer_base_url: Option<String>,
    admin_public: bool,
    tls: Option<TlsPem>,
    limits: Limits,
    key_dirs: Vec<PathBuf>,
}

impl Default for MockIdpBuilder {
    fn default() -> Self {
        Self {
            tenants: Vec::new(),
            users: Vec::new(),
            clients: Vec::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            issuer_base_url: None,
            admin_public: false,
            tls: None,
            limits: Limits::default(),
            key_dirs: Vec::new(),
        }
    }
}

impl MockIdpBuilder {
    /// The tenants to serve: the given ones with the builder's users and clients in the first,
    /// or a `default` tenant holding them (and the demo users when no user was given).
    fn take_tenants(&mut self) -> Vec<Tenant> {
        let mut tenants = std::mem::take(&mut self.tenants);
        let users = std::mem::take(&mut self.users);
        if tenants.is_empty() {
            let mut t = Tenant::new("default").scope("roles", ["roles", "groups"]);
            if users.is_empty() {
                t.users = demo_users();
            }
            tenants.push(t);
        }
        let default = &mut tenants[0];
        for user in users {
            default.users.retain(|u| u.username != user.username);
            default.users.push(user);
        }
        default.clients.append(&mut self.clients);
        tenants
    }

    /// Adds a tenant; the first one added is the default tenant, whichever calls come before.
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// Adds a user to the default tenant, replacing one of the same username there.
    pub fn user(mut self, user: User) -> Self {
        self.users.retain(|u| u.username != user.username);
        self.users.push(user);
        self
    }

    /// Adds a client to the default tenant.
    pub fn client(mut self, client: Client) -> Self {
        self.clients.push(client);
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:0`.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Uses `url` as the base of every issuer (behind a proxy or in a container network).
    pub fn issuer_base_url(mut self, url: impl Into<String>) -> Self {
        self.issuer_base_url = Some(url.into());
        self
    }

    /// Lets non-loopback peers use the admin API.
    pub fn admin_public(mut self, public: bool) -> Self {
        self.admin_public = public;
        self
    }

    /// Serves HTTPS with this certificate and key.
    pub fn tls(mut self, pem: TlsPem) -> Self {
        self.tls = Some(pem);
        self
    }

    /// Bounds what clients can make the server hold (connections, stores, log entries).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Lets the admin API read tenant key files from `dir` (it reads none from elsewhere).
    pub fn key_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.key_dirs.push(dir.into());
        self
    }

    /// Starts the server, or says why it cannot.
    pub async fn try_start(mut self) -> Result<MockIdp, StartError> {
        let tenants = self.take_tenants();
        let default_tenant = tenants[0].name.clone();
        let config = IdpConfig {
            server: config::ServerSection {
                limits: self.limits,
                ..Default::default()
            },
            tenants,
        };
        config.validate("builder")?;
        let states: Vec<Arc<TenantState>> = config
            .tenants
            .iter()
            .map(|t| Arc::new(TenantState::from_config(t, self.limits)))
            .collect();
        let tls = match &self.tls {
            Some(pem) => Some(
                server_guard::tls_config_from_pem(&pem.cert, &pem.key)
                    .map_err(|e| StartError::Tls(e.to_string()))?,
            ),
            None => None,
        };
        let std_listener =
            std::net::TcpListener::bind(self.bind).map_err(|source| StartError::Bind {
                addr: self.bind,
                source,
            })?;
        let bind_err = |source| StartError::Bind {
            addr: self.bind,
            source,
        };
        std_listener.set_nonblocking(true).map_err(bind_err)?;
        let addr = std_listener.local_addr().map_err(bind_err)?;
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            match addr.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            }
        };
        let bound_base = format!("{scheme}://{host}:{}", addr.port());
        let server = Arc::new(Server::new(
            states,
            ServerSettings {
                public_base: self.issuer_base_url.clone(),
                bound_base,
                admin_public: self.admin_public,
                limits: self.limits,
                key_dirs: self.key_dirs.clone(),
            },
        ));
        let listener = tokio::net::TcpListener::from_std(std_listener).map_err(bind_err)?;
        let app = routing::app(server.clone());
        let limits = self.limits.server_limits();
        let task = tokio::spawn(async move {
            match tls {
                None => server_guard::serve(listener, app, limits).await,
                Some(tls) => server_guard::serve_tls(listener, app, limits, tls).await,
            }
        });
        // Discovery needs no key: the server answers while the keys load, and a request
        // that needs one waits for it. A key that does not load still fails the start.
        let tenants = server.tenants();
        let loaded =
            tokio::task::spawn_blocking(move || tenants.iter().try_for_each(|t| t.load_keys()))
                .await;
        if let Ok(Err(e)) = loaded {
            task.abort();
            return Err(e.into());
        }
        Ok(MockIdp {
            server,
            addr,
            default_tenant,
            task,
        })
    }

    /// Starts the server; panics when it cannot (as a test would want).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let idp = mock_idp::MockIdp::builder().start().await;
    /// assert!(idp.url().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn start(self) -> MockIdp {
        match self.try_start().await {
            Ok(idp) => idp,
            Err(e) => panic!("mock IdP failed to start: {e}"),
        }
    }
}

/// A running mock OpenID Provider. Dropping it stops the server.
#[derive(Debug)]
pub struct MockIdp {
    server: Arc<Server>,
    addr: SocketAddr,
    default_tenant: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A handle on one tenant of a running [`MockIdp`].
#[derive(Debug, Clone)]
pub struct TenantHandle {
    state: Arc<TenantState>,
    server: Arc<Server>,
}

impl TenantHandle {
    /// The tenant's name.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> String {
        let base = self
            .server
            .public_base
            .clone()
            .unwrap_or_else(|| self.server.bound_base.clone());
        self.state.flavour.issuer(&base, &self.state.path)
    }

    /// The tenant's configuration as it stands now (clients, users, settings).
    pub fn config(&self) -> Tenant {
        self.state.snapshot()
    }

    /// Adds a user (refused when the username exists).
    pub fn add_user(&self, user: User) -> Result<(), AdminError> {
        self.state.add_user(user)
    }

    /// Adds or replaces a user.
    pub fn put_user(&self, user: User) -> Result<(), AdminError> {
        self.state.put_user(user)
    }

    /// A user as it stands.
    pub fn user(&self, username: &str) -> Result<User, AdminError> {
        self.state.user(username)
    }

    /// Merges `claims` into a user's claims; `null` removes a claim.
    pub fn patch_claims(
        &self,
        username: &str,
        claims: serde_json::Value,
    ) -> Result<User, AdminError> {
        let map = match claims {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        self.state.patch_claims(username, map)
    }

    /// Removes a user.
    pub fn remove_user(&self, username: &str) -> Result<(), AdminError> {
        self.state.remove_user(username)
    }

    /// Adds a client (refused when the id exists).
    pub fn add_client(&self, client: Client) -> Result<(), AdminError> {
        self.state.add_client(client)
    }

    /// Adds or replaces a client.
    pub fn put_client(&self, client: Client) -> Result<(), AdminError> {
        self.state.put_client(client)
    }

    /// Removes a client.
    pub fn remove_client(&self, client_id: &str) -> Result<(), AdminError> {
        self.state.remove_client(client_id)
    }

    /// Rotates the signing key of `alg`; the old key stays published for the grace period.
    /// Returns the new `kid`.
    pub fn rotate_keys(&self, alg: Alg) -> Result<String, AdminError> {
        Ok(self.state.rotate(alg, self.server.clock.now())?)
    }

    /// The active signing key for `alg` (for benchmarks and tests that sign on their own).
    pub fn signing_key(&self, alg: Alg) -> Option<Arc<SigningKey>> {
        self.state.signing_key(alg)
    }

    /// The JWK Set as served now.
    pub fn jwks(&self) -> serde_json::Value {
        self.state.jwks(self.server.clock.now())
    }

    /// Adds a fault rule; returns its id.
    pub fn inject(&self, rule: impl Into<FaultRule>) -> u64 {
        self.state.add_fault(rule.into())
    }

    /// Adds a fault rule that lasts as long as the returned guard: dropping the guard removes
    /// the rule, so a test cannot leak a fault into the next one.
    ///
    /// ```
    /// use mock_idp::{Fault, MockIdp};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let idp = MockIdp::start().await;
    /// let tenant = idp.default_tenant();
    /// {
    ///     let _guard = tenant.inject_scoped(Fault::AudChanged);
    ///     assert_eq!(tenant.faults().len(), 1);
    /// }
    /// assert!(tenant.faults().is_empty());
    /// # }
    /// ```
    #[must_use = "the rule is removed when the guard is dropped"]
    pub fn inject_scoped(&self, rule: impl Into<FaultRule>) -> FaultGuard {
        FaultGuard {
            id: self.inject(rule),
            state: self.state.clone(),
        }
    }

    /// Removes one fault rule.
    pub fn remove_fault(&self, id: u64) -> Result<(), AdminError> {
        self.state.remove_fault(id)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.data().faults.clear();
    }

    /// The active fault rules.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state.data().faults.list()
    }

    /// Adds a claim override.
    pub fn override_claims(&self, o: ClaimOverride) {
        self.state.data().overrides.push(o);
    }

    /// Removes every claim override.
    pub fn clear_overrides(&self) {
        self.state.data().overrides.clear();
    }

    /// The logged requests to this tenant, oldest first (of the server's most recent
    /// thousand).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let mut all = self.server.log.requests();
        all.retain(|r| r.tenant.as_deref() == Some(self.name()));
        all
    }
}

/// A fault rule that lasts while this guard lives; see [`TenantHandle::inject_scoped`].
#[derive(Debug)]
pub struct FaultGuard {
    id: u64,
    state: Arc<TenantState>,
}

impl FaultGuard {
    /// The rule's id.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        // A rule with a count may already be spent and gone; that is not an error here.
        let _ = self.state.remove_fault(self.id);
    }
}

impl MockIdp {
    /// Starts a server on `127.0.0.1:0` with a `default` tenant holding the demo users.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let idp = mock_idp::MockIdp::start().await;
    /// assert!(idp.issuer().ends_with("/default"));
    /// # }
    /// ```
    pub async fn start() -> MockIdp {
        Self::builder().start().await
    }

    /// A builder for users, clients, tenants and server settings.
    ///
    /// ```
    /// use mock_idp::{MockIdp, Tenant};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let idp = MockIdp::builder().tenant(Tenant::new("acme")).start().await;
    /// assert!(idp.issuer().ends_with("/acme"));
    /// # }
    /// ```
    pub fn builder() -> MockIdpBuilder {
        MockIdpBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        self.server.bound_base.clone()
    }

    /// The socket address served.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The default tenant's issuer identifier.
    pub fn issuer(&self) -> String {
        self.default_tenant().issuer()
    }

    /// The default tenant (the first one configured).
    pub fn default_tenant(&self) -> TenantHandle {
        self.tenant(&self.default_tenant)
            .unwrap_or_else(|| panic!("default tenant {} was removed", self.default_tenant))
    }

    /// A tenant by name.
    pub fn tenant(&self, name: &str) -> Option<TenantHandle> {
        self.server.tenant(name).map(|state| TenantHandle {
            state,
            server: self.server.clone(),
        })
    }

    /// Every tenant.
    pub fn tenants(&self) -> Vec<TenantHandle> {
        self.server
            .tenants()
            .into_iter()
            .map(|state| TenantHandle {
                state,
                server: self.server.clone(),
            })
            .collect()
    }

    /// Adds a tenant while running.
    pub fn add_tenant(&self, tenant: Tenant) -> Result<TenantHandle, AdminError> {
        self.server.add_tenant(&tenant, "MockIdp::add_tenant")?;
        self.tenant(&tenant.name)
            .ok_or_else(|| AdminError::UnknownTenant(tenant.name.clone()))
    }

    /// Adds a user to the default tenant.
    pub fn add_user(&self, user: User) -> Result<(), AdminError> {
        self.default_tenant().add_user(user)
    }

    /// Adds a client to the default tenant.
    pub fn add_client(&self, client: Client) -> Result<(), AdminError> {
        self.default_tenant().add_client(client)
    }

    /// Adds a fault rule to the default tenant; returns its id.
    pub fn inject(&self, rule: impl Into<FaultRule>) -> u64 {
        self.default_tenant().inject(rule)
    }

    /// Adds a fault rule to the default tenant for as long as the guard lives.
    #[must_use = "the rule is removed when the guard is dropped"]
    pub fn inject_scoped(&self, rule: impl Into<FaultRule>) -> FaultGuard {
        self.default_tenant().inject_scoped(rule)
    }

    /// Adds a claim override to the default tenant.
    pub fn override_claims(&self, o: ClaimOverride) {
        self.default_tenant().override_claims(o)
    }

    /// The server clock.
    pub fn clock(&self) -> &Clock {
        &self.server.clock
    }

    /// Requests received so far (the most recent thousand), secrets redacted.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.server.log.requests()
    }

    /// The logged requests to `endpoint` of any tenant, oldest first: "was the token
    /// endpoint called" is `idp.calls(Endpoint::Token).is_empty()`.
    ///
    /// ```
    /// use mock_idp::{Endpoint, MockIdp};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let idp = MockIdp::start().await;
    /// reqwest::get(format!("{}/jwks", idp.issuer())).await.unwrap();
    /// assert_eq!(idp.calls(Endpoint::Jwks).len(), 1);
    /// assert!(idp.calls(Endpoint::Token).is_empty());
    /// # }
    /// ```
    pub fn calls(&self, endpoint: Endpoint) -> Vec<LoggedRequest> {
        self.server
            .log
            .requests()
            .into_iter()
            .filter(|r| r.endpoint == Some(endpoint))
            .collect()
    }

    /// Tokens issued so far, decoded.
    pub fn issued_tokens(&self) -> Vec<IssuedToken> {
        self.server.log.tokens()
    }

    /// Empties the request and token logs.
    pub fn clear_log(&self) {
        self.server.log.clear()
    }
}
