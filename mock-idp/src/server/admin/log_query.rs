//! The filters of `GET /_admin/requests` and `GET /_admin/tokens`: `tenant`, `endpoint`,
//! `client`, `status` (`400`, or a class such as `4xx`) and `limit` (the newest so many).
//! A parameter the endpoint does not know is refused by name rather than ignored, so a typo
//! does not look like an empty log.

use crate::faults::Endpoint;
use crate::model::config::ConfigError;
use crate::server::request_log::{IssuedToken, LoggedRequest};

const ORIGIN: &str = "admin API";

/// Which answers a status filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusFilter {
    /// Exactly this status.
    Exact(u16),
    /// Every status of this hundred (`4` for `4xx`).
    Class(u16),
}

impl StatusFilter {
    fn parse(text: &str) -> Option<Self> {
        let lower = text.to_ascii_lowercase();
        if let Some(class) = lower.strip_suffix("xx") {
            return class
                .parse::<u16>()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .map(Self::Class);
        }
        lower
            .parse::<u16>()
            .ok()
            .filter(|s| *s < 600)
            .map(Self::Exact)
    }

    fn keeps(self, status: u16) -> bool {
        match self {
            Self::Exact(s) => status == s,
            Self::Class(c) => status / 100 == c,
        }
    }
}

/// A parsed filter.
#[derive(Debug, Default)]
pub(crate) struct LogQuery {
    tenant: Option<String>,
    endpoint: Option<Endpoint>,
    client: Option<String>,
    status: Option<StatusFilter>,
    limit: Option<usize>,
}

impl LogQuery {
    /// Parses the query string of `what` (`requests` or `tokens`), which accepts `allowed`.
    fn parse(query: Option<&str>, what: &str, allowed: &[&str]) -> Result<Self, ConfigError> {
        let mut q = Self::default();
        let invalid = |field: &str, problem: String, fix: &str| {
            ConfigError::new(ORIGIN, format!("{what}?{field}"), problem, fix)
        };
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if !allowed.contains(&name.as_ref()) {
                return Err(invalid(
                    &name,
                    format!("expected one of {}, found \"{name}\"", allowed.join(", ")),
                    "remove the parameter",
                ));
            }
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "tenant" => q.tenant = Some(value),
                "client" => q.client = Some(value),
                "endpoint" => {
                    q.endpoint =
                        Some(value.parse().map_err(|e: crate::faults::UnknownEndpoint| {
                            invalid("endpoint", e.to_string(), "name one endpoint")
                        })?);
                }
                "status" => {
                    q.status = Some(StatusFilter::parse(&value).ok_or_else(|| {
                        invalid(
                            "status",
                            format!("expected a status such as 400 or a class such as 4xx, found \"{value}\""),
                            "give a number below 600 or 1xx to 5xx",
                        )
                    })?);
                }
                _ => {
                    q.limit = Some(value.parse().map_err(|_| {
                        invalid(
                            "limit",
                            format!("expected a count of entries, found \"{value}\""),
                            "give a whole number",
                        )
                    })?);
                }
            }
        }
        Ok(q)
    }

    /// The filter of `GET /_admin/requests`.
    pub(crate) fn requests(query: Option<&str>) -> Result<Self, ConfigError> {
        Self::parse(
            query,
            "requests",
            &["tenant", "endpoint", "client", "status", "limit"],
        )
    }

    /// The filter of `GET /_admin/tokens`.
    pub(crate) fn tokens(query: Option<&str>) -> Result<Self, ConfigError> {
        Self::parse(query, "tokens", &["tenant", "client", "limit"])
    }

    fn newest<T>(&self, mut kept: Vec<T>) -> Vec<T> {
        if let Some(n) = self.limit {
            kept.drain(..kept.len().saturating_sub(n));
        }
        kept
    }

    /// The requests kept, oldest first, at most `limit` of the newest.
    pub(crate) fn select_requests(&self, all: Vec<LoggedRequest>) -> Vec<LoggedRequest> {
        let kept = all
            .into_iter()
            .filter(|r| self.tenant.is_none() || r.tenant == self.tenant)
            .filter(|r| self.endpoint.is_none() || r.endpoint == self.endpoint)
            .filter(|r| self.client.is_none() || r.client_id == self.client)
            .filter(|r| self.status.is_none_or(|s| s.keeps(r.status)))
            .collect();
        self.newest(kept)
    }

    /// The tokens kept, oldest first, at most `limit` of the newest.
    pub(crate) fn select_tokens(&self, all: Vec<IssuedToken>) -> Vec<IssuedToken> {
        let kept = all
            .into_iter()
            .filter(|t| self.tenant.as_ref().is_none_or(|n| &t.tenant == n))
            .filter(|t| self.client.as_ref().is_none_or(|c| &t.client_id == c))
            .collect();
        self.newest(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_exact_or_a_class() {
        assert_eq!(StatusFilter::parse("400"), Some(StatusFilter::Exact(400)));
        assert_eq!(StatusFilter::parse("4XX"), Some(StatusFilter::Class(4)));
        assert!(StatusFilter::Class(5).keeps(503));
        assert!(!StatusFilter::Class(5).keeps(400));
        for bad in ["6xx", "0xx", "xx", "700", "-1", "4x"] {
            assert_eq!(StatusFilter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_parameters_and_values_are_named() {
        let e = LogQuery::requests(Some("endpont=token")).expect_err("typo");
        assert_eq!(e.field, "requests?endpont");
        let e = LogQuery::requests(Some("endpoint=tokens")).expect_err("bad endpoint");
        assert!(e.problem.contains("found \"tokens\""), "{e}");
        let e = LogQuery::tokens(Some("status=400")).expect_err("tokens have no status");
        assert!(e.problem.contains("tenant, client, limit"), "{e}");
        assert!(LogQuery::requests(Some("endpoint=&status=")).is_ok());
    }
}
