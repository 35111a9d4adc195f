//! Gherkin scenarios: the world, the step vocabulary and the reports.

use std::process::ExitCode;

/// Options of `harness run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {}

/// Runs the scenarios.
pub async fn run(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the scenario runner is being built (issue 5)")
}
