//! Query and form parameters, parsed once with repeated parameters detected: RFC 6749 §3.1
//! says a parameter must not appear more than once.

use std::collections::HashMap;

use crate::endpoints::error::OAuthError;

/// Parsed `application/x-www-form-urlencoded` parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    values: HashMap<String, String>,
    order: Vec<(String, String)>,
    repeated: Vec<String>,
}

impl Params {
    pub(crate) fn parse(raw: &[u8]) -> Self {
        let mut p = Params::default();
        for (k, v) in url::form_urlencoded::parse(raw) {
            let (k, v) = (k.into_owned(), v.into_owned());
            if p.values.contains_key(&k) {
                if !p.repeated.contains(&k) {
                    p.repeated.push(k.clone());
                }
            } else {
                p.values.insert(k.clone(), v.clone());
            }
            p.order.push((k, v));
        }
        p
    }

    /// The value, treating an empty value as absent (RFC 6749 §3.1).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A space-separated list such as `scope` (RFC 6749 §3.3); empty when absent.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        space_separated(self.get(name).unwrap_or_default())
    }

    pub(crate) fn repeated(&self) -> &[String] {
        &self.repeated
    }

    /// Refuses parameters sent more than once (RFC 6749 §3.1).
    pub(crate) fn reject_repeated(&self) -> Result<(), OAuthError> {
        match self.repeated.first() {
            Some(name) => Err(OAuthError::invalid_request(format!(
                "parameter {name} appears more than once"
            ))),
            None => Ok(()),
        }
    }

    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.order.clone()
    }
}

/// The words of a space-separated list, empty ones dropped.
pub(crate) fn space_separated(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The token of an `Authorization: Bearer` header value (RFC 6750 §2.1); `None` for another
/// scheme.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_empty_parameters() {
        let p = Params::parse(b"a=1&a=2&b=&c=x%20y");
        assert_eq!(p.repeated(), ["a"]);
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
    }
}
