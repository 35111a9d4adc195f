//! Every scenario of `features/` (without `@known-gap`), run by `cargo test` through the
//! same runner as `harness run`.

use harness::scenario::{Options, default_features, execute};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = Options {
        paths: vec![default_features()],
        tags: std::env::var("SCENARIO_TAGS").ok(),
        junit: None,
        json: None,
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
