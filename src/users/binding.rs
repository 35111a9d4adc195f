//! User binding rules: a bracketed AND/OR expression over rows that compare a user's field
//! with an ID-token claim, deciding which existing user a new identity belongs to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::claims::{self, ClaimRowError, Claims};
use super::model::{User, UserField};

/// A provider's user binding rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingRules {
    /// Whether a first sign-in looks for an existing user to bind.
    #[serde(default)]
    pub enabled: bool,
    /// The conditions, in order.
    #[serde(default)]
    pub rows: Vec<BindingRow>,
}

/// One condition of the binding rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingRow {
    /// Inactive rows are left out entirely, brackets included. Defaults to `true`.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Opening brackets before the condition: only `(` characters, e.g. `"(("`.
    #[serde(default)]
    pub open_brackets: String,
    /// The user's field to compare.
    pub user_field: UserField,
    /// The claim to compare it with.
    pub claim_type: String,
    /// For `email` / `phone_number`: also require `email_verified` / `phone_number_verified`
    /// to be JSON `true`.
    #[serde(default)]
    pub verified: bool,
    /// The scope the claim comes with; it must have been granted.
    pub scope: String,
    /// Closing brackets after the condition: only `)` characters.
    #[serde(default)]
    pub close_brackets: String,
    /// Joins this row to the next active row; ignored on the last one.
    #[serde(default)]
    pub operator: Op,
}

pub(crate) fn active_by_default() -> bool {
    true
}

/// A logical operator between two rows. AND binds tighter than OR.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Both sides must match.
    #[default]
    And,
    /// Either side must match.
    Or,
}

/// Which bracket column of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BracketSide {
    /// `open_brackets`, which may only hold `(`.
    Open,
    /// `close_brackets`, which may only hold `)`.
    Close,
}

impl BracketSide {
    fn bracket(self) -> char {
        match self {
            Self::Open => '(',
            Self::Close => ')',
        }
    }
}

impl fmt::Display for BracketSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "open_brackets",
            Self::Close => "close_brackets",
        })
    }
}

/// Why binding rules cannot be saved. Rows are numbered from 1 among all rows, active or not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingRuleError {
    /// Binding is enabled without any active row.
    #[error(
        "binding rules: expected at least one active row when automatic binding is enabled, found none"
    )]
    NoActiveRows,
    /// A bracket column holds something else than its bracket.
    #[error("binding rule row {row}: {side}: expected only '{expected}', found {found:?}", expected = side.bracket())]
    BadBracket {
        /// The row.
        row: usize,
        /// The column.
        side: BracketSide,
        /// The first offending character.
        found: char,
    },
    /// A bracket opened on this row is never closed.
    #[error(
        "binding rule row {row}: open_brackets: expected a matching ')' on this or a later row, found none"
    )]
    UnclosedBracket {
        /// The row.
        row: usize,
    },
    /// A bracket closed on this row was never opened.
    #[error(
        "binding rule row {row}: close_brackets: expected a matching '(' on this or an earlier row, found none"
    )]
    UnmatchedCloseBracket {
        /// The row.
        row: usize,
    },
    /// The row's claim settings are wrong.
    #[error("binding rule row {row}: {problem}")]
    Row {
        /// The row.
        row: usize,
        /// What is wrong.
        problem: ClaimRowError,
    },
}

impl BindingRuleError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoActiveRows => "binding.no_active_rows",
            Self::BadBracket { .. } => "binding.bad_bracket",
            Self::UnclosedBracket { .. } => "binding.unclosed_bracket",
            Self::UnmatchedCloseBracket { .. } => "binding.unmatched_close_bracket",
            Self::Row { .. } => "binding.invalid_row",
        }
    }

    /// The 1-based row the error is about, if any.
    pub fn row(&self) -> Option<usize> {
        match self {
            Self::NoActiveRows => None,
            Self::BadBracket { row, .. }
            | Self::UnclosedBracket { row }
            | Self::UnmatchedCloseBracket { row }
            | Self::Row { row, .. } => Some(*row),
        }
    }
}

impl BindingRules {
    /// Checks the rules as they are saved: every active row's brackets and claim settings,
    /// bracket balance, and — when enabled — that some row is active. Disabled rules are
    /// checked too, so enabling them later cannot fail.
    pub fn validate(&self) -> Result<(), BindingRuleError> {
        self.parse().map(drop)
    }

    /// Parses the active rows into an expression (see [`BindingRules::validate`] for the
    /// errors). Without active rows the expression matches nobody.
    pub fn parse(&self) -> Result<BindingExpr<'_>, BindingRuleError> {
        let mut tokens = Vec::new();
        for (index, row) in self.rows.iter().enumerate().filter(|(_, row)| row.active) {
            let number = index + 1;
            check_brackets(number, BracketSide::Open, &row.open_brackets)?;
            check_brackets(number, BracketSide::Close, &row.close_brackets)?;
            claims::check_claim_row(&row.claim_type, &row.scope, row.verified).map_err(
                |problem| BindingRuleError::Row {
                    row: number,
                    problem,
                },
            )?;
            if !tokens.is_empty() {
                let previous = self.rows[last_condition(&tokens)].operator;
                tokens.push(Token::Op(previous));
            }
            tokens.extend(row.open_brackets.chars().map(|_| Token::Open(number)));
            tokens.push(Token::Condition(index));
            tokens.extend(row.close_brackets.chars().map(|_| Token::Close(number)));
        }
        if tokens.is_empty() {
            if self.enabled {
                return Err(BindingRuleError::NoActiveRows);
            }
            return Ok(BindingExpr {
                rows: &self.rows,
                node: Node::Any(Vec::new()),
            });
        }
        let mut parser = Parser { tokens, next: 0 };
        let node = parser.any()?;
        if let Some(Token::Close(row)) = parser.peek() {
            return Err(BindingRuleError::UnmatchedCloseBracket { row });
        }
        Ok(BindingExpr {
            rows: &self.rows,
            node,
        })
    }
}

fn check_brackets(row: usize, side: BracketSide, brackets: &str) -> Result<(), BindingRuleError> {
    match brackets.chars().find(|&c| c != side.bracket()) {
        Some(found) => Err(BindingRuleError::BadBracket { row, side, found }),
        None => Ok(()),
    }
}

fn last_condition(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .rev()
        .find_map(|token| match token {
            Token::Condition(index) => Some(*index),
            _ => None,
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `(` written on a row (1-based).
    Open(usize),
    /// `)` written on a row (1-based).
    Close(usize),
    /// The condition of a row (0-based index into the rows).
    Condition(usize),
    Op(Op),
}

/// Recursive descent over `any := all (OR all)*`, `all := primary (AND primary)*`,
/// `primary := '(' any ')' | condition`. The tokens always alternate conditions and
/// operators with brackets only around conditions, so only bracket errors can occur.
struct Parser {
    tokens: Vec<Token>,
    next: usize,
}

impl Parser {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.next).copied()
    }

    fn any(&mut self) -> Result<Node, BindingRuleError> {
        let mut terms = vec![self.all()?];
        while self.peek() == Some(Token::Op(Op::Or)) {
            self.next += 1;
            terms.push(self.all()?);
        }
        Ok(Node::join(terms, false))
    }

    fn all(&mut self) -> Result<Node, BindingRuleError> {
        let mut terms = vec![self.primary()?];
        while self.peek() == Some(Token::Op(Op::And)) {
            self.next += 1;
            terms.push(self.primary()?);
        }
        Ok(Node::join(terms, true))
    }

    fn primary(&mut self) -> Result<Node, BindingRuleError> {
        let token = self.peek();
        self.next += 1;
        match token {
            Some(Token::Open(row)) => {
                let inner = self.any()?;
                if let Some(Token::Close(_)) = self.peek() {
                    self.next += 1;
                    Ok(inner)
                } else {
                    Err(BindingRuleError::UnclosedBracket { row })
                }
            }
            Some(Token::Condition(index)) => Ok(Node::Row(index)),
            Some(Token::Close(row)) => Err(BindingRuleError::UnmatchedCloseBracket { row }),
            Some(Token::Op(_)) | None => {
                unreachable!("binding tokens start with a row and follow every operator with one")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// The condition of a row (0-based index).
    Row(usize),
    /// Every term matches.
    All(Vec<Node>),
    /// Some term matches; empty matches nothing.
    Any(Vec<Node>),
}

impl Node {
    /// One term stays itself; nested groups of the same kind are flattened.
    fn join(mut terms: Vec<Node>, all: bool) -> Node {
        if terms.len() == 1
            && let Some(term) = terms.pop()
        {
            return term;
        }
        let mut flat = Vec::new();
        for term in terms {
            match term {
                Node::All(inner) if all => flat.extend(inner),
                Node::Any(inner) if !all => flat.extend(inner),
                term => flat.push(term),
            }
        }
        if all {
            Node::All(flat)
        } else {
            Node::Any(flat)
        }
    }

    fn matches(
        &self,
        rows: &[BindingRow],
        user: &User,
        claims: &Claims,
        scopes: &[String],
    ) -> bool {
        match self {
            Node::Row(index) => row_matches(&rows[*index], user, claims, scopes),
            Node::All(terms) => terms.iter().all(|t| t.matches(rows, user, claims, scopes)),
            Node::Any(terms) => terms.iter().any(|t| t.matches(rows, user, claims, scopes)),
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, nested: bool) -> fmt::Result {
        let (terms, op) = match self {
            Node::Row(index) => return write!(f, "#{}", index + 1),
            Node::Any(terms) if terms.is_empty() => return f.write_str("false"),
            Node::All(terms) => (terms, " AND "),
            Node::Any(terms) => (terms, " OR "),
        };
        if nested {
            f.write_str("(")?;
        }
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                f.write_str(op)?;
            }
            term.write(f, true)?;
        }
        if nested {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Whether one row's condition holds for `user`.
fn row_matches(row: &BindingRow, user: &User, claims: &Claims, scopes: &[String]) -> bool {
    let Some(claim) =
        claims::usable_claim(claims, scopes, &row.claim_type, &row.scope, row.verified)
            .and_then(claims::scalar_text)
    else {
        return false;
    };
    user.field(row.user_field)
        .is_some_and(|value| claims::field_equals(row.user_field, value, &claim))
}

/// Parsed binding rules, ready to test users against a sign-in's claims.
///
/// Displays as the parsed structure with rows by 1-based number and every nested group in
/// brackets, e.g. `#1 OR (#2 AND #3)`; `false` when there are no active rows.
#[derive(Debug, Clone)]
pub struct BindingExpr<'r> {
    rows: &'r [BindingRow],
    node: Node,
}

impl BindingExpr<'_> {
    /// Whether `user` matches the rules for a sign-in with `claims` and granted `scopes`.
    pub fn matches(&self, user: &User, claims: &Claims, scopes: &[String]) -> bool {
        self.node.matches(self.rows, user, claims, scopes)
    }
}

impl fmt::Display for BindingExpr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.write(f, false)
    }
}

#[cfg(test)]
mod tests {
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
        assert!(
            serde_json::from_value::<BindingRules>(json!({"enabled": true, "typo": 1})).is_err()
        );
    }
}
