//! Conformance runs: the fault catalog against a relying party the user runs.
//!
//! `harness check --config app.toml` starts (or connects to) the mock IdP, registers the
//! application's client, and for every catalog entry × configured flow injects the fault,
//! plays the browser from the application's sign-in URL and compares what the application
//! did with what a correct one does. See `docs/conformance-run.md`.

pub mod app_log;
mod arrangement;
pub mod browsing;
pub mod config;
mod hooks;
pub mod html;
pub mod idp;
pub mod pacing;
pub mod report;
pub mod runner;
mod second_step;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mock_idp::catalog::{CatalogEntry, FlowKind, catalog};

use crate::shard::Shard;

pub use browsing::{BrowserChoice, Browsers};
pub use config::{CheckConfig, ConfigError, Loaded};
pub use report::{Cell, Observed, Report, Status};
pub use runner::Selection;

/// Options of `harness check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The run's configuration file (see docs/conformance-run.md).
    #[arg(long)]
    pub config: PathBuf,
    /// Only these faults (catalog names); the flows' baselines always run.
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub only: Vec<String>,
    /// Only these flows (of those configured).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub flows: Vec<String>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the matrix as one self-contained HTML page here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Run only part K of N (e.g. `2/4`) of the selected cells; every shard needs the same
    /// configuration and selection. See docs/ci-sharding.md.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// Who plays the sign-ins: `auto` retries a flow whose baseline fails in the headless
    /// agent in Chromium (pages that need their script), `headless` never, `chromium` always.
    #[arg(long, value_enum, default_value_t)]
    pub browser: BrowserChoice,
}

/// Why the command line cannot be followed (exit code 2, like configuration errors).
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// `--only` names no catalog entry.
    #[error("--only: expected fault names from the catalog ({known}), found \"{found}\"")]
    UnknownFault {
        /// The unknown name.
        found: String,
        /// Every name.
        known: String,
    },
    /// `--flows` names a flow the configuration does not offer.
    #[error("--flows: expected flows of the configuration ({known}), found \"{found}\"")]
    UnknownFlow {
        /// The unknown flow.
        found: String,
        /// The configured flows.
        known: String,
    },
}

/// Checks `--only` and `--flows` against the catalog and the configuration.
pub fn selection(args: &CheckArgs, loaded: &Loaded) -> Result<Selection, UsageError> {
    let names: Vec<String> = catalog().into_iter().map(|e| e.name).collect();
    for name in &args.only {
        if !names.contains(name) {
            return Err(UsageError::UnknownFault {
                found: name.clone(),
                known: names.join(", "),
            });
        }
    }
    let configured: Vec<FlowKind> = loaded.flows.iter().map(|f| f.kind).collect();
    let mut flows = Vec::new();
    for name in &args.flows {
        match FlowKind::parse(name).filter(|k| configured.contains(k)) {
            Some(k) => flows.push(k),
            None => {
                return Err(UsageError::UnknownFlow {
                    found: name.clone(),
                    known: configured
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(Selection {
        only: args.only.clone(),
        flows,
        browser: args.browser,
        cells: None,
    })
}

/// The selected cells as `(fault, flow)`, in the order every shard computes alike: flow by
/// flow (in the configuration's order), its baseline, then the catalog's entries it runs.
pub fn cell_order(
    configured: &[FlowKind],
    entries: &[CatalogEntry],
    sel: &Selection,
) -> Vec<(String, FlowKind)> {
    let mut order = Vec::new();
    for &flow in configured.iter().filter(|f| sel.runs_flow(**f)) {
        order.push((report::BASELINE.to_owned(), flow));
        order.extend(
            entries
                .iter()
                .filter(|e| sel.runs(e, flow))
                .map(|e| (e.name.clone(), flow)),
        );
    }
    order
}

/// Runs the selected cells of a loaded configuration.
pub async fn execute(loaded: &Loaded, sel: &Selection) -> anyhow::Result<Report> {
    execute_shard(loaded, sel, Shard::WHOLE).await
}

/// Runs one shard of the selected cells. A flow's baseline also runs in every shard that has
/// a cell of that flow, since a cell means nothing without it; so baselines may appear in
/// several shards' reports, every other cell in exactly one.
pub async fn execute_shard(
    loaded: &Loaded,
    sel: &Selection,
    shard: Shard,
) -> anyhow::Result<Report> {
    let idp = idp::Idp::connect(&loaded.idp, &loaded.raw.client).await?;
    let runner = runner::Runner {
        cfg: &loaded.raw,
        idp: &idp,
        log_file: loaded.log_file.as_deref(),
        browsers: Browsers::new(sel.browser),
    };
    let entries = catalog();
    let mut part = sel.clone();
    if shard != Shard::WHOLE {
        let configured: Vec<FlowKind> = loaded.flows.iter().map(|f| f.kind).collect();
        part.cells = Some(shard.pick(cell_order(&configured, &entries, sel)));
    }
    let (cells, pacing) = runner.run(&loaded.flows, &entries, &part).await?;
    Ok(Report::new(
        idp.url(),
        idp.tenant_name().to_owned(),
        loaded.raw.client.client_id.clone(),
        cells,
    )
    .paced(pacing)
    .warned(loaded.warnings.clone()))
}

/// Runs the catalog, writes the table to `out` and the files asked for, and says whether
/// every cell passed. Errors are configuration, usage or environment problems.
pub async fn run_to(args: &CheckArgs, out: &mut impl Write) -> anyhow::Result<bool> {
    let loaded = CheckConfig::load(&args.config)?;
    let sel = selection(args, &loaded)?;
    let report = execute_shard(&loaded, &sel, args.shard).await?;
    out.write_all(report.table().as_bytes())
        .context("writing the table")?;
    if let Some(path) = &args.junit {
        std::fs::write(path, report.junit())
            .with_context(|| format!("writing JUnit XML to {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, report.json())
            .with_context(|| format!("writing the JSON report to {}", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html::page(&report))
            .with_context(|| format!("writing the HTML report to {}", path.display()))?;
    }
    Ok(report.all_passed())
}

/// Runs the catalog with the table on standard output: exit code 0 when every cell passes,
/// 1 when any fails; errors (configuration, usage) become 2 in `main`.
pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut table = Vec::new();
    let passed = run_to(&args, &mut table).await?;
    // The table is the command's output, not a log line.
    std::io::stdout()
        .write_all(&table)
        .context("writing the table")?;
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
