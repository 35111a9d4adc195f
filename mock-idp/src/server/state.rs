//! The server's shared state: tenants with their clients, users, keys, faults, claim
//! overrides, and the grants in flight (codes, tokens, sessions, pending logins).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use axum::http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::faults::{Fault, FaultSet};
use crate::model::client::Client;
use crate::model::config::{ConfigError, validate_tenant};
use crate::model::limits::Limits;
use crate::model::tenant::{Flavour, Lifetimes, Tenant};
use crate::model::types::{ClientId, Prompt, ResponseMode, ResponseType};
use crate::model::user::User;
use crate::server::clock::Clock;
use crate::server::prepared::PreparedDiscovery;
use crate::server::request_log::RequestLog;
use crate::server::store::BoundedMap;
use crate::server::tenant_keys::TenantKeys;
use crate::tokens::b64;
use crate::tokens::jwks::{Alg, KeyError, KeySet, SigningKey, fresh_key};

/// Which token a claim override changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimTarget {
    /// ID tokens.
    IdToken,
    /// JWT access tokens.
    AccessToken,
    /// Userinfo responses.
    Userinfo,
}

/// Extra or overridden claims for a user, a client, or the next token only. A `null` value
/// removes the claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimOverride {
    /// Which token.
    pub target: ClaimTarget,
    /// Only for this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Only for this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// Only for the next token it applies to.
    #[serde(default)]
    pub once: bool,
    /// The claims to set (or remove, with `null`).
    pub claims: Map<String, Value>,
}

impl ClaimOverride {
    /// Overrides `claims` in every `target` token.
    ///
    /// ```
    /// use mock_idp::{ClaimOverride, ClaimTarget};
    /// let o = ClaimOverride::new(ClaimTarget::IdToken, serde_json::json!({"acr": "mfa"}))
    ///     .for_user("alice")
    ///     .once();
    /// assert!(o.once);
    /// ```
    pub fn new(target: ClaimTarget, claims: Value) -> Self {
        Self {
            target,
            user: None,
            client_id: None,
            once: false,
            claims: match claims {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    /// Only for `username`.
    pub fn for_user(mut self, username: impl Into<String>) -> Self {
        self.user = Some(username.into());
        self
    }

    /// Only for `client_id`.
    pub fn for_client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(ClientId::new(client_id));
        self
    }

    /// Only for the next token.
    pub fn once(mut self) -> Self {
        self.once = true;
        self
    }
}

/// PKCE code challenge methods (RFC 7636).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceMethod {
    S256,
    Plain,
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthzRequest {
    pub client_id: ClientId,
    pub redirect_uri: String,
    pub response_type: ResponseType,
    pub response_mode: ResponseMode,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub pkce: Option<(String, PkceMethod)>,
    pub prompt: std::collections::BTreeSet<Prompt>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub claims: Option<Value>,
    /// Faults selected with `mock_fault=`.
    pub faults: Vec<Fault>,
}

/// Who signed in, when, and with what edits: everything tokens are minted from.
#[derive(Debug, Clone)]
pub(crate) struct AuthContext {
    pub client_id: ClientId,
    pub username: String,
    pub scope: Vec<String>,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub claims_request: Option<Value>,
    /// Shared with the session, so grants from one sign-in hold one copy.
    pub claims_edit: Option<Arc<Map<String, Value>>>,
    /// The provider session this sign-in belongs to, as the ID token's `sid` names it.
    pub sid: String,
    /// Faults the authorization request selected with `mock_fault=`: they follow the sign-in
    /// to the token endpoint, refreshes and userinfo.
    pub faults: Vec<Fault>,
}

#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub auth: AuthContext,
    pub redirect_uri: String,
    pub pkce: Option<(String, PkceMethod)>,
    pub expires_at: i64,
    pub used: bool,
    /// Set when a used code came back: tokens from it must not be recorded any more.
    pub replayed: bool,
    pub issued: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub client_id: ClientId,
    /// `None` for client-credentials tokens.
    pub auth: Option<AuthContext>,
    pub scope: Vec<String>,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub auth: AuthContext,
    pub expires_at: i64,
}

/// A browser's sign-in at the provider, found by the session cookie.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub username: String,
    pub auth_time: i64,
    pub claims_edit: Option<Arc<Map<String, Value>>>,
    /// The ID token's `sid`: a value of its own, never the cookie, so a token holder cannot
    /// replay it as the cookie (OpenID Connect Front-Channel Logout §3 only needs it to
    /// name the session).
    pub sid: String,
    /// When the session was last used; it ends `session_idle_secs` after.
    pub last_used: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingLogin {
    pub request: AuthzRequest,
    pub created: i64,
}

/// Map size past which [`TenantData::prune`] first sweeps expired entries.
const PRUNE_THRESHOLD: usize = 4096;

/// Everything of a tenant that changes, behind one lock held only for short moments.
#[derive(Debug)]
pub(crate) struct TenantData {
    pub default_alg: Alg,
    pub auto_login: Option<String>,
    pub scopes: BTreeMap<String, Vec<String>>,
    pub lifetimes: Lifetimes,
    pub clients: BTreeMap<ClientId, Client>,
    pub users: BTreeMap<String, User>,
    pub faults: FaultSet,
    pub overrides: Vec<ClaimOverride>,
    pub limits: Limits,
    pub codes: BoundedMap<CodeGrant>,
    pub access: BoundedMap<AccessGrant>,
    pub refresh: BoundedMap<RefreshGrant>,
    pub sessions: BoundedMap<Session>,
    pub pending: BoundedMap<PendingLogin>,
    /// Sizes of `codes`, `access`, `refresh`, `pending` and `sessions` above which
    /// [`Self::prune`] next sweeps each map.
    prune_at: [usize; 5],
}

impl TenantData {
    pub(crate) fn new(tenant: &Tenant, limits: Limits) -> Self {
        Self {
            default_alg: tenant.default_alg,
            auto_login: tenant.auto_login.clone(),
            scopes: tenant.scopes.clone(),
            lifetimes: tenant.lifetimes,
            clients: tenant
                .clients
                .iter()
                .map(|c| (c.client_id.clone(), c.clone()))
                .collect(),
            users: tenant
                .users
                .iter()
                .map(|u| (u.username.clone(), u.clone()))
                .collect(),
            faults: {
                let mut set = FaultSet::default();
                for rule in &tenant.faults {
                    set.add(rule.clone());
                }
                set
            },
            overrides: Vec::new(),
            limits,
            codes: BoundedMap::new(limits.max_grants),
            access: BoundedMap::new(limits.max_grants),
            refresh: BoundedMap::new(limits.max_grants),
            sessions: BoundedMap::new(limits.max_sessions),
            pending: BoundedMap::new(limits.max_pending_logins),
            prune_at: [PRUNE_THRESHOLD; 5],
        }
    }

    /// Drops expired codes, tokens, idle sessions and abandoned logins once a map grows past
    /// a threshold (each map also has a cap, see [`BoundedMap`]). After a sweep a map is swept again
    /// only once it has doubled (or regrown past the threshold), so a run where nothing has
    /// expired yet does not scan every grant on every authorization.
    pub(crate) fn prune(&mut self, now: i64) {
        fn sweep<V>(
            map: &mut BoundedMap<V>,
            at: &mut usize,
            keep: impl FnMut(&String, &mut V) -> bool,
        ) {
            if map.len() > *at {
                map.retain(keep);
                *at = (2 * map.len()).max(PRUNE_THRESHOLD);
            }
        }
        let idle = self.limits.session_idle_secs;
        let [codes, access, refresh, pending, sessions] = &mut self.prune_at;
        sweep(&mut self.codes, codes, |_, g| g.expires_at > now - 600);
        sweep(&mut self.access, access, |_, g| g.expires_at > now);
        sweep(&mut self.refresh, refresh, |_, g| g.expires_at > now);
        sweep(&mut self.pending, pending, |_, p| p.created > now - 3600);
        sweep(&mut self.sessions, sessions, |_, s| {
            s.last_used > now - idle
        });
    }

    /// Applies the overrides for `target` to `claims`, spending `once` overrides.
    pub(crate) fn apply_overrides(
        &mut self,
        target: ClaimTarget,
        client_id: &ClientId,
        username: Option<&str>,
        claims: &mut Map<String, Value>,
    ) {
        let mut spent = Vec::new();
        for (i, o) in self.overrides.iter().enumerate() {
            let applies = o.target == target
                && o.client_id.as_ref().is_none_or(|c| c == client_id)
                && o.user.as_deref().is_none_or(|u| Some(u) == username);
            if applies {
                for (k, v) in &o.claims {
                    if v.is_null() {
                        claims.remove(k);
                    } else {
                        claims.insert(k.clone(), v.clone());
                    }
                }
                if o.once {
                    spent.push(i);
                }
            }
        }
        for i in spent.into_iter().rev() {
            self.overrides.remove(i);
        }
    }
}

/// A tenant at run time.
#[derive(Debug)]
pub(crate) struct TenantState {
    pub name: String,
    pub path: String,
    pub flavour: Flavour,
    /// Made on first use: the random generator is not seeded before the first answer.
    random_jwks_path: OnceLock<String>,
    data: Mutex<TenantData>,
    /// Loaded after the server listens ([`TenantState::load_keys`]).
    keys: TenantKeys,
    /// The discovery documents as served without a discovery fault.
    pub discovery: PreparedDiscovery,
}

impl TenantState {
    /// The tenant, its keys not loaded yet: call [`TenantState::load_keys`] to learn
    /// whether they load.
    pub(crate) fn from_config(tenant: &Tenant, limits: Limits) -> Self {
        Self {
            name: tenant.name.clone(),
            path: tenant.path(),
            flavour: tenant.flavour.clone(),
            random_jwks_path: OnceLock::new(),
            data: Mutex::new(TenantData::new(tenant, limits)),
            keys: TenantKeys::of(tenant),
            discovery: PreparedDiscovery::default(),
        }
    }

    /// Loads the key files and makes the other keys, unless a request already did.
    pub(crate) fn load_keys(&self) -> Result<(), KeyError> {
        self.keys.load()
    }

    /// Where the JWK Set is also served, below the issuer: random per tenant and run, and
    /// advertised while the `jwks_uri_random` fault is active.
    pub(crate) fn random_jwks_path(&self) -> &str {
        self.random_jwks_path
            .get_or_init(|| format!("/jwks/{}", b64::random_token(12)))
    }

    /// Locks the tenant's data; a poisoned lock is recovered since every write leaves the
    /// maps consistent.
    pub(crate) fn data(&self) -> MutexGuard<'_, TenantData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn signing_key(&self, alg: Alg) -> Option<Arc<SigningKey>> {
        self.keys.read().active(alg)
    }

    pub(crate) fn jwks(&self, now: i64) -> Value {
        self.keys.read().jwks(now)
    }

    /// The JWK Set document at `now` as served, prepared once per key set.
    pub(crate) fn jwks_bytes(&self, now: i64) -> axum::body::Bytes {
        self.keys.jwks_bytes(now)
    }

    pub(crate) fn published_kids(&self) -> Vec<String> {
        self.keys
            .read()
            .kids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// The key set, read (for the keys signature faults publish beside the active ones).
    pub(crate) fn keys(&self) -> std::sync::RwLockReadGuard<'_, KeySet> {
        self.keys.read()
    }

    /// The key set, to change; the prepared JWK Set is dropped with it.
    pub(crate) fn keys_mut(&self) -> std::sync::RwLockWriteGuard<'_, KeySet> {
        self.keys.write()
    }

    /// A new key for `alg` whose `kid` no key of the tenant has.
    pub(crate) fn fresh_unpublished(&self, alg: Alg) -> Result<Arc<SigningKey>, KeyError> {
        let kids = self.published_kids();
        let avoid: Vec<&str> = kids.iter().map(String::as_str).collect();
        fresh_key(alg, &avoid)
    }

    /// Replaces the active key for `alg`; the old one stays published for the grace period.
    pub(crate) fn rotate(&self, alg: Alg, now: i64) -> Result<String, KeyError> {
        let grace = self.data().lifetimes.key_grace;
        self.rotate_with_grace(alg, now, grace)
            .map(|k| k.kid().to_owned())
    }

    /// Replaces the active key for `alg`, keeping the old one published for `grace` seconds
    /// (none: it is withdrawn at once).
    pub(crate) fn rotate_with_grace(
        &self,
        alg: Alg,
        now: i64,
        grace: i64,
    ) -> Result<Arc<SigningKey>, KeyError> {
        let key = self.fresh_unpublished(alg)?;
        let mut keys = self.keys.write();
        keys.prune(now);
        keys.install(key.clone(), now + grace);
        keys.prune(now);
        Ok(key)
    }

    /// The tenant as configuration (for the admin API and `MockIdp::tenant`).
    pub(crate) fn snapshot(&self) -> Tenant {
        let d = self.data();
        let mut t = Tenant::new(self.name.clone());
        t.flavour = self.flavour.clone();
        t.default_alg = d.default_alg;
        t.auto_login = d.auto_login.clone();
        t.scopes = d.scopes.clone();
        t.lifetimes = d.lifetimes;
        t.clients = d.clients.values().cloned().collect();
        t.users = d.users.values().cloned().collect();
        t
    }
}

/// Shared by every request of one server.
#[derive(Debug)]
pub(crate) struct Server {
    tenants: RwLock<Vec<Arc<TenantState>>>,
    pub clock: Arc<Clock>,
    pub log: RequestLog,
    pub public_base: Option<String>,
    pub bound_base: String,
    pub admin_public: bool,
    pub limits: Limits,
    /// Folders the admin API may read tenant key files from.
    pub key_dirs: Vec<std::path::PathBuf>,
}

/// How a [`Server`] is set up, besides its tenants.
#[derive(Debug)]
pub(crate) struct ServerSettings {
    pub public_base: Option<String>,
    pub bound_base: String,
    pub admin_public: bool,
    pub limits: Limits,
    pub key_dirs: Vec<std::path::PathBuf>,
}

impl Server {
    pub(crate) fn new(tenants: Vec<Arc<TenantState>>, settings: ServerSettings) -> Self {
        Self {
            tenants: RwLock::new(tenants),
            clock: Arc::new(Clock::default()),
            log: RequestLog::new(&settings.limits),
            public_base: settings
                .public_base
                .map(|b| b.trim_end_matches('/').to_owned()),
            bound_base: settings.bound_base,
            admin_public: settings.admin_public,
            limits: settings.limits,
            key_dirs: settings.key_dirs,
        }
    }

    pub(crate) fn tenants(&self) -> Vec<Arc<TenantState>> {
        self.tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn tenant(&self, name: &str) -> Option<Arc<TenantState>> {
        self.tenants().into_iter().find(|t| t.name == name)
    }

    /// The tenant whose issuer path prefixes `path`, the prefix it came in by, and the rest
    /// of the path. When no tenant's own path matches, `common/v2.0` is Entra's multi-tenant
    /// endpoint, served by the first Entra-flavoured tenant.
    pub(crate) fn route<'p>(&self, path: &'p str) -> Option<(Arc<TenantState>, String, &'p str)> {
        let trimmed = path.trim_start_matches('/');
        let below = |prefix: &str| {
            let rest = trimmed.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with('/')).then_some(if rest.is_empty() {
                "/"
            } else {
                rest
            })
        };
        // Read in place: cloning the tenant list on every request costs more than matching.
        let tenants = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        let own = tenants
            .iter()
            .filter_map(|t| below(&t.path).map(|rest| (t, rest)))
            .max_by_key(|(t, _)| t.path.len())
            .map(|(t, rest)| (t.clone(), t.path.clone(), rest));
        own.or_else(|| {
            let rest = below(ENTRA_COMMON)?;
            let entra = tenants
                .iter()
                .find(|t| matches!(t.flavour, Flavour::Entra { .. }))?;
            Some((entra.clone(), ENTRA_COMMON.to_owned(), rest))
        })
    }

    pub(crate) fn add_tenant(&self, tenant: &Tenant, origin: &str) -> Result<(), ConfigError> {
        validate_tenant(tenant, origin, "tenant")?;
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if tenants
            .iter()
            .any(|t| t.name == tenant.name || t.path == tenant.path())
        {
            return Err(ConfigError::new(
                origin,
                "tenant.name",
                format!(
                    "expected a new tenant, found \"{}\" already served",
                    tenant.name
                ),
                "choose another name (or another Entra tenant_id)",
            ));
        }
        let state = TenantState::from_config(tenant, self.limits);
        state.load_keys().map_err(|e| {
            ConfigError::new(origin, "tenant.keys", e.to_string(), "fix the key file")
        })?;
        tenants.push(Arc::new(state));
        Ok(())
    }

    pub(crate) fn remove_tenant(&self, name: &str) -> bool {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        let before = tenants.len();
        tenants.retain(|t| t.name != name);
        before != tenants.len()
    }

    /// The base URL for a request: the configured public base, else the forwarded
    /// proto/host when a proxy sent them, else the address the server is bound to.
    pub(crate) fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(b) = &self.public_base {
            return b.clone();
        }
        // Names made once: looking a header up by a string parses the name on every request.
        const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
        const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
        let get = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(',').next().unwrap_or(v).trim().to_owned())
        };
        match (get(&FORWARDED_HOST), get(&FORWARDED_PROTO)) {
            (Some(host), proto) if is_host(&host) => {
                let proto = proto
                    .filter(|p| p == "http" || p == "https")
                    .unwrap_or_else(|| "http".into());
                format!("{proto}://{host}")
            }
            _ => self.bound_base.clone(),
        }
    }
}

fn is_host(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
}

/// The path of Entra's multi-tenant ("common") endpoint below the base URL.
pub(crate) const ENTRA_COMMON: &str = "common/v2.0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_sweeps_expired_grants_but_not_on_every_call() {
        let mut d = TenantData::new(&Tenant::new("t"), Limits::default());
        let grant = |expires_at| AccessGrant {
            client_id: ClientId::new("c"),
            auth: None,
            scope: Vec::new(),
            expires_at,
        };
        for i in 0..=PRUNE_THRESHOLD {
            d.access.insert(format!("live{i}"), grant(100));
        }
        d.prune(10);
        assert_eq!(d.access.len(), PRUNE_THRESHOLD + 1, "nothing had expired");
        // The next sweep waits until the map has doubled, then drops what has expired.
        for i in 0..=PRUNE_THRESHOLD {
            d.access.insert(format!("old{i}"), grant(5));
        }
        d.prune(10);
        assert_eq!(
            d.access.len(),
            2 * (PRUNE_THRESHOLD + 1),
            "not past twice the size yet"
        );
        d.access.insert("one-more".into(), grant(5));
        d.prune(10);
        assert_eq!(d.access.len(), PRUNE_THRESHOLD + 1);
        assert!(d.access.get("old0").is_none() && d.access.get("live0").is_some());
    }
}
