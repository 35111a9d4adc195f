//! What every tenant endpoint is handed: the tenant the request came in for with its issuer
//! ([`TenantRequest`]), and the request's parameters parsed once ([`Params`],
//! [`RequestParams`]). The tenant layer in `server::routing` resolves both before it calls
//! the endpoint's handler with them.

use std::sync::Arc;

use crate::endpoints::form::Params;
use crate::model::types::ClientId;
use crate::server::state::{ENTRA_COMMON, Server, TenantState};

/// The client a request authenticated as (HTTP Basic) or presented a token of (userinfo),
/// left in the response's extensions for the request log: such requests name no
/// `client_id` parameter, yet "did my application call userinfo" must be answerable per
/// client.
#[derive(Debug, Clone)]
pub(crate) struct RequestClient(pub ClientId);

impl RequestClient {
    /// Leaves the client, if known, on `res`.
    pub(crate) fn mark(res: &mut axum::response::Response, client: Option<ClientId>) {
        if let Some(c) = client {
            res.extensions_mut().insert(Self(c));
        }
    }
}

/// The tenant a request came in for, the issuer its tokens carry and the base URL it used.
#[derive(Debug, Clone)]
pub(crate) struct TenantRequest {
    pub server: Arc<Server>,
    pub tenant: Arc<TenantState>,
    /// The tenant's issuer, which its tokens carry.
    pub issuer: String,
    /// The base URL of this request.
    pub base: String,
    /// The path the request came in by: the tenant's own, or [`ENTRA_COMMON`].
    pub prefix: String,
}

impl TenantRequest {
    pub(crate) fn now(&self) -> i64 {
        self.server.clock.now()
    }

    /// An endpoint below the path the request came in by, so a client that started at
    /// Entra's `common` endpoint stays there.
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}/{}{path}", self.base, self.prefix)
    }

    /// Whether the request came in by Entra's `common` endpoint.
    pub(crate) fn via_common(&self) -> bool {
        self.prefix == ENTRA_COMMON
    }
}

/// A request's parameters, parsed once by the tenant layer: the query, and on a `POST` the
/// form body.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestParams {
    pub query: Params,
    /// The form body of a `POST`; `None` for other methods.
    pub form: Option<Params>,
}

impl RequestParams {
    /// The parameters an endpoint reads: the form body of a `POST`, else the query.
    pub(crate) fn endpoint(&self) -> &Params {
        self.form.as_ref().unwrap_or(&self.query)
    }

    /// The parameters an endpoint reads, moved out.
    pub(crate) fn into_endpoint(self) -> Params {
        self.form.unwrap_or(self.query)
    }

    /// Every parameter in arrival order, query first, for the request log.
    pub(crate) fn all_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.query.pairs();
        if let Some(form) = &self.form {
            pairs.extend(form.pairs());
        }
        pairs
    }
}
