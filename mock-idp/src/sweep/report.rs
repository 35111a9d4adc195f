//! What a sweep found: every cell, a table of them, and an assertion that fails listing the
//! cells that went wrong.

use std::fmt;

use serde::Serialize;

use super::cell::{Cell, Status};

/// The outcome of [`super::Sweep::run`], cell by cell, baselines first per flow. `Display`
/// renders a table; `serde_json::to_string` the same JSON as `harness check`'s cells.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// The tenant swept.
    pub tenant: String,
    /// The application's client id.
    pub client_id: String,
    /// Every cell.
    pub cells: Vec<Cell>,
}

impl SweepReport {
    /// The cells that failed, or did not mean anything because a baseline failed.
    pub fn failures(&self) -> Vec<&Cell> {
        self.cells
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::NotMeaningful))
            .collect()
    }

    /// The cells with `status`.
    pub fn with_status(&self, status: Status) -> Vec<&Cell> {
        self.cells.iter().filter(|c| c.status == status).collect()
    }

    /// The cell named `<fault>::<flow>`.
    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.name == name)
    }

    /// Panics listing every failed cell — expected, observed, forbidden calls and why —
    /// unless all cells that ran passed. Skipped and advisory cells do not fail it.
    #[track_caller]
    pub fn assert_passed(&self) {
        let failures = self.failures();
        if failures.is_empty() {
            return;
        }
        let mut text = format!(
            "{} of {} cells went wrong for client \"{}\" at tenant \"{}\":\n",
            failures.len(),
            self.cells.len(),
            self.client_id,
            self.tenant
        );
        for c in failures {
            text.push_str(&format!(
                "  {}: expected {}, observed {}, calls {}: {}\n",
                c.name,
                c.expected.as_str(),
                c.observed.map_or("nothing", |o| o.as_str()),
                c.calls_text(),
                c.reason.as_deref().unwrap_or("")
            ));
        }
        panic!("{text}");
    }
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.cells.iter().map(|c| c.name.len()).max().unwrap_or(4);
        writeln!(
            f,
            "{:width$}  {:8}  {:8}  {:16}  {:14}  reason",
            "cell", "expected", "observed", "calls", "status"
        )?;
        for c in &self.cells {
            writeln!(
                f,
                "{:width$}  {:8}  {:8}  {:16}  {:14}  {}",
                c.name,
                c.expected.as_str(),
                c.observed.map_or("-", |o| o.as_str()),
                c.calls_text(),
                c.status.as_str(),
                c.reason.as_deref().unwrap_or("")
            )?;
        }
        let count = |s| self.with_status(s).len();
        write!(
            f,
            "{} cells: {} passed, {} failed, {} skipped, {} not meaningful, {} advisory",
            self.cells.len(),
            count(Status::Pass),
            count(Status::Fail),
            count(Status::Skipped),
            count(Status::NotMeaningful),
            count(Status::Advisory)
        )
    }
}
