//! Transport faults — `delay`, `server_error`, `connection_closed` — which act on a request
//! before its endpoint runs. A rule scoped to a client or user applies when the request
//! belongs to that sign-in, which is found from the request itself: its parameters at the
//! authorization endpoint, its code or refresh token at the token endpoint, its access token
//! at userinfo.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::endpoints::error::{EndpointError, ErrorCode, OAuthError};
use crate::endpoints::form::{Params, bearer_token};
use crate::endpoints::request::RequestClient;
use crate::endpoints::token::basic_credentials;
use crate::faults::catalog;
use crate::faults::{Endpoint, Fault};
use crate::model::types::ClientId;
use crate::server::state::{AuthContext, TenantState};

/// A response body that fails at once: the server then drops the connection before the
/// head it buffered is written, so the client sees the connection closed without an answer.
#[derive(Debug)]
struct Hangup;

impl axum::body::HttpBody for Hangup {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection_closed",
        ))))
    }
}

/// The sign-in a request belongs to, as far as fault rules care: its client, its user and
/// the faults it selected with `mock_fault=`.
#[derive(Debug, Default)]
struct FaultScope {
    client: Option<ClientId>,
    user: Option<String>,
    selected: Vec<Fault>,
}

impl FaultScope {
    fn of(auth: &AuthContext) -> Self {
        Self {
            client: Some(auth.client_id.clone()),
            user: Some(auth.username.clone()),
            selected: auth.faults.clone(),
        }
    }

    /// Finds the sign-in a request to `at` belongs to.
    fn find(tenant: &TenantState, at: Endpoint, headers: &HeaderMap, p: &Params) -> Self {
        let client = p.get("client_id").map(ClientId::new);
        let d = tenant.data();
        match at {
            Endpoint::Authorize => Self {
                client,
                user: p.get("login_hint").map(str::to_owned),
                selected: p
                    .get("mock_fault")
                    .and_then(|n| catalog::select(n).ok())
                    .unwrap_or_default(),
            },
            Endpoint::Token => {
                let grant = p
                    .get("code")
                    .and_then(|c| d.codes.get(c).map(|g| &g.auth))
                    .or_else(|| {
                        p.get("refresh_token")
                            .and_then(|r| d.refresh.get(r).map(|g| &g.auth))
                    });
                match grant {
                    Some(auth) => Self::of(auth),
                    None => Self {
                        client: client.or_else(|| {
                            basic_credentials(headers)
                                .ok()
                                .flatten()
                                .map(|(id, _)| ClientId::new(id))
                        }),
                        ..Self::default()
                    },
                }
            }
            Endpoint::Userinfo => {
                let bearer = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(bearer_token)
                    .or_else(|| p.get("access_token"));
                match bearer
                    .and_then(|t| d.access.get(t))
                    .and_then(|g| g.auth.as_ref())
                {
                    Some(auth) => Self::of(auth),
                    None => Self::default(),
                }
            }
            Endpoint::Discovery | Endpoint::Jwks | Endpoint::Logout | Endpoint::Login => Self {
                client,
                ..Self::default()
            },
        }
    }
}

/// The transport faults for a request to `at`, each rule spending one use. Discovery and
/// JWK Set requests belong to no client or user, so every rule for them applies, whatever
/// client or user it names. The login form belongs to the person at the browser, not to a
/// relying party, so no transport fault reaches it.
fn faults_for(tenant: &TenantState, at: Endpoint, headers: &HeaderMap, p: &Params) -> Vec<Fault> {
    let kind = |f: &Fault| f.touches_transport(at);
    match at {
        Endpoint::Login => Vec::new(),
        Endpoint::Discovery | Endpoint::Jwks => tenant.data().faults.spend_unscoped(kind),
        _ => {
            let scope = FaultScope::find(tenant, at, headers, p);
            tenant.data().faults.spend_for(
                scope.client.as_ref(),
                scope.user.as_deref(),
                &scope.selected,
                kind,
            )
        }
    }
}

/// What the transport faults did to a request.
#[derive(Debug)]
pub(crate) enum Interception {
    /// Nothing, or only a delay: the endpoint answers.
    PassOn,
    /// An injected answer instead of the endpoint's.
    Answer(Response),
    /// The connection is closed without an answer.
    HangUp(Response),
}

/// Applies the transport faults for a request to `at`: sleeps through delays, at most
/// `max_delay` in all however many rules add up, and answers for the endpoint when a fault
/// says so.
pub(crate) async fn intercept(
    tenant: &TenantState,
    at: Endpoint,
    headers: &HeaderMap,
    p: &Params,
    max_delay: Duration,
) -> Interception {
    let mut outcome = Interception::PassOn;
    let mut delayed = Duration::ZERO;
    for f in faults_for(tenant, at, headers, p) {
        match f {
            Fault::Delay { millis, .. } => {
                let pause = Duration::from_millis(millis).min(max_delay - delayed);
                delayed += pause;
                tokio::time::sleep(pause).await;
            }
            Fault::ServerError { status, .. } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let error = OAuthError::new(ErrorCode::ServerError, "injected fault: server_error");
                outcome =
                    Interception::Answer(EndpointError::Status(status, error).into_response());
            }
            Fault::ConnectionClosed { .. } => {
                outcome = Interception::HangUp(Response::new(Body::new(Hangup)));
            }
            _ => {}
        }
    }
    // The log names the client of an injected answer as it would the endpoint's own.
    if let Interception::Answer(res) | Interception::HangUp(res) = &mut outcome
        && matches!(at, Endpoint::Token | Endpoint::Userinfo)
    {
        RequestClient::mark(res, FaultScope::find(tenant, at, headers, p).client);
    }
    outcome
}
