//! `harness check --html FILE`: the conformance matrix as one self-contained page (inline
//! style, no script, nothing fetched): faults by group down the side, flows across the top,
//! each cell coloured by its verdict and opening its details (expected, observed, forbidden
//! calls, why). Everything that came from the application is escaped.

use std::fmt::Write as _;

use mock_idp::catalog::{FlowKind, Group};
use mock_idp::sweep::group_name;

use super::report::{BASELINE, Cell, Observed, Report, Status, xml as escape};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:96rem;padding:0 1rem;color:#1d1d1f}\
h1{font-size:1.4rem}table{border-collapse:collapse}caption{text-align:left;padding:.3rem 0;color:#444}\
th,td{border:1px solid #bbb;padding:.2rem .4rem;vertical-align:top;font-size:.82rem;text-align:left}\
thead th{background:#eef1f5;position:sticky;top:0}th[scope=rowgroup]{background:#dde3ea;font-size:.9rem}\
td.pass{background:#d8f0dd}td.fail{background:#f7c9c9}td.advisory{background:#fbe7b5}\
td.skipped{background:#e8e8e8}td.not-meaningful{background:#e3dcef}td.none{background:#fff;color:#999}\
details summary{cursor:pointer;font-weight:600}dl{margin:.3rem 0;display:grid;grid-template-columns:max-content auto;gap:0 .6rem}\
dt{color:#444}dd{margin:0;overflow-wrap:anywhere;max-width:28rem}.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.4rem;border:1px solid #bbb}\
.legend .pass{background:#d8f0dd}.legend .fail{background:#f7c9c9}.legend .advisory{background:#fbe7b5}\
.legend .skipped{background:#e8e8e8}.legend .not-meaningful{background:#e3dcef}";

/// The class of a verdict's cells.
fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Skipped => "skipped",
        Status::NotMeaningful => "not-meaningful",
        Status::Advisory => "advisory",
    }
}

/// The page for `report`.
pub fn page(report: &Report) -> String {
    let flows: Vec<FlowKind> = FlowKind::ALL
        .into_iter()
        .filter(|f| report.cells.iter().any(|c| c.flow == *f))
        .collect();
    let s = report.summary;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>harness check: client {client}</title><style>{STYLE}</style></head>\n<body>\n\
         <h1>Conformance matrix: client {client}</h1>\n\
         <p>Mock IdP {idp}, tenant {tenant}. {} cells: {} passed, {} failed, {} advisory, {} skipped, {} not meaningful.</p>\n",
        s.cells,
        s.passed,
        s.failed,
        s.advisory,
        s.skipped,
        s.not_meaningful,
        client = escape(&report.client_id),
        idp = escape(&report.idp),
        tenant = escape(&report.tenant),
    );
    out.push_str(
        "<p class=\"legend\"><span class=\"pass\">pass</span><span class=\"fail\">FAIL</span>\
         <span class=\"advisory\">advisory</span><span class=\"skipped\">skipped</span>\
         <span class=\"not-meaningful\">not meaningful</span>— advisory: the specification lets the \
         application decide, so what it did is shown, not judged; a blank cell: the fault does not \
         apply to the flow.</p>\n",
    );
    if let Some(line) = report.pacing.line() {
        let _ = writeln!(out, "<p>{}</p>", escape(&line));
    }
    out.push_str("<table>\n<caption>Faults by group down the side, flows across the top; open a cell for its details.</caption>\n<thead><tr><th scope=\"col\">Fault</th>");
    for f in &flows {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(f.as_str()));
    }
    out.push_str("</tr></thead>\n");
    for (title, faults) in rows(report) {
        let _ = writeln!(
            out,
            "<tbody><tr><th scope=\"rowgroup\" colspan=\"{}\">{}</th></tr>",
            flows.len() + 1,
            escape(&title)
        );
        for fault in faults {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(&fault));
            for f in &flows {
                match report
                    .cells
                    .iter()
                    .find(|c| c.fault == fault && c.flow == *f)
                {
                    Some(c) => out.push_str(&cell(c)),
                    None => out.push_str("<td class=\"none\"></td>"),
                }
                // A line per cell keeps snapshot diffs readable.
                out.push('\n');
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</body></html>\n");
    out
}

/// The row groups: the baselines first, then each catalog group in the catalog's order with
/// its faults in the order they ran; groups unknown to this build come last.
fn rows(report: &Report) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, String, Vec<String>)> = vec![(
        BASELINE.to_owned(),
        "Baselines (no fault)".to_owned(),
        Vec::new(),
    )];
    groups.extend(
        Group::ALL
            .into_iter()
            .map(|g| (group_name(g), g.title().to_owned(), Vec::new())),
    );
    for c in &report.cells {
        let at = match groups.iter().position(|(name, _, _)| *name == c.group) {
            Some(i) => i,
            None => {
                groups.push((c.group.clone(), c.group.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        let faults = &mut groups[at].2;
        if !faults.contains(&c.fault) {
            faults.push(c.fault.clone());
        }
    }
    groups
        .into_iter()
        .filter(|(_, _, faults)| !faults.is_empty())
        .map(|(_, title, faults)| (title, faults))
        .collect()
}

fn cell(c: &Cell) -> String {
    let mut details = String::new();
    let mut item = |term: &str, value: &str| {
        let _ = write!(details, "<dt>{term}</dt><dd>{}</dd>", escape(value));
    };
    item("Expected", c.expected.as_str());
    item("Observed", c.observed.map_or("not run", Observed::as_str));
    let forbidden = if c.forbidden_calls.is_empty() {
        "none".to_owned()
    } else {
        c.forbidden_calls.join(", ")
    };
    item("Forbidden calls", &forbidden);
    item("Calls", &c.calls_text());
    if let Some(r) = &c.reason {
        item("Why", r);
    }
    if let Some(e) = &c.app_error {
        item("Application error", e);
    }
    if let Some(url) = &c.landing_url {
        let status = c.landing_status.map_or("-".to_owned(), |s| s.to_string());
        item("Landed on", &format!("{status} {url}"));
    }
    if let Some(m) = &c.mirrors {
        item("Mirrors", m);
    }
    if let Some(n) = &c.note {
        item("Note", n);
    }
    format!(
        "<td class=\"{}\"><details><summary>{}</summary><dl>{details}</dl></details></td>",
        class(c.status),
        escape(c.status.as_str())
    )
}
