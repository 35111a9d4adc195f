//! Every scenario of `features/` (without `@known-gap`), run by `cargo test` through the
//! same runner as `harness run`. `SCENARIO_TAGS` narrows the run to a tag expression;
//! `SCENARIO_JUNIT` and `SCENARIO_JSON` name report files for CI.

use harness::scenario::{Options, default_features, execute};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = Options {
        paths: vec![default_features()],
        tags: std::env::var("SCENARIO_TAGS").ok(),
        junit: std::env::var_os("SCENARIO_JUNIT").map(Into::into),
        json: std::env::var_os("SCENARIO_JSON").map(Into::into),
        html: None,
        shard: harness::shard::Shard::WHOLE,
        concurrency: 16,
        color: false,
    };
    match execute(&options, std::io::stdout()).await {
        Ok(summary) if !summary.failed => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            // The test harness reports to the terminal.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("scenarios: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
