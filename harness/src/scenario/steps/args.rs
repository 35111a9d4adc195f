//! What a step was called with: its placeholder values and data table, and how the words
//! of a step (lists, switches, check-box cells, claim values, column names) read.

use anyhow::bail;
use cucumber::step::Context;
use serde_json::Value;

/// What a step was called with: the placeholder values and the data table.
#[derive(Debug, Clone)]
pub struct StepArgs {
    values: Vec<String>,
    table: Option<Vec<Vec<String>>>,
}

impl StepArgs {
    /// The values and table of a matched step.
    pub fn of_step(step: &Context) -> Self {
        Self {
            values: step
                .matches
                .iter()
                .skip(1)
                .map(|(_, v)| v.clone())
                .collect(),
            table: step.step.table.as_ref().map(|t| t.rows.clone()),
        }
    }

    /// The `i`th placeholder's value (from 0).
    pub fn get(&self, i: usize) -> &str {
        self.values.get(i).map_or("", String::as_str)
    }

    /// The data table's rows, header first.
    pub fn table(&self) -> anyhow::Result<&[Vec<String>]> {
        self.table
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("expected a data table under the step, found none"))
    }
}

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

    use super::*;

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
