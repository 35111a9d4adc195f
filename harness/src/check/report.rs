//! The outcome of a conformance run, cell by cell, and its three renderings: a table for the
//! terminal, JUnit XML for CI and a JSON report.

use std::fmt::Write as _;

use serde::Serialize;

use super::pacing::Pacing;

// The cell and verdict types are the in-process sweep's (`mock_idp::sweep`), so the two
// runners report in one shape.
pub use mock_idp::sweep::{BASELINE, Calls, Cell, Observed, Status};

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Every cell.
    pub cells: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Not meaningful.
    pub not_meaningful: usize,
    /// Advisory: the specification lets the client decide; never a failure.
    pub advisory: usize,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The mock IdP's base URL.
    pub idp: String,
    /// The tenant.
    pub tenant: String,
    /// The application's client id.
    pub client_id: String,
    /// Counts.
    pub summary: Summary,
    /// How the cells that make the application re-fetch the JWK Set were paced.
    pub pacing: Pacing,
    /// What the configuration makes doubtful (e.g. a success signal that cannot tell an
    /// error page from a signed-in one).
    pub warnings: Vec<String>,
    /// Every cell, baselines first per flow.
    pub cells: Vec<Cell>,
}

impl Report {
    /// Builds the report and its summary.
    pub fn new(idp: String, tenant: String, client_id: String, cells: Vec<Cell>) -> Self {
        let mut summary = Summary {
            cells: cells.len(),
            ..Summary::default()
        };
        for c in &cells {
            match c.status {
                Status::Pass => summary.passed += 1,
                Status::Fail => summary.failed += 1,
                Status::Skipped => summary.skipped += 1,
                Status::NotMeaningful => summary.not_meaningful += 1,
                Status::Advisory => summary.advisory += 1,
            }
        }
        Self {
            idp,
            tenant,
            client_id,
            summary,
            pacing: Pacing::default(),
            warnings: Vec::new(),
            cells,
        }
    }

    /// The report with the configuration's warnings.
    pub fn warned(self, warnings: Vec<String>) -> Self {
        Self { warnings, ..self }
    }

    /// Each failed baseline cell with the number of cells it made not meaningful.
    pub fn failed_baselines(&self) -> Vec<(&str, usize)> {
        self.cells
            .iter()
            .filter(|c| c.group == BASELINE && c.status == Status::Fail)
            .map(|b| {
                let why = format!("its baseline {} failed", b.name);
                let hidden = self
                    .cells
                    .iter()
                    .filter(|c| c.reason.as_deref() == Some(why.as_str()))
                    .count();
                (b.name.as_str(), hidden)
            })
            .collect()
    }

    /// The report with what pacing did.
    pub fn paced(self, pacing: Pacing) -> Self {
        Self { pacing, ..self }
    }

    /// Whether every cell that ran passed.
    pub fn all_passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// A fixed-width table, one row per cell, then the summary.
    pub fn table(&self) -> String {
        let headers = [
            "fault",
            "flow",
            "expected",
            "observed",
            "calls",
            "result",
            "app error / reason",
        ];
        // Reasons a cell did not run repeat for whole groups of cells: each is written once,
        // under the table, and the rows point at it.
        let mut notes: Vec<&str> = Vec::new();
        let rows: Vec<[String; 7]> = self
            .cells
            .iter()
            .map(|c| {
                let unrun = matches!(c.status, Status::Skipped | Status::NotMeaningful);
                let detail = match (c.status, &c.app_error, &c.reason) {
                    (_, _, Some(r)) if unrun => {
                        let n = match notes.iter().position(|n| *n == r.as_str()) {
                            Some(i) => i + 1,
                            None => {
                                notes.push(r);
                                notes.len()
                            }
                        };
                        format!("[{n}]")
                    }
                    (Status::Pass | Status::Advisory, Some(e), _) => e.clone(),
                    (_, Some(e), Some(r)) => format!("{r} ({e})"),
                    (_, None, Some(r)) => r.clone(),
                    (_, Some(e), None) => e.clone(),
                    (_, None, None) => String::new(),
                };
                [
                    c.fault.clone(),
                    c.flow.to_string(),
                    c.expected.as_str().to_owned(),
                    c.observed.map_or("-", Observed::as_str).to_owned(),
                    c.calls_text(),
                    c.status.as_str().to_owned(),
                    detail,
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[&str]| {
            let last = cells.len() - 1;
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == last {
                    out.push_str(cell);
                } else {
                    let _ = write!(out, "{cell:<w$}  ");
                }
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        };
        line(&mut out, &headers);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(
            &mut out,
            &rule.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        for row in &rows {
            line(&mut out, &row.each_ref().map(String::as_str));
        }
        let s = self.summary;
        let _ = writeln!(
            out,
            "\n{} cells: {} passed, {} failed, {} skipped, {} not meaningful, {} advisory",
            s.cells, s.passed, s.failed, s.skipped, s.not_meaningful, s.advisory
        );
        let advisory: Vec<String> = self
            .cells
            .iter()
            .filter(|c| c.status == Status::Advisory)
            .map(|c| {
                let observed = c.observed.map_or("-", Observed::as_str);
                format!("{} {observed}", c.name)
            })
            .collect();
        if !advisory.is_empty() {
            let _ = writeln!(
                out,
                "advisory (the specification lets the application decide; see docs/faults.md): {}",
                advisory.join(", ")
            );
        }
        if let Some(line) = self.pacing.line() {
            let _ = writeln!(out, "{line}");
        }
        for (name, hidden) in self.failed_baselines() {
            let _ = writeln!(
                out,
                "BASELINE FAILED: {name} — the {hidden} cells that rely on it are not meaningful; fix it first"
            );
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
        if !notes.is_empty() {
            out.push_str("\nwhy cells did not run:\n");
            for (i, note) in notes.iter().enumerate() {
                let _ = writeln!(out, "[{}] {note}", i + 1);
            }
        }
        if s.failed > 0 {
            let failed: Vec<&str> = self
                .cells
                .iter()
                .filter(|c| c.status == Status::Fail)
                .map(|c| c.name.as_str())
                .collect();
            let _ = writeln!(out, "failed: {}", failed.join(" "));
        }
        out
    }

    /// JUnit XML: one `testcase` per cell named `<fault>::<flow>`, classname the group.
    pub fn junit(&self) -> String {
        let s = self.summary;
        let total_ms: u64 = self.cells.iter().map(|c| c.duration_ms).sum();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"harness check\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">",
            s.cells,
            s.failed,
            s.skipped + s.not_meaningful,
            secs(total_ms)
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">",
            xml(&format!("fault catalog against client {}", self.client_id)),
            s.cells,
            s.failed,
            s.skipped + s.not_meaningful,
            secs(total_ms)
        );
        for c in &self.cells {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
                xml(&c.name),
                xml(&c.group),
                secs(c.duration_ms)
            );
            let reason = c.reason.clone().unwrap_or_default();
            match c.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Advisory => {
                    let _ = writeln!(
                        out,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        xml(&format!(
                            "advisory: the specification lets the application decide; observed {}",
                            c.observed.map_or("nothing", Observed::as_str)
                        ))
                    );
                }
                Status::Skipped | Status::NotMeaningful => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml(&reason)
                    );
                }
                Status::Fail => {
                    let observed = c.observed.map_or("not observed", Observed::as_str);
                    let message = format!(
                        "expected {}, observed {observed}{}",
                        c.expected.as_str(),
                        if c.forbidden_calls.is_empty() {
                            String::new()
                        } else {
                            format!("; forbidden calls: {}", c.forbidden_calls.join(", "))
                        }
                    );
                    let detail = format!(
                        "{reason}\nlanding: {} {}\napp error: {}\nmirrors: {}\napp log:\n{}",
                        c.landing_status.map_or("-".into(), |s| s.to_string()),
                        c.landing_url.as_deref().unwrap_or("-"),
                        c.app_error.as_deref().unwrap_or("-"),
                        c.mirrors.as_deref().unwrap_or("-"),
                        c.app_log.as_deref().unwrap_or("-"),
                    );
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"conformance\">{}</failure>\n    </testcase>",
                        xml(&message),
                        xml(&detail)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }

    /// The JSON report.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
