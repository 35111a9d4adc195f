//! Registered clients: credentials, redirect URIs, allowed response types, and per-client
//! login and claim settings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::types::{AuthMethod, ClientId, ResponseType, Secret};
use crate::tokens::jwks::Alg;

/// How access tokens look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenFormat {
    /// Random opaque strings (the default: one signature per flow keeps the mock fast).
    #[default]
    Opaque,
    /// Signed JWTs (RFC 9068 shape) carrying the access-token claims.
    Jwt,
}

/// A client registered at a tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The `client_id`.
    pub client_id: ClientId,
    /// The secret of a confidential client; `None` makes a public client (PKCE required).
    #[serde(default, skip_serializing)]
    pub client_secret: Option<Secret>,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Registered redirect URIs, compared byte for byte.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Registered post-logout redirect URIs.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Response types this client may use; empty means all six.
    #[serde(default)]
    pub response_types: Vec<ResponseType>,
    /// The only token endpoint authentication method accepted; by default a confidential
    /// client may use `client_secret_basic` or `client_secret_post`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<AuthMethod>,
    /// The algorithm of this client's ID tokens; the tenant's default otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_signed_response_alg: Option<Alg>,
    /// A user signed in without a login page for this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_login: Option<String>,
    /// A person signs in at the login page for this client: a `login_hint` that names no
    /// user shows the login page. Otherwise such a hint is refused with a page naming it and
    /// listing the known users, so that a typo in a test fails where it is made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub login_page_on_unknown_hint: bool,
    /// Opaque or JWT access tokens.
    #[serde(default)]
    pub access_token_format: TokenFormat,
    /// Claims added to (or overriding) every ID token issued to this client.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub id_token_claims: Map<String, Value>,
    /// Claims added to every JWT access token issued to this client.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub access_token_claims: Map<String, Value>,
    /// Claims added to every userinfo response for this client.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub userinfo_claims: Map<String, Value>,
    /// The Google Cloud project the client belongs to: the `azp_same_project` quirk names
    /// another client of the same project in `azp` (`docs/flavours.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl Client {
    fn with(client_id: impl Into<String>, secret: Option<Secret>) -> Self {
        Self {
            client_id: ClientId::new(client_id),
            client_secret: secret,
            name: None,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            response_types: Vec::new(),
            token_endpoint_auth_method: None,
            id_token_signed_response_alg: None,
            auto_login: None,
            login_page_on_unknown_hint: false,
            access_token_format: TokenFormat::Opaque,
            id_token_claims: Map::new(),
            access_token_claims: Map::new(),
            userinfo_claims: Map::new(),
            project: None,
        }
    }

    /// A confidential client with a secret.
    ///
    /// ```
    /// use mock_idp::Client;
    /// let app = Client::confidential("web-app", "s3cr3t")
    ///     .redirect_uri("http://127.0.0.1:3000/callback");
    /// assert!(!app.is_public());
    /// ```
    pub fn confidential(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self::with(client_id, Some(Secret::new(secret)))
    }

    /// A public client (no secret; must use PKCE for codes).
    ///
    /// ```
    /// use mock_idp::Client;
    /// let spa = Client::public("spa").redirect_uri("http://127.0.0.1:3000/cb");
    /// assert!(spa.is_public());
    /// ```
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::with(client_id, None)
    }

    /// Shows the login page, rather than an error, for a `login_hint` that names no user.
    pub fn login_page_on_unknown_hint(mut self) -> Self {
        self.login_page_on_unknown_hint = true;
        self
    }

    /// Registers a redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Registers a post-logout redirect URI.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uris.push(uri.into());
        self
    }

    /// Limits the response types this client may use.
    pub fn response_types(mut self, types: impl IntoIterator<Item = ResponseType>) -> Self {
        self.response_types = types.into_iter().collect();
        self
    }

    /// Accepts only this token endpoint authentication method.
    pub fn auth_method(mut self, method: AuthMethod) -> Self {
        self.token_endpoint_auth_method = Some(method);
        self
    }

    /// Signs this client's ID tokens with `alg`.
    pub fn signing_alg(mut self, alg: Alg) -> Self {
        self.id_token_signed_response_alg = Some(alg);
        self
    }

    /// Signs `username` in without a login page.
    pub fn auto_login(mut self, username: impl Into<String>) -> Self {
        self.auto_login = Some(username.into());
        self
    }

    /// Issues JWT access tokens.
    pub fn jwt_access_tokens(mut self) -> Self {
        self.access_token_format = TokenFormat::Jwt;
        self
    }

    /// Adds a claim to every ID token of this client.
    pub fn id_token_claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.id_token_claims.insert(name.into(), value.into());
        self
    }

    /// Puts the client in a Google project, beside the project's other clients.
    ///
    /// ```
    /// use mock_idp::Client;
    /// let web = Client::confidential("web", "s3cr3t").project("acme-prod");
    /// assert_eq!(web.project.as_deref(), Some("acme-prod"));
    /// ```
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Whether the client has no secret.
    pub fn is_public(&self) -> bool {
        self.client_secret.is_none()
    }

    /// Whether the client may use `response_type`.
    pub fn allows(&self, response_type: ResponseType) -> bool {
        self.response_types.is_empty() || self.response_types.contains(&response_type)
    }

    /// The methods the token endpoint accepts from this client.
    pub fn auth_methods(&self) -> Vec<AuthMethod> {
        match (self.token_endpoint_auth_method, self.is_public()) {
            (Some(m), _) => vec![m],
            (None, true) => vec![AuthMethod::None],
            (None, false) => vec![AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost],
        }
    }
}
