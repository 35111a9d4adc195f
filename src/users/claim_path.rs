//! Claim paths: how a binding, creation or role mapping row names a claim that may sit inside
//! another one, as providers nest them (Keycloak's `realm_access.roles` and
//! `resource_access.{client}.roles`) or name them by URL (Auth0's `https://example.com/roles`).
//!
//! Syntax, checked when the rules are saved:
//! - `email`: a top-level claim;
//! - `realm_access.roles`: segments separated by dots, each one object member deeper;
//! - `resource_access."my-app.eu".roles`: a segment in double quotes may hold dots;
//! - `https://example.com/roles`: a value starting with `http://` or `https://` is one
//!   top-level claim name, dots and all (to go inside such a claim, quote it:
//!   `"https://example.com/app".roles`).

use serde_json::Value;

use super::claims::Claims;

/// Why a claim path cannot be read. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimPathError {
    /// Two dots in a row, or a dot at either end.
    #[error(
        "expected a claim path like realm_access.roles, found an empty segment at character {position} of {path:?}"
    )]
    EmptySegment {
        /// The path as written.
        path: String,
        /// Where the empty segment starts.
        position: usize,
    },
    /// A quote that is never closed.
    #[error("expected a closing \" for the quote at character {position} of {path:?}")]
    UnclosedQuote {
        /// The path as written.
        path: String,
        /// The opening quote.
        position: usize,
    },
    /// A quote in the middle of a segment, or text right after a closing quote.
    #[error(
        "expected quotes around a whole segment (resource_access.\"my-app.eu\".roles), found a stray \" or text after one at character {position} of {path:?}"
    )]
    StrayQuote {
        /// The path as written.
        path: String,
        /// The offending character.
        position: usize,
    },
}

/// A parsed claim path: the object members to walk, outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath {
    segments: Vec<String>,
}

impl ClaimPath {
    /// Reads `text` (see the module doc). An empty `text` is the caller's to refuse, as
    /// an empty column.
    pub fn parse(text: &str) -> Result<Self, ClaimPathError> {
        if text.starts_with("https://") || text.starts_with("http://") {
            return Ok(Self {
                segments: vec![text.to_owned()],
            });
        }
        let chars: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut i = 0;
        loop {
            let start = i;
            let mut segment = String::new();
            if chars.get(i) == Some(&'"') {
                let close = chars[i + 1..].iter().position(|c| *c == '"').ok_or(
                    ClaimPathError::UnclosedQuote {
                        path: text.to_owned(),
                        position: i + 1,
                    },
                )? + i
                    + 1;
                segment.extend(&chars[i + 1..close]);
                i = close + 1;
                if i < chars.len() && chars[i] != '.' {
                    return Err(ClaimPathError::StrayQuote {
                        path: text.to_owned(),
                        position: i + 1,
                    });
                }
            } else {
                while i < chars.len() && chars[i] != '.' {
                    if chars[i] == '"' {
                        return Err(ClaimPathError::StrayQuote {
                            path: text.to_owned(),
                            position: i + 1,
                        });
                    }
                    segment.push(chars[i]);
                    i += 1;
                }
            }
            if segment.is_empty() {
                return Err(ClaimPathError::EmptySegment {
                    path: text.to_owned(),
                    position: start + 1,
                });
            }
            segments.push(segment);
            if i >= chars.len() {
                return Ok(Self { segments });
            }
            // Past the dot; a dot at the end leaves an empty last segment, refused above.
            i += 1;
        }
    }

    /// The claim's value, walking one object member per segment.
    pub fn resolve<'c>(&self, claims: &'c Claims) -> Option<&'c Value> {
        let (first, rest) = self.segments.split_first()?;
        rest.iter()
            .try_fold(claims.get(first)?, |value, segment| value.get(segment))
    }

    /// The claim's name when the path names a top-level claim.
    pub fn top_level(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().cloned().unwrap_or_default()
    }

    fn path(text: &str) -> ClaimPath {
        ClaimPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn names_nested_and_url_claims() {
        let token = claims(json!({
            "email": "a@x",
            "realm_access": {"roles": ["admin", "user"]},
            "resource_access": {"my-app.eu": {"roles": ["editor"]}, "app": {"roles": ["viewer"]}},
            "https://example.com/roles": ["auditor"],
            "https://example.com/app": {"roles": ["owner"]}
        }));
        let read = |text: &str| path(text).resolve(&token).cloned();
        assert_eq!(read("email"), Some(json!("a@x")));
        assert_eq!(read("realm_access.roles"), Some(json!(["admin", "user"])));
        assert_eq!(read("resource_access.app.roles"), Some(json!(["viewer"])));
        assert_eq!(
            read("resource_access.\"my-app.eu\".roles"),
            Some(json!(["editor"]))
        );
        assert_eq!(read("https://example.com/roles"), Some(json!(["auditor"])));
        assert_eq!(
            read("\"https://example.com/app\".roles"),
            Some(json!(["owner"]))
        );
        assert_eq!(read("realm_access.missing"), None);
        assert_eq!(read("email.roles"), None);
        assert_eq!(read("absent"), None);
    }

    #[test]
    fn bad_paths_say_where() {
        for (text, expected) in [
            (
                "realm_access..roles",
                ClaimPathError::EmptySegment {
                    path: "realm_access..roles".into(),
                    position: 14,
                },
            ),
            (
                ".roles",
                ClaimPathError::EmptySegment {
                    path: ".roles".into(),
                    position: 1,
                },
            ),
            (
                "roles.",
                ClaimPathError::EmptySegment {
                    path: "roles.".into(),
                    position: 7,
                },
            ),
            (
                "resource_access.\"my-app.eu",
                ClaimPathError::UnclosedQuote {
                    path: "resource_access.\"my-app.eu".into(),
                    position: 17,
                },
            ),
            (
                "resource_access.\"my\"app",
                ClaimPathError::StrayQuote {
                    path: "resource_access.\"my\"app".into(),
                    position: 21,
                },
            ),
            (
                "res\"ource",
                ClaimPathError::StrayQuote {
                    path: "res\"ource".into(),
                    position: 4,
                },
            ),
            (
                "\"\"",
                ClaimPathError::EmptySegment {
                    path: "\"\"".into(),
                    position: 1,
                },
            ),
        ] {
            assert_eq!(ClaimPath::parse(text), Err(expected), "{text}");
        }
    }

    #[test]
    fn knows_top_level_names() {
        assert_eq!(path("email").top_level(), Some("email"));
        assert_eq!(
            path("https://example.com/roles").top_level(),
            Some("https://example.com/roles")
        );
        assert_eq!(path("realm_access.roles").top_level(), None);
    }
}
