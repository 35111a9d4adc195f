//! Reading ID-token claims for binding, creation and role mapping rows.

use serde_json::Value;

use super::claim_path::{ClaimPath, ClaimPathError};
use super::model::UserField;

/// The claims of a validated ID token.
pub type Claims = serde_json::Map<String, Value>;

/// A problem with a row's claim settings, shared by binding and creation rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRowError {
    /// `claim_type` is empty.
    #[error("claim_type: expected a claim name, found an empty string")]
    EmptyClaimType,
    /// `claim_type` is not a claim path (see [`super::claim_path`]).
    #[error("claim_type: {0}")]
    BadClaimPath(#[from] ClaimPathError),
    /// `scope` is empty.
    #[error("scope: expected a scope name, found an empty string")]
    EmptyScope,
    /// `verified` is set on a claim that has no `*_verified` companion.
    #[error("verified: expected claim_type email or phone_number, found {claim_type:?}")]
    VerifiedNotSupported {
        /// The row's claim type.
        claim_type: String,
    },
}

/// Checks a row's claim type, scope and verified flag.
pub(crate) fn check_claim_row(
    claim_type: &str,
    scope: &str,
    verified: bool,
) -> Result<(), ClaimRowError> {
    if claim_type.trim().is_empty() {
        return Err(ClaimRowError::EmptyClaimType);
    }
    ClaimPath::parse(claim_type)?;
    if scope.trim().is_empty() {
        return Err(ClaimRowError::EmptyScope);
    }
    if verified && verified_companion(claim_type).is_none() {
        return Err(ClaimRowError::VerifiedNotSupported {
            claim_type: claim_type.to_owned(),
        });
    }
    Ok(())
}

/// The claim saying whether `claim_type` was verified by the provider.
fn verified_companion(claim_type: &str) -> Option<&'static str> {
    match claim_type {
        "email" => Some("email_verified"),
        "phone_number" => Some("phone_number_verified"),
        _ => None,
    }
}

/// Whether the provider says `claim_type` is verified: its companion claim is JSON `true`.
/// A missing companion, `false`, or the string `"true"` all count as unverified.
pub(crate) fn is_verified(claims: &Claims, claim_type: &str) -> bool {
    verified_companion(claim_type)
        .is_some_and(|companion| claims.get(companion) == Some(&Value::Bool(true)))
}

/// The claim a row reads, if the row may use it: the claim (a path, see
/// [`super::claim_path`]) is present and not null, the row's scope was granted, and — when
/// the row requires it — the claim is verified.
pub(crate) fn usable_claim<'c>(
    claims: &'c Claims,
    scopes: &[String],
    claim_type: &str,
    scope: &str,
    verified: bool,
) -> Option<&'c Value> {
    // Saved rows were checked; a path that does not parse names no claim.
    let value = ClaimPath::parse(claim_type)
        .ok()?
        .resolve(claims)
        .filter(|value| !value.is_null())?;
    if !scopes.iter().any(|granted| granted == scope) {
        return None;
    }
    if verified && !is_verified(claims, claim_type) {
        return None;
    }
    Some(value)
}

/// A scalar claim as text: strings as they are, numbers and booleans as their JSON text.
/// Empty strings, arrays, objects and null have no text.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A phone number reduced to its digits, keeping a leading `+`; `None` without digits.
pub(crate) fn normalize_phone(phone: &str) -> Option<String> {
    let trimmed = phone.trim_start();
    let mut normalized = String::new();
    if trimmed.starts_with('+') {
        normalized.push('+');
    }
    normalized.extend(trimmed.chars().filter(char::is_ascii_digit));
    normalized
        .chars()
        .any(|c| c.is_ascii_digit())
        .then_some(normalized)
}

/// Whether a user's `field` value equals a claim value: emails ignoring case, phones on their
/// digits and leading `+`, everything else exactly. Empty values never match.
pub(crate) fn field_equals(field: UserField, user_value: &str, claim_value: &str) -> bool {
    if user_value.is_empty() || claim_value.is_empty() {
        return false;
    }
    match field {
        UserField::Email => user_value.to_lowercase() == claim_value.to_lowercase(),
        UserField::Phone => match (normalize_phone(user_value), normalize_phone(claim_value)) {
            (Some(user), Some(claim)) => user == claim,
            _ => false,
        },
        _ => user_value == claim_value,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    fn scopes(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn verified_needs_json_true() {
        let yes = claims(json!({"email": "a@x", "email_verified": true}));
        let no = claims(json!({"email": "a@x", "email_verified": false}));
        let string = claims(json!({"email": "a@x", "email_verified": "true"}));
        let missing = claims(json!({"email": "a@x"}));
        assert!(is_verified(&yes, "email"));
        assert!(!is_verified(&no, "email"));
        assert!(!is_verified(&string, "email"));
        assert!(!is_verified(&missing, "email"));
        let phone = claims(json!({"phone_number": "1", "phone_number_verified": true}));
        assert!(is_verified(&phone, "phone_number"));
        assert!(!is_verified(&phone, "name"));
    }

    #[test]
    fn usable_claim_checks_presence_scope_and_verification() {
        let granted = scopes(&["openid", "email"]);
        let c = claims(json!({"email": "a@x", "email_verified": false, "nick": null}));
        assert!(usable_claim(&c, &granted, "email", "email", false).is_some());
        assert!(usable_claim(&c, &granted, "email", "email", true).is_none());
        assert!(usable_claim(&c, &granted, "email", "profile", false).is_none());
        assert!(usable_claim(&c, &granted, "nick", "email", false).is_none());
        assert!(usable_claim(&c, &granted, "absent", "email", false).is_none());
        let nested = claims(json!({"realm_access": {"roles": ["admin"]}}));
        assert_eq!(
            usable_claim(&nested, &granted, "realm_access.roles", "email", false),
            Some(&json!(["admin"]))
        );
    }

    #[test]
    fn scalar_text_of_claims() {
        assert_eq!(scalar_text(&json!("a")).as_deref(), Some("a"));
        assert_eq!(scalar_text(&json!(42)).as_deref(), Some("42"));
        assert_eq!(scalar_text(&json!(true)).as_deref(), Some("true"));
        assert_eq!(scalar_text(&json!("")), None);
        assert_eq!(scalar_text(&json!(["a"])), None);
        assert_eq!(scalar_text(&json!({"a": 1})), None);
        assert_eq!(scalar_text(&Value::Null), None);
    }

    #[test]
    fn phones_compare_on_digits_and_leading_plus() {
        assert_eq!(
            normalize_phone(" +1 (555) 010-0000").as_deref(),
            Some("+15550100000")
        );
        assert_eq!(normalize_phone("555.010").as_deref(), Some("555010"));
        assert_eq!(normalize_phone("+"), None);
        assert_eq!(normalize_phone("n/a"), None);
        assert!(field_equals(
            UserField::Phone,
            "+1 555 010 0000",
            "+1-555-010-0000"
        ));
        assert!(!field_equals(
            UserField::Phone,
            "+15550100000",
            "15550100000"
        ));
        assert!(!field_equals(UserField::Phone, "abc", "def"));
    }

    #[test]
    fn emails_ignore_case_other_fields_do_not() {
        assert!(field_equals(
            UserField::Email,
            "Ann@Example.COM",
            "ann@example.com"
        ));
        assert!(!field_equals(
            UserField::Email,
            "ann@example.com",
            "ann@example.org"
        ));
        assert!(field_equals(UserField::Username, "ann", "ann"));
        assert!(!field_equals(UserField::Username, "Ann", "ann"));
        assert!(!field_equals(UserField::FirstName, "", ""));
    }

    #[test]
    fn row_checks() {
        assert_eq!(check_claim_row("email", "email", true), Ok(()));
        assert_eq!(check_claim_row("phone_number", "phone", true), Ok(()));
        assert_eq!(
            check_claim_row(" ", "email", false),
            Err(ClaimRowError::EmptyClaimType)
        );
        assert_eq!(
            check_claim_row("email", "", false),
            Err(ClaimRowError::EmptyScope)
        );
        assert_eq!(
            check_claim_row("realm_access.roles", "roles", false),
            Ok(())
        );
        assert!(matches!(
            check_claim_row("realm_access..roles", "roles", false),
            Err(ClaimRowError::BadClaimPath(
                ClaimPathError::EmptySegment { .. }
            ))
        ));
        assert_eq!(
            check_claim_row("realm_access.email", "email", true),
            Err(ClaimRowError::VerifiedNotSupported {
                claim_type: "realm_access.email".into()
            })
        );
        assert_eq!(
            check_claim_row("name", "profile", true),
            Err(ClaimRowError::VerifiedNotSupported {
                claim_type: "name".into()
            })
        );
    }
}
