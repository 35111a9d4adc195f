//! Conformance runs: the fault catalog against a relying party the user runs.

use std::process::ExitCode;

/// Options of `harness check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs the catalog.
pub async fn run(_args: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the conformance run is being built (issue 4)")
}
