//! Delivering parameters to a client's redirect URI the way its response mode says: in the
//! query, in the fragment, or as an auto-submitting `form_post` page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::endpoints::pages;
use crate::model::types::ResponseMode;
use crate::server::state::AuthzRequest;

/// A redirect URI the authorization request has proven registered for its client, with how
/// and with what the answer travels there.
#[derive(Debug, Clone)]
pub(crate) struct RedirectTarget {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
    pub issuer: String,
}

impl RedirectTarget {
    /// Where the answer to a validated authorization request goes.
    pub(crate) fn of(request: &AuthzRequest, issuer: &str) -> Self {
        Self {
            redirect_uri: request.redirect_uri.clone(),
            mode: request.response_mode,
            state: request.state.clone(),
            issuer: issuer.to_owned(),
        }
    }

    /// Sends `params`, then `state` and `iss` (RFC 9207), to the redirect URI.
    pub(crate) fn send(&self, mut params: Vec<(String, String)>) -> Response {
        if let Some(s) = &self.state {
            params.push(("state".into(), s.clone()));
        }
        params.push(("iss".into(), self.issuer.clone()));
        deliver(&self.redirect_uri, self.mode, &params)
    }
}

/// Sends `params` to `redirect_uri` the way `mode` says.
pub(crate) fn deliver(
    redirect_uri: &str,
    mode: ResponseMode,
    params: &[(String, String)],
) -> Response {
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let location = match mode {
        ResponseMode::FormPost => return pages::form_post(redirect_uri, params),
        ResponseMode::Query => {
            let sep = if redirect_uri.contains('?') { '&' } else { '?' };
            format!("{redirect_uri}{sep}{encoded}")
        }
        ResponseMode::Fragment => format!("{redirect_uri}#{encoded}"),
    };
    let mut res = Redirect::to(&location).into_response();
    *res.status_mut() = StatusCode::FOUND;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
