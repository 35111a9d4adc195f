//! Tenants: one issuer each, under its own path prefix, with its own keys, clients, users,
//! lifetimes and flavour (standard, Microsoft Entra ID, Google, Auth0, Okta or Keycloak; see
//! `docs/flavours.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;
use crate::model::client::Client;
use crate::model::user::User;
use crate::tokens::jwks::Alg;

/// The shape of a tenant's issuer and tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Flavour {
    /// Issuer `{base}/{name}`; `sub` is the user's subject.
    #[default]
    Standard,
    /// Microsoft Entra ID: issuer `{base}/{tenant_id}/v2.0`; tokens carry `oid`, `tid`,
    /// `preferred_username`, `roles`, `groups`, `ver`; `sub` is pairwise per client; no
    /// `email_verified` claim is ever emitted.
    Entra {
        /// The directory (tenant) GUID.
        tenant_id: String,
    },
    /// Google: issuer `{base}/{name}` in discovery, but ID tokens carry it without its scheme
    /// (`accounts.google.com` beside `https://accounts.google.com`); `azp` is always present.
    Google,
    /// Auth0: issuer `{base}/{name}/`, with the trailing slash Auth0 issuers always have.
    Auth0,
    /// Okta: the org authorization server at `{base}/{org}`, or a custom authorization server
    /// at `{base}/{org}/oauth2/{authorization_server}` beside it.
    Okta {
        /// The org: the issuer path of the org authorization server.
        org: String,
        /// A custom authorization server's id (e.g. `default`); none for the org server.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorization_server: Option<String>,
    },
    /// Keycloak: issuer `{base}/realms/{realm}`; ID tokens carry `typ: "ID"`, `azp` and
    /// `preferred_username`.
    Keycloak {
        /// The realm.
        realm: String,
    },
}

impl Flavour {
    /// The issuer identifier of a tenant served at `path` below `base`.
    pub(crate) fn issuer(&self, base: &str, path: &str) -> String {
        if self.issuer_ends_with_slash() {
            format!("{base}/{path}/")
        } else {
            format!("{base}/{path}")
        }
    }

    /// Whether the issuer identifier ends with a slash: Auth0's does
    /// ("https://{yourDomain}/"), and the slash is part of the identifier.
    pub fn issuer_ends_with_slash(&self) -> bool {
        matches!(self, Self::Auth0)
    }
}

/// A signing key loaded from a PEM file, for reproducible runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The key's algorithm.
    pub alg: Alg,
    /// A PKCS#8 PEM file, relative to the config file.
    pub file: PathBuf,
}

/// Token and code lifetimes, in seconds. The defaults: authorization codes 60 s, access and
/// ID tokens 3600 s (an hour), refresh tokens 30 days (2 592 000 s), and a rotated-out key
/// stays published for 3600 s.
///
/// ```
/// let l = mock_idp::Lifetimes::default();
/// assert_eq!((l.code, l.access_token, l.id_token), (60, 3600, 3600));
/// assert_eq!((l.refresh_token, l.key_grace), (30 * 86400, 3600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lifetimes {
    /// Authorization codes.
    pub code: i64,
    /// Access tokens.
    pub access_token: i64,
    /// ID tokens.
    pub id_token: i64,
    /// Refresh tokens.
    pub refresh_token: i64,
    /// How long a rotated-out key stays in the JWK Set.
    pub key_grace: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            code: 60,
            access_token: 3600,
            id_token: 3600,
            refresh_token: 30 * 86400,
            key_grace: 3600,
        }
    }
}

/// A tenant as configured: what the TOML file holds and what the builder makes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// The tenant's name: its path prefix (standard flavour) and its key in the admin API.
    pub name: String,
    /// Which provider's shape the issuer and tokens take.
    #[serde(default)]
    pub flavour: Flavour,
    /// The algorithm of ID tokens when the client names none.
    #[serde(default = "default_alg")]
    pub default_alg: Alg,
    /// Keys loaded from files; other algorithms get fresh keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyFile>,
    /// A user signed in without a login page for every client of this tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_login: Option<String>,
    /// Custom scopes and the claims each releases (e.g. `roles = ["roles"]`). A custom
    /// claim named by no scope is always released.
    #[serde(default)]
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Lifetimes.
    #[serde(default)]
    pub lifetimes: Lifetimes,
    /// Registered clients.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// Users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Fault rules active from the start (see `docs/faults.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
}

fn default_alg() -> Alg {
    Alg::RS256
}

impl Tenant {
    /// An empty standard tenant.
    ///
    /// ```
    /// use mock_idp::{Client, Tenant, User};
    /// let acme = Tenant::new("acme")
    ///     .client(Client::confidential("app", "secret").redirect_uri("http://127.0.0.1:1/cb"))
    ///     .user(User::new("alice").email("alice@acme.test", true));
    /// assert_eq!(acme.path(), "acme");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            flavour: Flavour::Standard,
            default_alg: Alg::RS256,
            keys: Vec::new(),
            auto_login: None,
            scopes: BTreeMap::new(),
            lifetimes: Lifetimes::default(),
            clients: Vec::new(),
            users: Vec::new(),
            faults: Vec::new(),
        }
    }

    /// An Entra-flavoured tenant with directory id `tenant_id` (a GUID).
    ///
    /// ```
    /// use mock_idp::Tenant;
    /// let contoso = Tenant::entra("contoso", "9122040d-6c67-4c5b-b112-36a304b66dad");
    /// assert_eq!(contoso.path(), "9122040d-6c67-4c5b-b112-36a304b66dad/v2.0");
    /// ```
    pub fn entra(name: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        let mut t = Self::new(name);
        t.flavour = Flavour::Entra {
            tenant_id: tenant_id.into(),
        };
        t
    }

    /// A tenant shaped like `flavour` (see [`Flavour`]); Okta tenants also release `groups`
    /// through a `groups` scope, as Okta's authorization servers do once the claim is set up.
    ///
    /// ```
    /// use mock_idp::{Flavour, Tenant};
    /// let kc = Tenant::flavoured("kc", Flavour::Keycloak { realm: "acme".into() });
    /// assert_eq!(kc.path(), "realms/acme");
    /// let okta = Tenant::flavoured(
    ///     "okta-default",
    ///     Flavour::Okta { org: "okta".into(), authorization_server: Some("default".into()) },
    /// );
    /// assert_eq!(okta.path(), "okta/oauth2/default");
    /// ```
    pub fn flavoured(name: impl Into<String>, flavour: Flavour) -> Self {
        let mut t = Self::new(name);
        if matches!(flavour, Flavour::Okta { .. }) {
            t = t.scope("groups", ["groups"]);
        }
        t.flavour = flavour;
        t
    }

    /// Adds a client.
    pub fn client(mut self, client: Client) -> Self {
        self.clients.push(client);
        self
    }

    /// Adds a user.
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Signs every client's users in as `username` without a login page.
    pub fn auto_login(mut self, username: impl Into<String>) -> Self {
        self.auto_login = Some(username.into());
        self
    }

    /// Declares a custom scope releasing `claims`.
    pub fn scope<I, S>(mut self, scope: impl Into<String>, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes
            .insert(scope.into(), claims.into_iter().map(Into::into).collect());
        self
    }

    /// Signs ID tokens with `alg` by default.
    pub fn default_alg(mut self, alg: Alg) -> Self {
        self.default_alg = alg;
        self
    }

    /// Starts with this fault rule active.
    pub fn fault(mut self, rule: impl Into<FaultRule>) -> Self {
        self.faults.push(rule.into());
        self
    }

    /// Sets the lifetimes.
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// The issuer's path below the base URL, without slashes at either end.
    pub fn path(&self) -> String {
        match &self.flavour {
            Flavour::Standard | Flavour::Google | Flavour::Auth0 => self.name.clone(),
            Flavour::Entra { tenant_id } => format!("{tenant_id}/v2.0"),
            Flavour::Okta {
                org,
                authorization_server: None,
            } => org.clone(),
            Flavour::Okta {
                org,
                authorization_server: Some(server),
            } => format!("{org}/oauth2/{server}"),
            Flavour::Keycloak { realm } => format!("realms/{realm}"),
        }
    }
}
