//! OAuth 2.0 / OpenID Connect errors: the spec's error codes with a description
//! ([`OAuthError`]), and the one error type every tenant endpoint returns
//! ([`EndpointError`]), which knows who may see it and in what shape: the status codes and
//! headers of RFC 6749 §5.2 and RFC 6750 §3, the redirect of OpenID Connect Core §3.1.2.6, or
//! a page at the browser when the redirect URI cannot be trusted.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::endpoints::delivery::RedirectTarget;
use crate::endpoints::pages;

/// An error code from RFC 6749, RFC 6750 or OpenID Connect Core §3.1.2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    ServerError,
    LoginRequired,
    InteractionRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    InvalidToken,
    InsufficientScope,
}

impl ErrorCode {
    const ALL: [ErrorCode; 16] = [
        Self::InvalidRequest,
        Self::InvalidClient,
        Self::InvalidGrant,
        Self::UnauthorizedClient,
        Self::UnsupportedGrantType,
        Self::UnsupportedResponseType,
        Self::InvalidScope,
        Self::AccessDenied,
        Self::ServerError,
        Self::LoginRequired,
        Self::InteractionRequired,
        Self::ConsentRequired,
        Self::RequestNotSupported,
        Self::RequestUriNotSupported,
        Self::InvalidToken,
        Self::InsufficientScope,
    ];

    /// Parses a wire error code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::LoginRequired => "login_required",
            Self::InteractionRequired => "interaction_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

/// An OAuth error with its description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The code.
    pub code: ErrorCode,
    /// What was wrong, for the developer reading it.
    pub description: String,
}

impl OAuthError {
    /// An error with a description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    fn body(&self) -> serde_json::Value {
        json!({ "error": self.code.as_str(), "error_description": self.description })
    }

    /// The token endpoint's answer (RFC 6749 §5.2): 400, or 401 with `WWW-Authenticate` for
    /// `invalid_client`; never cached.
    fn token_response(&self) -> Response {
        let status = match self.code {
            ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut res = (status, axum::Json(self.body())).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.code == ErrorCode::InvalidClient {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"mock-idp\""),
            );
        }
        res
    }

    /// A protected resource's answer (RFC 6750 §3): 401 with a `Bearer` challenge for a bad
    /// token, 403 for scope, 400 for a malformed request.
    fn bearer_response(&self) -> Response {
        let status = match self.code {
            ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let challenge = format!(
            "Bearer realm=\"mock-idp\", error=\"{}\", error_description=\"{}\"",
            self.code.as_str(),
            self.description.replace(['"', '\\'], "'")
        );
        let mut res = (status, axum::Json(self.body())).into_response();
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// Why a tenant endpoint refused a request, and so who may be told and how. Like
/// node-oidc-provider's `allow_redirect`, only [`EndpointError::Redirect`] ever reaches the
/// client's redirect URI: it is built only once the client and its redirect URI are trusted.
#[derive(Debug)]
pub(crate) enum EndpointError {
    /// Shown to the person at the browser, never redirected: the client or the redirect URI
    /// is unknown, so sending the error there would make the provider an open redirector
    /// (RFC 6749 §4.1.2.1).
    Browser(OAuthError),
    /// Sent to the client's registered redirect URI through its response mode.
    Redirect(OAuthError, RedirectTarget),
    /// The token endpoint's JSON answer (RFC 6749 §5.2).
    Token(OAuthError),
    /// A protected resource's answer with a `Bearer` challenge (RFC 6750 §3).
    Bearer(OAuthError),
    /// A JSON answer with this status, for errors outside any one endpoint's protocol: an
    /// oversized body, an injected `server_error`.
    Status(StatusCode, OAuthError),
    /// No tenant or resource at this path.
    NotFound(String),
}

impl EndpointError {
    /// An error page for the browser.
    pub(crate) fn browser(description: impl Into<String>) -> Self {
        Self::Browser(OAuthError::invalid_request(description))
    }
}

impl IntoResponse for EndpointError {
    fn into_response(self) -> Response {
        match self {
            Self::Browser(e) => {
                let body = format!(
                    "<p class=\"err\" id=\"error\">{}</p>\n<p id=\"error_description\">{}</p>",
                    pages::escape(e.code.as_str()),
                    pages::escape(&e.description)
                );
                pages::guarded(pages::no_store(
                    (
                        StatusCode::BAD_REQUEST,
                        Html(pages::page("Sign-in error", &body)),
                    )
                        .into_response(),
                ))
            }
            Self::Redirect(e, target) => target.send(vec![
                ("error".to_owned(), e.code.as_str().to_owned()),
                ("error_description".to_owned(), e.description),
            ]),
            Self::Token(e) => e.token_response(),
            Self::Bearer(e) => e.bearer_response(),
            Self::Status(status, e) => (status, axum::Json(e.body())).into_response(),
            Self::NotFound(description) => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "error": "not_found", "error_description": description })),
            )
                .into_response(),
        }
    }
}
