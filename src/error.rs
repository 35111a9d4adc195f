//! Sign-in failures: every way a sign-in can be refused, each with a stable code that the
//! error page shows and tests assert on.

use crate::validator::IdTokenError;

/// Why a sign-in was refused. Nothing is stored when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The callback named no provider we know, or an inactive one.
    #[error("provider \"{0}\" is unknown or inactive")]
    ProviderUnavailable(String),
    /// The authorization response carries no `state`.
    #[error("expected a state parameter in the authorization response, found none")]
    MissingState,
    /// `state` unknown, already used, or expired (CSRF defence, RFC 6749 §10.12).
    #[error(
        "the state in the authorization response matches no sign-in in progress (unknown, used or expired)"
    )]
    StateMismatch,
    /// The `state` names a sign-in that an earlier delivery of the authorization response
    /// already completed: a replayed response (RFC 6749 §10.5, Core §3.1.3.7 step 11).
    #[error(
        "the authorization response was already used: its sign-in is complete, and a response is accepted once"
    )]
    Replayed,
    /// The response came back to another browser than the one that started the sign-in:
    /// login CSRF, or a link to a callback opened elsewhere (RFC 6749 §10.12, RFC 9700 §4.7).
    #[error(
        "the authorization response was delivered by another browser than the one that started this sign-in at {provider}; start the sign-in again in this browser"
    )]
    BrowserMismatch {
        /// The provider the attempt was started at.
        provider: String,
    },
    /// The provider answered an error.
    #[error("the provider answered {error}: {description}")]
    Provider {
        /// The OAuth error code.
        error: String,
        /// Its description.
        description: String,
    },
    /// RFC 9207: the `iss` response parameter names another issuer (mix-up defence).
    #[error("expected iss \"{expected}\" in the authorization response, found \"{found}\"")]
    ResponseIssuer {
        /// Expected.
        expected: String,
        /// Found.
        found: String,
    },
    /// A parameter the response type promises is missing.
    #[error("expected {0} in the authorization response, found none")]
    MissingParameter(&'static str),
    /// ID token rejected.
    #[error("ID token rejected: {0}")]
    IdToken(#[from] IdTokenError),
    /// A provider endpoint could not be reached, closed the connection or answered 5xx.
    #[error("the provider's {endpoint} endpoint is unavailable: {detail}")]
    Unavailable {
        /// `token` or `userinfo` (the JWK Set has its own code, `jwks.unavailable`).
        endpoint: &'static str,
        /// What happened.
        detail: String,
    },
    /// Role mapping needs a claim the provider only points at (groups overage).
    #[error(
        "expected the role claim {0} in the token, found only a pointer to fetch it elsewhere (_claim_names or hasgroups); roles cannot be mapped"
    )]
    RoleClaimOverage(String),
    /// A session refresh was asked for without a session that can be refreshed.
    #[error("expected a signed-in session holding a refresh token, found none")]
    NoRefreshableSession,
    /// The token endpoint failed or refused.
    #[error("token endpoint: {0}")]
    Token(String),
    /// The token response has no ID token.
    #[error("expected an id_token in the token response, found none")]
    TokenWithoutIdToken,
    /// Userinfo failed.
    #[error("userinfo: {0}")]
    Userinfo(String),
    /// Userinfo `sub` differs from the ID token's (Core §5.3.2).
    #[error("expected userinfo sub \"{expected}\" (the ID token's), found \"{found}\"")]
    UserinfoSub {
        /// The ID token's sub.
        expected: String,
        /// Userinfo's sub.
        found: String,
    },
    /// Userinfo was not JSON.
    #[error("expected userinfo as application/json, found \"{0}\"")]
    UserinfoContentType(String),
    /// The identity claim (`sub` or `oid`) is missing.
    #[error("expected the identity claim {0} in the ID token, found none")]
    MissingIdentity(&'static str),
    /// Binding or creation refused the user.
    #[error("{0}")]
    Users(#[from] crate::users::UserRulesError),
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
}

impl SignInError {
    /// The stable code.
    pub fn code(&self) -> String {
        match self {
            Self::ProviderUnavailable(_) => "provider.unavailable".into(),
            Self::MissingState => "response.missing_state".into(),
            Self::StateMismatch => "response.state_mismatch".into(),
            Self::Replayed => "response.replayed".into(),
            Self::BrowserMismatch { .. } => "signin.browser_mismatch".into(),
            Self::Provider { error, .. } => format!("authorization.{error}"),
            Self::ResponseIssuer { .. } => "response.wrong_issuer".into(),
            Self::MissingParameter(p) => format!("response.missing_{p}"),
            Self::IdToken(e) => e.code().into(),
            Self::Unavailable { endpoint, .. } => format!("{endpoint}.unavailable"),
            Self::RoleClaimOverage(_) => "roles.claim_overage".into(),
            Self::NoRefreshableSession => "session.not_refreshable".into(),
            Self::Token(_) => "token.failed".into(),
            Self::TokenWithoutIdToken => "token.missing_id_token".into(),
            Self::Userinfo(_) => "userinfo.failed".into(),
            Self::UserinfoSub { .. } => "userinfo.sub_mismatch".into(),
            Self::UserinfoContentType(_) => "userinfo.bad_content_type".into(),
            Self::MissingIdentity(_) => "identity.missing_claim".into(),
            Self::Users(e) => e.code().into(),
            Self::Store(_) => "store.failed".into(),
        }
    }
}
