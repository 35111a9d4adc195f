//! Gherkin scenarios: the runner (`harness run` and the `scenarios` test target), the world
//! each scenario gets, the step vocabulary and the reports (terminal, JUnit XML, Cucumber
//! JSON).

pub mod steps;
pub mod vocabulary;
pub mod world;

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::writer::{self, Coloring, Stats as _};
use cucumber::{Cucumber, WriterExt as _, cli};

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
            )
        })
        .await;
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
