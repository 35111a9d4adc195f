//! The guard in front of admin surfaces: who may call them, under which `Host`, from which site.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

/// Refuses admin requests that a browser could be tricked into sending or that come from
/// elsewhere:
///
/// - a peer that is not loopback (`127.0.0.0/8`, `::1`, and `::ffff:127.0.0.1` when bound
///   to `[::]`), unless opened with [`AdminGuard::public`];
/// - a `Host` that is neither a loopback name or address nor one allowed with
///   [`AdminGuard::allow_host`] (DNS rebinding), unless public;
/// - a state-changing request (anything but `GET`, `HEAD`, `OPTIONS`) that a browser marks as
///   cross-site: `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` whose host
///   and port differ from `Host`. This one holds even when public. Clients that are not
///   browsers (curl, test code) send neither header and pass.
#[derive(Debug, Clone, Default)]
pub struct AdminGuard {
    public: bool,
    hosts: Vec<String>,
}

/// Why the guard refused a request; the stable code is `error` in the JSON answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The peer is not on loopback.
    #[error(
        "the admin surface answers loopback peers only ({0} is not); start the server with its public-admin option to open it"
    )]
    PeerNotLoopback(IpAddr),
    /// The peer address was not recorded, so loopback cannot be shown.
    #[error("the peer address is unknown, so the request cannot be shown to come from loopback")]
    PeerUnknown,
    /// The `Host` header names a host this server does not answer to.
    #[error(
        "Host {0:?} is not this server's; the admin surface answers loopback names and its configured hosts only"
    )]
    ForeignHost(String),
    /// A browser sent a state-changing request from another site.
    #[error(
        "cross-site {method} refused ({evidence}); change state from this server's own pages or from a non-browser client"
    )]
    CrossSite {
        /// The request method.
        method: String,
        /// The header that showed it.
        evidence: String,
    },
}

impl Refusal {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::PeerNotLoopback(_) | Refusal::PeerUnknown => "admin.peer_not_loopback",
            Refusal::ForeignHost(_) => "admin.foreign_host",
            Refusal::CrossSite { .. } => "admin.cross_site",
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = match self {
            Refusal::ForeignHost(_) => StatusCode::MISDIRECTED_REQUEST,
            _ => StatusCode::FORBIDDEN,
        };
        let body = serde_json::json!({
            "error": self.code(),
            "error_description": self.to_string(),
        });
        (status, axum::Json(body)).into_response()
    }
}

impl AdminGuard {
    /// Loopback peers and loopback `Host` names only.
    pub fn loopback_only() -> Self {
        Self::default()
    }

    /// Any peer and any `Host`; cross-site state changes are still refused.
    pub fn public() -> Self {
        Self {
            public: true,
            hosts: Vec::new(),
        }
    }

    /// Also answers to `host` (a name or address, with or without a port), e.g. the host of
    /// a configured public base URL.
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.hosts
            .push(strip_port(&host.into()).to_ascii_lowercase());
        self
    }

    /// `router` with every route behind this guard.
    pub fn protect<S>(self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let guard = self.clone();
            async move {
                match guard.check(&request) {
                    Ok(()) => next.run(request).await,
                    Err(refusal) => {
                        tracing::warn!(code = refusal.code(), reason = %refusal, "admin request refused");
                        refusal.into_response()
                    }
                }
            }
        }))
    }

    /// The decision, without answering: `Ok` when the request may reach the admin surface.
    pub fn check(&self, request: &Request) -> Result<(), Refusal> {
        if !self.public {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip())
                .ok_or(Refusal::PeerUnknown)?;
            if !is_loopback(peer) {
                return Err(Refusal::PeerNotLoopback(peer));
            }
            if let Some(host) = host_of(request)
                && !self.host_allowed(&host)
            {
                return Err(Refusal::ForeignHost(host));
            }
        }
        check_same_site(
            request.method(),
            request.headers(),
            host_of(request).as_deref(),
        )
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        if bare == "localhost" || bare.ends_with(".localhost") {
            return true;
        }
        if bare.parse::<IpAddr>().is_ok_and(is_loopback) {
            return true;
        }
        self.hosts.contains(&name)
    }
}

/// Loopback, counting IPv4 loopback addresses mapped into IPv6 (a `[::]` listener sees
/// `127.0.0.1` as `::ffff:127.0.0.1`).
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The authority the client addressed: the `Host` header, else the URI's (HTTP/2).
fn host_of(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // "[::1]:8080" -> "[::1]"
        return rest.find(']').map_or(host, |end| &host[..end + 2]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

fn check_same_site(
    method: &Method,
    headers: &HeaderMap,
    host: Option<&str>,
) -> Result<(), Refusal> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let cross = |evidence: String| Refusal::CrossSite {
        method: method.to_string(),
        evidence,
    };
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(cross(format!("Sec-Fetch-Site: {site}")));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let origin_authority = origin.split_once("://").map(|(_, authority)| authority);
        let same = match (origin_authority, host) {
            (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host),
            _ => false,
        };
        if !same {
            return Err(cross(format!("Origin: {origin}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
