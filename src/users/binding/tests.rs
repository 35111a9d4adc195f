use serde_json::json;

use super::*;
use crate::users::model::{RolesByEntity, UserKind};

fn row(field: UserField, claim: &str, scope: &str) -> BindingRow {
    BindingRow {
        active: true,
        open_brackets: String::new(),
        user_field: field,
        claim_type: claim.into(),
        verified: false,
        scope: scope.into(),
        close_brackets: String::new(),
        operator: Op::And,
    }
}

/// Rows `(open, close, op)` over distinct claims `c1`, `c2`, … in scope `s`.
fn rules(spec: &[(&str, &str, Op)]) -> BindingRules {
    BindingRules {
        enabled: true,
        rows: spec
            .iter()
            .enumerate()
            .map(|(i, (open, close, op))| BindingRow {
                open_brackets: (*open).into(),
                close_brackets: (*close).into(),
                operator: *op,
                ..row(UserField::FirstName, &format!("c{}", i + 1), "s")
            })
            .collect(),
    }
}

fn shape(rules: &BindingRules) -> String {
    rules.parse().unwrap().to_string()
}

fn user() -> User {
    User {
        id: 1,
        username: "ann".into(),
        kind: UserKind::Internal,
        user_type: "staff".into(),
        email: Some("Ann@Example.com".into()),
        phone: Some("+1 555 0100".into()),
        first_name: Some("Ann".into()),
        last_name: Some("Lee".into()),
        display_name: None,
        identity: None,
        invited: false,
        roles: RolesByEntity::new(),
    }
}

fn claims(value: serde_json::Value) -> Claims {
    value.as_object().unwrap().clone()
}

fn scopes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

use Op::{And, Or};

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        shape(&rules(&[("", "", Or), ("", "", And), ("", "", And)])),
        "#1 OR (#2 AND #3)"
    );
    assert_eq!(
        shape(&rules(&[("", "", And), ("", "", Or), ("", "", And)])),
        "(#1 AND #2) OR #3"
    );
    assert_eq!(
        shape(&rules(&[("", "", And), ("", "", And), ("", "", And)])),
        "#1 AND #2 AND #3"
    );
    assert_eq!(
        shape(&rules(&[("", "", Or), ("", "", Or), ("", "", Or)])),
        "#1 OR #2 OR #3"
    );
    assert_eq!(
        shape(&rules(&[
            ("", "", Or),
            ("", "", And),
            ("", "", Or),
            ("", "", And)
        ])),
        "#1 OR (#2 AND #3) OR #4"
    );
}

#[test]
fn brackets_override_precedence() {
    assert_eq!(
        shape(&rules(&[("(", "", Or), ("", ")", And), ("", "", And)])),
        "(#1 OR #2) AND #3"
    );
    assert_eq!(
        shape(&rules(&[("", "", And), ("(", "", Or), ("", ")", And)])),
        "#1 AND (#2 OR #3)"
    );
    assert_eq!(
        shape(&rules(&[
            ("((", "", Or),
            ("", ")", And),
            ("", ")", Or),
            ("", "", And)
        ])),
        "((#1 OR #2) AND #3) OR #4"
    );
    assert_eq!(
        shape(&rules(&[
            ("(", "", Or),
            ("(", "", And),
            ("", "))", And),
            ("", "", And)
        ])),
        "(#1 OR (#2 AND #3)) AND #4"
    );
}

#[test]
fn redundant_brackets_are_harmless() {
    assert_eq!(shape(&rules(&[("((", "))", Or)])), "#1");
    assert_eq!(
        shape(&rules(&[("(", ")", Or), ("(", ")", And), ("", "", And)])),
        "#1 OR (#2 AND #3)"
    );
    assert_eq!(
        shape(&rules(&[("(", "", And), ("", ")", And), ("", "", And)])),
        "#1 AND #2 AND #3"
    );
}

#[test]
fn the_last_rows_operator_is_ignored() {
    assert_eq!(shape(&rules(&[("", "", And), ("", "", Or)])), "#1 AND #2");
}

#[test]
fn inactive_rows_are_left_out_with_their_brackets() {
    let mut r = rules(&[("", "", Or), ("(", "", And), ("", "", And), ("", ")", And)]);
    r.rows[1].active = false;
    r.rows[3].active = false;
    // Row 2's "(" and row 4's ")" vanish; row 1's OR joins it to row 3.
    assert_eq!(shape(&r), "#1 OR #3");

    // An inactive row's bad brackets and claim settings do not matter.
    let mut r = rules(&[("", "", Or), ("x(", "", And), ("", "", And)]);
    r.rows[1].active = false;
    r.rows[1].claim_type.clear();
    r.rows[1].verified = true;
    assert_eq!(shape(&r), "#1 OR #3");
}

#[test]
fn no_active_rows() {
    let mut r = rules(&[("", "", And)]);
    r.rows[0].active = false;
    assert_eq!(r.validate(), Err(BindingRuleError::NoActiveRows));
    r.enabled = false;
    assert_eq!(shape(&r), "false");
    let expr = r.parse().unwrap();
    assert!(!expr.matches(&user(), &Claims::new(), &[]));
    assert_eq!(
        BindingRules {
            enabled: true,
            rows: vec![]
        }
        .validate()
        .unwrap_err()
        .code(),
        "binding.no_active_rows"
    );
}

#[test]
fn unbalanced_brackets_name_the_row() {
    let error = rules(&[("(", "", Or), ("", "", And)])
        .validate()
        .unwrap_err();
    assert_eq!(error, BindingRuleError::UnclosedBracket { row: 1 });
    assert_eq!(error.code(), "binding.unclosed_bracket");
    assert_eq!(error.row(), Some(1));

    let error = rules(&[("", "", Or), ("", ")", And)])
        .validate()
        .unwrap_err();
    assert_eq!(error, BindingRuleError::UnmatchedCloseBracket { row: 2 });
    assert_eq!(error.code(), "binding.unmatched_close_bracket");

    // The outer of two brackets opened on row 1 is never closed.
    assert_eq!(
        rules(&[("((", "", Or), ("", ")", And)]).validate(),
        Err(BindingRuleError::UnclosedBracket { row: 1 })
    );
    // Closed before opened: `#1) OR (#2`.
    assert_eq!(
        rules(&[("", ")", Or), ("(", "", And)]).validate(),
        Err(BindingRuleError::UnmatchedCloseBracket { row: 1 })
    );
    // Too many closing brackets at the end.
    assert_eq!(
        rules(&[("(", "", Or), ("", "))", And)]).validate(),
        Err(BindingRuleError::UnmatchedCloseBracket { row: 2 })
    );
    // An inactive row's closing bracket does not balance anything.
    let mut r = rules(&[("(", "", Or), ("", "", And), ("", ")", And)]);
    r.rows[2].active = false;
    assert_eq!(
        r.validate(),
        Err(BindingRuleError::UnclosedBracket { row: 1 })
    );
    assert!(
        r.validate()
            .unwrap_err()
            .to_string()
            .starts_with("binding rule row 1:")
    );
}

#[test]
fn bracket_columns_hold_only_their_bracket() {
    assert_eq!(
        rules(&[("(x", "", Or)]).validate(),
        Err(BindingRuleError::BadBracket {
            row: 1,
            side: BracketSide::Open,
            found: 'x'
        })
    );
    let error = rules(&[("", "", Or), ("", ")(", And)])
        .validate()
        .unwrap_err();
    assert_eq!(
        error,
        BindingRuleError::BadBracket {
            row: 2,
            side: BracketSide::Close,
            found: '('
        }
    );
    assert_eq!(
        error.to_string(),
        "binding rule row 2: close_brackets: expected only ')', found '('"
    );
    assert_eq!(
        rules(&[(" (", "", Or)]).validate().unwrap_err().code(),
        "binding.bad_bracket"
    );
}

#[test]
fn row_claim_settings_are_checked() {
    let mut r = rules(&[("", "", Or), ("", "", Or)]);
    r.rows[1].claim_type = String::new();
    assert_eq!(
        r.validate(),
        Err(BindingRuleError::Row {
            row: 2,
            problem: ClaimRowError::EmptyClaimType
        })
    );
    let mut r = rules(&[("", "", Or)]);
    r.rows[0].scope = " ".into();
    assert_eq!(
        r.validate(),
        Err(BindingRuleError::Row {
            row: 1,
            problem: ClaimRowError::EmptyScope
        })
    );
    let mut r = rules(&[("", "", Or)]);
    r.rows[0].verified = true;
    let error = r.validate().unwrap_err();
    assert_eq!(error.code(), "binding.invalid_row");
    assert_eq!(
        error.to_string(),
        "binding rule row 1: verified: expected claim_type email or phone_number, found \"c1\""
    );
    let mut ok = row(UserField::Email, "email", "email");
    ok.verified = true;
    let mut phone = row(UserField::Phone, "phone_number", "phone");
    phone.verified = true;
    let r = BindingRules {
        enabled: true,
        rows: vec![ok, phone],
    };
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn disabled_rules_are_still_checked() {
    let mut r = rules(&[("(", "", Or)]);
    r.enabled = false;
    assert_eq!(
        r.validate(),
        Err(BindingRuleError::UnclosedBracket { row: 1 })
    );
}

#[test]
fn matching_compares_fields_with_claims() {
    let granted = scopes(&["openid", "email", "profile", "phone"]);
    let email = BindingRules {
        enabled: true,
        rows: vec![row(UserField::Email, "email", "email")],
    };
    let expr = email.parse().unwrap();
    assert!(expr.matches(
        &user(),
        &claims(json!({"email": "ann@example.COM"})),
        &granted
    ));
    assert!(!expr.matches(
        &user(),
        &claims(json!({"email": "bob@example.com"})),
        &granted
    ));
    assert!(!expr.matches(&user(), &claims(json!({})), &granted));
    assert!(!expr.matches(
        &user(),
        &claims(json!({"email": "ann@example.com"})),
        &scopes(&["openid"])
    ));

    let phone = BindingRules {
        enabled: true,
        rows: vec![row(UserField::Phone, "phone_number", "phone")],
    };
    let expr = phone.parse().unwrap();
    assert!(expr.matches(
        &user(),
        &claims(json!({"phone_number": "+15550100"})),
        &granted
    ));
    assert!(!expr.matches(
        &user(),
        &claims(json!({"phone_number": "15550100"})),
        &granted
    ));

    let name = BindingRules {
        enabled: true,
        rows: vec![row(UserField::FirstName, "given_name", "profile")],
    };
    let expr = name.parse().unwrap();
    assert!(expr.matches(&user(), &claims(json!({"given_name": "Ann"})), &granted));
    assert!(!expr.matches(&user(), &claims(json!({"given_name": "ann"})), &granted));
    // A field the user lacks never matches, not even an empty claim.
    let display = BindingRules {
        enabled: true,
        rows: vec![row(UserField::DisplayName, "name", "profile")],
    };
    let expr = display.parse().unwrap();
    assert!(!expr.matches(&user(), &claims(json!({"name": ""})), &granted));
}

#[test]
fn verified_rows_need_a_true_verified_claim() {
    let granted = scopes(&["email"]);
    let mut verified = row(UserField::Email, "email", "email");
    verified.verified = true;
    let r = BindingRules {
        enabled: true,
        rows: vec![verified],
    };
    let expr = r.parse().unwrap();
    let u = user();
    let email = "ann@example.com";
    assert!(expr.matches(
        &u,
        &claims(json!({"email": email, "email_verified": true})),
        &granted
    ));
    assert!(!expr.matches(
        &u,
        &claims(json!({"email": email, "email_verified": false})),
        &granted
    ));
    assert!(!expr.matches(
        &u,
        &claims(json!({"email": email, "email_verified": "true"})),
        &granted
    ));
    assert!(!expr.matches(&u, &claims(json!({"email": email})), &granted));
    // Unverified rows ignore the verified claim.
    let r = BindingRules {
        enabled: true,
        rows: vec![row(UserField::Email, "email", "email")],
    };
    let expr = r.parse().unwrap();
    assert!(expr.matches(
        &u,
        &claims(json!({"email": email, "email_verified": false})),
        &granted
    ));
}

#[test]
fn evaluation_follows_the_expression() {
    // (email OR phone) AND last name
    let mut email = row(UserField::Email, "email", "email");
    email.open_brackets = "(".into();
    email.operator = Or;
    let mut phone = row(UserField::Phone, "phone_number", "phone");
    phone.close_brackets = ")".into();
    let last = row(UserField::LastName, "family_name", "profile");
    let r = BindingRules {
        enabled: true,
        rows: vec![email, phone, last],
    };
    let expr = r.parse().unwrap();
    assert_eq!(expr.to_string(), "(#1 OR #2) AND #3");
    let granted = scopes(&["email", "phone", "profile"]);
    let u = user();
    let check = |c: serde_json::Value| expr.matches(&u, &claims(c), &granted);
    assert!(check(
        json!({"email": "ann@example.com", "family_name": "Lee"})
    ));
    assert!(check(
        json!({"phone_number": "+1 555 0100", "family_name": "Lee"})
    ));
    assert!(!check(json!({"email": "ann@example.com"})));
    assert!(!check(
        json!({"email": "x@example.com", "family_name": "Lee"})
    ));

    // Without brackets: email OR (phone AND last name).
    let mut r = r.clone();
    r.rows[0].open_brackets.clear();
    r.rows[1].close_brackets.clear();
    let expr = r.parse().unwrap();
    assert_eq!(expr.to_string(), "#1 OR (#2 AND #3)");
    assert!(expr.matches(&u, &claims(json!({"email": "ann@example.com"})), &granted));
    assert!(!expr.matches(&u, &claims(json!({"phone_number": "+15550100"})), &granted));
}

#[test]
fn rows_deserialize_with_defaults() {
    let r: BindingRules = serde_json::from_value(json!({
        "enabled": true,
        "rows": [{"user_field": "email", "claim_type": "email", "scope": "email"}]
    }))
    .unwrap();
    assert!(r.rows[0].active);
    assert_eq!(r.rows[0].operator, And);
    assert!(!r.rows[0].verified);
    assert!(serde_json::from_value::<BindingRules>(json!({"enabled": true, "typo": 1})).is_err());
}
