//! Renders the catalog as the generated part of `docs/faults.md`.

use super::entries::catalog;
use super::entry::{CatalogEntry, FlowKind, Group, Setup};

/// The catalog as the Markdown of `docs/faults.md`'s generated part: a table per group,
/// then the setups. A test keeps the committed page equal to it.
pub fn markdown() -> String {
    let all = catalog();
    let mut out = String::new();
    for group in Group::ALL {
        let rows: Vec<&CatalogEntry> = all.iter().filter(|e| e.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("### {}\n\n", group.title()));
        out.push_str("| fault | what it breaks | flows | a correct relying party | setup | mirrors | admin API `fault` | per request |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for e in rows {
            let flows = if e.flows == FlowKind::ALL {
                "all".to_owned()
            } else {
                e.flows
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let verdict = match (e.expect, e.note) {
                (x, Some(n)) => format!("{}s; {n}", x.as_str()),
                (x, None) => format!("{}s", x.as_str()),
            };
            let json = serde_json::to_string(&e.fault).unwrap_or_default();
            let per_request = if e.fault.per_request() {
                format!("`mock_fault={}`", e.name)
            } else {
                "no".to_owned()
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | `{}` | {} | `{}` | {} |\n",
                e.name,
                e.breaks.replace('|', "\\|"),
                flows,
                verdict,
                e.setup.as_str(),
                e.mirrors
                    .map(|m| format!("`{m}`"))
                    .unwrap_or_else(|| "—".into()),
                json,
                per_request,
            ));
        }
        out.push('\n');
    }
    out.push_str("### Setups\n\n| setup | what the runner arranges |\n| --- | --- |\n");
    for s in Setup::ALL {
        out.push_str(&format!("| `{}` | {} |\n", s.as_str(), s.describe()));
    }
    out
}
