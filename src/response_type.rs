//! The `response_type` of an authorization request: a set of parts, each of which the
//! response must then carry (OAuth 2.0 Multiple Response Type Encoding Practices §3, §5).

use std::fmt;

/// One part of a response type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponsePart {
    /// `code`: an authorization code, redeemed at the token endpoint.
    Code,
    /// `id_token`: an ID token from the authorization endpoint.
    IdToken,
    /// `token`: an access token from the authorization endpoint.
    Token,
}

impl ResponsePart {
    const ALL: [Self; 3] = [Self::Code, Self::IdToken, Self::Token];

    fn word(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::IdToken => "id_token",
            Self::Token => "token",
        }
    }
}

/// A set of [`ResponsePart`]s, e.g. `code id_token`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseType {
    code: bool,
    id_token: bool,
    token: bool,
}

/// A response type with a word that is none of `code`, `id_token`, `token`, or none at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a response type made of code, id_token and token, found \"{0}\"")]
pub struct UnknownResponseType(pub String);

impl ResponseType {
    /// Parses the space-separated words; their order does not matter (§5).
    pub fn parse(text: &str) -> Result<Self, UnknownResponseType> {
        let mut parsed = Self::default();
        for word in text.split(' ') {
            match word {
                "code" => parsed.code = true,
                "id_token" => parsed.id_token = true,
                "token" => parsed.token = true,
                _ => return Err(UnknownResponseType(text.to_owned())),
            }
        }
        Ok(parsed)
    }

    /// Whether the response must carry `part`.
    pub fn has(self, part: ResponsePart) -> bool {
        match part {
            ResponsePart::Code => self.code,
            ResponsePart::IdToken => self.id_token,
            ResponsePart::Token => self.token,
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = ResponsePart::ALL
            .into_iter()
            .filter(|p| self.has(*p))
            .map(ResponsePart::word)
            .collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_a_set_written_in_one_order() {
        let t = ResponseType::parse("token code id_token").expect("three known words");
        assert!(t.has(ResponsePart::Code) && t.has(ResponsePart::IdToken));
        assert!(t.has(ResponsePart::Token));
        assert_eq!(t.to_string(), "code id_token token");
        let code = ResponseType::parse("code").expect("code");
        assert!(!code.has(ResponsePart::IdToken));
        assert_eq!(code.to_string(), "code");
    }

    #[test]
    fn unknown_or_empty_words_are_refused() {
        for text in ["", "code  token", "code none", "Code"] {
            assert!(ResponseType::parse(text).is_err(), "{text:?}");
        }
    }
}
