//! Renders the catalog as the generated part of `docs/faults.md`.

use super::entries::catalog;
use super::entry::{CatalogEntry, Expect, FlowKind, Group, Setup};

/// What the verdict column says a correct relying party does.
fn verdict(e: &CatalogEntry) -> String {
    let kind = match e.expect {
        Expect::Reject => "rejects".to_owned(),
        Expect::Accept => "accepts".to_owned(),
        Expect::Either => "**either** (advisory)".to_owned(),
    };
    match e.note {
        Some(n) => format!("{kind}; {n}"),
        None => kind,
    }
}

/// The mirrors column: the test, and where our expectation is stricter than it.
fn mirrors(e: &CatalogEntry) -> String {
    match (e.mirrors, e.stricter) {
        (Some(m), Some(why)) => format!("`{m}` — **stricter**: {why}"),
        (Some(m), None) => format!("`{m}`"),
        (None, _) => "—".into(),
    }
}

/// The catalog as the Markdown of `docs/faults.md`'s generated part: a table per group,
/// the advisory entries, then the setups. A test keeps the committed page equal to it.
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
                verdict(e),
                e.setup.as_str(),
                mirrors(e),
                json,
                per_request,
            ));
        }
        out.push('\n');
    }
    out.push_str("### Advisory entries: the specification lets the client decide\n\n");
    out.push_str("Runs report these cells in their own column (`advisory`, with what the application did), never as a failure.\n\n| fault | why either outcome is conformant |\n| --- | --- |\n");
    for e in all.iter().filter(|e| e.expect == Expect::Either) {
        out.push_str(&format!(
            "| `{}` | {} |\n",
            e.name,
            e.note.unwrap_or_default().replace('|', "\\|")
        ));
    }
    out.push('\n');
    out.push_str("### Setups\n\n| setup | what the runner arranges |\n| --- | --- |\n");
    for s in Setup::ALL {
        out.push_str(&format!("| `{}` | {} |\n", s.as_str(), s.describe()));
    }
    out
}
