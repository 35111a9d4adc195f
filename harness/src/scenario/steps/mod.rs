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
