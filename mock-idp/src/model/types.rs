//! Protocol strings as types: client ids, secrets, response types and modes, scopes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An OAuth 2.0 `client_id`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    ///
    /// ```
    /// let id = mock_idp::ClientId::new("web-app");
    /// assert_eq!(id.as_str(), "web-app");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ClientId {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// A secret (client secret). Its `Debug` and `Display` never show the value, so it cannot
/// leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// let s = mock_idp::Secret::new("s3cr3t");
    /// assert_eq!(format!("{s:?}"), "Secret(***)");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where the protocol needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares with a presented value in time independent of where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), presented.as_bytes())
            .is_ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One of the six OpenID Connect response types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseType {
    /// `code`: authorization code flow.
    #[serde(rename = "code")]
    Code,
    /// `id_token`: implicit flow without an access token.
    #[serde(rename = "id_token")]
    IdToken,
    /// `id_token token`: implicit flow.
    #[serde(rename = "id_token token")]
    IdTokenToken,
    /// `code id_token`: hybrid flow.
    #[serde(rename = "code id_token")]
    CodeIdToken,
    /// `code token`: hybrid flow.
    #[serde(rename = "code token")]
    CodeToken,
    /// `code id_token token`: hybrid flow.
    #[serde(rename = "code id_token token")]
    CodeIdTokenToken,
}

impl ResponseType {
    /// Every response type, in the order discovery lists them.
    pub const ALL: [ResponseType; 6] = [
        Self::Code,
        Self::IdToken,
        Self::IdTokenToken,
        Self::CodeIdToken,
        Self::CodeToken,
        Self::CodeIdTokenToken,
    ];

    /// Parses a `response_type` value; the order of its space-separated words does not matter
    /// (OAuth 2.0 Multiple Response Types §2).
    pub fn parse(value: &str) -> Option<Self> {
        let mut words: Vec<&str> = value.split(' ').collect();
        words.sort_unstable();
        match words.as_slice() {
            ["code"] => Some(Self::Code),
            ["id_token"] => Some(Self::IdToken),
            ["id_token", "token"] => Some(Self::IdTokenToken),
            ["code", "id_token"] => Some(Self::CodeIdToken),
            ["code", "token"] => Some(Self::CodeToken),
            ["code", "id_token", "token"] => Some(Self::CodeIdTokenToken),
            _ => None,
        }
    }

    /// The canonical wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::IdToken => "id_token",
            Self::IdTokenToken => "id_token token",
            Self::CodeIdToken => "code id_token",
            Self::CodeToken => "code token",
            Self::CodeIdTokenToken => "code id_token token",
        }
    }

    /// Whether the authorization endpoint returns a code.
    pub fn has_code(self) -> bool {
        matches!(
            self,
            Self::Code | Self::CodeIdToken | Self::CodeToken | Self::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an ID token.
    pub fn has_id_token(self) -> bool {
        matches!(
            self,
            Self::IdToken | Self::IdTokenToken | Self::CodeIdToken | Self::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an access token.
    pub fn has_token(self) -> bool {
        matches!(
            self,
            Self::IdTokenToken | Self::CodeToken | Self::CodeIdTokenToken
        )
    }

    /// The response mode used when the request names none (Multiple Response Types §5).
    pub fn default_mode(self) -> ResponseMode {
        if self == Self::Code {
            ResponseMode::Query
        } else {
            ResponseMode::Fragment
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the authorization response travels back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query.
    Query,
    /// Parameters in the redirect URI's fragment.
    Fragment,
    /// An auto-submitting HTML form POSTed to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// Parses a `response_mode` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
        }
    }
}

/// Client authentication at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// HTTP Basic with the client id and secret.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: no secret, PKCE required.
    None,
}

impl AuthMethod {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
        }
    }
}

/// Standard scopes and the claims each releases (OpenID Connect Core §5.4).
pub const STANDARD_SCOPES: [(&str, &[&str]); 4] = [
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// The standard scope a claim belongs to, if any.
pub fn standard_scope_of(claim: &str) -> Option<&'static str> {
    STANDARD_SCOPES
        .iter()
        .find(|(_, claims)| claims.contains(&claim))
        .map(|(scope, _)| *scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_type_word_order_does_not_matter() {
        assert_eq!(
            ResponseType::parse("token id_token code"),
            Some(ResponseType::CodeIdTokenToken)
        );
        assert_eq!(ResponseType::parse("token"), None);
        assert_eq!(ResponseType::parse("code  id_token"), None);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(s.matches("hunter2"));
        assert!(!s.matches("hunter3"));
    }
}

/// A `prompt` value of an authorization request (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Prompt {
    None,
    Login,
    Consent,
    SelectAccount,
}

impl Prompt {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => Self::None,
            "login" => Self::Login,
            "consent" => Self::Consent,
            "select_account" => Self::SelectAccount,
            _ => return None,
        })
    }
}
