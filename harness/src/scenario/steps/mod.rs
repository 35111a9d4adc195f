//! The step bodies, by subject. Each takes the world and the step's arguments and explains a
//! failure as "expected X, found Y"; the vocabulary adds the evidence.

pub mod directory;
pub mod idp;
pub mod outcome;
pub mod provider;
pub mod rules;
pub mod signin;

use anyhow::bail;
use serde_json::Value;

/// A comma-separated list; empty items are dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `on` / `off`.
pub fn on(state: &str) -> bool {
    state == "on"
}

/// A check-box cell: `yes`, `x`, `true` tick it; `no`, `false` or empty leave it clear.
pub fn ticked(cell: &str) -> anyhow::Result<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "yes" | "x" | "true" | "on" => Ok(true),
        "no" | "" | "false" | "off" | "-" => Ok(false),
        other => bail!("expected yes or no in a check-box column, found \"{other}\""),
    }
}

/// A claim value as written in a step: JSON when it parses (`true`, `["a", "b"]`, `"x"`),
/// otherwise the text itself.
pub fn claim_value(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|_| Value::String(text.trim().to_owned()))
}

/// A form column name reduced to its key: lowercase, words joined by `_`.
pub fn column_key(header: &str) -> String {
    header
        .trim()
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::provider::parse_flow;
    use super::*;

    #[test]
    fn flows_are_read_in_the_form_s_words_labels_and_names() {
        for (text, name) in [
            ("authorization code flow", "authorization_code"),
            ("Authorization Code Flow", "authorization_code"),
            ("implicit flow with form_post", "implicit_form_post"),
            ("Implicit Flow (Fragment)", "implicit_fragment"),
            ("hybrid_form_post", "hybrid_form_post"),
            ("hybrid flow with fragment", "hybrid_fragment"),
        ] {
            assert_eq!(parse_flow(text).expect(text).as_str(), name);
        }
        assert!(parse_flow("device flow").is_err());
    }

    #[test]
    fn cells_and_values_read_as_written() {
        assert!(ticked("Yes").unwrap());
        assert!(!ticked("").unwrap());
        assert!(ticked("maybe").is_err());
        assert_eq!(claim_value("true"), json!(true));
        assert_eq!(claim_value("\"true\""), json!("true"));
        assert_eq!(claim_value("[\"a\"]"), json!(["a"]));
        assert_eq!(claim_value("Smith"), json!("Smith"));
        assert_eq!(list("a, b,,c "), ["a", "b", "c"]);
        assert_eq!(column_key(" Opening  Brackets "), "opening_brackets");
    }
}
