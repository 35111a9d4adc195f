//! Gherkin scenarios: the runner (`harness run` and the `scenarios` test target), the world
//! each scenario gets, the step vocabulary and the reports (terminal, JUnit XML, Cucumber
//! JSON).

pub mod html_report;
pub mod steps;
pub mod vocabulary;
pub mod world;

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, anyhow};
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::writer::{self, Coloring, Stats as _};
use cucumber::{Cucumber, WriterExt as _, cli};

use crate::shard::Shard;
use world::ScenarioWorld;

/// The tag of examples the relying party does not pass yet; left out unless a tag expression
/// names it.
pub const KNOWN_GAP: &str = "known-gap";

/// The tags left out of a run unless its tag expression names them.
const LEFT_OUT: [&str; 1] = [KNOWN_GAP];

/// Options of `harness run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Feature files or folders; all of `features/` when none is given.
    pub paths: Vec<PathBuf>,
    /// Run only the scenarios matching this tag expression, e.g.
    /// `@oidcc-client-test-invalid-aud or @binding`. `@known-gap`
    /// scenarios are left out unless the expression names them.
    #[arg(long)]
    pub tags: Option<String>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a Cucumber JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a one-page HTML summary here (failures expanded).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Run only part K of N (e.g. `2/4`) of the selected scenarios; every shard needs the
    /// same paths and tags. See docs/ci-sharding.md.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// How many scenarios run at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
}

/// A run of scenarios, for the binary and for tests.
#[derive(Debug)]
pub struct Options {
    /// Feature files or folders.
    pub paths: Vec<PathBuf>,
    /// Tag expression.
    pub tags: Option<String>,
    /// JUnit XML report file.
    pub junit: Option<PathBuf>,
    /// Cucumber JSON report file.
    pub json: Option<PathBuf>,
    /// HTML summary file.
    pub html: Option<PathBuf>,
    /// The part of the selected scenarios to run.
    pub shard: Shard,
    /// Scenarios at once.
    pub concurrency: usize,
    /// Colours in the terminal report.
    pub color: bool,
}

/// The counts of a finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioSummary {
    /// Steps that passed.
    pub passed_steps: usize,
    /// Steps that failed (undefined steps count as failed).
    pub failed_steps: usize,
    /// Feature files that could not be parsed.
    pub parsing_errors: usize,
    /// Whether anything failed.
    pub failed: bool,
}

/// The `features/` folder: the one in the working directory, else the workspace's.
pub fn default_features() -> PathBuf {
    let here = PathBuf::from("features");
    if here.is_dir() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../features")
    }
}

/// Runs the scenarios (`harness run`).
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![default_features()]
    } else {
        args.paths
    };
    let options = Options {
        paths,
        tags: args.tags,
        junit: args.junit,
        json: args.json,
        html: args.html,
        shard: args.shard,
        concurrency: args.concurrency.max(1),
        color: true,
    };
    let summary = execute(&options, io::stdout()).await?;
    Ok(if summary.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The tag filter: the given expression, and `not @known-gap` unless it names that tag.
pub fn tag_filter(tags: Option<&str>) -> anyhow::Result<TagOperation> {
    let mut parts: Vec<String> = tags.map(|t| format!("({t})")).into_iter().collect();
    for tag in LEFT_OUT {
        if !tags.is_some_and(|t| t.contains(tag)) {
            parts.push(format!("not @{tag}"));
        }
    }
    let expr = parts.join(" and ");
    expr.parse::<TagOperation>()
        .map_err(|e| anyhow!("expected a tag expression, found \"{expr}\": {e}"))
}

/// Where a scenario is: its feature file, line and column (an outline's examples each have
/// their own line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScenarioKey {
    /// The feature file.
    pub file: PathBuf,
    /// The line.
    pub line: usize,
    /// The column.
    pub column: usize,
}

impl ScenarioKey {
    fn of(feature: &cucumber::gherkin::Feature, scenario: &cucumber::gherkin::Scenario) -> Self {
        Self {
            file: feature.path.clone().unwrap_or_default(),
            line: scenario.position.line,
            column: scenario.position.col,
        }
    }
}

/// The scenarios of `paths` that `tags` selects, in the order shards are dealt from: by
/// file, then line. Files that do not parse are left out (the run reports them).
pub fn scenario_order(paths: &[PathBuf], tags: Option<&str>) -> anyhow::Result<Vec<ScenarioKey>> {
    use cucumber::parser::Parser as _;
    use futures::StreamExt as _;

    let filter = tag_filter(tags)?;
    let features: Vec<_> = futures::executor::block_on(
        parser::Paths
            .parse(paths.to_vec(), cli::Empty)
            .collect::<Vec<_>>(),
    );
    let mut keys = Vec::new();
    for feature in features.into_iter().flatten() {
        let in_rules = feature
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (rule, scenario) in feature.scenarios.iter().map(|s| (None, s)).chain(in_rules) {
            let tags = feature
                .tags
                .iter()
                .chain(rule.iter().flat_map(|r| &r.tags))
                .chain(scenario.tags.iter());
            if filter.eval(tags) {
                keys.push(ScenarioKey::of(&feature, scenario));
            }
        }
    }
    keys.sort();
    Ok(keys)
}

/// Keeps what a writer is given, for reading back after the run.
#[derive(Debug, Clone, Default)]
struct Kept(Arc<Mutex<Vec<u8>>>);

impl Write for Kept {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn report_file(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(io::sink()),
    })
}

/// Runs the features of `options`, writing the terminal report to `terminal`.
pub async fn execute(
    options: &Options,
    terminal: impl Write + 'static,
) -> anyhow::Result<ScenarioSummary> {
    let filter = tag_filter(options.tags.as_deref())?;
    for p in &options.paths {
        if !p.exists() {
            anyhow::bail!(
                "expected a feature file or folder, found nothing at {}",
                p.display()
            );
        }
    }
    let chosen: Option<HashSet<ScenarioKey>> = if options.shard == Shard::WHOLE {
        None
    } else {
        let order = scenario_order(&options.paths, options.tags.as_deref())?;
        Some(options.shard.pick(order).into_iter().collect())
    };
    let kept = Kept::default();
    let html_json: Box<dyn Write> = if options.html.is_some() {
        Box::new(kept.clone())
    } else {
        Box::new(io::sink())
    };
    let color = if options.color {
        Coloring::Auto
    } else {
        Coloring::Never
    };
    let writer = writer::Basic::raw(terminal, color, 0)
        .summarized()
        .tee::<ScenarioWorld, _>(writer::JUnit::for_tee(
            report_file(options.junit.as_deref())?,
            0,
        ))
        .tee::<ScenarioWorld, _>(writer::Json::for_tee(report_file(options.json.as_deref())?))
        .tee::<ScenarioWorld, _>(writer::Json::for_tee(html_json))
        .normalized();
    let cucumber = Cucumber::<ScenarioWorld, _, PathBuf, _, _>::new()
        .with_parser(parser::Paths)
        .steps(vocabulary::collection())
        .max_concurrent_scenarios(options.concurrency)
        .with_writer(writer)
        .fail_on_skipped()
        .with_cli(cli::Opts::<_, _, _, cli::Empty>::default());
    let done = cucumber
        .filter_run(options.paths.clone(), move |feature, rule, scenario| {
            filter.eval(
                feature
                    .tags
                    .iter()
                    .chain(rule.iter().flat_map(|r| &r.tags))
                    .chain(scenario.tags.iter()),
            ) && chosen
                .as_ref()
                .is_none_or(|c| c.contains(&ScenarioKey::of(feature, scenario)))
        })
        .await;
    if let Some(path) = &options.html {
        let json =
            String::from_utf8_lossy(&kept.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
        let report = html_report::RunReport::from_cucumber_json(&json)
            .context("reading the run back for the HTML report")?;
        let title = if options.shard == Shard::WHOLE {
            "harness run".to_owned()
        } else {
            format!("harness run, shard {}", options.shard)
        };
        std::fs::write(path, html_report::page(&report, &title))
            .with_context(|| format!("writing the HTML report to {}", path.display()))?;
    }
    Ok(ScenarioSummary {
        passed_steps: done.passed_steps(),
        failed_steps: done.failed_steps(),
        parsing_errors: done.parsing_errors(),
        failed: done.execution_has_failed(),
    })
}

mod parser {
    //! A parser over several feature files or folders.

    use std::path::PathBuf;

    use cucumber::parser::{Basic, Parser, Result};

    /// Parses every path in turn with cucumber's own parser.
    #[derive(Debug, Clone, Copy)]
    pub struct Paths;

    impl Parser<Vec<PathBuf>> for Paths {
        type Cli = cucumber::cli::Empty;
        type Output = futures::stream::Iter<std::vec::IntoIter<Result<cucumber::gherkin::Feature>>>;

        fn parse(self, input: Vec<PathBuf>, _: Self::Cli) -> Self::Output {
            use futures::StreamExt as _;
            let features: Vec<_> = input
                .into_iter()
                .flat_map(|path| {
                    let stream = Basic::new().parse(path, Default::default());
                    futures::executor::block_on(stream.collect::<Vec<_>>())
                })
                .collect();
            futures::stream::iter(features)
        }
    }
}

#[cfg(test)]
mod tests {
    use cucumber::tag::Ext as _;

    use super::tag_filter;

    fn selects(expr: Option<&str>, tags: &[&str]) -> bool {
        tag_filter(expr).expect("an expression").eval(tags.iter())
    }

    #[test]
    fn known_gaps_are_left_out_unless_named() {
        assert!(selects(None, &["binding"]));
        assert!(!selects(None, &["binding", "known-gap"]));
        assert!(selects(Some("@binding"), &["binding"]));
        assert!(!selects(Some("@binding"), &["binding", "known-gap"]));
        assert!(!selects(Some("@binding"), &["creation"]));
        assert!(selects(Some("@known-gap"), &["creation", "known-gap"]));
    }

    #[test]
    fn a_bad_expression_is_an_error() {
        let e = tag_filter(Some("@a and and")).expect_err("refused");
        assert!(e.to_string().contains("expected a tag expression"), "{e}");
    }
}
