//! Fixture users: a username, an optional fixed `sub`, and the claims the provider releases.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user the mock IdP can sign in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The login name: what `login_hint` and the login page use.
    pub username: String,
    /// The subject; defaults to the username. Ignored by Entra-flavoured tenants, whose `sub`
    /// is pairwise per client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Every claim the user has (`email`, `email_verified`, `roles`, custom claims …). The
    /// provider releases them by scope (OpenID Connect Core §5.4).
    #[serde(default)]
    pub claims: Map<String, Value>,
}

impl User {
    /// A user with no claims yet.
    ///
    /// ```
    /// use mock_idp::User;
    /// let alice = User::new("alice")
    ///     .email("alice@example.com", true)
    ///     .phone("+15550100", false)
    ///     .name("Alice Example")
    ///     .roles(["admin"]);
    /// assert_eq!(alice.claims["email_verified"], true);
    /// ```
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            sub: None,
            claims: Map::new(),
        }
    }

    /// Fixes the subject.
    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// Sets any claim.
    ///
    /// Where the claim is released: a standard claim goes with its scope (OpenID Connect
    /// Core §5.4: `email`/`email_verified` with `email`, `name`, `given_name` … with
    /// `profile`, `phone_number` with `phone`, `address` with `address`). A custom claim
    /// listed under a tenant scope ([`crate::Tenant::scope`], e.g. `roles` under `roles` in
    /// the default tenant) goes only when that scope is granted; a custom claim listed under
    /// no scope goes always, in the ID token and from userinfo. A `claims` request parameter
    /// naming a claim releases it too.
    ///
    /// ```
    /// let dana = mock_idp::User::new("dana").claim("department", "research");
    /// assert_eq!(dana.claims["department"], "research");
    /// ```
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Sets `email` and `email_verified`.
    pub fn email(self, email: impl Into<String>, verified: bool) -> Self {
        self.claim("email", email.into())
            .claim("email_verified", verified)
    }

    /// Sets `phone_number` and `phone_number_verified`.
    pub fn phone(self, phone: impl Into<String>, verified: bool) -> Self {
        self.claim("phone_number", phone.into())
            .claim("phone_number_verified", verified)
    }

    /// Sets `name`.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.claim("name", name.into())
    }

    /// Sets the `roles` claim (an array).
    pub fn roles<I, S>(self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<Value> = roles.into_iter().map(|r| Value::String(r.into())).collect();
        self.claim("roles", list)
    }

    /// Sets the `groups` claim (an array).
    pub fn groups<I, S>(self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<Value> = groups
            .into_iter()
            .map(|g| Value::String(g.into()))
            .collect();
        self.claim("groups", list)
    }

    /// The subject a standard tenant puts in `sub`: the fixed one, else the username.
    pub fn subject(&self) -> &str {
        self.sub.as_deref().unwrap_or(&self.username)
    }
}
