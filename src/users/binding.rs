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
mod tests;
