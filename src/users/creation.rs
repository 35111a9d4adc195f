//! User creation rules: which claims fill which fields of a new external user (and, on every
//! later sign-in, refresh them), and the user type the new user is made from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binding::active_by_default;
use super::claims::{self, ClaimRowError, Claims};
use super::model::UserField;

/// A provider's user creation rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreationRules {
    /// Whether a first sign-in that finds no user creates one.
    #[serde(default)]
    pub enabled: bool,
    /// The user type new users are made from; required when enabled.
    #[serde(default)]
    pub user_type: String,
    /// Claim-to-field mappings, in order.
    #[serde(default)]
    pub rows: Vec<CreationRow>,
}

/// One claim-to-field mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreationRow {
    /// Inactive rows are ignored. Defaults to `true`.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The field to fill.
    pub user_field: UserField,
    /// The claim to fill it from.
    pub claim_type: String,
    /// For `email` / `phone_number`: fill only when `email_verified` / `phone_number_verified`
    /// is JSON `true`.
    #[serde(default)]
    pub verified: bool,
    /// The scope the claim comes with; it must have been granted.
    pub scope: String,
}

/// Why creation rules cannot be saved. Rows are numbered from 1 among all rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreationRuleError {
    /// Creation is enabled without a user type.
    #[error(
        "user_type: expected a user type when automatic creation is enabled, found an empty string"
    )]
    MissingUserType,
    /// The row's claim settings are wrong.
    #[error("creation rule row {row}: {problem}")]
    Row {
        /// The row.
        row: usize,
        /// What is wrong.
        problem: ClaimRowError,
    },
}

impl CreationRuleError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingUserType => "creation.missing_user_type",
            Self::Row { .. } => "creation.invalid_row",
        }
    }
}

impl CreationRules {
    /// Checks the rules as they are saved: a user type when enabled, and every active row's
    /// claim settings (also when disabled: the rows refresh bound users' fields regardless).
    pub fn validate(&self) -> Result<(), CreationRuleError> {
        if self.enabled && self.user_type.trim().is_empty() {
            return Err(CreationRuleError::MissingUserType);
        }
        for (index, row) in self.rows.iter().enumerate().filter(|(_, row)| row.active) {
            claims::check_claim_row(&row.claim_type, &row.scope, row.verified).map_err(
                |problem| CreationRuleError::Row {
                    row: index + 1,
                    problem,
                },
            )?;
        }
        Ok(())
    }

    /// The field values the claims provide: for each field, the first active row whose claim
    /// is present, of a granted scope, verified when the row asks for it, and a non-empty
    /// scalar (numbers and booleans as their JSON text).
    pub fn map_claims(&self, claims: &Claims, scopes: &[String]) -> BTreeMap<UserField, String> {
        let mut fields = BTreeMap::new();
        for row in self.rows.iter().filter(|row| row.active) {
            if fields.contains_key(&row.user_field) {
                continue;
            }
            if let Some(value) =
                claims::usable_claim(claims, scopes, &row.claim_type, &row.scope, row.verified)
                    .and_then(claims::scalar_text)
            {
                fields.insert(row.user_field, value);
            }
        }
        fields
    }
}

impl CreationRules {
    /// Whether the provider vouches for the email the rules map: the claim an active email
    /// row reads is marked verified (`email_verified: true`).
    pub(crate) fn email_is_verified(&self, claims: &Claims) -> bool {
        self.rows
            .iter()
            .filter(|r| r.active && r.user_field == UserField::Email)
            .any(|r| claims::is_verified(claims, &r.claim_type))
    }
}

/// The username a created user would like: the mapped username, else the mapped email when
/// the provider verified it (an unverified address may be anyone's, and a username is how
/// people recognise an account), else `{provider}:{external_id}` (made unique later).
pub(crate) fn preferred_username(
    fields: &BTreeMap<UserField, String>,
    email_verified: bool,
    provider: &str,
    external_id: &str,
) -> String {
    fields
        .get(&UserField::Username)
        .or_else(|| fields.get(&UserField::Email).filter(|_| email_verified))
        .cloned()
        .unwrap_or_else(|| format!("{provider}:{external_id}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(field: UserField, claim: &str, scope: &str) -> CreationRow {
        CreationRow {
            active: true,
            user_field: field,
            claim_type: claim.into(),
            verified: false,
            scope: scope.into(),
        }
    }

    fn claims(value: serde_json::Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    fn scopes(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn standard() -> CreationRules {
        let mut email = row(UserField::Email, "email", "email");
        email.verified = true;
        let mut phone = row(UserField::Phone, "phone_number", "phone");
        phone.verified = true;
        CreationRules {
            enabled: true,
            user_type: "customer".into(),
            rows: vec![
                row(UserField::Username, "preferred_username", "profile"),
                email,
                phone,
                row(UserField::FirstName, "given_name", "profile"),
                row(UserField::LastName, "family_name", "profile"),
                row(UserField::DisplayName, "name", "profile"),
                row(UserField::DisplayName, "nickname", "profile"),
            ],
        }
    }

    #[test]
    fn maps_claims_into_fields() {
        let fields = standard().map_claims(
            &claims(json!({
                "preferred_username": "ann",
                "email": "ann@example.com", "email_verified": true,
                "phone_number": "+1 555", "phone_number_verified": true,
                "given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"
            })),
            &scopes(&["openid", "email", "phone", "profile"]),
        );
        let expected: BTreeMap<UserField, String> = [
            (UserField::Username, "ann"),
            (UserField::Email, "ann@example.com"),
            (UserField::Phone, "+1 555"),
            (UserField::FirstName, "Ann"),
            (UserField::LastName, "Lee"),
            (UserField::DisplayName, "Ann Lee"),
        ]
        .into_iter()
        .map(|(f, v)| (f, v.to_owned()))
        .collect();
        assert_eq!(fields, expected);
    }

    #[test]
    fn unverified_email_and_phone_are_not_assigned() {
        let granted = scopes(&["email", "phone"]);
        for verified in [json!(false), json!("true"), serde_json::Value::Null] {
            let mut c = claims(json!({"email": "a@x", "phone_number": "1"}));
            if !verified.is_null() {
                c.insert("email_verified".into(), verified.clone());
                c.insert("phone_number_verified".into(), verified);
            }
            assert!(standard().map_claims(&c, &granted).is_empty());
        }
        // Without the verified flag the email is taken as it is.
        let mut rules = standard();
        rules.rows[1].verified = false;
        let fields = rules.map_claims(&claims(json!({"email": "a@x"})), &granted);
        assert_eq!(
            fields.get(&UserField::Email).map(String::as_str),
            Some("a@x")
        );
    }

    #[test]
    fn ungranted_scopes_and_inactive_rows_assign_nothing() {
        let c = claims(json!({"given_name": "Ann", "family_name": "Lee"}));
        assert!(standard().map_claims(&c, &scopes(&["openid"])).is_empty());
        let mut rules = standard();
        rules.rows[3].active = false;
        let fields = rules.map_claims(&c, &scopes(&["profile"]));
        assert_eq!(
            fields.keys().copied().collect::<Vec<_>>(),
            [UserField::LastName]
        );
    }

    #[test]
    fn the_first_row_with_a_value_wins() {
        let granted = scopes(&["profile"]);
        let fields = standard().map_claims(&claims(json!({"nickname": "annie"})), &granted);
        assert_eq!(fields[&UserField::DisplayName], "annie");
        let fields = standard().map_claims(
            &claims(json!({"name": "Ann Lee", "nickname": "annie"})),
            &granted,
        );
        assert_eq!(fields[&UserField::DisplayName], "Ann Lee");
        // Empty and non-scalar claims give no value, so the next row is used.
        let fields =
            standard().map_claims(&claims(json!({"name": "", "nickname": "annie"})), &granted);
        assert_eq!(fields[&UserField::DisplayName], "annie");
        let fields = standard().map_claims(&claims(json!({"name": ["x"]})), &granted);
        assert!(fields.is_empty());
    }

    #[test]
    fn preferred_usernames() {
        let mut fields = BTreeMap::new();
        assert_eq!(preferred_username(&fields, true, "corp", "42"), "corp:42");
        fields.insert(UserField::Email, "a@x".to_owned());
        assert_eq!(preferred_username(&fields, true, "corp", "42"), "a@x");
        assert_eq!(
            preferred_username(&fields, false, "corp", "42"),
            "corp:42",
            "an unverified email names no one"
        );
        fields.insert(UserField::Username, "ann".to_owned());
        assert_eq!(preferred_username(&fields, false, "corp", "42"), "ann");
    }

    #[test]
    fn validation() {
        assert_eq!(standard().validate(), Ok(()));
        let mut rules = standard();
        rules.user_type.clear();
        assert_eq!(rules.validate(), Err(CreationRuleError::MissingUserType));
        assert_eq!(
            rules.validate().unwrap_err().code(),
            "creation.missing_user_type"
        );
        rules.enabled = false;
        assert_eq!(rules.validate(), Ok(()));

        let mut rules = standard();
        rules.rows[3].verified = true;
        let error = rules.validate().unwrap_err();
        assert_eq!(
            error,
            CreationRuleError::Row {
                row: 4,
                problem: ClaimRowError::VerifiedNotSupported {
                    claim_type: "given_name".into()
                }
            }
        );
        assert_eq!(error.code(), "creation.invalid_row");
        rules.rows[3].active = false;
        assert_eq!(rules.validate(), Ok(()));

        let mut rules = standard();
        rules.rows[0].scope.clear();
        assert_eq!(
            rules.validate(),
            Err(CreationRuleError::Row {
                row: 1,
                problem: ClaimRowError::EmptyScope
            })
        );
        rules.rows[0].scope = "profile".into();
        rules.rows[6].claim_type.clear();
        assert_eq!(
            rules.validate().unwrap_err().to_string(),
            "creation rule row 7: claim_type: expected a claim name, found an empty string"
        );
    }
}
